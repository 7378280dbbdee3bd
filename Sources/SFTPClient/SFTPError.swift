import CUdtraekSSH2

/// Every failure of the SFTP client, with enough context for an operator to act on it.
///
/// `code` says what kind of failure it is (callers decide on retries from it, see
/// `isPermanent`), `libssh2Code`/`sftpStatus` carry the library's own numbers for support,
/// and `description` reads as: what failed, why, what to do.
public struct SFTPError: Error, CustomStringConvertible, Sendable {
    public enum Code: String, Sendable {
        case resolve, connect, connectTimeout, handshake, algorithmMismatch
        case hostKeyMismatch, hostKeyNotPinned
        case keyFile, keyPermissions, passphrase, authentication
        case sftpInit, open, write, read, stat, fsync, rename, remove, mkdir, readdir, close
        case sizeMismatch, targetExists, timeout, transferDeadline, disconnected, localIO
    }

    public var code: Code
    /// What was being done, e.g. `uploading IN/D261123.L012345 to 127.0.0.1:22022`.
    public var operation: String
    /// Why it failed, in words.
    public var reason: String
    /// What the operator can do about it; empty when there is nothing obvious.
    public var hint: String
    /// libssh2's return code (negative), or 0.
    public var libssh2Code: Int32
    /// The SFTP status code of the server's answer (SSH_FX_*), or 0.
    public var sftpStatus: UInt
    /// For `.hostKeyMismatch`: the fingerprint the server offered, so a caller can say
    /// which key it got against which it pinned.
    public var offeredHostKey: String?

    public init(_ code: Code, operation: String, reason: String, hint: String = "",
                libssh2Code: Int32 = 0, sftpStatus: UInt = 0) {
        self.code = code
        self.operation = operation
        self.reason = reason
        self.hint = hint
        self.libssh2Code = libssh2Code
        self.sftpStatus = sftpStatus
    }

    /// Failures that a retry cannot fix without an operator: wrong keys, wrong host key,
    /// a server that speaks none of our ciphers, an existing target under the refuse policy.
    public var isPermanent: Bool {
        switch code {
        case .hostKeyMismatch, .hostKeyNotPinned, .keyFile, .keyPermissions, .passphrase,
             .authentication, .algorithmMismatch, .targetExists:
            return true
        default:
            return false
        }
    }

    public var description: String {
        var text = "\(operation) failed: \(reason)"
        if libssh2Code != 0 { text += " (libssh2 \(libssh2Code)" + (sftpStatus != 0 ? ", SFTP status \(sftpStatus))" : ")") }
        if !hint.isEmpty { text += ". \(hint)" }
        return text
    }
}

/// The SFTP status names of RFC draft-ietf-secsh-filexfer-02, for messages.
func sftpStatusName(_ status: UInt) -> String {
    switch status {
    case 1: return "end of file"
    case 2: return "no such file"
    case 3: return "permission denied"
    case 4: return "failure"
    case 5: return "bad message"
    case 6: return "no connection"
    case 7: return "connection lost"
    case 8: return "operation unsupported"
    case 11: return "file already exists"
    case 14: return "no space on filesystem"
    case 15: return "quota exceeded"
    default: return "status \(status)"
    }
}
