#if canImport(Glibc)
import Glibc
#endif
import Foundation
import SFTPClient
import Testing
import UdtraekTesting

/// How one run of the real `udtraek` process ended.
struct CLIResult: CustomStringConvertible {
    /// The exit status, or nil when a signal ended the process (a Swift trap is SIGILL or
    /// SIGTRAP): the one outcome no input may cause.
    var status: Int32?
    var signal: Int32?
    var output: String

    var description: String {
        (signal.map { "killed by signal \($0)" } ?? "exit \(status ?? -1)") + "\n" + String(output.prefix(2000))
    }
}

/// A temporary directory with a valid configuration (a receiver system with a real key,
/// an agreement, an extract, monitoring, a plain-HTTP gateway) and a state directory,
/// removed when the test's body returns.
struct HostileFixture {
    let directory: String
    var configPath: String { directory + "/udtraek.yaml" }
    var state: String { directory + "/state" }
    var keyPath: String { directory + "/keys/sag-kbh" }

    /// Runs `body` with a fresh fixture and removes it afterwards, whatever happens.
    static func with<T>(_ body: (HostileFixture) async throws -> T) async throws -> T {
        let directory = NSTemporaryDirectory() + "udtraek-hostile-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory + "/keys", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let fixture = HostileFixture(directory: directory)
        try SSHKeys.generate(.ed25519, at: fixture.keyPath, comment: "hostile")
        try fixture.writeConfig()
        return try await body(fixture)
    }

    /// Writes the configuration with `overrides` (key path -> value, written as a
    /// double-quoted YAML scalar with every control character escaped).
    func writeConfig(_ overrides: [String: String] = [:], to path: String? = nil) throws {
        try Self.config(overrides).write(toFile: path ?? configPath, atomically: true, encoding: .utf8)
    }

    /// Runs the CLI with `arguments` and the fixture's `--config` and `--state`.
    func cli(_ arguments: [String], global: Bool = true) async throws -> CLIResult {
        try await CLI.run(arguments + (global ? ["--config=\(configPath)", "--state=\(state)"] : []))
    }

    /// The demo's host key (`Config/demo/`) beside the configuration, where `udtraek demo`
    /// looks for it; returns its path.
    func copyDemoHostKey() throws -> String {
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let target = directory + "/demo/ssh_host_ed25519_key"
        guard !FileManager.default.fileExists(atPath: target) else { return target }
        try FileManager.default.createDirectory(atPath: directory + "/demo", withIntermediateDirectories: true)
        for suffix in ["", ".pub"] {
            try FileManager.default.copyItem(atPath: repository.appendingPathComponent("Config/demo/ssh_host_ed25519_key" + suffix).path,
                                             toPath: target + suffix)
        }
        chmod(target, 0o600)
        return target
    }

    /// `config apply`, which must succeed (for tests that need a state).
    func apply() async throws {
        let applied = try await cli(["config", "apply"])
        try #require(applied.status == 0, "\(applied)")
    }

