import Synchronization

/// Caps the calls one system has in flight, so one busy system cannot starve the others.
public final class ConcurrencyLimiter: Sendable {
    let limit: Int
    let inFlight = Mutex<[String: Int]>([:])

    public init(limit: Int) { self.limit = max(1, limit) }

    /// Takes a slot for `system`, or returns false when it already has `limit` calls running.
    public func acquire(_ system: String) -> Bool {
        inFlight.withLock { all in
            let n = all[system, default: 0]
            guard n < limit else { return false }
            all[system] = n + 1
            return true
        }
    }

    public func release(_ system: String) {
        inFlight.withLock { all in
            let n = all[system, default: 1] - 1
            all[system] = n > 0 ? n : nil
        }
    }
}
