#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing
import UdtraekTesting

/// Issue 11's CLI findings, each through the real process: what was accepted, trapped or
/// answered wrongly now gets a clear error naming the input.
@Suite struct CLIInputTests {
    /// Item 1 (CLI side): `change submit --collect-within 200000000000000d` trapped.
    @Test func changeSubmitWithAnOverflowingDurationIsRejected() async throws {
        try await HostileFixture.with { fx in
            try await fx.apply()
            let submitted = try await fx.cli(["change", "submit", "--system=sag-kbh", "--kind=monitoring", "--order-id=B8",
                                              "--collect-within=200000000000000d"])
            #expect(submitted.status == 1, "\(submitted)")
            #expect(submitted.output.contains("rejected") && submitted.output.contains("collect-within '200000000000000d' is longer than 3650d"),
                    "\(submitted)")
        }
    }

    /// A BestillingsID of 10,000 characters was accepted.
    @Test func longOrderIDsAndControlCharactersAreRejected() async throws {
        try await HostileFixture.with { fx in
            try await fx.apply()
            let long = try await fx.cli(["change", "submit", "--system=sag-kbh", "--kind=monitoring",
                                         "--order-id=" + String(repeating: "B", count: 10_000), "--collect-within=2h"])
            #expect(long.status == 1 && long.output.contains("the BestillingsID is 10000 characters long; at most 64"), "\(long)")
            #expect(long.output.count < 20_000, "the ID is not echoed whole")
            let control = try await fx.cli(["change", "submit", "--system=sag-kbh", "--kind=monitoring", "--order-id=B9",
                                            "--collect-within=2h", "--reason=ok\u{1B}[2Jcleared"])
            #expect(control.status == 1 && control.output.contains("reason 'ok\\u{1B}[2Jcleared' holds the control character U+001B"), "\(control)")
            #expect(!control.output.contains("\u{1B}"), "\(control)")
        }
    }

    /// `--at` in the daylight-saving gap said "not a time".
    @Test func aTimeInTheDaylightSavingGapIsNamedAsSuch() async throws {
        try await HostileFixture.with { fx in
            try await fx.apply()
            let gap = try await fx.cli(["change", "submit", "--system=sag-kbh", "--kind=monitoring", "--order-id=B10",
                                        "--collect-within=2h", "--at=2027-03-28 02:30"])
            #expect(gap.status != 0 && gap.signal == nil, "\(gap)")
            #expect(gap.output.contains("2027-03-28 02:30 does not exist in Europe/Copenhagen time") && gap.output.contains("2027-03-28 03:00")
                    && gap.output.contains("2027-03-28T01:00:00Z"), "\(gap)")
            let nonsense = try await fx.cli(["change", "submit", "--system=sag-kbh", "--kind=monitoring", "--order-id=B10",
                                             "--collect-within=2h", "--at=9223372036854775807-01-01 00:00"])
            #expect(nonsense.signal == nil && nonsense.status != 0 && nonsense.output.contains("is not a time"), "\(nonsense)")
        }
    }

    /// Item 4: `deliver --inf-ref $'a\x01b\x1bc'` wrote a metadata document no XML parser
    /// accepts. The CLI refuses it before anything is queued.
    @Test func deliverRefusesControlCharactersInMetadataFields() async throws {
        try await HostileFixture.with { fx in
            try await fx.apply()
            let file = fx.directory + "/payload.txt"
            try "data\n".write(toFile: file, atomically: true, encoding: .utf8)
            let refused = try await fx.cli(["deliver", file, "--to=sag-kbh", "--inf-ref=a\u{1}b\u{1B}c"])
            #expect(refused.status != 0 && refused.signal == nil, "\(refused)")
            #expect(refused.output.contains("--inf-ref 'a\\u{1}b\\u{1B}c' holds the control character U+0001"), "\(refused)")
            let named = try await fx.cli(["deliver", file, "--to=sag-kbh", "--name=a\nb.gz"])
            #expect(named.status != 0 && named.output.contains("--name") && named.output.contains("U+000A"), "\(named)")
            let outbox = try await fx.cli(["outbox", "list", "--json"])
            #expect(outbox.status == 0 && !outbox.output.contains("payload"), "nothing was queued: \(outbox)")
        }
    }

    /// `outbox retry 999999` said "not in state error"; `outbox deliver --system ghost`
    /// exited 0.
    @Test func outboxCommandsNameWhatDoesNotExist() async throws {
        try await HostileFixture.with { fx in
            try await fx.apply()
            let retry = try await fx.cli(["outbox", "retry", "999999"])
            #expect(retry.status != 0 && retry.output.contains("There is no outbox entry 999999"), "\(retry)")
            let ghost = try await fx.cli(["outbox", "deliver", "--system=ghost"])
            #expect(ghost.status != 0 && ghost.output.contains("There is no system named 'ghost'"), "\(ghost)")
        }
    }

    /// Read-only commands with a state directory that holds no database created an empty
    /// one; now they refuse, and leave nothing behind.
    @Test func readOnlyCommandsDoNotCreateAState() async throws {
        try await HostileFixture.with { fx in
            let missing = fx.directory + "/no-such-state"
            let commands: [[String]] = [["systems"], ["outbox", "list"], ["deliveries"], ["audit"], ["runs"], ["alarms"], ["pickups"],
                                        ["change", "list"], ["config", "export"], ["schedule", "list"], ["gateway", "calls"],
                                        ["outbox", "retry", "1"], ["change", "show", "1"], ["keys", "generate", "sag-kbh"]]
            for command in commands {
                let result = try await CLI.run(command + ["--config=\(fx.configPath)", "--state=\(missing)"])
                #expect(result.status != 0 && result.signal == nil, "\(command): \(result)")
                #expect(result.output.contains("There is no state database at \(missing)/state.db"), "\(command): \(result)")
                #expect(!FileManager.default.fileExists(atPath: missing + "/state.db"), "\(command) created a database")
            }
            // Commands that write the state create it.
            let applied = try await CLI.run(["config", "apply", "--config=\(fx.configPath)", "--state=\(missing)"])
            #expect(applied.status == 0 && FileManager.default.fileExists(atPath: missing + "/state.db"), "\(applied)")
        }
    }

    /// `keys fingerprint` refused `--config` and `--state`, which the README calls global.
    @Test func keysFingerprintTakesTheGlobalOptions() async throws {
        try await HostileFixture.with { fx in
            // A port nothing listens on: the command gets past its arguments and fails to
            // connect, with a clear error.
            let port = try LocalSSHD.freePort()
            let result = try await fx.cli(["keys", "fingerprint", "--host=127.0.0.1", "--port=\(port)"])
            #expect(result.signal == nil && result.status != 0, "\(result)")
            #expect(!result.output.contains("Unknown option"), "\(result)")
            #expect(result.output.contains("127.0.0.1"), "\(result)")
        }
    }

    /// The other side of the port check: with the port free, the demo's own sshd takes it,
    /// says so in its log, and the demo delivers to it.
    @Test func theDemoRunsWhenItsPortIsFree() async throws {
        try await HostileFixture.with { fx in
            let hostKey = try fx.copyDemoHostKey()
            let port = try LocalSSHD.freePort()
            try fx.writeConfig(["systems[0].inbox.port": "\(port)", "systems[0].inbox.user": LocalSSHD.loginUser])
            let demo = try await fx.cli(["demo"])
            #expect(demo.status == 0, "\(demo)")
            #expect(demo.output.contains("sshd on 127.0.0.1:\(port), host key") && demo.output.contains("delivered"), "\(demo)")
            #expect(FileManager.default.fileExists(atPath: hostKey))
        }
    }

    /// The demo, with 127.0.0.1:PORT taken, delivered to whatever listened there: here the
    /// worst case, another sshd with the very host key the configuration pins.
    @Test func theDemoStopsWhenItsPortIsTaken() async throws {
        try await HostileFixture.with { fx in
            let other = try LocalSSHD(directory: fx.directory + "/other-sshd", hostKeyPath: try fx.copyDemoHostKey(),
                                      accounts: [.init(system: "sag-kbh", publicKeyPath: fx.keyPath + ".pub")])
            try other.start()
            defer { other.stop() }
            try fx.writeConfig(["systems[0].inbox.port": "\(other.port)", "systems[0].inbox.user": LocalSSHD.loginUser])
            let demo = try await fx.cli(["demo"])
            #expect(demo.signal == nil && demo.status != 0, "\(demo)")
            #expect(demo.output.contains("127.0.0.1:\(other.port) is taken"), "\(demo)")
            #expect(!demo.output.contains("delivered"), "\(demo)")
            #expect((try? FileManager.default.contentsOfDirectory(atPath: other.inboxRoot("sag-kbh") + "/IN")) ?? [] == [], "nothing reached the other server")
        }
    }
}
