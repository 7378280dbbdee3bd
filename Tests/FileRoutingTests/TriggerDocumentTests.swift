import FileRouting
import Foundation
import Store
import Testing

/// The trigger parser: what a sender sends is read or refused with every reason at once,
/// never trusted for more than it says.
@Suite struct TriggerDocumentTests {
    static func parse(_ text: String) -> Result<TriggerDocument, TriggerProblems> { TriggerDocument.parse(Array(text.utf8)) }

    @Test func aTriggerIsReadWithItsRoutingInfo() throws {
        let id = UUID().uuidString
        let document = try Self.parse(RoutingFixture.trigger(name: "a.xml", size: 42, id: id, recipients: ["esdh", "sag", "esdh"])).get()
        #expect(document.fileName == "a.xml" && document.sizeInBytes == 42 && document.sender == "fagsystem")
        #expect(document.sendersFileId == id.lowercased())
        #expect(document.recipients == ["esdh", "sag"])
        #expect(document.routing.infRef == RoutingFixture.infRef)
        #expect(document.senderTimestamp == ISO8601DateFormatter().date(from: "2026-12-01T08:15:00Z"))
    }

    @Test func everyMissingOrBadFieldIsOneReason() throws {
        let text = """
            <ns2:Trigger xmlns:ns2="\(MetadataNamespace.value)"><FileDescriptor>
            <SizeInBytes>12a</SizeInBytes><Sender>x\u{9B}2J</Sender><SendersFileId>not-a-uuid</SendersFileId>
            </FileDescriptor></ns2:Trigger>
            """
        guard case .failure(let problems) = Self.parse(text) else { Issue.record("accepted"); return }
        let all = problems.reasons.joined(separator: "\n")
        for expected in ["FileName is missing", "SizeInBytes '12a' is not a whole number", "control character U+009B",
                         "SendersFileId 'not-a-uuid' is not a UUID", "Recipients is missing"] {
            #expect(all.contains(expected), "\(all)")
        }
    }

    @Test func hostileDocumentsAreRefusedByName() {
        let cases: [(String, String)] = [
            (#"<?xml version="1.0"?><!DOCTYPE t [<!ENTITY a "aaaa">]><ns2:Trigger xmlns:ns2="\#(MetadataNamespace.value)"/>"#, "DOCTYPE"),
            (#"<Trigger xmlns="urn:other"><FileDescriptor/></Trigger>"#, "a trigger is ns2:Trigger"),
            ("<ns2:Trigger xmlns:ns2=\"\(MetadataNamespace.value)\"><FileDescriptor>", "ends before its root element closes"),
            ("", "empty or not XML"),
            (String(repeating: "<a>", count: 40), "a trigger is ns2:Trigger"),
            // Cut off inside the recipients: never routed to the first ones only.
            (RoutingFixture.trigger(name: "a", size: 1).components(separatedBy: "<Recipients>sag")[0],
             "ends before its root element closes"),
            (RoutingFixture.trigger(name: "a", size: 1).replacingOccurrences(of: "<Sender>fagsystem</Sender>",
                                                                             with: "<Sender>a</Sender><Sender>b</Sender>"), "Sender appears twice"),
            (String(repeating: " ", count: TriggerDocument.maximumBytes + 1), "larger than 64 KiB"),
            (RoutingFixture.trigger(name: "a", size: 1, sender: String(repeating: "s", count: 300)), "at most 255"),
        ]
        for (text, expected) in cases {
            guard case .failure(let problems) = Self.parse(text) else { Issue.record("accepted: \(text.prefix(80))"); continue }
            #expect(problems.reasons.contains { $0.contains(expected) }, "\(problems.reasons) for \(text.prefix(80)) expecting \(expected)")
        }
    }

    @Test func deepNestingIsRefusedWithoutRecursion() {
        let deep = "<ns2:Trigger xmlns:ns2=\"\(MetadataNamespace.value)\">" + String(repeating: "<a>", count: 5000)
            + String(repeating: "</a>", count: 5000) + "</ns2:Trigger>"
        guard case .failure(let problems) = Self.parse(deep) else { Issue.record("accepted"); return }
        #expect(problems.reasons.contains { $0.contains("deeper than") || $0.contains("not well-formed") }, "\(problems.reasons)")
    }
}

/// The trigger's namespace, spelt once for the tests.
enum MetadataNamespace { static let value = "http://serviceplatformen.dk/xml/wsdl/soap11/SFTP/1/types" }
