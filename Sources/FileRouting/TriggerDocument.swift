import Delivery
import Foundation
import Store
#if canImport(FoundationXML)
import FoundationXML
#endif

/// `OUT/NAME.trigger`: the sender's statement that `OUT/NAME` is complete and whom it is
/// for. The same `ns2:Trigger` shape as the metadata the platform writes (namespace
/// `MetadataDocument.namespace`, unqualified children): `FileDescriptor` with `FileName`,
/// `SizeInBytes`, `Sender`, `SendersFileId` and one `Recipients` element per recipient, and
/// `FileContentDescriptor/SFTPDynamicRoutingInfo` with `InfRef` and the optional routing
/// fields. A `FileTransferUUID` in it is ignored: the platform gives the transfer its own.
public struct TriggerDocument: Sendable, Equatable {
    public var fileName: String
    public var sizeInBytes: Int64
    public var sender: String
    /// Lowercase.
    public var sendersFileId: String
    /// As the trigger names them, duplicates removed, in order.
    public var recipients: [String]
    public var routing: RoutingInfo
    public var senderItSystem: String?
    public var recipientItSystem: String?
    public var senderTimestamp: Date?

    public init(fileName: String, sizeInBytes: Int64, sender: String, sendersFileId: String, recipients: [String],
                routing: RoutingInfo = RoutingInfo(), senderItSystem: String? = nil, recipientItSystem: String? = nil,
                senderTimestamp: Date? = nil) {
        self.fileName = fileName
        self.sizeInBytes = sizeInBytes
        self.sender = sender
        self.sendersFileId = sendersFileId
        self.recipients = recipients
        self.routing = routing
        self.senderItSystem = senderItSystem
        self.recipientItSystem = recipientItSystem
        self.senderTimestamp = senderTimestamp
    }

    /// The largest trigger read: a trigger is a few hundred bytes; this leaves room for
    /// hundreds of recipients and refuses a mistaken upload of something else.
    public static let maximumBytes = 64 << 10
    /// The longest value of a field other than the file name (which has its own rule).
    public static let maximumFieldBytes = 255

    /// Reads a trigger; every problem is reported at once, each as one reason.
    public static func parse(_ bytes: [UInt8]) -> Result<TriggerDocument, TriggerProblems> {
        if bytes.count > maximumBytes {
            return .failure(TriggerProblems(["the trigger is larger than \(maximumBytes >> 10) KiB; a trigger is one small ns2:Trigger document"]))
        }
        // No document type declarations: they are never part of a trigger and are how
        // entity expansion and external entities get into a parser.
        let text = String(decoding: bytes, as: UTF8.self)
        if text.range(of: "<!DOCTYPE", options: .caseInsensitive) != nil || text.range(of: "<!ENTITY", options: .caseInsensitive) != nil {
            return .failure(TriggerProblems(["the trigger holds a DOCTYPE or ENTITY declaration, which triggers never do; send the plain ns2:Trigger document"]))
        }
        let reader = TriggerReader()
        let parser = XMLParser(data: Data(bytes))
        parser.shouldProcessNamespaces = true
        parser.shouldResolveExternalEntities = false
        parser.delegate = reader
        // Foundation's parser on Linux reports success for a document that simply stops (an
        // empty file, a trigger cut off while it was uploaded): only a closed root element
        // says the sender wrote all of it, so every Recipients element is there.
        guard parser.parse(), reader.problems.isEmpty, reader.rootClosed else {
            var problems = reader.problems
            if problems.isEmpty {
                problems.append(reader.sawRoot || bytes.contains(where: { $0 == UInt8(ascii: "<") })
                                ? (parser.parserError == nil ? "the trigger ends before its root element closes: it was cut off or is still being written; upload the whole trigger" : notWellFormed(parser))
                                : "the trigger is empty or not XML; it is an ns2:Trigger document")
            }
            return .failure(TriggerProblems(problems))
        }
        return reader.document()
    }
}

/// The parser's complaint in a sender's terms: where, and the likely cause (libxml2's codes,
/// which Foundation passes on without words of its own).
private func notWellFormed(_ parser: XMLParser) -> String {
    let code = (parser.parserError as NSError?)?.code ?? 0
    let cause: String
    switch code {
    case 4, 5: cause = "it is empty or ends before its root element closes; upload the whole trigger"
    case 9: cause = "it holds a character XML cannot carry (a control character?)"
    case 73, 76: cause = "an element is not closed, or closed with another name"
    case 31, 32: cause = "it is not UTF-8 text (or its encoding declaration is wrong)"
    default: cause = "XML parser error \(code)"
    }
    return "the trigger is not well-formed XML at line \(parser.lineNumber), column \(parser.columnNumber): \(cause)"
}

/// Why a trigger cannot be read, one reason per problem.
public struct TriggerProblems: Error, Sendable, Equatable {
    public var reasons: [String]
    public init(_ reasons: [String]) { self.reasons = reasons }
}

/// Collects the trigger's fields by their path below the root.
private final class TriggerReader: NSObject, XMLParserDelegate {
    static let single: [String: String] = [
        "FileDescriptor/FileName": "FileName", "FileDescriptor/SizeInBytes": "SizeInBytes",
        "FileDescriptor/Sender": "Sender", "FileDescriptor/SendersFileId": "SendersFileId",
        "FileContentDescriptor/SFTPDynamicRoutingInfo/InfRef": "InfRef",
        "FileContentDescriptor/SFTPDynamicRoutingInfo/SenderItSystem": "SenderItSystem",
        "FileContentDescriptor/SFTPDynamicRoutingInfo/SenderAuthority": "SenderAuthority",
        "FileContentDescriptor/SFTPDynamicRoutingInfo/TransactionId": "TransactionId",
        "FileContentDescriptor/SFTPDynamicRoutingInfo/SenderTimestamp": "SenderTimestamp",
        "FileContentDescriptor/SFTPDynamicRoutingInfo/RecipientItSystem": "RecipientItSystem",
        "FileContentDescriptor/SFTPDynamicRoutingInfo/RecipientAuthority": "RecipientAuthority",
    ]
    static let recipientsPath = "FileDescriptor/Recipients"
    static let maximumDepth = 12

