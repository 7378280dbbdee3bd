import FuzzTargets
import Testing

/// The finds of the fuzz targets, by name (they are in the corpus too): each once trapped or
/// broke a property, and must keep holding.
@Suite struct FindingsTests {
    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    /// `v += step` overflowed for a start value above 0 and a step near Int.max.
    @Test(arguments: ["1/9223372036854775807 * * * *", "* 5-9/99999999999999999999999 * * *", "0 0 3/9223372036854775806 * *"])
    func cronStepPastIntsEnd(_ expression: String) {
        #expect(throws: Never.self) { try FuzzTarget.cron.check(Self.bytes(expression)) }
    }

    /// U+FFFE and U+FFFF passed the metadata check (only control characters were refused) and
    /// made a document no XML parser reads; now they are refused with an integrity error.
    @Test(arguments: ["\u{FFFE}", "a\u{FFFF}"])
    func metadataNoncharacters(_ value: String) {
        let fields = ["0", "0", "u", "f", "s", "id", "r", value, "", "", "", value, "", "abc"]
        #expect(throws: Never.self) { try FuzzTarget.metadata.check(Self.bytes(fields.joined(separator: "\0"))) }
    }

    /// The SHA256 element was written unescaped; markup in it broke the document.
    @Test func metadataMarkupInChecksum() {
        let fields = ["0", "0", "u", "f", "s", "id", "r", "", "", "", "", "", "", "</udtraek:SHA256><x>&"]
        #expect(throws: Never.self) { try FuzzTarget.metadata.check(Self.bytes(fields.joined(separator: "\0"))) }
    }

    /// Numbers of any length are refused by name, never overflow.
    @Test(arguments: ["99999999999999999999999s", "9223372036854775807d1s", "1d9223372036854775807s"])
    func durationOverflow(_ text: String) {
        #expect(throws: Never.self) { try FuzzTarget.durations.check(Self.bytes(text)) }
    }
}
