/// Why an administrative act was refused, in terms the API maps to a status and a person
/// can act on. Whatever the kind, nothing was changed.
public struct AdministrationError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Kind: String, Sendable {
        /// The request itself is wrong (a field missing or malformed).
        case invalid
        /// There is no such object, or it is outside the caller's scope (the same answer).
        case notFound
        /// The object is in scope, but the caller's roles do not allow the act.
        case forbidden
        /// The act does not fit the object's state (already decided, name taken).
        case conflict
    }

    public var kind: Kind
    /// A stable word for scripts: `unknown-agreement`, `not-signatory`, ...
    public var code: String
    public var message: String

    public init(_ kind: Kind, _ code: String, _ message: String) {
        self.kind = kind
        self.code = code
        self.message = message
    }

    public var description: String { message }

    static func notFound(_ what: String, _ id: String) -> AdministrationError {
        AdministrationError(.notFound, "unknown-\(what)", "there is no \(what) \(id) that you can see")
    }
}
