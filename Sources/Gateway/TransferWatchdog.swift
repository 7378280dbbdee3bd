import NIOCore
#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// What the writer of a large response has done so far, read by its watchdog.
final class TransferProgress: Sendable {
    let bytes = Atomic<Int>(0)
    /// Clock reading when the current write started waiting on the client; 0 when none.
    let blockedSince = Atomic<UInt64>(0)
    let clientTooSlow = Atomic<Bool>(false)
    let serverTooSlow = Atomic<Bool>(false)
}

/// Watches a large response's rate and disconnects a client that reads slower than the
/// minimum for longer than the grace period, so slow clients cannot hold the server's
/// threads and memory. A server too slow to produce is only recorded: the caller is owed
/// the data, and the breach counts against the platform.
enum TransferWatchdog {
    /// Resets the connection (SO_LINGER 0): a plain close would leave megabytes queued in
    /// the kernel for the slow reader to trickle through, holding the socket for minutes.
    static func abort(_ channel: any Channel) {
        guard let provider = channel as? any SocketOptionProvider else { channel.close(promise: nil); return }
        provider.setSoLinger(linger(l_onoff: 1, l_linger: 0)).whenComplete { _ in channel.close(promise: nil) }
    }

    static func start(progress: TransferProgress, policy: TransferRatePolicy, clock: any GatewayClock,
                      channel: any Channel, pipe: ChunkPipe) -> Task<Void, Never> {
        Task {
            let interval = Duration.nanoseconds(max(Int64(policy.grace.seconds * 1e9) / 4, 10_000_000))
            var samples: [(at: UInt64, bytes: Int)] = [(clock.nanoseconds(), 0)]
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                if Task.isCancelled { return }
                let now = clock.nanoseconds()
                let bytes = progress.bytes.load(ordering: .relaxed)
                samples.append((now, bytes))
                let graceNs = UInt64(policy.grace.seconds * 1e9)
                // The newest sample at least one grace period old is the window's start.
                guard let start = samples.lastIndex(where: { now &- $0.at >= graceNs }) else { continue }
                samples.removeFirst(start)
                let then = samples[0]
                let verdict = policy.verdict(bytesThen: then.bytes, bytesNow: bytes,
                                             window: .nanoseconds(Int64(now &- then.at)),
                                             writeBlocked: progress.blockedSince.load(ordering: .relaxed) != 0)
                switch verdict {
                case .ok: continue
                case .serverTooSlow: progress.serverTooSlow.store(true, ordering: .relaxed)
                case .clientTooSlow:
                    progress.clientTooSlow.store(true, ordering: .relaxed)
                    pipe.cancel()
                    abort(channel)
                    return
                }
            }
        }
    }
}
