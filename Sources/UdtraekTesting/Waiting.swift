import Foundation
import Runtime

/// Waits until `condition` holds, checking every few milliseconds; the bound only matters
/// when the test is failing anyway. Returns whether it held.
public func eventually(within limit: Duration = .seconds(120), _ condition: () throws -> Bool) async rethrows -> Bool {
    let clock = ContinuousClock()
    let deadline = clock.now + limit
    while clock.now < deadline {
        if try condition() { return true }
        try? await Task.sleep(for: .milliseconds(5))
    }
    return try condition()
}

/// A small executor whose threads are all taken, except `free` of them, while `body`
/// runs: for tests of code that must cope with getting fewer companion threads (or none)
/// than it asks for.
public func withBusyExecutor<T>(threads: Int, free: Int = 0, _ body: (BlockingExecutor) throws -> T) throws -> T {
    let executor = BlockingExecutor(threads: threads)
    let busy = threads - free
    let release = DispatchSemaphore(value: 0)
    let started = DispatchSemaphore(value: 0)
    let holding = executor.startCompanions(upTo: busy) { _ in
        started.signal()
        release.wait()
    }
    defer { for _ in 0..<holding { release.signal() } }
    for _ in 0..<holding { started.wait() }
    guard holding == busy else { throw HarnessError("could hold only \(holding) of \(busy) executor threads") }
    return try body(executor)
}