    var problems: [String] = []
    private var stack: [String] = []
    private var text = ""
    private var values: [String: String] = [:]
    private var recipients: [String] = []
    private(set) var sawRoot = false
    /// The root element's end tag was read: the document is whole.
    private(set) var rootClosed = false

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        if stack.isEmpty {
            sawRoot = true
            if name != "Trigger" || namespaceURI != MetadataDocument.namespace {
                problems.append("the root element is \(name.displaySafe(limit: 40)) in \((namespaceURI.flatMap { $0.isEmpty ? nil : $0 } ?? "no namespace").displaySafe(limit: 80)); a trigger is ns2:Trigger in \(MetadataDocument.namespace)")
                parser.abortParsing()
            }
        }
        stack.append(name)
        text = ""
        if stack.count > Self.maximumDepth {
            problems.append("the trigger nests elements deeper than \(Self.maximumDepth) levels")
            parser.abortParsing()
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        guard text.utf8.count <= TriggerDocument.maximumBytes else { return }
        text += string
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        let path = stack.dropFirst().joined(separator: "/")
        stack.removeLast()
        if stack.isEmpty { rootClosed = true }
        let value = text.trimmingCharacters(in: .whitespacesAndNewlines)
        text = ""
        if path == Self.recipientsPath {
            if !value.isEmpty, !recipients.contains(value) { recipients.append(value) }
        } else if let field = Self.single[path] {
            if values[field] != nil {
                problems.append("\(field) appears twice; a trigger gives it once")
            } else {
                values[field] = value
            }
        }
    }

    func document() -> Result<TriggerDocument, TriggerProblems> {
        var problems: [String] = []
        func field(_ name: String, required: Bool) -> String? {
            guard let value = values[name], !value.isEmpty else {
                if required { problems.append("\(name) is missing from the trigger's FileDescriptor; it is required") }
                return nil
            }
            if name != "FileName" {
                if value.utf8.count > TriggerDocument.maximumFieldBytes {
                    problems.append("\(name) is \(value.utf8.count) bytes long; at most \(TriggerDocument.maximumFieldBytes) are accepted")
                    return nil
                }
                if let problem = InputText.metadataProblem(value, name) {
                    problems.append(problem)
                    return nil
                }
            }
            return value
        }
        let fileName = field("FileName", required: true)
        let sizeText = field("SizeInBytes", required: true)
        let sender = field("Sender", required: true)
        let id = field("SendersFileId", required: true)
        var size: Int64?
        if let sizeText {
            if sizeText.utf8.count <= 19, sizeText.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let n = Int64(sizeText) {
                size = n
            } else {
                problems.append("SizeInBytes '\(sizeText.displaySafe(limit: 40))' is not a whole number of bytes")
            }
        }
        if let id, !Self.isUUID(id) {
            problems.append("SendersFileId '\(id.displaySafe(limit: 60))' is not a UUID (8-4-4-4-12 hexadecimal digits)")
        }
        var accepted: [String] = []
        for r in recipients {
            if r.utf8.count > TriggerDocument.maximumFieldBytes {
                problems.append("a recipient is \(r.utf8.count) bytes long; at most \(TriggerDocument.maximumFieldBytes) are accepted")
            } else if let problem = InputText.metadataProblem(r, "Recipients") {
                problems.append(problem)
            } else {
                accepted.append(r)
            }
        }
        if recipients.isEmpty { problems.append("Recipients is missing from the trigger's FileDescriptor; name at least one recipient system") }
        var timestamp: Date?
        if let t = field("SenderTimestamp", required: false) {
            timestamp = Self.dateTime(t)
            if timestamp == nil { problems.append("SenderTimestamp '\(t.displaySafe(limit: 60))' is not an xs:dateTime like 2026-12-02T08:15:00.000Z") }
        }
        let routing = RoutingInfo(infRef: field("InfRef", required: false), senderAuthority: field("SenderAuthority", required: false),
                                  recipientAuthority: field("RecipientAuthority", required: false),
                                  transactionId: field("TransactionId", required: false))
        let senderItSystem = field("SenderItSystem", required: false)
        let recipientItSystem = field("RecipientItSystem", required: false)
        guard problems.isEmpty, let fileName, let size, let sender, let id else { return .failure(TriggerProblems(problems)) }
        return .success(TriggerDocument(fileName: fileName, sizeInBytes: size, sender: sender, sendersFileId: id.lowercased(),
                                        recipients: accepted, routing: routing, senderItSystem: senderItSystem,
                                        recipientItSystem: recipientItSystem, senderTimestamp: timestamp))
    }

    static func isUUID(_ s: String) -> Bool {
        let groups = s.split(separator: "-", omittingEmptySubsequences: false)
        return groups.map(\.count) == [8, 4, 4, 4, 12] && groups.allSatisfy { $0.allSatisfy(\.isHexDigit) && $0.allSatisfy(\.isASCII) }
    }

    /// xs:dateTime with a zone (Z or ±hh:mm), with or without fractional seconds.
    static func dateTime(_ s: String) -> Date? {
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let d = fractional.date(from: s) { return d }
        let plain = ISO8601DateFormatter()
        plain.formatOptions = [.withInternetDateTime]
        return plain.date(from: s)
    }
}
