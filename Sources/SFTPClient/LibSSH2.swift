import CUdtraekSSH2

/// libssh2's global state. `libssh2_init` is not thread-safe, so it runs exactly once,
/// through a lazily initialised global (Swift guarantees once-only initialisation).
enum LibSSH2 {
    private static let initialised: Int32 = libssh2_init(0)

    static func ensureInitialised() {
        precondition(initialised == 0, "libssh2_init failed with \(initialised)")
    }

    /// The libssh2 version this binary runs with, e.g. "1.10.0".
    static var version: String {
        guard let v = libssh2_version(0) else { return "unknown" }
        return String(cString: v)
    }
}

/// The last error libssh2 recorded on a session, as (code, message).
func lastError(_ session: OpaquePointer?) -> (Int32, String) {
    guard let session else { return (0, "no session") }
    var message: UnsafeMutablePointer<CChar>?
    var length: Int32 = 0
    let code = libssh2_session_last_error(session, &message, &length, 0)
    let text = message.map { String(cString: $0) } ?? ""
    return (code, text.isEmpty ? "libssh2 error \(code)" : text)
}
