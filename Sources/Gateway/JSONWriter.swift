import BusinessCalendar

/// A small JSON builder that writes UTF-8 bytes straight into an array: the gateway
/// answers thousands of lookups a second and streams populations as NDJSON, and building
/// a `String` scalar by scalar cost more than finding the person did. Writing the fields
/// by hand also keeps their order stable for callers who diff responses.
///
/// Escaping works on bytes: every byte of a multi-byte UTF-8 sequence is 0x80 or more, so
/// only `"`, `\` and bytes below 0x20 need attention, and runs between them are copied whole.
struct JSONWriter {
    private(set) var bytes: [UInt8] = []
    private var needsComma = false

    init(capacity: Int = 1024) { bytes.reserveCapacity(capacity) }

    /// The document as text (tests and small fault bodies).
    var text: String { String(decoding: bytes, as: UTF8.self) }

    /// Empties the writer for the next document, keeping its storage (NDJSON lines).
    mutating func reset() { bytes.removeAll(keepingCapacity: true); needsComma = false }

    /// Appends raw bytes that are not part of the JSON value (the newline between NDJSON lines).
    mutating func raw(_ byte: UInt8) { bytes.append(byte); needsComma = false }

    mutating func beginObject() { separator(); bytes.append(UInt8(ascii: "{")); needsComma = false }
    mutating func endObject() { bytes.append(UInt8(ascii: "}")); needsComma = true }
    mutating func beginArray() { separator(); bytes.append(UInt8(ascii: "[")); needsComma = false }
    mutating func endArray() { bytes.append(UInt8(ascii: "]")); needsComma = true }

    mutating func key(_ k: StaticString) {
        separator()
        bytes.append(UInt8(ascii: "\""))
        // Keys are the gateway's own ASCII names: no escaping needed.
        k.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
        needsComma = false
    }

    mutating func value(_ s: String) { separator(); string(s); needsComma = true }
    mutating func value(_ n: Int) { separator(); integer(n); needsComma = true }
    mutating func value(_ b: Bool) { separator(); literal(b ? "true" : "false"); needsComma = true }
    /// `YYYY-MM-DD`, written digit by digit (no intermediate `String`).
    mutating func value(_ d: CivilDate) {
        separator()
        bytes.append(UInt8(ascii: "\""))
        if (0...9999).contains(d.year) {
            digits(d.year, width: 4)
            bytes.append(UInt8(ascii: "-"))
            digits(d.month, width: 2)
            bytes.append(UInt8(ascii: "-"))
            digits(d.day, width: 2)
        } else {
            bytes.append(contentsOf: d.description.utf8)
        }
        bytes.append(UInt8(ascii: "\""))
        needsComma = true
    }
    mutating func null() { separator(); literal("null"); needsComma = true }

    mutating func field(_ k: StaticString, _ s: String) { key(k); value(s) }
    mutating func field(_ k: StaticString, _ s: String?) { key(k); if let s { value(s) } else { null() } }
    mutating func field(_ k: StaticString, _ n: Int) { key(k); value(n) }
    mutating func field(_ k: StaticString, _ b: Bool) { key(k); value(b) }
    mutating func field(_ k: StaticString, _ d: CivilDate) { key(k); value(d) }
    mutating func field(_ k: StaticString, _ d: CivilDate?) { key(k); if let d { value(d) } else { null() } }

    private mutating func separator() { if needsComma { bytes.append(UInt8(ascii: ",")) } }

    private mutating func literal(_ s: StaticString) { s.withUTF8Buffer { bytes.append(contentsOf: $0) } }

    private mutating func digits(_ n: Int, width: Int) {
        var divisor = 1
        for _ in 1..<width { divisor *= 10 }
        var rest = n
        while divisor > 0 {
            bytes.append(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: rest / divisor))
            rest %= divisor
            divisor /= 10
        }
    }

    private mutating func integer(_ n: Int) {
        if n < 0 {
            bytes.append(UInt8(ascii: "-"))
            // The magnitude of Int.min does not fit in an Int; go through UInt.
            unsigned(UInt(bitPattern: 0 &- n))
        } else {
            unsigned(UInt(n))
        }
    }

    private mutating func unsigned(_ n: UInt) {
        var scratch: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: room for UInt.max's 20 digits
        withUnsafeMutableBytes(of: &scratch) { buf in
            var i = buf.count
            var rest = n
            repeat {
                i -= 1
                buf[i] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: rest % 10)
                rest /= 10
            } while rest > 0
            bytes.append(contentsOf: buf[i...])
        }
    }

    private mutating func string(_ s: String) {
        bytes.append(UInt8(ascii: "\""))
        var s = s
        s.withUTF8 { utf8 in
            var runStart = 0
            for i in 0..<utf8.count {
                let b = utf8[i]
                guard b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") || b < 0x20 else { continue }
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<i]))
                runStart = i + 1
                switch b {
                case UInt8(ascii: "\""): literal("\\\"")
                case UInt8(ascii: "\\"): literal("\\\\")
                case UInt8(ascii: "\n"): literal("\\n")
                case UInt8(ascii: "\r"): literal("\\r")
                case UInt8(ascii: "\t"): literal("\\t")
                default:
                    literal("\\u00")
                    let hex: StaticString = "0123456789abcdef"
                    hex.withUTF8Buffer { h in
                        bytes.append(h[Int(b >> 4)])
                        bytes.append(h[Int(b & 0x0F)])
                    }
                }
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart...]))
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
