import Foundation
import Testing
import UdtraekConfig
import UdtraekTesting

/// Every input path driven with extreme values: Int.max, negative, zero, empty, huge
/// strings, control characters. Each must give a clear error naming the input (or be a
/// value the input accepts), and never a crash.
@Suite struct ExtremeValueTests {
    static let intMax = "9223372036854775807"
    static let megabyte = String(repeating: "x", count: 1 << 20)
    /// Linux refuses a single argument longer than 128 KiB (MAX_ARG_STRLEN) before the
    /// process starts, so arguments get 100 KB.
    static let longArgument = String(repeating: "x", count: 100_000)
    static let control = "a\u{1}b\u{1B}[31mc\u{7F}"

    /// Values that must be refused for every key.
    static let alwaysRefused = ["": "empty", megabyte: "1 MB", control: "control characters"]
    /// Values that are refused for numeric keys, and may be text for text keys.
    static let numbers = [intMax, "-1", "0", "-9223372036854775808", "99999999999999999999999999", "nan", "1e400"]

    /// Whether the error names `key`.
    static func names(_ error: ConfigurationError, _ key: String) -> Bool {
        error.issues.contains { $0.key == key || $0.key.hasPrefix(key + ".") || $0.key.hasPrefix(key + "[") }
    }

    /// Every key of the configuration file, in-process (a trap here would end the test
    /// process, so it fails as loudly as a crashed CLI).
    @Test func everyConfigurationKeyTakesExtremeValues() throws {
        var failures: [String] = []
        for (key, _) in HostileFixture.defaults {
            for (value, what) in Self.alwaysRefused {
                do {
                    _ = try ConfigurationFile.parse(HostileFixture.config([key: value]), path: "/tmp/hostile/udtraek.yaml")
                    failures.append("\(key) = \(what): accepted")
                } catch let error as ConfigurationError {
                    if !Self.names(error, key) { failures.append("\(key) = \(what): not named in \(error.issues.prefix(3))") }
                }
            }
            for value in Self.numbers {
                do {
                    let file = try ConfigurationFile.parse(HostileFixture.config([key: value]), path: "/tmp/hostile/udtraek.yaml")
                    // Accepted: only a seed takes any non-negative number, a port 0 (the
                    // gateway's "any free port"), and text keys take digits as text.
                    let acceptable = !HostileFixture.numericKeys.contains(key)
                        || (key.hasSuffix(".seed") && (value == Self.intMax || value == "0"))
                        || (["gateway.listen.port", "extracts[0].task_number", "gateway.breach_alarm_share"].contains(key) && value == "0")
                    if !acceptable { failures.append("\(key) = \(value): accepted (\(file.snapshot.sources))") }
                } catch let error as ConfigurationError {
                    // Digits are good text: a system named "0" is refused only by the
                    // references to the old name, at their own keys.
                    if HostileFixture.numericKeys.contains(key) && !Self.names(error, key) {
                        failures.append("\(key) = \(value): not named in \(error.issues.prefix(3))")
                    }
                }
            }
        }
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
    }

