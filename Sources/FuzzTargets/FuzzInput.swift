/// How the fuzzer's bytes become the text parsers see: invalid UTF-8 is repaired (U+FFFD),
/// as every edge of the service does when it turns bytes into a `String`.
enum FuzzInput {
    static func text(_ bytes: some Collection<UInt8>) -> String {
        String(decoding: bytes, as: UTF8.self)
    }

    /// The input split at `separator` bytes into texts (empty texts kept).
    static func fields(_ bytes: [UInt8], separator: UInt8) -> [String] {
        bytes.split(separator: separator, omittingEmptySubsequences: false).map(text)
    }

    /// Whether `text` holds a control character (C0, DEL, C1) that a terminal would act on:
    /// messages that quote input must show it escaped (`displaySafe`).
    static func holdsControl(_ text: String) -> Bool {
        text.unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) }
    }
}
