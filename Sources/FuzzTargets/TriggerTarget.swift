import FileRouting
import Foundation
import Store
#if canImport(FoundationXML)
import FoundationXML
#endif

/// A sender's `NAME.trigger` (`TriggerDocument.parse`), from raw bytes.
///
/// Either it is refused with reasons that are non-empty and show no raw control character,
/// or what it yields holds the trigger's promises: a lowercase UUID, recipients without
/// duplicates, fields metadata can carry; and the receipt written back about it (which
/// quotes the sender's FileName) is well-formed XML naming that file.
enum TriggerTarget {
    static func check(_ input: [UInt8]) throws(FuzzFailure) {
        func fail(_ property: String) -> FuzzFailure { FuzzFailure(.trigger, property) }
        let document: TriggerDocument
        switch TriggerDocument.parse(input) {
        case .failure(let problems):
            guard !problems.reasons.isEmpty else { throw fail("refused without a reason") }
            for reason in problems.reasons {
                if reason.isEmpty || FuzzInput.holdsControl(reason) { throw fail("a reason quotes input raw: \(reason.debugDescription)") }
            }
            return
        case .success(let parsed):
            document = parsed
        }
        let id = document.sendersFileId
        let groups = id.split(separator: "-", omittingEmptySubsequences: false).map(\.count)
        guard groups == [8, 4, 4, 4, 12], id == id.lowercased() else { throw fail("SendersFileId \(id.debugDescription) is not a lowercase UUID") }
        guard !document.recipients.isEmpty, Set(document.recipients).count == document.recipients.count else {
            throw fail("recipients \(document.recipients) are empty or repeated")
        }
        guard document.sizeInBytes >= 0 else { throw fail("a negative size") }
        let fields = [document.sender] + document.recipients + [document.routing.infRef, document.routing.senderAuthority,
                                                                document.routing.recipientAuthority, document.routing.transactionId,
                                                                document.senderItSystem, document.recipientItSystem].compactMap { $0 }
        for field in fields where InputText.metadataProblem(field, "field") != nil || field.isEmpty {
            throw fail("accepted a field metadata cannot carry: \(field.debugDescription)")
        }
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let receipt = ReceiptDocument.of(TransferSummary(transfer: TransferRecord(
            sender: document.sender, fileName: document.fileName, sendersFileId: id, state: .rejected,
            reasons: ["file-name: \(document.fileName.displaySafe(limit: 80))"], receivedAt: now, updatedAt: now), recipients: []), at: now)
        let reader = NameReader()
        let parser = XMLParser(data: Data(receipt.xml.utf8))
        parser.delegate = reader
        guard parser.parse() else { throw fail("the receipt about \(document.fileName.debugDescription) is not well-formed XML") }
        let expected = ReceiptDocument.escapeForText(document.fileName)
        guard reader.fileName == expected else {
            throw fail("the receipt names \(reader.fileName.debugDescription), expected \(expected.debugDescription)")
        }
    }
}

/// The text of the receipt's FileName element.
private final class NameReader: NSObject, XMLParserDelegate {
    var fileName = ""
    private var inside = false

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) { inside = name == "FileName" }
    func parser(_ parser: XMLParser, foundCharacters string: String) { if inside { fileName += string } }
    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) { inside = false }
}
