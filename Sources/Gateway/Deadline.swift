import Runtime

/// The time a piece of work may take, read on the gateway's injected clock: checked by the
/// work itself in its loops (Swift cannot stop a running synchronous loop from outside) and
/// once more when it is done.
public struct Deadline: Sendable {
    let clock: RuntimeClock
    public let start: RuntimeClock.Instant
    public let limit: Duration

    public init(clock: RuntimeClock, start: RuntimeClock.Instant, limit: Duration) {
        self.clock = clock
        self.start = start
        self.limit = limit
    }

    /// The instant the limit passes.
    public var end: RuntimeClock.Instant { start.advanced(by: limit) }
    public var elapsed: Duration { start.duration(to: clock.now) }
    public var isExpired: Bool { elapsed > limit }

    /// Throws the 504 fault when the limit has passed; also honours task cancellation.
    public func check() throws(GatewayFault) {
        if isExpired || Task.isCancelled { throw GatewayFault.timeout(limit: limit) }
    }
}
