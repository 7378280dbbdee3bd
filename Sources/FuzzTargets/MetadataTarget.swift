import Delivery
import Foundation
import Store
#if canImport(FoundationXML)
import FoundationXML
#endif

/// The metadata document, built from fuzzed fields (NUL-separated: size, timestamp seconds,
/// FileTransferUUID, FileName, Sender, SendersFileId, Recipients (comma-separated), InfRef,
/// SenderAuthority, RecipientAuthority, TransactionId, SenderItSystem, RecipientItSystem,
/// SHA256).
///
/// Either the document is refused with a reason, or it is well-formed XML (Foundation's
/// parser reads it) whose elements hold exactly the values given.
enum MetadataTarget {
    /// The latest timestamp built: the end of year 9999, as far as xs:dateTime's four digits go.
    static let latestSeconds = 253_402_300_799.0

    static func check(_ input: [UInt8]) throws(FuzzFailure) {
        func fail(_ property: String) -> FuzzFailure { FuzzFailure(.metadata, property) }
        var fields = FuzzInput.fields(Array(input.prefix(16_384)), separator: 0)
        fields += Array(repeating: "", count: max(0, 14 - fields.count))
        func optional(_ i: Int) -> String? { fields[i].isEmpty ? nil : fields[i] }
        let size = Int64(fields[0]) ?? Int64(input.count)
        let seconds = Double(fields[1]).flatMap { $0.isFinite ? min(max($0, 0), latestSeconds) : nil } ?? 0
        let routing = RoutingInfo(infRef: optional(7), senderAuthority: optional(8), recipientAuthority: optional(9), transactionId: optional(10))
        let document = MetadataDocument(
            fileTransferUUID: fields[2], fileName: fields[3], sizeInBytes: size, sender: fields[4], sendersFileId: fields[5],
            recipients: fields[6].isEmpty ? [] : fields[6].split(separator: ",", omittingEmptySubsequences: false).map(String.init),
            routing: routing, senderItSystem: optional(11), recipientItSystem: optional(12),
            senderTimestamp: Date(timeIntervalSince1970: seconds), sha256: fields[13])

        let xml: String
        do {
            xml = try document.xml
        } catch {
            guard error.code == .integrity, !error.reason.isEmpty, !FuzzInput.holdsControl(error.description) else {
                throw fail("a refusal that is not a clear integrity error: \(error)")
            }
            if let problem = MetadataDocument.routingProblem(routing), problem.isEmpty { throw fail("an empty routing problem") }
            return
        }
        if MetadataDocument.routingProblem(routing) != nil { throw fail("routing refused at the edge, but the document was built") }

        let reader = ElementReader()
        let parser = XMLParser(data: Data(xml.utf8))
        parser.delegate = reader
        guard parser.parse() else {
            throw fail("the document is not well-formed XML: \(parser.parserError.map { "\($0)" } ?? "?")")
        }
        var expected: [(String, String)] = [
            ("FileTransferUUID", document.fileTransferUUID), ("FileName", document.fileName),
            ("SizeInBytes", String(size)), ("Sender", document.sender), ("SendersFileId", document.sendersFileId),
        ]
        expected += document.recipients.map { ("Recipients", $0) }
        let optionals: [(String, String?)] = [
            ("InfRef", routing.infRef), ("SenderItSystem", document.senderItSystem), ("SenderAuthority", routing.senderAuthority),
            ("TransactionId", routing.transactionId ?? document.sendersFileId), ("SenderTimestamp", nil),
            ("RecipientItSystem", document.recipientItSystem), ("RecipientAuthority", routing.recipientAuthority),
        ]
        for (name, value) in optionals {
            if name == "SenderTimestamp" { continue }
            if let value, !value.isEmpty { expected.append((name, value)) }
        }
        expected.append(("udtraek:SHA256", document.sha256))
        let leaves = reader.leaves.filter { $0.0 != "SenderTimestamp" }
        guard leaves.map(\.0) == expected.map(\.0) else {
            throw fail("the elements read back are \(leaves.map(\.0)), expected \(expected.map(\.0))")
        }
        for (got, want) in zip(leaves, expected) where got.1 != want.1 {
            throw fail("\(want.0) reads back as \(got.1.debugDescription), was \(want.1.debugDescription)")
        }
        guard reader.root == "ns2:Trigger", reader.leaves.contains(where: { $0.0 == "SenderTimestamp" }) else {
            throw fail("the root is \(reader.root ?? "none") or SenderTimestamp is missing")
        }
    }
}

/// Collects the text of every element that holds no other element, in document order.
private final class ElementReader: NSObject, XMLParserDelegate {
    var root: String?
    var leaves: [(String, String)] = []
    private var stack: [(name: String, text: String, hasChildren: Bool)] = []

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        if root == nil { root = name }
        if !stack.isEmpty { stack[stack.count - 1].hasChildren = true }
        stack.append((name, "", false))
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if !stack.isEmpty { stack[stack.count - 1].text += string }
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        guard let top = stack.popLast() else { return }
        if !top.hasChildren { leaves.append((top.name, top.text)) }
    }
}
