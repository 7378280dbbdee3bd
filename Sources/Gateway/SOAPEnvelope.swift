/// SOAP 1.1 for the subscription service's binding: reading a request envelope and
/// writing answers and faults.
///
/// Requests are small (one operation element with a few simple values), so this reads them
/// with a bounded scanner rather than a general XML parser: element names are compared by
/// local name (any namespace prefix), text is unescaped for the five predefined entities
/// and numeric references, and anything it cannot read is a client fault that says where.
/// No input can make it trap or recurse: it walks the bytes once.
public enum SOAPEnvelope {
    public static let envelopeNamespace = "http://schemas.xmlsoap.org/soap/envelope/"
    public static let serviceNamespace = "http://serviceplatformen.dk/xml/wsdl/soap11/CprSubscriptionService/1/"

    /// A request as read: the operation (the Body's first element's local name), the
    /// texts of the operation's leaf elements by local name (the first of each), and the
    /// invocation context when the envelope carries one (an `InvocationContext` element,
    /// as the platform's SOAP services have it, in the Header or the operation).
    public struct Request: Sendable, Equatable {
        public var operation: String
        public var values: [String: String]
        public var context: [InvocationContext.Field: String]
    }

    /// The largest request read, in bytes: a filter operation is a few hundred bytes.
    public static let maximumRequestBytes = 64 * 1024

    public static func parse(_ bytes: [UInt8]) -> Result<Request, GatewayFault> {
        guard bytes.count <= maximumRequestBytes else {
            return .failure(clientFault("the request is \(bytes.count) bytes; a subscription request is at most \(maximumRequestBytes)"))
        }
        var scanner = XMLScanner(bytes)
        var path: [String] = []
        var operation: String?
        var operationDepth = 0
        var values: [String: String] = [:]
        var context: [InvocationContext.Field: String] = [:]
        var text: [UInt8] = []
        var sawEnvelope = false
        while true {
            switch scanner.next() {
            case .failure(let why):
                return .failure(clientFault("the request is not well-formed XML: \(why)"))
            case .success(nil):
                guard sawEnvelope else { return .failure(clientFault("the request has no soap:Envelope element")) }
                guard let operation else { return .failure(clientFault("the soap:Body holds no operation element")) }
                guard path.isEmpty else { return .failure(clientFault("the element <\(path.last ?? "")> is not closed")) }
                return .success(Request(operation: operation, values: values, context: context))
            case .success(.start(let name, let selfClosing)?):
                if path.isEmpty {
                    guard name == "Envelope" else { return .failure(clientFault("the root element is <\(name)>, not soap:Envelope")) }
                    sawEnvelope = true
                }
                if operation == nil, path.count == 2, path[1] == "Body" {
                    operation = name
                    operationDepth = path.count + 1
                }
                text = []
                if !selfClosing { path.append(name) }
                guard path.count <= 32 else { return .failure(clientFault("elements are nested more than 32 deep")) }
            case .success(.end(let name)?):
                guard let open = path.last, open == name else {
                    return .failure(clientFault("</\(name)> closes <\(path.last ?? "nothing")>"))
                }
                let leafText = String(decoding: text.drop(while: XMLScanner.isSpace).reversed().drop(while: XMLScanner.isSpace).reversed(),
                                      as: UTF8.self)
                if path.contains("InvocationContext"), let field = InvocationContext.Field.allCases.first(where: { $0.name == name }) {
                    context[field] = leafText
                } else if operation != nil, path.count > operationDepth, values[name] == nil, !leafText.isEmpty {
                    values[name] = leafText
                }
                text = []
                path.removeLast()
            case .success(.text(let t)?):
                text.append(contentsOf: t)
            }
        }
    }

    /// A request envelope as a client writes one (the tests' and the fuzzer's round trip).
    public static func request(_ operation: String, _ elements: [(String, [String])]) -> [UInt8] {
        envelope(operation, elements)
    }

    /// `<soap:Envelope><soap:Body><ns:{operation}Response>...</ns:{operation}Response></soap:Body></soap:Envelope>`
    /// with `elements` as the answer's children, in order; text is escaped.
    public static func response(_ operation: String, _ elements: [(String, [String])]) -> [UInt8] {
        envelope(operation + "Response", elements)
    }

    /// One body element in the service's namespace with `elements` as its children.
    static func envelope(_ element: String, _ elements: [(String, [String])]) -> [UInt8] {
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        out += "<soap:Envelope xmlns:soap=\"\(envelopeNamespace)\"><soap:Body>"
        out += "<ns:\(element) xmlns:ns=\"\(serviceNamespace)\">"
        for (name, texts) in elements {
            for t in texts { out += "<ns:\(name)>\(escape(t))</ns:\(name)>" }
        }
        out += "</ns:\(element)></soap:Body></soap:Envelope>\n"
        return Array(out.utf8)
    }

    /// A SOAP 1.1 fault: `soap:Client` for what the caller can fix (4xx), `soap:Server`
    /// otherwise; the gateway's code, field and request id in `detail`.
    public static func fault(_ fault: GatewayFault, requestID: String) -> [UInt8] {
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        out += "<soap:Envelope xmlns:soap=\"\(envelopeNamespace)\"><soap:Body><soap:Fault>"
        out += "<faultcode>soap:\(fault.status < 500 ? "Client" : "Server")</faultcode>"
        out += "<faultstring>\(escape(fault.message))</faultstring>"
        out += "<detail><ns:Fault xmlns:ns=\"\(serviceNamespace)\">"
        out += "<ns:Status>\(fault.status)</ns:Status><ns:Code>\(escape(fault.code))</ns:Code>"
        if let field = fault.field { out += "<ns:Field>\(escape(field))</ns:Field>" }
        out += "<ns:RequestId>\(escape(requestID))</ns:RequestId>"
        out += "</ns:Fault></detail></soap:Fault></soap:Body></soap:Envelope>\n"
        return Array(out.utf8)
    }

