import BusinessCalendar

/// File names from a template with `{placeholders}`, so each receiver gets the names its
/// client parses.
///
/// The CPR default, `D{yymmdd}.L{task}.{agreement}{ext}`, puts the production date at
/// characters 2-7 and the service-agreement UUID in the name, which is what
/// Serviceplatformen's CPR consumers look for.
public struct FileNameTemplate: Sendable, Equatable {
    public static let placeholders = ["yymmdd", "yyyymmdd", "task", "agreement", "extract", "kind", "municipality", "ext"]
    public static let cprDefault = "D{yymmdd}.L{task}.{agreement}{ext}"
    public static let kleDefault = "KLE_{kind}_{yyyymmdd}_{agreement}.xml{ext}"

    public let text: String

    /// Checks the template: known placeholders only, closed braces, no `/`, not hidden.
    public init(_ text: String) throws(ExtractError) {
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "{") {
            guard let close = rest[open...].firstIndex(of: "}") else {
                throw ExtractError(.invalidDefinition, "the file-name template '\(text)' has an unclosed '{'")
            }
            let name = String(rest[rest.index(after: open)..<close])
            guard Self.placeholders.contains(name) else {
                throw ExtractError(.invalidDefinition, "the file-name template '\(text)' uses {\(name)}; known: \(Self.placeholders.map { "{\($0)}" }.joined(separator: " "))")
            }
            rest = rest[rest.index(after: close)...]
        }
        guard !text.contains("/"), !text.hasPrefix("."), !text.isEmpty else {
            throw ExtractError(.invalidDefinition, "the file-name template '\(text)' must not be empty, contain '/' or start with '.'")
        }
        self.text = text
    }

    public struct Values: Sendable {
        public var date: CivilDate
        public var taskNumber: Int
        public var agreement: String
        public var extract: String
        public var kind: String
        public var municipality: String
        public var compressed: Bool

        public init(date: CivilDate, taskNumber: Int, agreement: String, extract: String, kind: String,
                    municipality: String, compressed: Bool) {
            self.date = date
            self.taskNumber = taskNumber
            self.agreement = agreement
            self.extract = extract
            self.kind = kind
            self.municipality = municipality
            self.compressed = compressed
        }
    }

    public func render(_ v: Values) -> String {
        let task = String(v.taskNumber)
        let replacements: [String: String] = [
            "yymmdd": v.date.yymmdd, "yyyymmdd": v.date.compact,
            "task": String(repeating: "0", count: max(0, 6 - task.count)) + task,
            "agreement": v.agreement, "extract": v.extract, "kind": v.kind, "municipality": v.municipality,
            "ext": v.compressed ? ".gz" : "",
        ]
        var out = text
        for (key, value) in replacements { out = out.replacingOccurrences(of: "{\(key)}", with: value) }
        return out
    }
}
