import Crypto
import Foundation

/// Personal API tokens: `udt_` and 64 hexadecimal digits (256 random bits). Only the
/// SHA-256 of the whole text is stored; with that much randomness a plain hash cannot be
/// reversed, and a lookup by digest leaks nothing through its timing about the secret.
public enum TokenSecret {
    public static let prefix = "udt_"

    /// A new token's text. Shown once to the person who asked for it.
    public static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return prefix + bytes.map { String(format: "%02x", $0) }.joined()
    }

    /// The lowercase hexadecimal SHA-256 of the token's text, as stored.
    public static func digest(_ token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Whether the text has the shape of a personal token (configured operator tokens do not).
    public static func looksPersonal(_ token: String) -> Bool {
        token.hasPrefix(prefix) && token.utf8.count == prefix.utf8.count + 64
    }

    /// What a person sees to tell their tokens apart: `udt_1a2b3c4d`.
    public static func displayPrefix(_ token: String) -> String { String(token.prefix(prefix.count + 8)) }
}
