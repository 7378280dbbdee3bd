import Crypto
import Foundation
import Store

/// The admin API's operator tokens, read from where the configuration says they are kept.
///
/// Presented tokens are compared by their SHA-256 digests, byte by byte without an early
/// exit, against every configured token, so the time a check takes says nothing about how
/// much of a token was right or which token came close.
public struct OperatorTokens: Sendable {
    struct Entry: Sendable {
        var name: String
        var digest: [UInt8]
    }

    let entries: [Entry]

    /// Reads each token from its environment variable or file. A missing, empty or
    /// too-short token, or a token file others can read, is refused with what to fix.
    public init(_ tokens: [APIToken], environment: [String: String] = ProcessInfo.processInfo.environment) throws(AdminAPIError) {
        var entries: [Entry] = []
        for token in tokens {
            let value: String?
            do { value = try token.secret.read(environment: environment) } catch {
                throw AdminAPIError("reading the API token '\(token.name)' failed: \(error)")
            }
            guard let value else {
                throw AdminAPIError("the API token '\(token.name)' says neither env nor file")
            }
            let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
            guard trimmed.utf8.count >= 16 else {
                throw AdminAPIError("the API token '\(token.name)' (\(token.secret.description)) is shorter than 16 characters; use e.g. `openssl rand -hex 32`")
            }
            entries.append(Entry(name: token.name, digest: Array(SHA256.hash(data: Data(trimmed.utf8)))))
        }
        self.entries = entries
    }

    /// The name of the token `presented` equals, or nil.
    public func authenticate(_ presented: String) -> String? {
        let digest = Array(SHA256.hash(data: Data(presented.utf8)))
        var match: String?
        for entry in entries {
            var difference: UInt8 = 0
            for i in 0..<digest.count { difference |= digest[i] ^ entry.digest[i] }
            if difference == 0 && match == nil { match = entry.name }
        }
        return match
    }
}

/// A problem with the admin API's settings, said so the operator can fix it.
public struct AdminAPIError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
