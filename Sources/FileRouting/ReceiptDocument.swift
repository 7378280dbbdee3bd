import Foundation
import Store

/// `OUT/NAME.sftpreceipt`: what the platform tells the sender about `OUT/NAME`, written
/// next to it (temporary name, then renamed, so a polling client never reads half of it)
/// and rewritten as the transfer moves on.
///
/// ```xml
/// <udtraek:Receipt xmlns:udtraek="urn:udtraek:sftp:receipt:1">
///   <FileName>NAME</FileName>
///   <SendersFileId>...</SendersFileId>            (when the trigger gave one)
///   <Status>accepted | rejected | delivered</Status>
///   <TransferId>42</TransferId>
///   <FileTransferUUID>...</FileTransferUUID>      (once accepted)
///   <ReceivedAt>...</ReceivedAt> <UpdatedAt>...</UpdatedAt>
///   <SizeInBytes>...</SizeInBytes> <SHA256>...</SHA256>   (once accepted)
///   <Reason code="wrong-sender">...</Reason>      (one per failed check, when rejected)
///   <Recipient><Name>esdh</Name><Status>queued | delivered | failing</Status>
///     <DeliveredAt>...</DeliveredAt><Detail>...</Detail></Recipient>
/// </udtraek:Receipt>
/// ```
/// `delivered` means every recipient has the file in its inbox with its metadata.
public struct ReceiptDocument: Sendable, Equatable {
    public static let namespace = "urn:udtraek:sftp:receipt:1"
    /// The receipt of `OUT/NAME` is `OUT/NAME.sftpreceipt`, the platform's convention.
    public static let suffix = ".sftpreceipt"

    public struct Recipient: Sendable, Equatable {
        public var name: String
        /// queued, delivered or failing.
        public var status: String
        public var deliveredAt: Date?
        public var detail: String?
    }

    public var fileName: String
    public var sendersFileId: String?
    /// accepted, rejected or delivered.
    public var status: String
    public var transferId: Int64?
    public var fileTransferUUID: String?
    public var receivedAt: Date
    public var updatedAt: Date
    public var sizeInBytes: Int64?
    public var sha256: String?
    public var reasons: [RoutingReason]
    public var recipients: [Recipient]

    /// The receipt of a transfer as the state says now.
    public static func of(_ summary: TransferSummary, reasons: [RoutingReason] = [], at: Date) -> ReceiptDocument {
        let t = summary.transfer
        let recipients = summary.recipients.map { r -> Recipient in
            switch r.outboxState {
            case OutboxState.delivered.rawValue: return Recipient(name: r.system, status: "delivered", deliveredAt: r.deliveredAt, detail: nil)
            case OutboxState.error.rawValue:
                return Recipient(name: r.system, status: "failing", deliveredAt: nil,
                                 detail: "the delivery waits for the platform's operator: \(r.lastError ?? "see the operator")")
            default:
                return Recipient(name: r.system, status: "queued", deliveredAt: nil, detail: r.lastError.map { "retrying: \($0)" })
            }
        }
        let status = t.state == .rejected ? "rejected" : t.state == .delivered ? "delivered" : "accepted"
        return ReceiptDocument(fileName: t.fileName, sendersFileId: t.sendersFileId, status: status, transferId: t.id,
                               fileTransferUUID: t.fileTransferUUID, receivedAt: t.receivedAt, updatedAt: at,
                               sizeInBytes: t.state == .rejected ? nil : t.bytes, sha256: t.state == .rejected ? nil : t.sha256,
                               reasons: reasons.isEmpty ? t.reasons.map(RoutingReason.init(stored:)) : reasons,
                               recipients: recipients)
    }

    /// What the receipt says, without its times: the router rewrites it only when this changes.
    public var statusLine: String {
        ([status] + recipients.map { "\($0.name)=\($0.status)" }).joined(separator: " ")
    }

    /// The document as UTF-8 text. Values that XML cannot carry were refused before they
    /// got here (names are checked; reasons are ours), and every value is escaped.
    public var xml: String {
        var lines = [
            #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
            #"<udtraek:Receipt xmlns:udtraek="\#(Self.namespace)">"#,
            "<FileName>\(Self.escape(fileName))</FileName>",
        ]
        if let id = sendersFileId { lines.append("<SendersFileId>\(Self.escape(id))</SendersFileId>") }
        lines.append("<Status>\(status)</Status>")
        if let id = transferId { lines.append("<TransferId>\(id)</TransferId>") }
        if let uuid = fileTransferUUID { lines.append("<FileTransferUUID>\(uuid)</FileTransferUUID>") }
        lines.append("<ReceivedAt>\(Self.timestamp(receivedAt))</ReceivedAt>")
        lines.append("<UpdatedAt>\(Self.timestamp(updatedAt))</UpdatedAt>")
        if let size = sizeInBytes { lines.append("<SizeInBytes>\(size)</SizeInBytes>") }
        if let sha = sha256 { lines.append("<SHA256>\(sha)</SHA256>") }
        for reason in reasons {
            lines.append("<Reason code=\"\(Self.escape(reason.code))\">\(Self.escape(reason.text))</Reason>")
        }
        for r in recipients {
            var line = "<Recipient><Name>\(Self.escape(r.name))</Name><Status>\(r.status)</Status>"
            if let at = r.deliveredAt { line += "<DeliveredAt>\(Self.timestamp(at))</DeliveredAt>" }
            if let d = r.detail { line += "<Detail>\(Self.escape(d))</Detail>" }
            lines.append(line + "</Recipient>")
        }
        lines.append("</udtraek:Receipt>")
        return lines.joined(separator: "\n") + "\n"
    }

    static func timestamp(_ date: Date) -> String {
        date.formatted(.iso8601.year().month().day().dateSeparator(.dash).time(includingFractionalSeconds: true)
            .timeSeparator(.colon).timeZone(separator: .omitted))
    }

    /// What a value reads back as from the receipt: itself, with characters XML cannot
    /// carry (and control characters) written as U+XXXX.
    public static func escapeForText(_ text: String) -> String {
        var out = ""
        for ch in text.unicodeScalars {
            if InputText.isControl(ch) || !InputText.isXMLCharacter(ch) { out += ch.codePoint } else { out.unicodeScalars.append(ch) }
        }
        return out
    }

    /// Escapes markup, and writes any character XML 1.0 cannot carry (a control character
    /// in a name a sender chose) as U+XXXX text, so the receipt always parses.
    static func escape(_ text: String) -> String {
        var out = ""
        for ch in text.unicodeScalars {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default:
                if InputText.isControl(ch) || !InputText.isXMLCharacter(ch) { out += ch.codePoint } else { out.unicodeScalars.append(ch) }
            }
        }
        return out
    }
}

/// One failed check: a short code a sender's client can branch on, and the words for people.
public struct RoutingReason: Sendable, Equatable {
    public var code: String
    public var text: String

    public init(_ code: String, _ text: String) {
        self.code = code
        self.text = text
    }

    /// Stored as `code: text` in the transfer's reasons.
    public var stored: String { "\(code): \(text)" }

    public init(stored: String) {
        if let colon = stored.range(of: ": ") {
            code = String(stored[..<colon.lowerBound])
            text = String(stored[colon.upperBound...])
        } else {
            code = "rejected"
            text = stored
        }
    }
}
