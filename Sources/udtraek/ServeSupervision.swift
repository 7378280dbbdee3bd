#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// A service of `serve` that names its failure in one log line the moment it fails, not
/// when the whole group has stopped (which, if another service were slow to stop, an
/// operator would never see).
struct ReportedService: Service {
    let name: String
    let service: any Service
    let failures: FirstFailure

    func run() async throws {
        do {
            try await service.run()
        } catch {
            failures.record(name, error)
            throw error
        }
    }
}

/// Logs the first failure of any service, on one line; later ones (mostly consequences,
/// such as a cancellation) only at debug level.
final class FirstFailure: Sendable {
    let logger: Logger
    private let seen = Mutex<Bool>(false)

    init(logger: Logger) { self.logger = logger }

    var hasFailed: Bool { seen.withLock { $0 } }

    func record(_ what: String, _ error: any Error) {
        let first = seen.withLock { seen in
            defer { seen = true }
            return !seen
        }
        let line = "\(what) failed: \(Self.oneLine(error)); serve stops"
        if first { logger.critical("\(line)") } else { logger.debug("\(line)") }
    }

    static func oneLine(_ error: any Error) -> String {
        "\(error)".split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
    }
}

/// The last word on stopping `serve`: when a graceful shutdown (SIGTERM, SIGINT) starts,
/// or the group is cancelled because a service failed, it arms a kernel timer that ends
/// the process if the group has still not returned after the grace period. The group's own
/// `maximumGracefulShutdownDuration` turns a slow graceful shutdown into a cancellation
/// first; this catches whatever does not react even to that (a job blocked in a C call),
/// so a stop request always ends the process in bounded time.
///
/// Placed last in the group, so a graceful shutdown (which goes through the services in
/// reverse order) reaches it first. The handlers arm the timer in the context that
/// triggers the stop, so arming needs no free thread of any pool.
struct ShutdownWatchdog: Service {
    /// How long a graceful shutdown may take before the process exits anyway.
    let grace: Duration
    /// How long the services may take to stop after one has failed.
    let afterFailure: Duration
    let logger: Logger
    /// Logged when the group runs: its signal handlers are in place before any service
    /// starts, so from this line on SIGTERM is a graceful stop.
    let ready: String

    func run() async throws {
        logger.notice("\(ready)")
        await withTaskCancellationHandler {
            await withGracefulShutdownHandler {
                // Returns when the graceful shutdown starts; throws when cancelled.
                try? await gracefulShutdown()
            } onGracefulShutdown: {
                HardExitTimer.arm(after: grace, logger: logger)
            }
        } onCancel: {
            HardExitTimer.arm(after: afterFailure, logger: logger)
        }
    }
}

/// A one-shot SIGALRM timer whose handler ends the process with status 1: no thread, no
/// task, nothing that a blocked or starved pool could delay.
enum HardExitTimer {
    private static let armed = Atomic<Bool>(false)

    /// Arms the timer (the first call wins); `after` is rounded up to whole seconds.
    static func arm(after limit: Duration, logger: Logger) {
        guard !armed.exchange(true, ordering: .relaxed) else { return }
        let seconds = max(1, Int(limit.inSecondsRoundedUp))
        logger.notice("stopping; serve exits in at most \(seconds) s")
        signal(SIGALRM) { _ in
            let message: StaticString = "udtraek serve: the services did not stop within the grace period; exiting\n"
            _ = write(STDERR_FILENO, message.utf8Start, message.utf8CodeUnitCount)
            _exit(1)
        }
        alarm(UInt32(clamping: seconds))
    }

    /// Called once the group has returned: nothing is left to cut short.
    static func disarm() {
        alarm(0)
    }
}

extension Duration {
    fileprivate var inSecondsRoundedUp: Int64 {
        components.seconds + (components.attoseconds > 0 ? 1 : 0)
    }
}
