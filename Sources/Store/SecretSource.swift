#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// Where a secret comes from: an environment variable or a file, never the configuration
/// itself (the configuration is committed and exported; secrets are not).
///
/// Every secret the service uses (key passphrases, webhook signing secrets, operator
/// tokens) is read through `read(environment:)`, so they are all refused for the same
/// reasons and with the same advice.
public struct SecretSource: Codable, Sendable, Equatable {
    public var env: String?
    public var file: String?

    public init(env: String? = nil, file: String? = nil) {
        self.env = env
        self.file = file
    }

    public var description: String { env.map { "environment variable \($0)" } ?? file.map { "file \($0)" } ?? "nothing" }

    /// The secret, or nil when the source names neither a variable nor a file (a key
    /// without a passphrase). A named variable wins over a file.
    ///
    /// A variable that is unset or empty is an error rather than "no secret": it was named,
    /// so the service was meant to have it. A file must be a regular file only its owner
    /// can read: a secret others on the machine can read is refused outright, as OpenSSH
    /// refuses such a private key. The mode is checked on the opened file, so the file
    /// checked is the file read. Trailing newlines are dropped because `echo` and editors
    /// add one that is no part of the secret.
    public func read(environment: [String: String] = ProcessInfo.processInfo.environment) throws(SecretError) -> String? {
        if let env {
            guard let value = environment[env], !value.isEmpty else {
                throw SecretError(.unset, reason: "the environment variable \(env) is not set or is empty",
                                  hint: "Export \(env) in the service's environment")
            }
            return value
        }
        guard let file else { return nil }
        return try Self.readOwnerOnly(file)
    }

    /// The largest secret file read: 64 KiB. Tokens, passphrases and signing secrets are
    /// short; a bigger file is the wrong file, and is not read whole.
    public static let maximumFileBytes = 64 * 1024

    /// What is wrong with a secret file for `read` (missing, not a regular file, readable
    /// by others, too big), or nil; the secret itself is not read. `config check` asks
    /// this of every secret file the configuration names.
    public static func fileProblem(_ path: String) -> SecretError? {
        do {
            let fd = try openOwnerOnly(path)
            close(fd)
            return nil
        } catch {
            return error
        }
    }

    /// Opens the file and checks it on the descriptor, so the file checked is the file read.
    private static func openOwnerOnly(_ path: String) throws(SecretError) -> Int32 {
        // O_NONBLOCK: a FIFO named by mistake must not hang the check.
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)
        guard fd >= 0 else {
            throw SecretError(.unreadable, reason: "cannot read \(path): \(String(cString: strerror(errno)))",
                              hint: "Check the path and that the service's user may read the file")
        }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            throw SecretError(.unreadable, reason: "\(path) is not a regular file", hint: "Point the configuration at the file holding the secret")
        }
        let mode = info.st_mode & 0o777
        guard mode & 0o077 == 0 else {
            close(fd)
            throw SecretError(.readableByOthers,
                              reason: "\(path) can be read by others than its owner (mode \(String(format: "%04o", mode)))",
                              hint: "Run `chmod 600 \(path)`")
        }
        guard info.st_size <= maximumFileBytes else {
            close(fd)
            throw SecretError(.unreadable, reason: "\(path) is \(info.st_size) bytes, more than a secret (at most \(maximumFileBytes))",
                              hint: "Point the configuration at the file holding the secret")
        }
        return fd
    }

    private static func readOwnerOnly(_ path: String) throws(SecretError) -> String {
        let fd = try openOwnerOnly(path)
        defer { close(fd) }
        let data: Data
        do { data = try FileHandle(fileDescriptor: fd, closeOnDealloc: false).read(upToCount: maximumFileBytes + 1) ?? Data() } catch {
            throw SecretError(.unreadable, reason: "cannot read \(path): \(error.localizedDescription)",
                              hint: "Check the file and its permissions")
        }
        guard data.count <= maximumFileBytes else {
            throw SecretError(.unreadable, reason: "\(path) is more than \(maximumFileBytes) bytes, more than a secret",
                              hint: "Point the configuration at the file holding the secret")
        }
        guard var text = String(validating: data, as: UTF8.self) else {
            throw SecretError(.unreadable, reason: "\(path) is not UTF-8 text", hint: "Write the secret as plain text")
        }
        while text.last?.isNewline == true { text.removeLast() }
        return text
    }
}

/// Why a secret could not be read: what failed and what to do. Each caller wraps it in its
/// own module's error with what the secret was being read for ("reading the key passphrase
/// of sag-kbh").
public struct SecretError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Code: String, Sendable {
        /// The named environment variable is unset or empty.
        case unset
        /// The file is missing, not a regular file, or cannot be read as text.
        case unreadable
        /// The file's mode lets the group or others read it.
        case readableByOthers
    }

    public var code: Code
    public var reason: String
    public var hint: String

    public init(_ code: Code, reason: String, hint: String) {
        self.code = code
        self.reason = reason
        self.hint = hint
    }

    public var description: String { reason + (hint.isEmpty ? "" : ". \(hint)") }
}
