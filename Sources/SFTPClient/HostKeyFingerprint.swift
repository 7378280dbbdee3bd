import Foundation

/// SHA-256 host-key fingerprints in the form OpenSSH prints them (`ssh-keygen -lf`,
/// the "SHA256:..." line of a first connection), so an operator can compare by eye.
public enum HostKeyFingerprint {
    /// `SHA256:` + base64 of the 32-byte hash, without `=` padding.
    public static func format(sha256 bytes: [UInt8]) -> String {
        var text = Data(bytes).base64EncodedString()
        while text.hasSuffix("=") { text.removeLast() }
        return "SHA256:" + text
    }

    /// Accepts a pinned value with or without the `SHA256:` prefix and with or without
    /// padding, and returns the canonical form; nil when it is not a SHA-256 fingerprint.
    public static func normalise(_ value: String) -> String? {
        var text = value.trimmingCharacters(in: .whitespaces)
        if text.hasPrefix("SHA256:") { text.removeFirst(7) }
        while text.hasSuffix("=") { text.removeLast() }
        var padded = text
        while padded.count % 4 != 0 { padded += "=" }
        guard let data = Data(base64Encoded: padded), data.count == 32 else { return nil }
        return "SHA256:" + text
    }
}
