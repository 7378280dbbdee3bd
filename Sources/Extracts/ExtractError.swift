/// Why an extract was refused or failed, said so an operator knows what to do.
public struct ExtractError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Code: String, Sendable {
        /// Refusals: nothing was produced.
        case unknownExtract, noAgreement, invalidDate, invalidDefinition, unknownSystem
        /// Failures while producing.
        case source, compression, spool
        /// Stopped on purpose (shutdown); the run goes back to the queue.
        case cancelled
        /// A run of the same extract is in flight; the request was queued or skipped.
        case busy
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// Refused before anything was produced (as opposed to failed half-way).
    public var isRefusal: Bool {
        [.unknownExtract, .noAgreement, .invalidDate, .invalidDefinition, .unknownSystem].contains(code)
    }

    public var description: String { message }
}