    /// Every key of the configuration file with a value, by key path as issues name it.
    static let defaults: [(key: String, value: String)] = [
        ("platform.sender", "udtraek"),
        ("platform.sender_it_system", "bd32aeeb-77ad-4218-b9bb-a6fb96e56857"),
        ("sources.epoch", "2020-01-01"),
        ("sources.cpr.seed", "7"),
        ("sources.cpr.persons", "2000"),
        ("sources.kle.seed", "3"),
        ("municipalities[0].code", "0101"),
        ("municipalities[0].name", "København"),
        ("municipalities[0].uuid", "1f0a2b3c-4d5e-4f60-8a7b-9c0d1e2f3a4b"),
        ("systems[0].name", "sag-kbh"),
        ("systems[0].uuid", "240164c6-3999-4b65-b20d-8a3c7f4a25d3"),
        ("systems[0].description", "test system"),
        ("systems[0].inbox.host", "127.0.0.1"),
        ("systems[0].inbox.port", "2222"),
        ("systems[0].inbox.user", "u"),
        ("systems[0].inbox.path", "IN"),
        ("systems[0].inbox.private_key", "keys/sag-kbh"),
        ("systems[0].inbox.passphrase_env", "SAG_KBH_PASS"),
        ("systems[0].inbox.host_key_fingerprints[0]", "SHA256:ejZ8rvFj5DXUER/CTAATDDWKCkMlK5Qo/v9h6xG+3KE"),
        ("systems[0].inbox.existing_target", "refuse"),
        ("systems[0].monitoring.signal", "deleted"),
        ("systems[0].monitoring.retention", "14d"),
        ("systems[0].monitoring.rules[0].pattern", "D*"),
        ("systems[0].monitoring.rules[0].collect_within", "4h"),
        ("systems[0].monitoring.rules[0].warning_before", "1h"),
        ("systems[0].monitoring.rules[0].repeat_every", "2h"),
        ("systems[0].certificate.subject", "CN=sag-kbh"),
        ("agreements[0].uuid", "bd71a7fa-222d-4f84-9142-2a011a710026"),
        ("agreements[0].system", "sag-kbh"),
        ("agreements[0].municipality", "0101"),
        ("agreements[0].service", "cpr-extract"),
        ("agreements[0].state", "approved"),
        ("extracts[0].name", "cpr-kbh"),
        ("extracts[0].source", "cpr"),
        ("extracts[0].kind", "status"),
        ("extracts[0].system", "sag-kbh"),
        ("extracts[0].municipality", "0101"),
        ("extracts[0].record_types[0]", "001"),
        ("extracts[0].compression", "gzip"),
        ("extracts[0].gzip_level", "6"),
        ("extracts[0].file_name", "D{yymmdd}.L{task}.{agreement}{ext}"),
        ("extracts[0].task_number", "1"),
        ("extracts[0].schedule.cron", "30 6 * * *"),
        ("extracts[0].schedule.time_zone", "Europe/Copenhagen"),
        ("extracts[0].schedule.calendar", "business-days"),
        ("extracts[0].schedule.constitution_day", "true"),
        ("extracts[0].schedule.include[0]", "2026-12-27"),
        ("extracts[0].schedule.exclude[0]", "2026-12-24"),
        ("extracts[0].schedule.overlap", "queue"),
        ("extracts[0].schedule.catch_up", "run-once"),
        ("extracts[0].schedule.enabled", "true"),
        ("api.listen", "127.0.0.1:8480"),
        ("api.tokens[0].name", "ops"),
        ("api.tokens[0].env", "OPS_TOKEN"),
        ("monitoring.poll_interval", "60s"),
        ("monitoring.unreachable_after", "15m"),
        ("monitoring.delivery_failures", "3"),
        ("monitoring.repeat_every", "1h"),
        ("monitoring.retention", "14d"),
        ("monitoring.logins[0].host", "127.0.0.1"),
        ("monitoring.logins[0].port", "2222"),
        ("monitoring.logins[0].user", "monitor"),
        ("monitoring.logins[0].private_key", "keys/sag-kbh"),
        ("monitoring.logins[0].host_key_fingerprints[0]", "SHA256:ejZ8rvFj5DXUER/CTAATDDWKCkMlK5Qo/v9h6xG+3KE"),
        ("monitoring.logins[0].inbox_root", "inboxes/{system}"),
        ("monitoring.webhooks[0].name", "oncall"),
        ("monitoring.webhooks[0].url", "https://hooks.example.test/udtraek"),
        ("monitoring.webhooks[0].secret_env", "HOOK_SECRET"),
        ("gateway.listen.host", "127.0.0.1"),
        ("gateway.listen.port", "8443"),
        ("gateway.plain_http", "true"),
        ("gateway.max_concurrent_calls_per_system", "64"),
        ("gateway.breach_alarm_share", "0.01"),
        ("gateway.slow_client_grace_seconds", "5"),
        ("gateway.audit_retention_days", "180"),
    ]

