/// The platform's response-time classes (operating terms, "Service targets").
public enum ServiceClass: String, Sendable, CaseIterable {
    case simple, medium, complex, large
}

/// The limits each class is held to. Injectable so tests can make them tiny; the defaults
/// are the platform's: simple 1.0 s, medium 1.5 s, complex 4.0 s, large responses first
/// byte within 15 s and then at least 200 kB/s ("kb/sek" read as kilobytes, the stricter
/// reading).
public struct ServiceTargets: Sendable, Equatable {
    public var simple: Duration
    public var medium: Duration
    public var complex: Duration
    /// Time to the first byte of a large response.
    public var largeFirstByte: Duration
    /// Minimum transfer rate of a large response, bytes per second.
    public var largeMinimumRate: Double

    public init(simple: Duration = .seconds(1), medium: Duration = .milliseconds(1500),
                complex: Duration = .seconds(4), largeFirstByte: Duration = .seconds(15),
                largeMinimumRate: Double = 200_000) {
        self.simple = simple
        self.medium = medium
        self.complex = complex
        self.largeFirstByte = largeFirstByte
        self.largeMinimumRate = largeMinimumRate
    }

    /// The time a call of `serviceClass` has to produce its answer (for large: its first byte).
    public func limit(_ serviceClass: ServiceClass) -> Duration {
        switch serviceClass {
        case .simple: simple
        case .medium: medium
        case .complex: complex
        case .large: largeFirstByte
        }
    }
}

/// A time source in nanoseconds from an arbitrary origin. Injected so deadline tests do
/// not depend on the machine's speed.
public protocol GatewayClock: Sendable {
    func nanoseconds() -> UInt64
}

/// The real, monotonic clock.
public struct SystemGatewayClock: GatewayClock {
    public init() {}
    public func nanoseconds() -> UInt64 { DispatchTimeNow.nanoseconds() }
}

import Dispatch
enum DispatchTimeNow {
    static func nanoseconds() -> UInt64 { DispatchTime.now().uptimeNanoseconds }
}

/// The time a piece of work may take: checked by the work itself in its loops (Swift
/// cannot stop a running synchronous loop from outside) and once more when it is done.
public struct Deadline: Sendable {
    let clock: any GatewayClock
    let start: UInt64
    public let limit: Duration

    public init(clock: any GatewayClock, start: UInt64, limit: Duration) {
        self.clock = clock
        self.start = start
        self.limit = limit
    }

    public var elapsed: Duration { .nanoseconds(Int64(clock.nanoseconds() &- start)) }
    public var isExpired: Bool { elapsed > limit }

    /// Throws the 504 fault when the limit has passed; also honours task cancellation.
    public func check() throws(GatewayFault) {
        if isExpired || Task.isCancelled { throw GatewayFault.timeout(limit: limit) }
    }
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
        let rate = Double(bytesNow - bytesThen) / window.seconds
        guard rate < minimumRate else { return .ok }
        return writeBlocked ? .clientTooSlow : .serverTooSlow
    }
}
