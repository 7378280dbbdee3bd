import ArgumentParser
import Foundation
import SFTPClient
import Store

struct KeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys", abstract: "Host-key fingerprints and receiver systems' key pairs.",
        subcommands: [Fingerprint.self, Generate.self])

    struct Fingerprint: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the SHA-256 fingerprint of a server's host key, to pin it.",
            discussion: "Confirm the fingerprint with the server's operator over another channel before pinning it in host_key_fingerprints.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "The SFTP server.") var host: String
        @Option(help: "Its port.") var port = 22
        @Flag(help: "JSON for scripts.") var json = false

        func validate() throws {
            try Arguments.checkLine(host, "--host", maximumBytes: 253)
            guard !host.isEmpty, !host.contains(where: { $0.isWhitespace || $0 == "/" || $0 == "@" }) else {
                throw ValidationError("--host '\(host.displaySafe(limit: 60))' is not a host name or address")
            }
            guard (1...65535).contains(port) else { throw ValidationError("--port must be 1...65535, not \(port)") }
        }

        func run() throws {
            global.bootstrapLogging()
            let key = try PresentedHostKey.fetch(host: host, port: port)
            if json {
                struct Answer: Encodable { var host: String; var port: Int; var type: String; var fingerprint: String }
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
                print(String(decoding: try encoder.encode(Answer(host: host, port: port, type: key.type, fingerprint: key.fingerprint)), as: UTF8.self))
            } else {
                print("\(host):\(port) presents a \(key.type) host key with fingerprint")
                print("  \(key.fingerprint)")
                print("Confirm it with the server's operator, then add it to the system's host_key_fingerprints.")
            }
        }
    }

    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make a new key pair for a receiver system (private key mode 0600).",
            discussion: "Writes to the system's configured private_key path, or --out. Never overwrites an existing key.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The receiver system.") var system: String
        @Option(help: "Where to write the private key (the public key goes next to it as .pub).") var out: String?
        @Option(help: "ed25519 (default) or rsa. libssh2 1.10 signs RSA with SHA-1, which many servers refuse.") var type: String = "ed25519"

        func run() throws {
            guard let keyType = SSHKeys.KeyType(rawValue: type) else { throw Failure("--type must be ed25519 or rsa, not '\(type.displaySafe(limit: 40))'.") }
            try Arguments.checkLine(system, "the system name", maximumBytes: 64)
            var path = out
            if path == nil {
                path = try global.openStore().system(named: system)?.privateKeyPath
            }
            guard let path else {
                throw Failure("'\(system.displaySafe(limit: 60))' is not a configured system; give --out PATH for the new key.")
            }
            guard !FileManager.default.fileExists(atPath: path) else {
                throw Failure("\(path) exists; a key is never overwritten. Move it away first if you mean to replace it (an SSH-key change order keeps both working during the switch).")
            }
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try SSHKeys.generate(keyType, at: path, comment: "udtraek:\(system)")
            let publicKey = try String(contentsOfFile: path + ".pub", encoding: .utf8)
            print("Wrote \(path) (mode 0600) and \(path).pub. Install this public key for \(system)'s SFTP user:")
            print(publicKey.trimmingCharacters(in: .whitespacesAndNewlines))
        }
    }
}
