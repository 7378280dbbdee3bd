#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// Key pairs made with OpenSSH's own ssh-keygen, so the files are exactly what an
/// operator's tools expect (and what tests use).
public enum SSHKeys {
    public enum KeyType: String, Sendable { case ed25519, rsa }

    /// Creates `path` (private, mode 0600) and `path.pub`; replaces existing files.
    public static func generate(_ type: KeyType, at path: String, passphrase: String = "", comment: String = "udtraek") throws {
        try? FileManager.default.removeItem(atPath: path)
        try? FileManager.default.removeItem(atPath: path + ".pub")
        var args = ["-q", "-t", type.rawValue, "-N", passphrase, "-C", comment, "-f", path]
        if type == .rsa { args += ["-b", "3072"] }
        try run("/usr/bin/ssh-keygen", args)
        chmod(path, 0o600)
    }

    /// The `SHA256:...` fingerprint of a public key file, as ssh-keygen prints it.
    public static func fingerprint(publicKeyPath: String) throws -> String {
        let output = try run("/usr/bin/ssh-keygen", ["-l", "-E", "sha256", "-f", publicKeyPath])
        guard let field = output.split(separator: " ").first(where: { $0.hasPrefix("SHA256:") }) else {
            throw SFTPError(.keyFile, operation: "reading \(publicKeyPath)", reason: "ssh-keygen printed no fingerprint: \(output)")
        }
        return String(field)
    }

    @discardableResult
    static func run(_ executable: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard process.terminationStatus == 0 else {
            throw SFTPError(.keyFile, operation: "running \(executable)", reason: text.trimmingCharacters(in: .whitespacesAndNewlines),
                            hint: "Install openssh-client")
        }
        return text
    }
}
