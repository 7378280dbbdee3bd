import BusinessCalendar

/// Writes CPR extract files in the CPR office's fixed-width ISO-8859-1 format.
///
/// Scope of a municipality's extract:
/// - Status extract: every registered person whose current (or, for the dead, emigrated and
///   disappeared, last) address is in the municipality.
/// - Change extract: every person whose register data changed since the previous file
///   (after `previousProductionDate`, or after the previous business day when that is nil,
///   up to and including the date) and who lives in the municipality on the date or lived
///   there at the previous file. Events happen only on business days, so with daily files
///   this is exactly the persons changed on the date. A person moving from A to B is in both
///   A's and B's change extracts, each time with the new address, as the real CPR does, so
///   A learns that the person left. Each such person has all selected record types as of
///   the date plus one 099 record per event.
/// Relatives living elsewhere appear only as PNR and name fields (012, 014, 015) of the
/// person's own records, never as persons of their own.
public enum CPRExtractWriter {
    /// Bytes handed to the sink per write.
    public static let chunkSize = 256 * 1024

    /// Checks the request against the population and the calendar; throws what is wrong.
    public static func validate(population: CPRPopulation, request: CPRExtractRequest) throws {
        if let m = request.municipality, CPRMunicipalities.named(m) == nil {
            throw CPRStubError(code: "unknown-municipality",
                               message: "municipality code '\(m)' is not one of Denmark's 98 municipality codes; use a four-digit code such as 0101 (København) or leave it out for the whole country")
        }
        if request.date < population.epoch {
            throw CPRStubError(code: "before-epoch",
                               message: "production date \(request.date) is before the synthetic register's first day \(population.epoch); ask for \(population.epoch) or later")
        }
        if request.kind == .change {
            let cal = DanishHolidays()
            if !cal.isBusinessDay(request.date) {
                let why = cal.holidayName(request.date).map { "a public holiday (\($0))" } ?? "a weekend day"
                throw CPRStubError(code: "not-business-day",
                                   message: "change extracts are produced on business days only and \(request.date) is \(why); the next business day is \(cal.nextBusinessDay(after: request.date))")
            }
        }
        if !(0...999_999).contains(request.taskNumber) {
            throw CPRStubError(code: "bad-task-number",
                               message: "task number \(request.taskNumber) does not fit OPGAVENR's six digits; use 0...999999")
        }
        if let p = request.previousProductionDate, p >= request.date {
            throw CPRStubError(code: "bad-previous-date",
                               message: "previous production date \(p) is not before the production date \(request.date); give the date of the previous file in the series")
        }
        if !request.recordTypes.contains(where: \.isPersonRecord) {
            throw CPRStubError(code: "no-record-types",
                               message: "no person record types selected; choose some of \(CPRRecordType.personRecordTypes.map(\.rawValue).sorted().joined(separator: ", "))")
        }
    }

    /// Validates the request (see `validate`), then streams the extract into `sink` in
    /// chunks of about 256 KiB from one reused buffer, so memory stays flat for a national
    /// extract (`CPRExtractCursor` run to the end). `progress` is called every 4096 persons
    /// with the counts so far. A `filter` narrows a municipality's extract to a
    /// subscription's persons (`CPRSubscriptionFilter`).
    @discardableResult
    public static func write<S: ByteSink>(population: CPRPopulation, request: CPRExtractRequest,
                                          filter: CPRSubscriptionFilter? = nil,
                                          into sink: inout S,
                                          progress: ((CPRExtractSummary) -> Void)? = nil) throws -> CPRExtractSummary {
        var cursor = try CPRExtractCursor(population: population, request: request, filter: filter)
        while try cursor.next(into: &sink, progress: progress) {}
        let summary = cursor.summary
        progress?(summary)
        return summary
    }
}
