/// A small JSON text builder: the gateway answers thousands of lookups a second, and
/// writing the few fields by hand is several times cheaper than Foundation's encoder and
/// keeps the field order stable for callers who diff responses.
struct JSONWriter {
    private(set) var text = ""
    private var needsComma = false

    init(capacity: Int = 1024) { text.reserveCapacity(capacity) }

    mutating func beginObject() { separator(); text += "{"; needsComma = false }
    mutating func endObject() { text += "}"; needsComma = true }
    mutating func beginArray() { separator(); text += "["; needsComma = false }
    mutating func endArray() { text += "]"; needsComma = true }

    mutating func key(_ k: String) {
        separator()
        string(k)
        text += ":"
        needsComma = false
    }

    mutating func value(_ s: String) { separator(); string(s); needsComma = true }
    mutating func value(_ n: Int) { separator(); text += String(n); needsComma = true }
    mutating func value(_ b: Bool) { separator(); text += b ? "true" : "false"; needsComma = true }
    mutating func null() { separator(); text += "null"; needsComma = true }

    mutating func field(_ k: String, _ s: String) { key(k); value(s) }
    mutating func field(_ k: String, _ s: String?) { key(k); if let s { value(s) } else { null() } }
    mutating func field(_ k: String, _ n: Int) { key(k); value(n) }
    mutating func field(_ k: String, _ b: Bool) { key(k); value(b) }

    private mutating func separator() { if needsComma { text += "," } }

    private mutating func string(_ s: String) {
        text += "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": text += "\\\""
            case "\\": text += "\\\\"
            case "\n": text += "\\n"
            case "\r": text += "\\r"
            case "\t": text += "\\t"
            default:
                if u.value < 0x20 {
                    let hex = String(u.value, radix: 16)
                    text += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    text.unicodeScalars.append(u)
                }
            }
        }
        text += "\""
    }
}
