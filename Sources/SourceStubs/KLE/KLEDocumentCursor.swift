import BusinessCalendar

/// A KLE XML document produced a chunk at a time: each `next(into:)` writes nodes until
/// about one chunk (`KLEXMLWriter.chunkSize`) is buffered, hands it to the sink and
/// returns, keeping the open elements for the next call. `KLEExtractWriter`'s documents
/// are this cursor run to the end, so a stream paced by its reader (the gateway's
/// `/kle/plan`) is byte for byte the extract.
public struct KLEDocumentCursor<Nodes: IteratorProtocol<KLENode>> {
    var nodes: Nodes
    var writer = KLEXMLWriter()
    var open: [KLELevel] = []
    /// `Hovedgruppe`, `Gruppe` and `Emne` elements written so far.
    public private(set) var count = 0
    var finished = false

    /// `nodes` in pre-order, every node's ancestors included.
    init(_ nodes: Nodes, publicationDate: CivilDate) {
        self.nodes = nodes
        writer.raw("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<KLE-Emneplan>")
        writer.element("UdgivelsesDato", publicationDate.description, depth: 1)
    }

    /// Bytes produced so far.
    public var bytes: Int { writer.totalBytes }

    /// Writes the next chunk into `sink`; the last one closes the document. Returns false,
    /// writing nothing, once the document is complete.
    public mutating func next<S: ByteSink>(into sink: inout S) throws -> Bool {
        guard !finished else { return false }
        while let n = nodes.next() {
            while let top = open.last, top.depth >= n.level.depth {
                writer.close(top.elementName, depth: top.depth + 1)
                open.removeLast()
            }
            KLEExtractWriter.writeHead(n, depth: n.level.depth + 1, into: &writer)
            open.append(n.level)
            count += 1
            if writer.isFull {
                try writer.flush(into: &sink)
                return true
            }
        }
        while let top = open.popLast() { writer.close(top.elementName, depth: top.depth + 1) }
        writer.raw("\n</KLE-Emneplan>\n")
        finished = true
        try writer.flush(into: &sink)
        return true
    }
}

extension KLEDocumentCursor where Nodes == IndexingIterator<[KLENode]> {
    /// The whole of `version` (active and historic nodes), as `KLEExtractWriter.writeFull`
    /// writes it for the date `version` is in force on.
    public init(full version: KLEVersion) {
        self.init(version.nodes.makeIterator(), publicationDate: version.publicationDate)
    }
}
