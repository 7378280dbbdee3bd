import ChangeOrders
import Foundation
import Store

/// Durations (`90s`, `1h30m`), business-day deadlines (`08:00 next business day`) and the
/// requested time of a change order, all from the same text.
///
/// Accepted values stay in bounds and survive being written out and read back; refusals
/// quote the input without raw control characters. No number of any size traps.
enum DurationTarget {
    static func check(_ input: [UInt8]) throws(FuzzFailure) {
        func fail(_ property: String) -> FuzzFailure { FuzzFailure(.durations, property) }
        let text = FuzzInput.text(input.prefix(4096))

        let range = 0...DurationText.maximumSeconds
        switch DurationText.seconds(text) {
        case .success(let s):
            guard range.contains(s) else { throw fail("accepted \(s) s, outside \(range)") }
            let written = DurationText.format(s)
            guard case .success(s) = DurationText.seconds(written) else { throw fail("\(s) s written as \(written) reads back differently") }
            guard DurationText.parse(text) == s else { throw fail("parse and seconds disagree") }
            guard DurationText.problem(text, "the duration", in: range) == nil else { throw fail("a problem with an accepted duration") }
        case .failure:
            guard DurationText.parse(text) == nil else { throw fail("parse accepts what seconds refuses") }
            guard let problem = DurationText.problem(text, "the duration", in: range) else { throw fail("no problem with a refused duration") }
            guard !FuzzInput.holdsControl(problem) else { throw fail("the refusal shows a raw control character") }
        }

        if let deadline = DurationText.parseDeadline(text) {
            guard (0...23).contains(deadline.hour), (0...59).contains(deadline.minute), (0...30).contains(deadline.businessDaysAfter) else {
                throw fail("accepted the deadline \(deadline) out of bounds")
            }
            let written = DurationText.formatDeadline(deadline)
            guard DurationText.parseDeadline(written) == deadline else { throw fail("the deadline written as \(written) reads back differently") }
        }

        switch RequestedTime.read(text) {
        case .success(let date):
            // Written with its zone and read back: the same instant (to the millisecond written).
            let utc = ISO8601DateFormatter()
            utc.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            let written = utc.string(from: date)
            guard case .success(let again) = RequestedTime.read(written) else { throw fail("\(written) (an accepted time, written out) is refused") }
            guard abs(again.timeIntervalSince(date)) < 0.001 else { throw fail("\(written) reads back as \(again)") }
        case .failure(let error):
            guard !error.description.isEmpty, !FuzzInput.holdsControl(error.description) else {
                throw fail("the refusal is empty or shows a raw control character")
            }
        }
    }
}