    static func clientFault(_ message: String) -> GatewayFault {
        GatewayFault(status: 400, code: "malformed-request", message: message + "; send a SOAP 1.1 envelope as the WSDL of \(serviceNamespace) has it")
    }

    static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for c in s.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }
}

/// The pieces of an XML document, one at a time: start tags (local name), end tags and
/// text (entities decoded). Declarations, comments and processing instructions are skipped;
/// a DOCTYPE is refused (no entity expansion, ever).
struct XMLScanner {
    enum Token: Equatable {
        case start(String, selfClosing: Bool)
        case end(String)
        case text([UInt8])
    }

    let bytes: [UInt8]
    var i = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    mutating func next() -> Result<Token?, ScanError> {
        guard i < bytes.count else { return .success(nil) }
        if bytes[i] != UInt8(ascii: "<") {
            let start = i
            while i < bytes.count, bytes[i] != UInt8(ascii: "<") { i += 1 }
            return Self.decode(bytes[start..<i]).map { .text($0) }
        }
        if starts(with: "<!--") {
            guard let end = find("-->", from: i + 4) else { return .failure(ScanError("a comment is not closed")) }
            i = end + 3
            return next()
        }
        if starts(with: "<![CDATA[") {
            guard let end = find("]]>", from: i + 9) else { return .failure(ScanError("a CDATA section is not closed")) }
            let t = Array(bytes[(i + 9)..<end])
            i = end + 3
            return .success(.text(t))
        }
        if starts(with: "<!") { return .failure(ScanError("DOCTYPE and other declarations are not accepted")) }
        if starts(with: "<?") {
            guard let end = find("?>", from: i + 2) else { return .failure(ScanError("a processing instruction is not closed")) }
            i = end + 2
            return next()
        }
        guard let close = find(">", from: i + 1) else { return .failure(ScanError("a tag is not closed")) }
        var tag = bytes[(i + 1)..<close]
        i = close + 1
        var isEnd = false
        if tag.first == UInt8(ascii: "/") {
            isEnd = true
            tag = tag.dropFirst()
        }
        var selfClosing = false
        if tag.last == UInt8(ascii: "/") {
            selfClosing = true
            tag = tag.dropLast()
        }
        let nameBytes = tag.prefix { !Self.isSpace($0) }
        guard !nameBytes.isEmpty else { return .failure(ScanError("a tag has no name")) }
        let local = nameBytes.split(separator: UInt8(ascii: ":"), omittingEmptySubsequences: false).last ?? nameBytes
        let name = String(decoding: local, as: UTF8.self)
        return .success(isEnd ? .end(name) : .start(name, selfClosing: selfClosing))
    }

    private func starts(with s: StaticString) -> Bool {
        let n = s.utf8CodeUnitCount
        guard i + n <= bytes.count else { return false }
        return s.withUTF8Buffer { p in (0..<n).allSatisfy { bytes[i + $0] == p[$0] } }
    }

    private func find(_ s: StaticString, from start: Int) -> Int? {
        let n = s.utf8CodeUnitCount
        return s.withUTF8Buffer { p -> Int? in
            var j = start
            while j + n <= bytes.count {
                if (0..<n).allSatisfy({ bytes[j + $0] == p[$0] }) { return j }
                j += 1
            }
            return nil
        }
    }

    static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }

    /// Text with `&amp;`, `&lt;`, `&gt;`, `&quot;`, `&apos;` and `&#N;`/`&#xN;` decoded.
    static func decode(_ raw: ArraySlice<UInt8>) -> Result<[UInt8], ScanError> {
        guard raw.contains(UInt8(ascii: "&")) else { return .success(Array(raw)) }
        var out: [UInt8] = []
        var j = raw.startIndex
        while j < raw.endIndex {
            guard raw[j] == UInt8(ascii: "&") else {
                out.append(raw[j])
                j += 1
                continue
            }
            guard let semi = raw[j...].prefix(12).firstIndex(of: UInt8(ascii: ";")) else {
                return .failure(ScanError("an '&' in text starts no entity; write &amp;"))
            }
            let entity = String(decoding: raw[(j + 1)..<semi], as: UTF8.self)
            switch entity {
            case "amp": out.append(UInt8(ascii: "&"))
            case "lt": out.append(UInt8(ascii: "<"))
            case "gt": out.append(UInt8(ascii: ">"))
            case "quot": out.append(UInt8(ascii: "\""))
            case "apos": out.append(UInt8(ascii: "'"))
            default:
                let value: UInt32?
                if entity.hasPrefix("#x") { value = UInt32(entity.dropFirst(2), radix: 16) } else if entity.hasPrefix("#") {
                    value = UInt32(entity.dropFirst())
                } else { value = nil }
                guard let value, let scalar = Unicode.Scalar(value) else {
                    return .failure(ScanError("&\(entity); is not an entity XML predefines"))
                }
                out.append(contentsOf: Array(String(Character(scalar)).utf8))
            }
            j = semi + 1
        }
        return .success(out)
    }
}

struct ScanError: Error, Equatable, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
