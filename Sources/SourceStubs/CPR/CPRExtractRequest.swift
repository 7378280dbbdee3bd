import BusinessCalendar

/// Which of the CPR office's two extract kinds to produce.
public enum CPRExtractKind: String, Sendable, CaseIterable {
    /// Everyone in scope as of the date (statusudtræk).
    case status
    /// Only persons changed on the date, with 099 event records (ændringsudtræk).
    case change
}

/// What an extract definition asks the CPR stub for.
public struct CPRExtractRequest: Sendable, Equatable {
    public var kind: CPRExtractKind
    /// The production date (PRODDTO); for a change extract, the day whose changes it holds.
    public var date: CivilDate
    /// Four-digit municipality code, or nil for the whole country.
    public var municipality: String?
    /// Person record types to write; 000 and 999 are always written, 099 only in change
    /// extracts, 004 and 005 only for persons they apply to.
    public var recordTypes: Set<CPRRecordType>
    /// The task number (OPGAVENR), also used in the file name.
    public var taskNumber: Int
    /// The previous file's production date (PRODDTOFORRIG), which consumers compare with
    /// their last import to notice a missed delivery; nil writes zeros (the first file).
    public var previousProductionDate: CivilDate?

    public init(kind: CPRExtractKind, date: CivilDate, municipality: String? = nil,
                recordTypes: Set<CPRRecordType> = CPRRecordType.personRecordTypes,
                taskNumber: Int, previousProductionDate: CivilDate? = nil) {
        self.kind = kind
        self.date = date
        self.municipality = municipality
        self.recordTypes = recordTypes
        self.taskNumber = taskNumber
        self.previousProductionDate = previousProductionDate
    }

    /// The file name in the CPR office's style, `D<YYMMDD>.L<6-digit task number>`.
    public var fileName: String {
        let t = String(taskNumber)
        return "D\(date.yymmdd).L" + String(repeating: "0", count: max(0, 6 - t.count)) + t
    }
}

/// Counts of what an extract held so far (for progress) or in total (the result).
public struct CPRExtractSummary: Sendable, Equatable {
    /// Persons written (each starting with a 001 record).
    public var persons: Int
    /// Records between 000 and 999, the value of 999's TAELLER at the end.
    public var records: Int
    /// Bytes written to the sink (including 000 and 999 at the end).
    public var bytes: Int

    public init(persons: Int, records: Int, bytes: Int) {
        self.persons = persons
        self.records = records
        self.bytes = bytes
    }
}

/// Why the CPR stub refused a request: `code` is stable for programs, `message` says what
/// is wrong and what to do, for people.
public struct CPRStubError: Error, CustomStringConvertible, Sendable, Equatable {
    /// Stable identifiers: `unknown-municipality`, `not-business-day`, `before-epoch`,
    /// `bad-task-number`, `bad-previous-date`, `no-record-types`, `filter-without-municipality`.
    public var code: String
    public var message: String

    public init(code: String, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "CPR stub: \(code): \(message)" }
}
