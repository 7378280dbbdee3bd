import Foundation
import Runtime
import Synchronization

/// The console's sign-in sessions, held in this process's memory: a session ends with the
/// process, on sign-out, or `lifetime` after sign-in on the injected clock.
///
/// A session keeps the token it was opened with, so every request is decided on what the
/// token stands for now: a revoked or expired personal token, or a disabled user, ends the
/// session at its next request.
final class ConsoleSessions: Sendable {
    struct Session: Sendable {
        /// The cookie's value (random, 256 bits).
        var id: String
        /// The token the session was opened with (never shown again, never logged).
        var token: String
        /// The form token of this session (random, 256 bits), in every form's hidden field.
        var csrf: String
        var expires: RuntimeClock.Instant
    }

    static let cookieName = "udtraek_console"
    /// The sign-in form's own form token, before there is a session (double submit).
    static let signInCookieName = "udtraek_console_signin"
    /// At most this many sessions at once; the oldest go first.
    static let limit = 10_000

    let clock: RuntimeClock
    let lifetime: Duration
    /// `Secure` on the cookies: only when the listener is reached over TLS.
    let secureCookies: Bool
    private let sessions = Mutex<[String: Session]>([:])

    init(clock: RuntimeClock, lifetime: Duration = .seconds(8 * 3600), secureCookies: Bool = false) {
        self.clock = clock
        self.lifetime = lifetime
        self.secureCookies = secureCookies
    }

    /// 32 bytes from the system's secure random source, as 64 hex digits.
    static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in String(format: "%02x", UInt8.random(in: .min ... .max, using: &generator)) }.joined()
    }

    /// Opens a session for a token that was just checked.
    func open(token: String) -> Session {
        let now = clock.now
        let session = Session(id: Self.randomToken(), token: token, csrf: Self.randomToken(), expires: now.advanced(by: lifetime))
        sessions.withLock { all in
            all = all.filter { now < $0.value.expires }
            if all.count >= Self.limit, let oldest = all.min(by: { $0.value.expires < $1.value.expires }) {
                all[oldest.key] = nil
            }
            all[session.id] = session
        }
        return session
    }

    /// The session of a cookie value, unless there is none or it has expired.
    func session(id: String) -> Session? {
        let now = clock.now
        return sessions.withLock { all in
            guard let s = all[id] else { return nil }
            guard now < s.expires else {
                all[id] = nil
                return nil
            }
            return s
        }
    }

    func close(id: String) {
        _ = sessions.withLock { $0.removeValue(forKey: id) }
    }

    /// Compares two secrets in time that does not depend on where they differ.
    static func same(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count, !x.isEmpty else { return false }
        var diff: UInt8 = 0
        for i in x.indices { diff |= x[i] ^ y[i] }
        return diff == 0
    }

    /// The `Set-Cookie` value of a session cookie; `nil` clears it.
    func cookie(name: String, value: String?, path: String, maxAge: Int? = nil) -> String {
        var parts = ["\(name)=\(value ?? "")", "Path=\(path)", "HttpOnly", "SameSite=Strict"]
        if value == nil { parts.append("Max-Age=0") } else if let maxAge { parts.append("Max-Age=\(maxAge)") }
        if secureCookies { parts.append("Secure") }
        return parts.joined(separator: "; ")
    }
}
