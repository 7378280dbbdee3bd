import Foundation
import Store

/// The `NAME.metadata` XML document that accompanies every delivered file, in the
/// platform's shape: root `ns2:Trigger` in the SFTP types namespace, unqualified children.
///
/// The prefix is literally `ns2` because receiver scripts parse it with libraries that
/// key on qualified names (xmltodict's `doc["ns2:Trigger"]`). The SHA-256 of the file is
/// an extension element in this project's own namespace, placed last, which existing
/// clients ignore.
public struct MetadataDocument: Sendable, Equatable {
    public static let namespace = "http://serviceplatformen.dk/xml/wsdl/soap11/SFTP/1/types"
    public static let extensionNamespace = "urn:udtraek:sftp:metadata:1"

    public var fileTransferUUID: String
    public var fileName: String
    public var sizeInBytes: Int64
    public var sender: String
    public var sendersFileId: String
    public var recipients: [String]
    public var routing: RoutingInfo
    public var senderItSystem: String?
    public var recipientItSystem: String?
    /// When the sender produced the file (SenderTimestamp).
    public var senderTimestamp: Date
    /// Lowercase hex.
    public var sha256: String

    public init(fileTransferUUID: String, fileName: String, sizeInBytes: Int64, sender: String, sendersFileId: String,
                recipients: [String], routing: RoutingInfo = RoutingInfo(), senderItSystem: String? = nil,
                recipientItSystem: String? = nil, senderTimestamp: Date, sha256: String) {
        self.fileTransferUUID = fileTransferUUID
        self.fileName = fileName
        self.sizeInBytes = sizeInBytes
        self.sender = sender
        self.sendersFileId = sendersFileId
        self.recipients = recipients
        self.routing = routing
        self.senderItSystem = senderItSystem
        self.recipientItSystem = recipientItSystem
        self.senderTimestamp = senderTimestamp
        self.sha256 = sha256
    }

    /// The text of every field, named as in the document.
    var textFields: [(String, String?)] {
        [("FileTransferUUID", fileTransferUUID), ("FileName", fileName), ("Sender", sender), ("SendersFileId", sendersFileId)]
            + recipients.map { ("Recipients", $0) }
            + Self.routingFields(routing)
            + [("SenderItSystem", senderItSystem), ("RecipientItSystem", recipientItSystem), ("SHA256", sha256)]
    }

    static func routingFields(_ routing: RoutingInfo) -> [(String, String?)] {
        [("InfRef", routing.infRef), ("SenderAuthority", routing.senderAuthority),
         ("RecipientAuthority", routing.recipientAuthority), ("TransactionId", routing.transactionId)]
    }

    /// The routing info of an outbox entry's metadata when it goes to `system`: a file routed
    /// from a sender keeps the sender's (its trigger's InfRef); an extract file, or one
    /// queued without an InfRef, carries the system's InfRef (configured, or set by an
    /// `infref` change order), read at delivery so a change applies to every file sent after it.
    public static func routing(of entry: OutboxEntry, to system: ReceiverSystem) -> RoutingInfo {
        var routing = entry.routing
        if entry.transferId == nil && routing.infRef == nil { routing.infRef = system.infRef }
        return routing
    }

    /// Why routing info given at an edge (`udtraek deliver --inf-ref`) cannot go into a
    /// document, or nil; checked when the file is queued, long before the upload.
    public static func routingProblem(_ routing: RoutingInfo) -> String? {
        routingFields(routing).lazy.compactMap { name, value in value.flatMap { InputText.metadataProblem($0, name) } }.first
    }

    /// The document as UTF-8 text. Refuses to build (rather than write a document receivers'
    /// parsers reject) when a field holds a character that cannot stand in it; the edges
    /// (configuration, CLI, API) refuse such values first, so this is the last line.
    public var xml: String {
        get throws(DeliveryError) {
            for (name, value) in textFields {
                if let value, let problem = InputText.metadataProblem(value, name) {
                    throw DeliveryError(.integrity, operation: "writing the metadata of \(fileName.displaySafe(limit: 80))",
                                        reason: problem, hint: "Correct the value where it was configured or given, then retry the entry")
                }
            }
            return document
        }
    }

    private var document: String {
        var lines = [
            #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
            #"<ns2:Trigger xmlns:ns2="\#(Self.namespace)">"#,
            "<FileTransferUUID>\(escape(fileTransferUUID))</FileTransferUUID>",
            "<FileDescriptor>",
            "<FileName>\(escape(fileName))</FileName>",
            "<SizeInBytes>\(sizeInBytes)</SizeInBytes>",
            "<Sender>\(escape(sender))</Sender>",
            "<SendersFileId>\(escape(sendersFileId))</SendersFileId>",
        ]
        lines += recipients.map { "<Recipients>\(escape($0))</Recipients>" }
        lines.append("</FileDescriptor>")
        lines.append("<FileContentDescriptor>")
        lines.append("<SFTPDynamicRoutingInfo>")
        func optional(_ name: String, _ value: String?) {
            if let value, !value.isEmpty { lines.append("<\(name)>\(escape(value))</\(name)>") }
        }
        optional("InfRef", routing.infRef)
        optional("SenderItSystem", senderItSystem)
        optional("SenderAuthority", routing.senderAuthority)
        optional("TransactionId", routing.transactionId ?? sendersFileId)
        optional("SenderTimestamp", Self.timestamp(senderTimestamp))
        optional("RecipientItSystem", recipientItSystem)
        optional("RecipientAuthority", routing.recipientAuthority)
        lines.append("</SFTPDynamicRoutingInfo>")
        lines.append("</FileContentDescriptor>")
        lines.append(#"<udtraek:SHA256 xmlns:udtraek="\#(Self.extensionNamespace)">\#(escape(sha256))</udtraek:SHA256>"#)
        lines.append("</ns2:Trigger>")
        return lines.joined(separator: "\n") + "\n"
    }

    /// xs:dateTime in UTC with milliseconds, as the platform writes timestamps.
    static func timestamp(_ date: Date) -> String {
        date.formatted(.iso8601.year().month().day().dateSeparator(.dash).time(includingFractionalSeconds: true)
            .timeSeparator(.colon).timeZone(separator: .omitted))
    }

    private func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for ch in text.unicodeScalars {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default: out.unicodeScalars.append(ch)
            }
        }
        return out
    }
}
