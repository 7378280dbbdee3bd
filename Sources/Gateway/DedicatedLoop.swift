import Dispatch
import Foundation
import ServiceLifecycle
import Synchronization

/// Runs a piece of blocking housekeeping (a SQLite write, a configuration read) every
/// `interval` on a thread of its own, for as long as the calling service runs, then once
/// more. Swift's cooperative pool has one thread per core, two here: a database write
/// of a few milliseconds on one of them would stall half the gateway's calls and show in
/// its tail latency.
enum DedicatedLoop {
    final class Control: Sendable {
        let wake = DispatchSemaphore(value: 0)
        let stopped = Atomic<Bool>(false)
        func stop() {
            if !stopped.exchange(true, ordering: .acquiringAndReleasing) { wake.signal() }
        }
    }

    /// Returns once the group shuts down gracefully or the task is cancelled, after `body`
    /// has run a last time. With `immediately`, `body` also runs once as soon as the thread
    /// starts, rather than only after the first interval.
    static func run(name: String, every interval: Duration, immediately: Bool = false,
                    _ body: @escaping @Sendable () -> Void) async {
        let control = Control()
        let nanoseconds = Int(max(0.001, interval.seconds) * 1e9)
        await withGracefulShutdownHandler {
            await withTaskCancellationHandler {
                await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
                    let thread = Thread {
                        if immediately && !control.stopped.load(ordering: .acquiring) { body() }
                        while !control.stopped.load(ordering: .acquiring) {
                            _ = control.wake.wait(timeout: .now() + .nanoseconds(nanoseconds))
                            if control.stopped.load(ordering: .acquiring) { break }
                            body()
                        }
                        body()
                        done.resume()
                    }
                    thread.name = name
                    thread.start()
                }
            } onCancel: {
                control.stop()
            }
        } onGracefulShutdown: {
            control.stop()
        }
    }
}
