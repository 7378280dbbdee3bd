import SFTPClient

/// Why a delivery failed, and whether trying again can help.
public struct DeliveryError: Error, CustomStringConvertible, Sendable {
    public enum Code: String, Sendable {
        case unknownSystem, localFile, integrity, passphrase, sftp, noAgreement
    }

    public var code: Code
    public var operation: String
    public var reason: String
    public var hint: String
    /// The SFTP failure underneath, when there is one.
    public var sftp: SFTPError?

    public init(_ code: Code, operation: String, reason: String, hint: String = "") {
        self.code = code
        self.operation = operation
        self.reason = reason
        self.hint = hint
    }

    public init(_ error: SFTPError) {
        self.code = .sftp
        self.operation = error.operation
        self.reason = error.reason
        self.hint = error.hint
        self.sftp = error
    }

    /// Permanent failures go to the operator instead of being retried.
    public var isPermanent: Bool {
        switch code {
        case .sftp: return sftp?.isPermanent ?? false
        case .unknownSystem, .passphrase, .noAgreement, .integrity: return true
        case .localFile: return true
        }
    }

    /// A short, stable name for the kind of failure (stored with the delivery).
    public var kind: String { sftp.map { "sftp.\($0.code.rawValue)" } ?? code.rawValue }

    public var description: String {
        if let sftp { return sftp.description }
        return "\(operation) failed: \(reason)" + (hint.isEmpty ? "" : ". \(hint)")
    }
}
