#if canImport(Glibc)
import Glibc
#endif
import Foundation
import SourceStubs
import Testing

/// Issue 11's configuration findings, each through the real process (`udtraek config
/// check` / `config apply` / `extract run`): a clear error naming the file, line and key,
/// never a crash, and nothing accepted that fails later.
@Suite struct ConfigurationInputTests {
    /// Item 1: a duration whose seconds overflow Int trapped `config check`.
    @Test func durationOverflowIsAnErrorAtItsKey() async throws {
        try await HostileFixture.with { fx in
            for text in ["9223372036854775807d", "200000000000000d", "99999999999999999999999s", "3651d"] {
                try fx.writeConfig(["monitoring.poll_interval": text])
                let checked = try await fx.cli(["config", "check"])
                #expect(checked.status == 1, "\(text): \(checked)")
                #expect(checked.output.contains("monitoring.poll_interval") && checked.output.contains("longer than 3650d (10 years)"),
                        "\(text): \(checked)")
            }
        }
    }

    /// Item 3: epochs the CPR stub cannot serve were accepted, then every `extract run`
    /// trapped. Now the edge refuses them by name and range, and any epoch it accepts runs.
    @Test func epochOutsideTheStubsRangeIsRefusedAndEveryAcceptedOneRuns() async throws {
        try await HostileFixture.with { fx in
            let range = CPRPopulation.epochs
            for epoch in ["0001-01-01", "1999-12-30", "2038-01-01", "9999-12-31"] {
                try fx.writeConfig(["sources.epoch": epoch])
                let checked = try await fx.cli(["config", "check"])
                #expect(checked.status == 1, "\(epoch): \(checked)")
                #expect(checked.output.contains("sources.epoch") && checked.output.contains("\(range.lowerBound)...\(range.upperBound)"),
                        "\(epoch): \(checked)")
            }
            // The bounds themselves, and the year the old bound ended at: applied and run.
            for epoch in ["\(range.lowerBound)", "2027-01-01", "\(range.upperBound)"] {
                try fx.writeConfig(["sources.epoch": epoch, "sources.cpr.persons": "400"])
                try await fx.apply()
                // --rerun: the state is shared across the loop, and today's file of an
                // earlier epoch would otherwise answer "already produced".
                let run = try await fx.cli(["extract", "run", "cpr-kbh", "--no-deliver", "--rerun"])
                #expect(run.signal == nil, "\(epoch): \(run)")
                let today = CivilDateText.today
                if epoch <= today {
                    #expect(run.status == 0, "\(epoch): \(run)")
                } else {
                    // Before the register's first day: refused with the reason, not a trap.
                    #expect(run.status != 0 && run.output.contains("before"), "\(epoch): \(run)")
                }
            }
        }
    }

    /// Item 4 (configuration side): a sender with control characters reached the XML.
    @Test func senderWithControlCharactersIsRefused() async throws {
        try await HostileFixture.with { fx in
            for sender in ["a\u{1}b", "a\u{1B}[31mred", "two\nlines"] {
                try fx.writeConfig(["platform.sender": sender])
                let checked = try await fx.cli(["config", "check"])
                #expect(checked.status == 1, "\(checked)")
                #expect(checked.output.contains("platform.sender") && checked.output.contains("control character"), "\(checked)")
                #expect(!checked.output.contains("\u{1B}"), "the escape is shown escaped, not raw: \(checked)")
            }
        }
    }

    /// Item 5: `file_name: "a\nb{ext}"` passed and delivered `IN/a⏎b.gz`.
    @Test func fileNameTemplatesFollowTheDeliveredNameRule() async throws {
        try await HostileFixture.with { fx in
            let cases = ["a\nb{ext}": "control character U+000A", ".hidden{ext}": "starts with '.'", "x/y{ext}": "contains '/'",
                         "{extract}.metadata": "ends in .metadata", String(repeating: "n", count: 199) + "{ext}": "longer than 200 bytes",
                         "D{yymmdd}{nope}": "uses {nope}"]
            for (template, reason) in cases {
                try fx.writeConfig(["extracts[0].file_name": template])
                let checked = try await fx.cli(["config", "check"])
                #expect(checked.status == 1, "\(template.debugDescription): \(checked)")
                #expect(checked.output.contains("extracts[0].file_name") && checked.output.contains(reason), "\(template.debugDescription): \(checked)")
            }
        }
    }

    /// "Validation that comes too late": key files and inbox paths that only failed at
    /// delivery time are refused by `config check`, by the rules change orders use.
    @Test func keyFilesAndInboxPathsAreCheckedWithTheConfiguration() async throws {
        try await HostileFixture.with { fx in
            let loose = fx.directory + "/keys/loose"
            try FileManager.default.copyItem(atPath: fx.keyPath, toPath: loose)
            chmod(loose, 0o644)
            let garbage = fx.directory + "/keys/garbage"
            try "not a key\n".write(toFile: garbage, atomically: true, encoding: .utf8)
            chmod(garbage, 0o600)
            let cases = [
                "keys/missing": "No such file", "keys": "not a regular file", "/dev/zero": "not a regular file",
                "keys/loose": "others than its owner", "../../../../etc/shadow": "private_key",
                "keys/garbage": "not an OpenSSH or PEM private key",
            ]
            for (key, reason) in cases {
                try fx.writeConfig(["systems[0].inbox.private_key": key])
                let checked = try await fx.cli(["config", "check"])
                #expect(checked.status == 1, "\(key): \(checked)")
                #expect(checked.output.contains("systems[0].inbox.private_key") && checked.output.contains(reason), "\(key): \(checked)")
                let applied = try await fx.cli(["config", "apply"])
                #expect(applied.status == 1 && !FileManager.default.fileExists(atPath: fx.state + "/state.db"), "\(key): \(applied)")
            }
            for path in ["../../../etc", "IN/../../x", "a\u{1}b"] {
                try fx.writeConfig(["systems[0].inbox.path": path])
                let checked = try await fx.cli(["config", "check"])
                #expect(checked.status == 1 && checked.output.contains("systems[0].inbox.path"), "\(path): \(checked)")
            }
            try fx.writeConfig(["systems[0].inbox.path": "IN/incoming"])
            let fine = try await fx.cli(["config", "check"])
            #expect(fine.status == 0, "\(fine)")
        }
    }

    /// Duplicate keys were reported at FILE:1:1 with an empty key and the whole file.
    @Test func duplicateKeysAreReportedAtTheirLineWithTheirKey() async throws {
        try await HostileFixture.with { fx in
            let lines = HostileFixture.config([:]).components(separatedBy: "\n")
            let portLine = try #require(lines.firstIndex { $0.contains("port: \"2222\"") && $0.hasPrefix("      port") })
            var doubled = lines
            doubled.insert("      port: \"2223\"", at: portLine + 1)
            let flowLine = try #require(lines.firstIndex { $0.contains("cpr: { seed") })
            doubled[flowLine] = "  cpr: { seed: \"7\", persons: \"2000\", seed: \"8\" }"
            try doubled.joined(separator: "\n").write(toFile: fx.configPath, atomically: true, encoding: .utf8)
            let checked = try await fx.cli(["config", "check"])
            #expect(checked.status == 1, "\(checked)")
            let file = fx.configPath
            #expect(checked.output.contains("\(file):\(portLine + 2):7: systems[0].inbox.port: the key 'port' appears twice"), "\(checked)")
            #expect(checked.output.contains("sources.cpr.seed: the key 'seed' appears twice"), "\(checked)")
            #expect(!checked.output.contains("private_key: \"keys"), "the file itself is not printed: \(checked)")
        }
    }

    /// A file with a great many errors printed every one (2 million lines for a million).
    @Test func errorOutputStopsAfterAHundred() async throws {
        try await HostileFixture.with { fx in
            let bad = (0..<20_000).map { "  - { code: \"x\($0)\", name: n }" }.joined(separator: "\n")
            try ("municipalities:\n" + bad + "\n").write(toFile: fx.configPath, atomically: true, encoding: .utf8)
            let checked = try await fx.cli(["config", "check"])
            #expect(checked.status == 1)
            let lines = checked.output.split(separator: "\n")
            #expect(lines.count <= 110, "\(lines.count) lines")
            #expect(checked.output.contains("20000 errors") && checked.output.contains("and 19900 more errors not shown"), "\(checked.output.suffix(300))")
        }
    }

    /// The diff printed raw terminal escapes from values.
    @Test func theDiffShowsEscapesEscaped() async throws {
        try await HostileFixture.with { fx in
            try await fx.apply()
            // U+009B (CSI) and a line break are text XML can carry, so the file may hold
            // them in a description; the diff must not print them raw.
            try fx.writeConfig(["systems[0].description": "x\u{9B}2Jcleared\nsecond line"])
            let applied = try await fx.cli(["config", "apply"])
            #expect(applied.status == 0, "\(applied)")
            #expect(applied.output.contains("description test system -> x\\u{9B}2Jcleared\\u{A}second line"), "\(applied)")
            #expect(!applied.output.unicodeScalars.contains { $0.value == 0x9B }, "\(applied)")
        }
    }
}

/// Today in Copenhagen as YYYY-MM-DD, as `extract run` decides what "today" is.
enum CivilDateText {
    static var today: String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Europe/Copenhagen") ?? .gmt
        let c = calendar.dateComponents([.year, .month, .day], from: Date())
        return String(format: "%04d-%02d-%02d", c.year ?? 0, c.month ?? 0, c.day ?? 0)
    }
}
