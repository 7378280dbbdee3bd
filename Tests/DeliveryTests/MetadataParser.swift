import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// Reads a metadata document the way receiver clients do: element names as written
/// (qualified), text by element name. Independent of the writer.
struct MetadataParser {
    var rootName = ""
    var rootNamespace = ""
    private var values: [(String, String)] = []

    subscript(name: String) -> String? { values.first { $0.0 == name }?.1 }
    func all(_ name: String) -> [String] { values.filter { $0.0 == name }.map(\.1) }

    static func parse(path: String) throws -> MetadataParser {
        guard let data = FileManager.default.contents(atPath: path) else { throw ParseError("cannot read \(path)") }
        let delegate = Delegate()
        let parser = XMLParser(data: data)
        parser.delegate = delegate
        guard parser.parse() else { throw ParseError("not well-formed: \(parser.parserError.map { "\($0)" } ?? "?")") }
        var result = MetadataParser()
        result.rootName = delegate.root
        result.rootNamespace = delegate.rootNamespace
        result.values = delegate.values
        return result
    }

    struct ParseError: Error { let message: String; init(_ m: String) { message = m } }

    final class Delegate: NSObject, XMLParserDelegate {
        var root = ""
        var rootNamespace = ""
        var values: [(String, String)] = []
        var text = ""
        var depth = 0

        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                    attributes: [String: String] = [:]) {
            if depth == 0 {
                root = name
                rootNamespace = attributes.first { $0.key.hasPrefix("xmlns") }?.value ?? ""
            }
            depth += 1
            text = ""
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }

        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            depth -= 1
            let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
            if !trimmed.isEmpty { values.append((name, trimmed)) }
            text = ""
        }
    }
}
