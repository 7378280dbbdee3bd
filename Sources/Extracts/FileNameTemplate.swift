import BusinessCalendar
import Store

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

    /// Checks the template: known placeholders only, closed braces, and the names it makes
    /// follow the rule every delivered name follows (`DeliveredFileName`: no '/', not
    /// hidden, no control characters, not too long), tried on a sample of each placeholder
    /// here and on the real values by `render`.
    public init(_ text: String) throws(ExtractError) {
        let shown = text.displaySafe(limit: 80)
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "{") {
            guard let close = rest[open...].firstIndex(of: "}") else {
                throw ExtractError(.invalidDefinition, "the file-name template '\(shown)' has an unclosed '{'")
            }
            let name = String(rest[rest.index(after: open)..<close])
            guard Self.placeholders.contains(name) else {
                throw ExtractError(.invalidDefinition, "the file-name template '\(shown)' uses {\(name.displaySafe(limit: 40))}; known: \(Self.placeholders.map { "{\($0)}" }.joined(separator: " "))")
            }
            rest = rest[rest.index(after: close)...]
        }
        self.text = text
        _ = try render(Self.sample)
    }

    /// Values of the placeholders' usual lengths, to try a template before any run.
    public static let sample = Values(date: CivilDate(year: 2026, month: 11, day: 24) ?? CivilDate(daysSinceEpoch: 0), taskNumber: 1,
                                      agreement: "00000000-0000-4000-8000-000000000000", extract: "extract",
                                      kind: "status", municipality: "0101", compressed: true)

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

    /// The file name for these values; refused with the reason when it is not a name a
    /// receiver can be given (the rule of `udtraek deliver --name`).
    public func render(_ v: Values) throws(ExtractError) -> String {
        let name = substitute(v)
        if let problem = DeliveredFileName.problem(name) {
            throw ExtractError(.invalidDefinition, "the file-name template '\(text.displaySafe(limit: 80))' makes the name '\(name.displaySafe(limit: 80))', which cannot be delivered: \(problem)")
        }
        return name
    }

    private func substitute(_ v: Values) -> String {
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
