import BusinessCalendar

/// Why the KLE stub refused a request, worded for the operator who asked: what is wrong
/// and what to do instead.
public struct KLEStubError: Error, CustomStringConvertible, Sendable, Hashable {
    public enum Code: String, Sendable, Hashable {
        /// The date is before the plan's first version.
        case dateBeforeEpoch
        /// A change extract was asked for the first version, which has nothing to compare with.
        case noPreviousVersion
        /// The date is so far ahead that computing it would take unreasonably long.
        case dateTooFarAhead
        /// A version number below 0.
        case noSuchVersion
    }

    public let code: Code
    public let message: String

    public var description: String { "KLE: \(message)" }

    static func beforeEpoch(_ date: CivilDate, epoch: CivilDate) -> KLEStubError {
        KLEStubError(
            code: .dateBeforeEpoch,
            message: "no KLE version is in force on \(date): the first version was published on \(epoch). "
                + "Ask for \(epoch) or later, or configure an earlier epoch.")
    }

    static func noPrevious(_ date: CivilDate) -> KLEStubError {
        KLEStubError(
            code: .noPreviousVersion,
            message: "the version in force on \(date) is the first one, so it has no changes to extract. "
                + "Deliver a full extract for it, and change extracts from the next version on.")
    }

    static func tooFar(_ date: CivilDate, limit: CivilDate) -> KLEStubError {
        KLEStubError(
            code: .dateTooFarAhead,
            message: "\(date) is after \(limit), the last date the stub computes versions for. "
                + "Ask for an earlier date, or configure a later epoch.")
    }

    static func noSuchVersion(_ n: Int) -> KLEStubError {
        KLEStubError(
            code: .noSuchVersion,
            message: "there is no KLE version \(n): versions are numbered from 0 (the epoch). Ask for 0 or more.")
    }
}
