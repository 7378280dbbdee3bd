import NIOCore
#if canImport(Glibc)
import Glibc
#endif
import Runtime
import Synchronization

/// What the writer of a large response has done so far, read by its watchdog.
final class TransferProgress: Sendable {
    let bytes = Atomic<Int>(0)
    /// Whether the writer is waiting for the client to take a chunk.
    let writeBlocked = Atomic<Bool>(false)
    let clientTooSlow = Atomic<Bool>(false)
    let serverTooSlow = Atomic<Bool>(false)
}

/// Who made a large response miss its rate.
public enum TransferVerdict: Sendable, Equatable {
    case ok
    /// The server was waiting for the client to read: disconnect it.
    case clientTooSlow
    /// The server produced too slowly: recorded as the platform's breach.
    case serverTooSlow
}

/// Decides, from samples of bytes sent over time, whether a large response has been
/// slower than the minimum rate for longer than the grace period, and whose fault it is.
public struct TransferRatePolicy: Sendable {
    public var minimumRate: Double
    public var grace: Duration

    public init(minimumRate: Double, grace: Duration) {
        self.minimumRate = minimumRate
        self.grace = grace
    }

    /// - Parameters:
    ///   - bytesThen: bytes sent one grace period ago (or at the first byte, if later)
    ///   - bytesNow: bytes sent now
    ///   - window: the time between the two readings; judged only once it spans the grace period
    ///   - writeBlocked: whether the server is waiting on the client to take data
    public func verdict(bytesThen: Int, bytesNow: Int, window: Duration, writeBlocked: Bool) -> TransferVerdict {
        guard window >= grace, window > .zero else { return .ok }
        let rate = Double(bytesNow - bytesThen) / window.inSeconds
        guard rate < minimumRate else { return .ok }
        return writeBlocked ? .clientTooSlow : .serverTooSlow
    }
}

/// Watches a large response's rate and disconnects a client that reads slower than the
/// minimum for longer than the grace period, so slow clients cannot hold the server's
/// connections and memory. A server too slow to produce is only recorded: the caller is
/// owed the data, and the breach counts against the platform. Samples are taken on the
/// injected clock, four per grace period, so a test decides when the verdict falls.
enum TransferWatchdog {
    /// Resets the connection (SO_LINGER 0): a plain close would leave megabytes queued in
    /// the kernel for the slow reader to trickle through, holding the socket for minutes.
    static func abort(_ channel: any Channel) {
        guard let provider = channel as? any SocketOptionProvider else { channel.close(promise: nil); return }
        provider.setSoLinger(linger(l_onoff: 1, l_linger: 0)).whenComplete { _ in channel.close(promise: nil) }
    }

    static func start(progress: TransferProgress, policy: TransferRatePolicy, clock: RuntimeClock,
                      channel: any Channel, source: LargeResponseSource) -> Task<Void, Never> {
        Task {
            let interval = max(policy.grace / 4, .milliseconds(10))
            var samples: [(at: RuntimeClock.Instant, bytes: Int)] = [(clock.now, 0)]
            while !Task.isCancelled {
                do { try await clock.sleep(until: clock.now.advanced(by: interval)) } catch { return }
                let now = clock.now
                let bytes = progress.bytes.load(ordering: .relaxed)
                samples.append((now, bytes))
                // The newest sample at least one grace period old is the window's start.
                guard let start = samples.lastIndex(where: { $0.at.duration(to: now) >= policy.grace }) else { continue }
                samples.removeFirst(start)
                let then = samples[0]
                let verdict = policy.verdict(bytesThen: then.bytes, bytesNow: bytes, window: then.at.duration(to: now),
                                             writeBlocked: progress.writeBlocked.load(ordering: .relaxed))
                switch verdict {
                case .ok: continue
                case .serverTooSlow: progress.serverTooSlow.store(true, ordering: .relaxed)
                case .clientTooSlow:
                    progress.clientTooSlow.store(true, ordering: .relaxed)
                    source.cancel()
                    abort(channel)
                    return
                }
            }
        }
    }
}
