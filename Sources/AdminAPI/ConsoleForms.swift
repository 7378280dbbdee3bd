import Foundation

/// One labelled form field with its hint and its error beside it, so a refused form shows
/// every problem next to the field it is about (issue 13, "Validation errors shown next
/// to their fields, all at once").
struct ConsoleField: Sendable {
    enum Control: Sendable {
        case text
        case date
        case textarea
        /// (value, label) pairs; the field's value picks the selected one.
        case select([(String, String)])
    }

    var name: String
    var label: String
    var value: String = ""
    var control: Control = .text
    var hint: String?
    var error: String?

    var html: HTML {
        let describedBy = [hint.map { _ in "\(name)-hint" }, error.map { _ in "\(name)-error" }].compactMap { $0 }.joined(separator: " ")
        let aria: HTML = describedBy.isEmpty ? .empty : " aria-describedby=\"\(describedBy)\""
        let invalid: HTML = error == nil ? .empty : " aria-invalid=\"true\""
        let input: HTML
        switch control {
        case .text, .date:
            let type = if case .date = control { "date" } else { "text" }
            input = "<input type=\"\(type)\" id=\"\(name)\" name=\"\(name)\" value=\"\(value)\"\(aria)\(invalid)>"
        case .textarea:
            input = "<textarea id=\"\(name)\" name=\"\(name)\" rows=\"3\"\(aria)\(invalid)>\(value)</textarea>"
        case .select(let options):
            let items: [HTML] = options.map { option -> HTML in
                "<option value=\"\(option.0)\"\(option.0 == value ? HTML(" selected") : .empty)>\(option.1)</option>"
            }
            input = "<select id=\"\(name)\" name=\"\(name)\"\(aria)\(invalid)>\(items)</select>"
        }
        return """
            <div class="field"><label for="\(name)">\(label)</label>\
            \(hint.map { h -> HTML in "<p class=\"hint\" id=\"\(name)-hint\">\(h)</p>" } ?? .empty)\
            \(input)\
            \(error.map { e -> HTML in "<p class=\"field-error\" id=\"\(name)-error\">\(e)</p>" } ?? .empty)</div>
            """
    }

    /// The hidden form-token field every console form carries.
    static func csrf(_ token: String) -> HTML { "<input type=\"hidden\" name=\"csrf\" value=\"\(token)\">" }

    /// Every problem of a refused form at its top, each linking to its field; the fields
    /// carry the same words beside them.
    static func summary(_ problems: [(field: String?, message: String)]) -> HTML {
        guard !problems.isEmpty else { return .empty }
        let items: [HTML] = problems.map { p -> HTML in
            if let field = p.field { return "<li><a href=\"#\(field)\">\(p.message)</a></li>" }
            return "<li>\(p.message)</li>"
        }
        return """
            <div class="error-summary" role="alert"><h2>\(problems.count == 1 ? "There is a problem" : "There are \(problems.count) problems")</h2>
            <ul>\(items)</ul></div>
            """
    }
}
