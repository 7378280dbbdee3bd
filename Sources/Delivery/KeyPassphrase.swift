#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Store

/// Where a system's key passphrase comes from: an environment variable or a file only
/// its owner can read; never the configuration file itself.
enum KeyPassphrase {
    static func resolve(for system: ReceiverSystem, environment: [String: String]) throws -> String? {
        if let name = system.passphraseEnv {
            guard let value = environment[name], !value.isEmpty else {
                throw DeliveryError(.passphrase, operation: "reading the key passphrase of \(system.name)",
                                    reason: "the environment variable \(name) is not set",
                                    hint: "Export \(name) in the service's environment")
            }
            return value
        }
        if let path = system.passphraseFile {
            var st = stat()
            guard stat(path, &st) == 0, let data = FileManager.default.contents(atPath: path) else {
                throw DeliveryError(.passphrase, operation: "reading the key passphrase of \(system.name)",
                                    reason: "cannot read \(path)")
            }
            guard st.st_mode & 0o077 == 0 else {
                throw DeliveryError(.passphrase, operation: "reading the key passphrase of \(system.name)",
                                    reason: "\(path) can be read by others than its owner",
                                    hint: "Run `chmod 600 \(path)`")
            }
            return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .newlines)
        }
        return nil
    }
}