    /// Keys whose values are numbers.
    static let numericKeys: Set<String> = [
        "sources.cpr.seed", "sources.cpr.persons", "sources.kle.seed", "systems[0].inbox.port", "extracts[0].gzip_level",
        "extracts[0].task_number", "monitoring.delivery_failures", "monitoring.logins[0].port", "gateway.listen.port",
        "gateway.max_concurrent_calls_per_system", "gateway.breach_alarm_share", "gateway.slow_client_grace_seconds",
        "gateway.audit_retention_days",
    ]

    /// The configuration text, every value quoted.
    static func config(_ overrides: [String: String]) -> String {
        let values = Dictionary(defaults.map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a })
        func v(_ key: String) -> String { quote(overrides[key] ?? values[key] ?? "") }
        // Only when a test sets it: the fixture's key has no passphrase, and the demo
        // delivers with it.
        let passphrase = overrides["systems[0].inbox.passphrase_env"].map { "\n      passphrase_env: \(quote($0))" } ?? ""
        return """
        platform:
          sender: \(v("platform.sender"))
          sender_it_system: \(v("platform.sender_it_system"))
        sources:
          epoch: \(v("sources.epoch"))
          cpr: { seed: \(v("sources.cpr.seed")), persons: \(v("sources.cpr.persons")) }
          kle: { seed: \(v("sources.kle.seed")) }
        municipalities:
          - { code: \(v("municipalities[0].code")), name: \(v("municipalities[0].name")), uuid: \(v("municipalities[0].uuid")) }
        systems:
          - name: \(v("systems[0].name"))
            uuid: \(v("systems[0].uuid"))
            description: \(v("systems[0].description"))
            inbox:
              host: \(v("systems[0].inbox.host"))
              port: \(v("systems[0].inbox.port"))
              user: \(v("systems[0].inbox.user"))
              path: \(v("systems[0].inbox.path"))
              private_key: \(v("systems[0].inbox.private_key"))\(passphrase)
              host_key_fingerprints: [\(v("systems[0].inbox.host_key_fingerprints[0]"))]
              existing_target: \(v("systems[0].inbox.existing_target"))
            monitoring:
              signal: \(v("systems[0].monitoring.signal"))
              retention: \(v("systems[0].monitoring.retention"))
              rules:
                - pattern: \(v("systems[0].monitoring.rules[0].pattern"))
                  collect_within: \(v("systems[0].monitoring.rules[0].collect_within"))
                  warning_before: \(v("systems[0].monitoring.rules[0].warning_before"))
                  repeat_every: \(v("systems[0].monitoring.rules[0].repeat_every"))
            certificate: { subject: \(v("systems[0].certificate.subject")) }
        agreements:
          - uuid: \(v("agreements[0].uuid"))
            system: \(v("agreements[0].system"))
            municipality: \(v("agreements[0].municipality"))
            service: \(v("agreements[0].service"))
            state: \(v("agreements[0].state"))
        extracts:
          - name: \(v("extracts[0].name"))
            source: \(v("extracts[0].source"))
            kind: \(v("extracts[0].kind"))
            system: \(v("extracts[0].system"))
            municipality: \(v("extracts[0].municipality"))
            record_types: [\(v("extracts[0].record_types[0]"))]
            compression: \(v("extracts[0].compression"))
            gzip_level: \(v("extracts[0].gzip_level"))
            file_name: \(v("extracts[0].file_name"))
            task_number: \(v("extracts[0].task_number"))
            schedule:
              cron: \(v("extracts[0].schedule.cron"))
              time_zone: \(v("extracts[0].schedule.time_zone"))
              calendar: \(v("extracts[0].schedule.calendar"))
              constitution_day: \(v("extracts[0].schedule.constitution_day"))
              include: [\(v("extracts[0].schedule.include[0]"))]
              exclude: [\(v("extracts[0].schedule.exclude[0]"))]
              overlap: \(v("extracts[0].schedule.overlap"))
              catch_up: \(v("extracts[0].schedule.catch_up"))
              enabled: \(v("extracts[0].schedule.enabled"))
        api:
          listen: \(v("api.listen"))
          tokens:
            - { name: \(v("api.tokens[0].name")), env: \(v("api.tokens[0].env")) }
        monitoring:
          poll_interval: \(v("monitoring.poll_interval"))
          unreachable_after: \(v("monitoring.unreachable_after"))
          delivery_failures: \(v("monitoring.delivery_failures"))
          repeat_every: \(v("monitoring.repeat_every"))
          retention: \(v("monitoring.retention"))
          logins:
            - host: \(v("monitoring.logins[0].host"))
              port: \(v("monitoring.logins[0].port"))
              user: \(v("monitoring.logins[0].user"))
              private_key: \(v("monitoring.logins[0].private_key"))
              host_key_fingerprints: [\(v("monitoring.logins[0].host_key_fingerprints[0]"))]
              inbox_root: \(v("monitoring.logins[0].inbox_root"))
          webhooks:
            - { name: \(v("monitoring.webhooks[0].name")), url: \(v("monitoring.webhooks[0].url")), secret_env: \(v("monitoring.webhooks[0].secret_env")) }
        gateway:
          listen: { host: \(v("gateway.listen.host")), port: \(v("gateway.listen.port")) }
          plain_http: \(v("gateway.plain_http"))
          max_concurrent_calls_per_system: \(v("gateway.max_concurrent_calls_per_system"))
          breach_alarm_share: \(v("gateway.breach_alarm_share"))
          slow_client_grace_seconds: \(v("gateway.slow_client_grace_seconds"))
          audit_retention_days: \(v("gateway.audit_retention_days"))

        """
    }

    /// A YAML double-quoted scalar holding exactly `text`.
    static func quote(_ text: String) -> String {
        if !text.unicodeScalars.contains(where: { $0 == "\\" || $0 == "\"" || $0.value < 0x20 || (0x7F...0x9F).contains($0.value) }) {
            return "\"" + text + "\""
        }
        var out = "\""
        for s in text.unicodeScalars {
            switch s {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            default:
                if s.value < 0x20 || (0x7F...0x9F).contains(s.value) {
                    let hex = String(s.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(s)
                }
            }
        }
        return out + "\""
    }
}

