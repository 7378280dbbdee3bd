import BusinessCalendar
import Foundation
@testable import Gateway
import Store
import Testing

/// The byte-level JSON writer and the request ids: what callers parse must be valid JSON
/// with every string intact, and every id a unique lowercase UUID.
@Suite struct GatewayEncodingTests {
    static func parse(_ bytes: [UInt8]) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])
    }

    @Test(arguments: [
        "", "plain", "Søren Ærøskøbing Åse", "quote \" and backslash \\ and slash /", "tab\tnew\nline\rreturn",
        "\u{0}\u{1}\u{1f} controls", "emoji 👩‍👩‍👧 and ✓", "\"", "\\", "ends with \\",
    ])
    func stringsRoundTrip(_ s: String) throws {
        var w = JSONWriter()
        w.beginObject()
        w.field("s", s)
        w.endObject()
        let object = try #require(try Self.parse(w.bytes) as? [String: Any])
        #expect(object["s"] as? String == s)
        // No raw control byte may reach the caller.
        #expect(!w.bytes.contains { $0 < 0x20 })
    }

    @Test(arguments: [0, 1, 9, 10, 99, 100, -1, -10, 1_234_567_890, Int.max, Int.min])
    func integers(_ n: Int) throws {
        var w = JSONWriter()
        w.value(n)
        #expect(w.text == String(n))
    }

    @Test func documentShape() throws {
        var w = JSONWriter()
        w.beginObject()
        w.field("a", 1)
        w.field("b", true)
        w.field("c", nil as String?)
        w.field("d", CivilDate(year: 2026, month: 3, day: 9)!)
        w.field("e", nil as CivilDate?)
        w.key("list")
        w.beginArray()
        w.value("x")
        w.beginObject()
        w.endObject()
        w.beginArray()
        w.endArray()
        w.value(false)
        w.endArray()
        w.endObject()
        #expect(w.text == #"{"a":1,"b":true,"c":null,"d":"2026-03-09","e":null,"list":["x",{},[],false]}"#)
        #expect(try Self.parse(w.bytes) is [String: Any])

        // NDJSON: reset between documents keeps no comma state.
        w.reset()
        w.beginObject(); w.field("n", 1); w.endObject(); w.raw(0x0A)
        w.beginObject(); w.field("n", 2); w.endObject(); w.raw(0x0A)
        #expect(w.text == "{\"n\":1}\n{\"n\":2}\n")
    }

    @Test func datesOutsideFourDigitYearsStillRender() {
        var w = JSONWriter()
        let d = CivilDate(year: 12_345, month: 1, day: 2)!
        w.value(d)
        #expect(w.text == "\"\(d.description)\"")
    }

    @Test func requestIDsAreUniqueLowercaseVersion4UUIDs() {
        var seen = Set<String>()
        for _ in 0..<10_000 {
            let id = RequestID.next()
            #expect(isLowercaseUUID(id), "\(id)")
            let chars = Array(id)
            #expect(chars[14] == "4" && "89ab".contains(chars[19]), "\(id)")
            seen.insert(id)
        }
        #expect(seen.count == 10_000)
        #expect(RequestID.format(high: 0, low: 0) == "00000000-0000-4000-8000-000000000000")
        #expect(RequestID.format(high: .max, low: .max) == "ffffffff-ffff-4fff-bfff-ffffffffffff")
    }
}
