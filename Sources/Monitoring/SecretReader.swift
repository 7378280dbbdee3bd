#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// Secrets (key passphrases, webhook signing secrets) come from an environment variable
/// or a file only its owner can read; never from the configuration file. Public for the
/// change-order probe, which logs in the way the monitor does.
public enum SecretReader {
    public static func read(env: String?, file: String?, environment: [String: String], what: String) throws -> String? {
        if let env {
            guard let value = environment[env], !value.isEmpty else {
                throw MonitoringError("reading \(what)", reason: "the environment variable \(env) is not set",
                                      hint: "Export \(env) in the service's environment")
            }
            return value
        }
        if let file {
            var st = stat()
            guard stat(file, &st) == 0, let data = FileManager.default.contents(atPath: file) else {
                throw MonitoringError("reading \(what)", reason: "cannot read \(file)", hint: "Check the path and its permissions")
            }
            guard st.st_mode & 0o077 == 0 else {
                throw MonitoringError("reading \(what)", reason: "\(file) can be read by others than its owner",
                                      hint: "Run `chmod 600 \(file)`")
            }
            return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .newlines)
        }
        return nil
    }
}
