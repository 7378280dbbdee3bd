import Foundation

/// When to try a failed delivery again: exponential backoff with jitter, so many
/// deliveries failing together (an inbox host down) do not come back in lockstep.
public struct RetryPolicy: Sendable, Equatable {
    public var initialDelay: Duration
    public var maximumDelay: Duration
    public var multiplier: Double
    /// Share of the delay drawn at random on either side (0.2 = ±20%).
    public var jitter: Double
    /// After this many attempts a transient failure is treated as needing an operator.
    public var maximumAttempts: Int

    public init(initialDelay: Duration = .seconds(30), maximumDelay: Duration = .seconds(3600),
                multiplier: Double = 2, jitter: Double = 0.2, maximumAttempts: Int = 12) {
        self.initialDelay = initialDelay
        self.maximumDelay = maximumDelay
        self.multiplier = multiplier
        self.jitter = jitter
        self.maximumAttempts = maximumAttempts
    }

    /// The delay before attempt `attempt + 1`, given that `attempt` attempts failed;
    /// nil when no further attempt should be made. `unit` is a random number in 0..<1.
    public func delay(afterAttempt attempt: Int, unit: Double) -> Duration? {
        guard attempt < maximumAttempts else { return nil }
        let base = Double(initialDelay.components.seconds) * pow(multiplier, Double(max(0, attempt - 1)))
        let capped = min(base, Double(maximumDelay.components.seconds))
        let factor = 1 + jitter * (2 * unit - 1)
        return .milliseconds(Int64(capped * factor * 1000))
    }
}
