import Delivery
#if canImport(FoundationXML)
import FoundationXML
#endif
import Foundation
import Store
import Testing

/// Issue 11, item 4, the last line: whatever reached it, `MetadataDocument` refuses to
/// build a document XML 1.0 cannot carry rather than write one receivers' parsers reject.
@Suite struct MetadataDocumentTests {
    static func document(sender: String = "udtraek", infRef: String? = "cpr-extract", fileName: String = "D261124.gz") -> MetadataDocument {
        MetadataDocument(fileTransferUUID: "2f1c7c52-5a4b-4d43-9a8e-2b8c1f0e6d7a", fileName: fileName, sizeInBytes: 12,
                         sender: sender, sendersFileId: "run/1", recipients: ["kbh"], routing: RoutingInfo(infRef: infRef),
                         senderTimestamp: Date(timeIntervalSince1970: 1_795_000_000), sha256: String(repeating: "a", count: 64))
    }

    /// Well-formed by Foundation's XML parser.
    static func wellFormed(_ xml: String) -> Bool {
        XMLParser(data: Data(xml.utf8)).parse()
    }

    @Test func aDocumentWithControlCharactersIsNotBuilt() throws {
        #expect(Self.wellFormed(try Self.document(sender: "udtræk <&> \"x\"").xml))
        for bad in [Self.document(infRef: "a\u{1}b\u{1B}c"), Self.document(sender: "a\u{0}"), Self.document(fileName: "a\nb.gz"),
                    Self.document(sender: "a\u{9B}b"),
                    // Caught by the metadata fuzz target: noncharacters XML cannot carry, though not control characters.
                    Self.document(infRef: "a\u{FFFE}"), Self.document(fileName: "\u{FFFF}.gz")] {
            #expect(throws: DeliveryError.self) { _ = try bad.xml }
        }
        // The same text raw would not be well-formed: the check is what keeps it so.
        #expect(!Self.wellFormed("<a>a\u{1}b</a>"))
        #expect(MetadataDocument.routingProblem(RoutingInfo(infRef: "a\u{1}b"))?.contains("InfRef") == true)
        #expect(MetadataDocument.routingProblem(RoutingInfo(infRef: "cpr-extract", transactionId: "x/1")) == nil)
        #expect(MetadataDocument.routingProblem(RoutingInfo(transactionId: "\u{FFFF}"))?.contains("TransactionId") == true)
    }

    /// Caught by the metadata fuzz target: the checksum was written unescaped, so markup in it broke the document.
    @Test func theChecksumIsEscaped() throws {
        var document = Self.document()
        document.sha256 = "</udtraek:SHA256><x>&"
        #expect(Self.wellFormed(try document.xml))
    }
}
