import Foundation
import Store
import Testing

/// `SecretSource.read`, the one reader of key passphrases, webhook secrets and operator tokens.
@Suite struct SecretSourceTests {
    /// A fresh file with `text` and `mode`, removed after `body`.
    func withFile(_ text: String, mode: mode_t, _ body: (String) throws -> Void) throws {
        let path = NSTemporaryDirectory() + "secret-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        #expect(chmod(path, mode) == 0)
        try body(path)
    }

    func error(_ source: SecretSource, environment: [String: String] = [:]) -> SecretError? {
        do { _ = try source.read(environment: environment); return nil } catch { return error }
    }

    @Test func setVariableIsReadAsItIs() throws {
        #expect(try SecretSource(env: "PASS").read(environment: ["PASS": " hemmelig\n"]) == " hemmelig\n")
    }

    @Test func unsetOrEmptyVariableIsRefused() throws {
        for environment in [[:], ["PASS": ""]] {
            let e = try #require(error(SecretSource(env: "PASS"), environment: environment))
            #expect(e.code == .unset)
            #expect(e.description.contains("PASS is not set or is empty"))
            #expect(e.description.contains("Export PASS"))
        }
    }

    @Test func ownerOnlyFileIsReadWithoutTrailingNewlines() throws {
        try withFile("  hemmelig kode\r\n\n", mode: 0o600) { (path: String) throws in
            #expect(try SecretSource(file: path).read(environment: [:]) == "  hemmelig kode")
        }
        try withFile("kode", mode: 0o400) { (path: String) throws in
            #expect(try SecretSource(file: path).read(environment: [:]) == "kode")
        }
    }

    @Test func fileOthersCanReadIsRefusedNamingItsMode() throws {
        try withFile("kode\n", mode: 0o644) { path in
            let e = try #require(error(SecretSource(file: path)))
            #expect(e.code == .readableByOthers)
            #expect(e.reason == "\(path) can be read by others than its owner (mode 0644)")
            #expect(e.hint == "Run `chmod 600 \(path)`")
        }
        try withFile("kode\n", mode: 0o640) { path in
            #expect(error(SecretSource(file: path))?.reason.contains("mode 0640") == true)
        }
    }

    @Test func missingFileIsRefusedNamingThePath() throws {
        let path = NSTemporaryDirectory() + "no-such-secret-\(UUID().uuidString)"
        let e = try #require(error(SecretSource(file: path)))
        #expect(e.code == .unreadable)
        #expect(e.reason.contains(path) && e.reason.contains("No such file"))
    }

    @Test func nothingNamedIsNoSecretAndVariableWinsOverFile() throws {
        #expect(try SecretSource().read(environment: ["PASS": "x"]) == nil)
        #expect(try SecretSource(env: "PASS", file: "/nonexistent").read(environment: ["PASS": "fra-miljøet"]) == "fra-miljøet")
    }
}