    /// The same through the real process for a number, a duration, a date, a template,
    /// a path and a plain text key: exit 1 with the key in the message, never a signal.
    @Test func configCheckProcessTakesExtremeValues() async throws {
        try await HostileFixture.with { fx in
            let keys = ["gateway.max_concurrent_calls_per_system", "monitoring.poll_interval", "sources.epoch",
                        "extracts[0].file_name", "systems[0].inbox.private_key", "platform.sender"]
            for key in keys {
                for value in [Self.intMax, "-1", "0", "", Self.megabyte, Self.control] {
                    try fx.writeConfig([key: value])
                    let checked = try await fx.cli(["config", "check"])
                    let shown = value.count > 40 ? "\(value.count) characters" : value.debugDescription
                    #expect(checked.signal == nil, "\(key) = \(shown): \(checked)")
                    if checked.status != 0 {
                        #expect(checked.output.contains(key), "\(key) = \(shown): \(checked)")
                    } else {
                        // Digits are fine text for a sender and a file name.
                        #expect(["platform.sender", "extracts[0].file_name"].contains(key) && [Self.intMax, "-1", "0"].contains(value),
                                "\(key) = \(shown) accepted")
                    }
                }
            }
            // The file itself: missing, a directory, a device, huge, not UTF-8.
            let huge = fx.directory + "/huge.yaml"
            try Data(count: 17 << 20).write(to: URL(fileURLWithPath: huge))
            let latin1 = fx.directory + "/latin1.yaml"
            try Data([0x70, 0x3A, 0x20, 0xE6, 0x0A]).write(to: URL(fileURLWithPath: latin1))
            for (path, reason) in [(fx.directory + "/none.yaml", "cannot read the file"), (fx.directory + "/keys/", "cannot read the file"),
                                   ("/dev/zero", "larger than 16 MiB"), (huge, "larger than 16 MiB"), (latin1, "not UTF-8")] {
                let checked = try await fx.cli(["config", "check", path])
                #expect(checked.signal == nil && checked.status != 0 && checked.output.contains(reason), "\(path): \(checked)")
            }
        }
    }

    /// The main commands' arguments through the real process.
    @Test func cliArgumentsTakeExtremeValues() async throws {
        try await HostileFixture.with { fx in
            try await fx.apply()
            let file = fx.directory + "/payload.txt"
            try "data\n".write(toFile: file, atomically: true, encoding: .utf8)
            let texts = ["", Self.longArgument, Self.control]
            let numbers = [Self.intMax, "-1", "0", "-9223372036854775808", "99999999999999999999999999"]
            let submit = ["change", "submit", "--system=sag-kbh", "--kind=monitoring", "--order-id=B1"]
            var cases: [(args: [String], names: [String])] = []
            for t in texts {
                cases.append((["deliver", file, "--to=sag-kbh", "--name=\(t)"], ["--name", "name"]))
                cases.append((["deliver", file, "--to=sag-kbh", "--inf-ref=\(t)"], ["--inf-ref", "InfRef"]))
                cases.append((["deliver", file, "--to=\(t)"], ["--to", "system"]))
                cases.append((submit + ["--collect-within=\(t)"], ["collect-within"]))
                cases.append((submit + ["--collect-within=2h", "--pattern=\(t)"], ["pattern"]))
                if !t.isEmpty { cases.append((submit + ["--collect-within=2h", "--reason=\(t)"], ["reason"])) }  // no reason is fine
                cases.append((submit + ["--collect-within=2h", "--at=\(t)"], ["--at"]))
                cases.append((["change", "submit", "--system=\(t)", "--kind=monitoring", "--order-id=B1", "--collect-within=2h"], ["system"]))
                cases.append((["change", "submit", "--system=sag-kbh", "--kind=inbox", "--order-id=B1", "--path=\(t)"], ["path"]))
                cases.append((["extract", "run", "cpr-kbh", "--date=\(t)"], ["--date"]))
                cases.append((["extract", "run", t], ["extract", "Missing expected argument"]))
                cases.append((["config", "apply", "--actor=\(t)"], ["--actor"]))
                cases.append((["keys", "fingerprint", "--host=\(t)"], ["--host"]))
            }
            for n in numbers {
                cases.append((["audit", "--limit=\(n)"], ["--limit"]))
                cases.append((["deliveries", "--limit=\(n)"], ["--limit"]))
                cases.append((["change", "list", "--limit=\(n)"], ["--limit"]))
                cases.append((["outbox", "retry", n], ["outbox entry", "<id>", "Unknown option"]))
                cases.append((["change", "show", n], ["change order", "<id>", "Unknown option"]))
                cases.append((["keys", "fingerprint", "--host=127.0.0.1", "--port=\(n)"], ["--port"]))
                cases.append((["change", "submit", "--system=sag-kbh", "--kind=inbox", "--order-id=B1", "--port=\(n)"], ["port"]))
                cases.append((submit + ["--collect-within=\(n)d"], ["collect-within"]))
            }
            // Floating point: `gateway targets --hours 1e308` trapped converting the date.
            for h in ["1e308", "inf", "-inf", "nan", "0", "-1", "8785"] {
                cases.append((["gateway", "targets", "--hours=\(h)"], ["--hours"]))
            }
            for c in cases {
                let result = try await fx.cli(c.args)
                let shown = c.args.map { $0.count > 60 ? "<\($0.count) characters>" : $0.debugDescription }.joined(separator: " ")
                #expect(result.signal == nil, "\(shown): \(result)")
                #expect(result.status != 0, "\(shown) was accepted: \(result)")
                #expect(c.names.contains { result.output.contains($0) }, "\(shown): the error names none of \(c.names): \(result)")
                #expect(result.output.count < 300_000, "\(shown): \(result.output.count) characters of output")
            }
        }
    }
}
