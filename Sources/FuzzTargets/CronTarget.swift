import Scheduling

/// Cron expressions: an accepted expression allows only values inside each field's range and
/// at least one per field, and its fields written out as plain value lists parse back to
/// the same sets; a refused one says why. No input traps (e.g. a step of 2^63-1).
enum CronTarget {
    static func check(_ input: [UInt8]) throws(FuzzFailure) {
        func fail(_ property: String) -> FuzzFailure { FuzzFailure(.cron, property) }
        let text = FuzzInput.text(input.prefix(1024))
        let expression: CronExpression
        do {
            expression = try CronExpression(text)
        } catch {
            guard !error.reason.isEmpty, !error.description.isEmpty else { throw fail("a refusal without a reason") }
            return
        }
        let fields = [expression.minute, expression.hour, expression.dayOfMonth, expression.month, expression.dayOfWeek]
        for field in fields {
            let range = field.kind == .dayOfWeek ? 0...6 : field.kind.range
            guard field.mask != 0 else { throw fail("\(field.kind.name) allows no value") }
            guard field.values.allSatisfy(range.contains) else {
                throw fail("\(field.kind.name) allows \(field.values) outside \(range)")
            }
            for v in -1...64 where field.contains(v) != field.values.contains(v) {
                throw fail("\(field.kind.name).contains(\(v)) disagrees with its values")
            }
        }
        // A star field keeps its text: the star decides how the two day fields combine.
        let plain = fields.map { $0.startsWithStar ? $0.text : $0.values.map(String.init).joined(separator: ",") }
            .joined(separator: " ")
        let again: CronExpression
        do { again = try CronExpression(plain) } catch {
            throw fail("the accepted expression written as value lists (\(plain)) is refused: \(error)")
        }
        let againFields = [again.minute, again.hour, again.dayOfMonth, again.month, again.dayOfWeek]
        for (a, b) in zip(fields, againFields) where a.mask != b.mask || a.startsWithStar != b.startsWithStar {
            throw fail("\(a.kind.name) changes when written as \(plain)")
        }
        _ = expression.neverRunsReason
        guard expression.description == expression.source else { throw fail("description is not the source") }
    }
}
