/// The parsers of outside input that `make fuzz` drives with libFuzzer, each checked for the
/// properties it must keep (round trips, bounds, clean refusals), not only for not crashing.
///
/// The same functions replay the committed corpora (`Fuzz/corpus/<target>/`) in the normal
/// test run, so every input the fuzzer ever kept, and every crash it found, stays a test.
public enum FuzzTarget: String, CaseIterable, Sendable {
    /// The YAML configuration reader (`ConfigurationFile.parse`), from text.
    case config
    /// Cron expressions (`CronExpression`).
    case cron
    /// The invocation-context headers of a gateway call (`InvocationContext.parse`).
    case invocationContext = "invocation-context"
    /// Durations and deadlines (`DurationText`, `RequestedTime`).
    case durations
    /// The `NAME.metadata` XML document (`MetadataDocument`), built from fuzzed fields.
    case metadata
    /// A sender's `NAME.trigger` (`TriggerDocument`), and the receipt written about it.
    case trigger
    /// A SOAP request to the CPR subscription service (`SOAPEnvelope.parse`).
    case soapEnvelope = "soap-envelope"

    /// Runs one input; throws when a property does not hold. Never traps on its own.
    public func check(_ input: [UInt8]) throws(FuzzFailure) {
        switch self {
        case .config: try ConfigTarget.check(input)
        case .cron: try CronTarget.check(input)
        case .invocationContext: try InvocationContextTarget.check(input)
        case .durations: try DurationTarget.check(input)
        case .metadata: try MetadataTarget.check(input)
        case .trigger: try TriggerTarget.check(input)
        case .soapEnvelope: try SOAPEnvelopeTarget.check(input)
        }
    }
}

/// A property that did not hold for an input: the finding the fuzzer reports as a crash.
public struct FuzzFailure: Error, Sendable, CustomStringConvertible {
    public let target: FuzzTarget
    public let property: String

    init(_ target: FuzzTarget, _ property: String) {
        self.target = target
        self.property = property
    }

    public var description: String { "\(target.rawValue): \(property)" }
}
