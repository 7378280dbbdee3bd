import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import BusinessCalendar
@testable import SourceStubs

/// A parsed XML element: just enough DOM to check the extracts' shape.
final class KLEXMLElement {
    let name: String
    var text = ""
    var children: [KLEXMLElement] = []
    weak var parent: KLEXMLElement?

    init(name: String) { self.name = name }

    func first(_ name: String) -> KLEXMLElement? { children.first { $0.name == name } }
    func all(_ name: String) -> [KLEXMLElement] { children.filter { $0.name == name } }
    func value(_ name: String) -> String? { first(name)?.text }
    func value(_ path: [String]) -> String? {
        var e: KLEXMLElement? = self
        for p in path { e = e?.first(p) }
        return e?.text
    }

    /// Every descendant named `name`, in document order.
    func descendants(_ name: String) -> [KLEXMLElement] {
        var out: [KLEXMLElement] = []
        for c in children {
            if c.name == name { out.append(c) }
            out += c.descendants(name)
        }
        return out
    }
}

/// Builds `KLEXMLElement`s with Foundation's XMLParser, so well-formedness is judged by a
/// real parser, not by the code that wrote the document.
final class KLEXMLTreeBuilder: NSObject, XMLParserDelegate {
    private var stack: [KLEXMLElement] = []
    private(set) var root: KLEXMLElement?
    private(set) var failure: String?

    static func parse(_ bytes: [UInt8]) -> (root: KLEXMLElement?, failure: String?) {
        let builder = KLEXMLTreeBuilder()
        let parser = XMLParser(data: Data(bytes))
        parser.delegate = builder
        let ok = parser.parse()
        if !ok && builder.failure == nil {
            return (nil, parser.parserError.map { "\($0)" } ?? "parse failed")
        }
        return (builder.root, builder.failure)
    }

    func parser(
        _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
        qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]
    ) {
        let e = KLEXMLElement(name: elementName)
        e.parent = stack.last
        if let top = stack.last { top.children.append(e) } else { root = e }
        stack.append(e)
    }

    func parser(
        _ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?
    ) {
        stack.removeLast()
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        stack.last?.text += string
    }

    func parser(_ parser: XMLParser, parseErrorOccurred parseError: Error) {
        failure = "\(parseError) at line \(parser.lineNumber)"
    }
}

/// Records every chunk a writer hands over, to check the output is streamed.
struct KLEChunkSink: ByteSink {
    var bytes: [UInt8] = []
    var chunkSizes: [Int] = []
    mutating func write(_ chunk: UnsafeRawBufferPointer) throws {
        bytes.append(contentsOf: chunk)
        chunkSizes.append(chunk.count)
    }
}

enum KLETestData {
    static func date(_ y: Int, _ m: Int, _ d: Int) -> CivilDate { CivilDate(year: y, month: m, day: d)! }

    static func full(_ plan: KLEPlan, _ date: CivilDate) throws -> (KLEExtractSummary, [UInt8]) {
        var sink = MemorySink()
        let s = try KLEExtractWriter.writeFull(plan: plan, asOf: date, into: &sink)
        return (s, sink.bytes)
    }

    static func changes(_ plan: KLEPlan, _ date: CivilDate) throws -> (KLEExtractSummary, [UInt8]) {
        var sink = MemorySink()
        let s = try KLEExtractWriter.writeChanges(plan: plan, asOf: date, into: &sink)
        return (s, sink.bytes)
    }

    /// Lowercase, 8-4-4-4-12, version nibble 4, variant 8/9/a/b.
    static func isV4UUID(_ s: String) -> Bool {
        let c = Array(s)
        guard c.count == 36 else { return false }
        for (i, ch) in c.enumerated() {
            if [8, 13, 18, 23].contains(i) {
                if ch != "-" { return false }
            } else if !"0123456789abcdef".contains(ch) {
                return false
            }
        }
        return c[14] == "4" && "89ab".contains(c[19])
    }

    static let levels: [(element: String, child: String?)] = [
        ("Hovedgruppe", "Gruppe"), ("Gruppe", "Emne"), ("Emne", nil),
    ]

    /// The order the writer promises for a node's children (see `KLEExtractWriter`).
    static func order(_ e: String) -> [String] {
        var o = ["\(e)Nr", "\(e)Titel", "\(e)Vejledning", "\(e)RetskildeReference", "\(e)AdministrativInfo"]
        if e == "Emne" { o += ["BevaringJaevnfoerArkivloven", "SletningJaevnfoerPersondataloven"] }
        o.append("UUID")
        if e == "Hovedgruppe" { o.append("Gruppe") }
        if e == "Gruppe" { o.append("Emne") }
        return o
    }

    /// Checks one Hovedgruppe/Gruppe/Emne element and, recursively, its children; returns
    /// problems found, as text, so a failing test says where.
    static func problems(in e: KLEXMLElement, level: Int, parentNumber: String?, uuids: inout Set<String>) -> [String] {
        let name = levels[level].element
        var out: [String] = []
        let number = e.value("\(name)Nr") ?? ""
        let here = "\(name) \(number)"
        let expectedShape = level == 0 ? 2 : (parentNumber ?? "").count + 3
        if number.count != expectedShape { out.append("\(here): number shape") }
        if let p = parentNumber, !number.hasPrefix(p + ".") { out.append("\(here): not under \(p)") }
        if (e.value("\(name)Titel") ?? "").isEmpty { out.append("\(here): no title") }
        if e.value(["\(name)AdministrativInfo", "OprettetDato"]).flatMap({ CivilDate(iso: $0) }) == nil {
            out.append("\(here): no OprettetDato")
        }
        let uuid = e.value("UUID") ?? ""
        if !isV4UUID(uuid) { out.append("\(here): bad UUID \(uuid)") }
        if !uuids.insert(uuid).inserted { out.append("\(here): duplicate UUID \(uuid)") }
        if name == "Emne" {
            let b = e.value("BevaringJaevnfoerArkivloven") ?? ""
            if !["B", "K", "B1", "B2"].contains(b) { out.append("\(here): Bevaring \(b)") }
            if let s = e.value("SletningJaevnfoerPersondataloven"),
               !(s.hasPrefix("P") && s.hasSuffix("D") && Int(s.dropFirst().dropLast()) != nil) {
                out.append("\(here): Sletning \(s)")
            }
        }
        for r in e.all("\(name)RetskildeReference")
        where r.value("RetskildeTitel") == nil || r.value("RetsinfoAccessionsNr") == nil {
            out.append("\(here): incomplete RetskildeReference")
        }
        if let h = e.first("\(name)AdministrativInfo")?.first("Historisk") {
            let udgaaet = h.value("UdgaaetDato")
            let flyttet = h.value(["Flyttet", "FlyttetDato"])
            if (udgaaet == nil) == (flyttet == nil) { out.append("\(here): Historisk needs UdgaaetDato or Flyttet") }
            if flyttet != nil, h.value(["Flyttet", "AfloestAf", "EmneNr"]) == nil { out.append("\(here): no AfloestAf") }
        }
        let order = order(name)
        var last = -1
        for c in e.children {
            guard let i = order.firstIndex(of: c.name) else {
                out.append("\(here): unexpected \(c.name)")
                continue
            }
            if i < last { out.append("\(here): \(c.name) out of order") }
            last = i
        }
        if let child = levels[level].child {
            for c in e.all(child) { out += problems(in: c, level: level + 1, parentNumber: number, uuids: &uuids) }
        }
        return out
    }
}
