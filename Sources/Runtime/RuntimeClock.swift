import Foundation

/// The one clock every service reads: deadlines, first-byte timers, watchdogs, the
/// scheduler, the monitor, retention and the change executor. It is a `Clock` (monotonic
/// instants and sleeps) that also tells the wall-clock date, which calendars, schedules and
/// records need.
///
/// Production code is given `.system`; a test gives a `ManualClock` and moves time itself,
/// so no test of a limit depends on how fast or how busy the machine is. Keeping both
/// readings in one value also lets a test step the wall clock without the monotonic one,
/// as NTP does when it corrects a drifted system clock.
public struct RuntimeClock: Clock, Sendable {
    /// A point on the monotonic time line: the time since the source's origin.
    public struct Instant: InstantProtocol, Hashable, Sendable {
        public var offset: Duration

        public init(offset: Duration) { self.offset = offset }
        public func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }
        public func duration(to other: Instant) -> Duration { other.offset - offset }
        public static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.offset < rhs.offset }
        /// The time from `rhs` to `lhs`, as `ContinuousClock.Instant` subtracts.
        public static func - (lhs: Instant, rhs: Instant) -> Duration { lhs.offset - rhs.offset }
    }

    let source: any TimeSource

    public init(_ source: any TimeSource) { self.source = source }

    /// The machine's clocks: `ContinuousClock` for instants and sleeps, `Date()` for dates.
    public static let system = RuntimeClock(SystemTimeSource())

    public var now: Instant { source.now }
    public var minimumResolution: Duration { .nanoseconds(1) }

    public func sleep(until deadline: Instant, tolerance: Duration? = nil) async throws {
        try await source.sleep(until: deadline)
    }

    /// The wall-clock date now.
    public var date: Date { source.date }

    /// Whether the time source is moved by hand (tests); lets code that polls something
    /// outside the process (a child's exit, a file) poll on real time instead.
    public var isManual: Bool { source is ManualClock }
}

/// Where a `RuntimeClock` gets its readings.
public protocol TimeSource: Sendable {
    var now: RuntimeClock.Instant { get }
    var date: Date { get }
    func sleep(until deadline: RuntimeClock.Instant) async throws
}

/// The machine's monotonic clock (which keeps counting while the machine sleeps, so a
/// suspended laptop still sees its deadlines pass) and its wall clock.
struct SystemTimeSource: TimeSource {
    static let origin = ContinuousClock.now

    var now: RuntimeClock.Instant { RuntimeClock.Instant(offset: Self.origin.duration(to: ContinuousClock.now)) }
    var date: Date { Date() }

    func sleep(until deadline: RuntimeClock.Instant) async throws {
        try await ContinuousClock().sleep(until: Self.origin.advanced(by: deadline.offset), tolerance: nil)
    }
}

extension Duration {
    /// The duration in seconds as a `Double` (for rates and for APIs that take seconds).
    public var inSeconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }

    /// A duration from seconds, clamped to what `Duration` holds; NaN is zero.
    public static func clampedSeconds(_ seconds: Double) -> Duration {
        let limit = 1e15  // about 31 million years: beyond any deadline, far inside Int64
        guard !seconds.isNaN else { return .zero }
        let clamped = min(limit, max(-limit, seconds))
        let whole = clamped.rounded(.towardZero)
        return .seconds(Int64(whole)) + .nanoseconds(Int64((clamped - whole) * 1e9))
    }
}
