/// UTF-8 XML written into a buffer of its own and handed to a `ByteSink` in chunks of
/// about `chunkSize` bytes, so a document of several MB never exists as one String or one
/// array and the sink sees few, large writes.
struct KLEXMLWriter {
    private var buffer: [UInt8] = []
    private var flushed = 0
    let chunkSize: Int

    init(chunkSize: Int = 256 * 1024) {
        self.chunkSize = chunkSize
        buffer.reserveCapacity(chunkSize + 32 * 1024)
    }

    /// Bytes produced so far, flushed or not.
    var totalBytes: Int { flushed + buffer.count }

    /// Markup that needs no escaping (element names, the declaration).
    mutating func raw(_ s: String) {
        buffer.append(contentsOf: s.utf8)
    }

    /// Character data, escaped: `&`, `<`, `>` always, and both quote characters so the
    /// same routine is safe inside attribute values too.
    mutating func text(_ s: String) {
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "&"): buffer.append(contentsOf: "&amp;".utf8)
            case UInt8(ascii: "<"): buffer.append(contentsOf: "&lt;".utf8)
            case UInt8(ascii: ">"): buffer.append(contentsOf: "&gt;".utf8)
            case UInt8(ascii: "\""): buffer.append(contentsOf: "&quot;".utf8)
            case UInt8(ascii: "'"): buffer.append(contentsOf: "&apos;".utf8)
            default: buffer.append(b)
            }
        }
    }

    /// A new line indented two spaces per level, as KL's published files are.
    mutating func newline(_ depth: Int) {
        buffer.append(UInt8(ascii: "\n"))
        for _ in 0..<(depth * 2) { buffer.append(UInt8(ascii: " ")) }
    }

    mutating func open(_ name: String, depth: Int) {
        newline(depth)
        buffer.append(UInt8(ascii: "<"))
        raw(name)
        buffer.append(UInt8(ascii: ">"))
    }

    mutating func close(_ name: String, depth: Int) {
        newline(depth)
        raw("</")
        raw(name)
        buffer.append(UInt8(ascii: ">"))
    }

    /// `<name>escaped text</name>` on a line of its own.
    mutating func element(_ name: String, _ value: String, depth: Int) {
        open(name, depth: depth)
        text(value)
        raw("</")
        raw(name)
        buffer.append(UInt8(ascii: ">"))
    }

    /// Whether the buffer holds a chunk's worth, to hand to the sink.
    var isFull: Bool { buffer.count >= chunkSize }

    /// Hands everything buffered to the sink.
    mutating func flush<S: ByteSink>(into sink: inout S) throws {
        guard !buffer.isEmpty else { return }
        try buffer.withUnsafeBytes { try sink.write($0) }
        flushed += buffer.count
        buffer.removeAll(keepingCapacity: true)
    }
}
