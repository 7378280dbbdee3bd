import Store

/// Collects every problem of a request before anything is done, so the caller fixes them
/// all in one go; the text rules are the project's shared ones.
struct FieldCheck {
    private(set) var problems: [String] = []

    mutating func fail(_ problem: String) { problems.append(problem) }

    /// A required single line of printable text, at most `limit` bytes.
    mutating func line(_ value: String?, _ field: String, limit: Int = 200, required: Bool = true) -> String? {
        guard let value, !value.trimmingCharacters(in: .whitespaces).isEmpty else {
            if required { fail("\(field) is missing") }
            return nil
        }
        if value.utf8.count > limit { fail("\(field) is longer than \(limit) bytes"); return nil }
        if value.unicodeScalars.contains(where: InputText.isControl) || InputText.firstNonXMLCharacter(in: value) != nil {
            fail("\(field) holds a control character; give one line of plain text")
            return nil
        }
        return value.trimmingCharacters(in: .whitespaces)
    }

    /// An email address: one `@`, something either side, no spaces.
    mutating func email(_ value: String?, _ field: String) -> String? {
        guard let text = line(value, field, limit: 254, required: false) else { return nil }
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !text.contains(" ") else {
            fail("\(field) '\(text.displaySafe(limit: 60))' is not an email address (name@example.dk)")
            return nil
        }
        return text
    }

    /// Exactly `count` decimal digits (a CVR number, a municipality code).
    mutating func digits(_ value: String?, _ field: String, count: Int) -> String? {
        guard let value else { fail("\(field) is missing"); return nil }
        guard value.utf8.count == count, value.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
            fail("\(field) '\(value.displaySafe(limit: 20))' must be exactly \(count) digits")
            return nil
        }
        return value
    }

    func finish() throws(AdministrationError) {
        guard problems.isEmpty else {
            throw AdministrationError(.invalid, "invalid-request", problems.joined(separator: "; "))
        }
    }
}
