import Foundation
import Store
import Testing

/// The rules every edge shares: durations, metadata text, delivered names, inbox folders,
/// terminal-safe display, secret files.
@Suite struct InputRulesTests {
    @Test func durationsParseWithCheckedArithmetic() {
        #expect(DurationText.parse("1h30m") == 5400)
        #expect(DurationText.parse(" 14d ") == 14 * 86_400)
        #expect(DurationText.parse("0s") == 0)
        #expect(DurationText.parse("3650d") == DurationText.maximumSeconds)
        for text in ["", "90", "1x", "-5m", "d", "1h30", "٣h", "+1h", "1.5h"] {
            #expect(DurationText.seconds(text) == .failure(.notADuration), "\(text)")
        }
        // Each of these overflowed Int (and trapped) before.
        for text in ["3651d", "3650d1s", "9223372036854775807d", "200000000000000d", "99999999999999999999999999999s",
                     "106752d" + String(repeating: "9", count: 400) + "s"] {
            #expect(DurationText.seconds(text) == .failure(.tooLong), "\(text)")
        }
        #expect(DurationText.problem("200000000000000d", "collect-within", in: 60...86_400)?
            .contains("collect-within '200000000000000d' is longer than 3650d (10 years)") == true)
        #expect(DurationText.problem("2d", "retention", in: 60...86_400) == "retention '2d' is outside 1m...1d")
        #expect(DurationText.problem("2h", "retention", in: 60...86_400) == nil)
    }

    @Test func deadlinesBothWaysAndNothingLenient() {
        for text in ["08:00 next business day", "16:30 same business day", "07:05 +3 business days", "7:05 +1 business day"] {
            #expect(DurationText.parseDeadline(text) != nil, "\(text)")
        }
        #expect(DurationText.parseDeadline("07:05 +3 business days").map(DurationText.formatDeadline) == "07:05 +3 business days")
        for text in ["+1:00 next business day", "24:00 next business day", "08:60 next business day", "08:00 +31 business days",
                     "08:00 +99999999999999999999 business days", "08:00 +0 business days", "08:00", "", "٠٨:٠٠ next business day"] {
            #expect(DurationText.parseDeadline(text) == nil, "\(text)")
        }
    }

    @Test func metadataTextIsOneLineWithoutControlCharacters() {
        #expect(InputText.metadataProblem("cpr-extract æøå", "InfRef") == nil)
        // U+FFFE and U+FFFF: caught by the metadata fuzz target (Fuzz/corpus/metadata).
        for text in ["a\u{1}b", "a\u{1B}c", "a\nb", "a\tb", "a\u{7F}", "a\u{9B}b", "a\u{FFFE}", "\u{FFFF}b"] {
            #expect(InputText.metadataProblem(text, "InfRef")?.contains("InfRef") == true, "\(text.debugDescription)")
        }
        #expect(InputText.firstNonXMLCharacter(in: "a\tb\nc\r") == nil)
        #expect(InputText.firstNonXMLCharacter(in: "a\u{0}b") == "\u{0}")
        #expect(InputText.firstNonXMLCharacter(in: "a\u{FFFE}") == "\u{FFFE}")
        #expect(InputText.firstNonXMLCharacter(in: "😀\u{E000}\u{9B}") == nil)
    }

    @Test func displaySafeEscapesControlsAndCapsLength() {
        #expect("ok\u{1B}[2J\u{9B}x\n".displaySafe() == "ok\\u{1B}[2J\\u{9B}x\\u{A}")
        #expect(String(repeating: "x", count: 1000).displaySafe(limit: 10) == "xxxxxxxxxx…(990 more characters)")
        #expect("æøå 😀".displaySafe() == "æøå 😀")
    }

    @Test func deliveredNamesFollowOneRule() {
        #expect(DeliveredFileName.problem("D261124.L000001.gz") == nil)
        let cases = ["": "empty", "a/b": "'/'", ".x": "hidden", "x.metadata": ".metadata", "a\nb": "U+000A",
                     "a\u{9B}b": "U+009B", String(repeating: "n", count: 201): "200 bytes", String(repeating: "ø", count: 101): "200 bytes"]
        for (name, reason) in cases {
            #expect(DeliveredFileName.problem(name)?.contains(reason) == true, "\(name.debugDescription)")
        }
    }

    @Test func inboxFoldersStayInTheirTree() {
        #expect(InboxFolder.problem("IN") == nil)
        #expect(InboxFolder.problem("/srv/sftp/IN") == nil)
        #expect(InboxFolder.problem("/srv/sftp/IN", relative: true)?.contains("absolute") == true)
        for path in ["", "../../../etc", "IN/../..", "IN/\u{1}"] {
            #expect(InboxFolder.problem(path) != nil, "\(path.debugDescription)")
        }
        #expect(InboxFolder.problem("IN/..x") == nil)
    }

    @Test func secretFilesAreCheckedWithoutBeingRead() throws {
        let dir = NSTemporaryDirectory() + "secret-rules-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let good = dir + "/good", loose = dir + "/loose", big = dir + "/big"
        try "s3cret".write(toFile: good, atomically: true, encoding: .utf8)
        try "s3cret".write(toFile: loose, atomically: true, encoding: .utf8)
        try Data(count: SecretSource.maximumFileBytes + 1).write(to: URL(fileURLWithPath: big))
        chmod(good, 0o600); chmod(loose, 0o644); chmod(big, 0o600)
        #expect(SecretSource.fileProblem(good) == nil)
        #expect(SecretSource.fileProblem(loose)?.code == .readableByOthers)
        #expect(SecretSource.fileProblem(big)?.reason.contains("more than a secret") == true)
        #expect(SecretSource.fileProblem(dir)?.reason.contains("not a regular file") == true)
        #expect(SecretSource.fileProblem("/dev/zero")?.reason.contains("not a regular file") == true)
        #expect(SecretSource.fileProblem(dir + "/none")?.code == .unreadable)
        #expect(throws: SecretError.self) { try SecretSource(file: big).read(environment: [:]) }
    }
}
