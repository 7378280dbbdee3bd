#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// A receiver system's private key file, checked before libssh2 is given it.
///
/// The checks run first because libssh2's own errors for these cases are vague ("unable
/// to extract public key from private key file"), and because a key others can read must
/// be refused outright, as OpenSSH's client does.
public struct PrivateKeyFile: Sendable {
    public enum KeyType: String, Sendable { case ed25519 = "ssh-ed25519", rsa = "ssh-rsa", ecdsa, unknown }

    public let path: String
    public let type: KeyType
    /// Whether the key is encrypted and so needs a passphrase.
    public let isEncrypted: Bool

    /// The largest key file read: 64 KiB. An RSA key of 16384 bits is about 12 KiB; a
    /// bigger file is not a key, and a path to something huge must not be read whole.
    public static let maximumBytes = 64 * 1024

    /// Reads and checks the key file: it exists, it is a regular file, only its owner can
    /// read it (mode 0600 or 0400), it is at most `maximumBytes`, and it is an OpenSSH or
    /// PEM private key. The checks are made on the opened file, so the file checked is the
    /// file read (a path swapped for `/dev/zero` in between is still refused).
    public init(path: String) throws {
        let operation = "reading private key \(path)"
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)
        guard fd >= 0 else {
            throw SFTPError(.keyFile, operation: operation, reason: String(cString: strerror(errno)),
                            hint: "Create the key with `udtraek keys generate SYSTEM` or fix the key path in the configuration")
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else {
            throw SFTPError(.keyFile, operation: operation, reason: "not a regular file",
                            hint: "Point private_key at the key file itself")
        }
        let loose = st.st_mode & 0o077
        guard loose == 0 else {
            throw SFTPError(.keyPermissions, operation: operation,
                            reason: "the file's mode is \(String(st.st_mode & 0o777, radix: 8)), so others than its owner can read it",
                            hint: "Run `chmod 600 \(path)`; a private key readable by others is refused")
        }
        guard st.st_size <= Self.maximumBytes else {
            throw SFTPError(.keyFile, operation: operation, reason: "the file is \(st.st_size) bytes, more than a key file (at most \(Self.maximumBytes))",
                            hint: "Point private_key at the key file itself")
        }
        var bytes = [UInt8](repeating: 0, count: Self.maximumBytes + 1)
        var count = 0
        while count < bytes.count {
            let n = bytes.withUnsafeMutableBytes { buffer in buffer.baseAddress.map { read(fd, $0 + count, buffer.count - count) } ?? 0 }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { break }
            count += n
        }
        guard count <= Self.maximumBytes, let text = String(validating: bytes[..<count], as: UTF8.self) else {
            throw SFTPError(.keyFile, operation: operation, reason: "cannot read the file as text")
        }
        self.path = path
        if text.contains("-----BEGIN OPENSSH PRIVATE KEY-----") {
            (type, isEncrypted) = try Self.parseOpenSSH(text, operation: operation)
        } else if text.contains("-----BEGIN RSA PRIVATE KEY-----") {
            type = .rsa
            isEncrypted = text.contains("ENCRYPTED")
        } else if text.contains("-----BEGIN EC PRIVATE KEY-----") {
            type = .ecdsa
            isEncrypted = text.contains("ENCRYPTED")
        } else {
            throw SFTPError(.keyFile, operation: operation, reason: "not an OpenSSH or PEM private key",
                            hint: "Use a key made by ssh-keygen or `udtraek keys generate`")
        }
    }

    /// What is wrong with the key file at `path` for use without further questions, in one
    /// sentence, or nil: the rule the configuration (`private_key`) and SSH-key change
    /// orders both apply. Missing, not a regular file, readable by others, too big, not a
    /// key, of a type libssh2 cannot use, or encrypted with no passphrase source named.
    public static func problem(path: String, passphraseGiven: Bool) -> String? {
        guard path.hasPrefix("/") else { return "private key path '\(path)' must be absolute: the service reads it from its own working directory" }
        do {
            let key = try PrivateKeyFile(path: path)
            if key.isEncrypted && !passphraseGiven {
                return "the private key \(path) is encrypted: name where its passphrase is (passphrase_env or passphrase_file; passphrase-env or passphrase-file in a change order)"
            }
            if key.type == .unknown { return "the private key \(path) is of a type libssh2 cannot use; use ed25519 or RSA" }
            return nil
        } catch let e as SFTPError {
            return "malformed or unusable private key: \(e.operation): \(e.reason)" + (e.hint.isEmpty ? "" : ". \(e.hint)")
        } catch {
            return "the private key \(path) cannot be read: \(error)"
        }
    }

    /// The openssh-key-v1 container: magic, cipher name, kdf name, kdf options, key count,
    /// then the public key blob whose first string is the key type.
    static func parseOpenSSH(_ text: String, operation: String) throws -> (KeyType, Bool) {
        let body = text.split(separator: "\n")
            .filter { !$0.hasPrefix("-----") }
            .joined()
        guard let data = Data(base64Encoded: body) else {
            throw SFTPError(.keyFile, operation: operation, reason: "the key's base64 body is damaged")
        }
        let bytes = [UInt8](data)
        let magic = Array("openssh-key-v1\0".utf8)
        guard bytes.starts(with: magic) else {
            throw SFTPError(.keyFile, operation: operation, reason: "not an openssh-key-v1 key")
        }
        var offset = magic.count
        let truncated = SFTPError(.keyFile, operation: operation, reason: "truncated key")
        guard let cipher = sshString(bytes, &offset),
              sshString(bytes, &offset) != nil,      // kdf name
              sshString(bytes, &offset) != nil else { // kdf options
            throw truncated
        }
        offset += 4 // number of keys
        var blobOffset = 0
        guard let publicBlob = sshString(bytes, &offset),
              let keyTypeBytes = sshString(publicBlob, &blobOffset) else {
            throw truncated
        }
        let keyTypeName = String(decoding: keyTypeBytes, as: UTF8.self)
        let type: KeyType
        switch keyTypeName {
        case "ssh-ed25519": type = .ed25519
        case "ssh-rsa": type = .rsa
        case let name where name.hasPrefix("ecdsa-"): type = .ecdsa
        default: type = .unknown
        }
        return (type, String(decoding: cipher, as: UTF8.self) != "none")
    }
}

/// Reads an SSH wire-format string (uint32 length, bytes) at `offset` and advances it.
func sshString(_ bytes: [UInt8], _ offset: inout Int) -> [UInt8]? {
    guard offset >= 0, offset + 4 <= bytes.count else { return nil }
    let n = Int(bytes[offset]) << 24 | Int(bytes[offset + 1]) << 16 | Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])
    guard offset + 4 + n <= bytes.count else { return nil }
    defer { offset += 4 + n }
    return Array(bytes[(offset + 4)..<(offset + 4 + n)])
}
