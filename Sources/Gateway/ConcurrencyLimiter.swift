import Synchronization

/// Caps the calls one system has in flight, so one busy system cannot starve the others.
public final class ConcurrencyLimiter: Sendable {
    let limit: Int
    let counts = Mutex<[String: Int]>([:])

    public init(limit: Int) { self.limit = max(1, limit) }

    /// Takes a slot for `system`, or returns false when it already has `limit` calls running.
    public func acquire(_ system: String) -> Bool {
        counts.withLock { all in
            let n = all[system, default: 0]
            guard n < limit else { return false }
            all[system] = n + 1
            return true
        }
    }

    /// The calls `system` has in flight now (tests wait on it instead of guessing).
    public func inFlight(_ system: String) -> Int {
        counts.withLock { $0[system, default: 0] }
    }

    public func release(_ system: String) {
        counts.withLock { all in
            let n = all[system, default: 1] - 1
            all[system] = n > 0 ? n : nil
        }
    }
}
