import Foundation

/// Rules for text that comes from outside (the configuration file, CLI arguments, API
/// bodies) and ends up somewhere that cannot take every character: an XML document, a
/// file name in a receiver's inbox, an operator's terminal. One rule each, shared by every
/// edge that takes such text, so the configuration, the CLI and the API refuse the same
/// things with the same words.
public enum InputText {
    /// Whether XML 1.0 can carry the character at all (its `Char` production): tab, line
    /// feed, carriage return, and everything from U+0020 except U+FFFE and U+FFFF (Swift
    /// strings hold no lone surrogates). A document holding another one is not well-formed,
    /// and receivers' parsers refuse the whole file.
    public static func isXMLCharacter(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x9, 0xA, 0xD: return true
        case 0x20...0xFFFD: return s.value != 0xFFFE
        case 0x10000...0x10FFFF: return true
        default: return false
        }
    }

    /// A control character: C0 (U+0000-U+001F), DEL and C1 (U+0080-U+009F). C1 holds the
    /// 8-bit terminal escape (U+009B, CSI), so none of these is printed raw.
    public static func isControl(_ s: Unicode.Scalar) -> Bool {
        s.value < 0x20 || (0x7F...0x9F).contains(s.value)
    }

    /// The first character XML 1.0 cannot carry, or nil.
    public static func firstNonXMLCharacter(in text: String) -> Unicode.Scalar? {
        text.unicodeScalars.first { !isXMLCharacter($0) }
    }

    /// Why `text`, the value of `what` (a key, option or field name), cannot go into the
    /// metadata document that travels with every file: one line of text XML can carry,
    /// so no control characters at all, and none of the noncharacters U+FFFE and U+FFFF
    /// that XML cannot carry (a find of the metadata fuzz target: they made the document unreadable). Nil
    /// when it can.
    public static func metadataProblem(_ text: String, _ what: String) -> String? {
        if let bad = text.unicodeScalars.first(where: isControl) {
            return "\(what) '\(text.displaySafe(limit: 60))' holds the control character \(bad.codePoint); it goes into the XML metadata that travels with every file, where only one line of printable text can stand"
        }
        if let bad = firstNonXMLCharacter(in: text) {
            return "\(what) '\(text.displaySafe(limit: 60))' holds \(bad.codePoint), which is not a character XML can carry; it goes into the XML metadata that travels with every file, so remove it"
        }
        return nil
    }

    /// The longest InfRef (data type), in bytes: the platform's data types are short names
    /// (`KLE-Emneplan`, a URN), and the value goes into every file's metadata.
    public static let maximumInfRefBytes = 255

    /// Why `text` cannot be an InfRef (`what` names where it was given), or nil: one line of
    /// text the metadata can carry, not empty, at most `maximumInfRefBytes`. The same rule
    /// for a file-transfer agreement's, a system's (configuration and change order) and
    /// `udtraek deliver --inf-ref`.
    public static func infRefProblem(_ text: String, _ what: String) -> String? {
        if text.trimmingCharacters(in: .whitespaces).isEmpty {
            return "\(what) is empty; give the data type (InfRef) as receivers expect it, or leave it out"
        }
        if text.utf8.count > maximumInfRefBytes {
            return "the InfRef is \(text.utf8.count) bytes long; at most \(maximumInfRefBytes) are accepted"
        }
        return metadataProblem(text, what)
    }
}

extension Unicode.Scalar {
    /// `U+001B`.
    public var codePoint: String {
        let hex = String(value, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }
}

extension String {
    /// The text as it may be shown on a terminal or in a log: control characters written
    /// as `\u{1B}` (so a value cannot move the cursor, recolour the screen or hide text),
    /// and at most `limit` characters followed by how many more there were.
    public func displaySafe(limit: Int = 200) -> String {
        var out = ""
        var shown = 0
        for ch in self {
            if shown == limit {
                return out + "…(\(count - shown) more characters)"
            }
            shown += 1
            if ch.unicodeScalars.contains(where: InputText.isControl) {
                for s in ch.unicodeScalars {
                    out += InputText.isControl(s) ? "\\u{\(String(s.value, radix: 16, uppercase: true))}" : String(s)
                }
                continue
            }
            out.append(ch)
        }
        return out
    }
}