/// The real `udtraek` executable as a child process.
enum CLI {
    /// Runs it to its end on a thread of its own (waiting must not hold a cooperative
    /// thread), and reports how it ended, signals included. A run that has not ended after
    /// `limit` is killed and reported as such: only a failing test ever waits that long.
    static func run(_ arguments: [String], limit: Duration = .seconds(120)) async throws -> CLIResult {
        let log = NSTemporaryDirectory() + "udtraek-hostile-\(UUID().uuidString).log"
        defer { try? FileManager.default.removeItem(atPath: log) }
        let child = try UdtraekCLI.start(arguments, logPath: log)
        let pid = child.pid
        let raw: Int32 = await withCheckedContinuation { done in
            Thread.detachNewThread {
                let deadline = ContinuousClock.now + limit
                var status: Int32 = 0
                while true {
                    let r = waitpid(pid, &status, WNOHANG)
                    if r == pid || (r < 0 && errno != EINTR) { break }
                    if ContinuousClock.now > deadline {
                        kill(pid, SIGKILL)
                        waitpid(pid, &status, 0)
                        break
                    }
                    usleep(5_000)
                }
                done.resume(returning: status)
            }
        }
        child.markReaped()
        let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        let signalled = (raw & 0x7F) != 0 && (raw & 0x7F) != 0x7F
        return CLIResult(status: signalled ? nil : (raw >> 8) & 0xFF, signal: signalled ? raw & 0x7F : nil, output: output)
    }
}
