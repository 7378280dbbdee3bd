import BusinessCalendar

/// A CPR extract produced a chunk at a time: each `next(into:)` writes the records of as
/// many blocks as fill one chunk (about `CPRExtractWriter.chunkSize`), hands them to the
/// sink and returns, keeping where it was (the next block, the record count for the 999
/// trailer) for the next call. `CPRExtractWriter.write` is this cursor run to the end, so
/// a stream paced by a slow reader (the gateway's population stream) is byte for byte the
/// extract file, without a thread waiting on the reader in between. A change extract
/// visits only the day's changed blocks (`changedBlocks`), not the whole register.
public struct CPRExtractCursor {
    let population: CPRPopulation
    let request: CPRExtractRequest
    let out: CPRRecordBuffer
    let renderer: CPRPersonRenderer
    let day: Int
    let scope: UInt8?
    /// The change window is (from, day]; states are compared at its two ends.
    let from: Int
    let filter: CPRSubscriptionFilter?
    /// The blocks to visit, ascending, or nil for every block: a change extract visits only
    /// the blocks the change-day index names, a status extract filtered to PNRs only theirs.
    let visit: [Int]?
    var state = CPRBlockState()
    var before = CPRBlockState()
    /// Position in `visit` (or the block itself when every block is visited).
    var nextBlock = 0
    var persons = 0
    var nextProgress = 4096
    /// The 999 record's count (the records between start and end), once it is written.
    var endCount: Int?

    /// Validates the request (see `CPRExtractWriter.validate`) and writes the 000 start
    /// record into the first chunk. With a `filter` (a subscription, see
    /// `CPRSubscriptionFilter`) the request must name a municipality; nil writes the
    /// municipality's (or the country's) whole extract.
    public init(population: CPRPopulation, request: CPRExtractRequest, filter: CPRSubscriptionFilter? = nil) throws {
        try CPRExtractWriter.validate(population: population, request: request)
        if filter != nil && request.municipality == nil {
            throw CPRStubError(code: "filter-without-municipality",
                               message: "a subscription filter narrows one municipality's extract, and the request names none; give the subscribing municipality's four-digit code")
        }
        self.filter = filter
        self.population = population
        self.request = request
        out = CPRRecordBuffer(capacity: CPRExtractWriter.chunkSize + 128 * 1024)
        renderer = CPRPersonRenderer(population: population, types: request.recordTypes, out: out)
        day = request.date.daysSinceEpoch
        scope = request.municipality.flatMap(CPRMunicipalities.indexByCode).map { UInt8($0) }
        let prev = request.previousProductionDate ?? DanishHolidays().previousBusinessDay(before: request.date)
        from = max(prev.daysSinceEpoch, population.epochDay - 1)
        switch request.kind {
        case .change:
            visit = population.changedBlockList(after: from, through: day)
        case .status:
            if let filter, !filter.wholeMunicipality {
                visit = population.blocks(ofPNRs: filter.pnrs)
            } else {
                visit = nil
            }
        }

        // 000 start
        let p = out.begin(.start)
        CPRField.num(p, 4, 10, 0)
        CPRField.num(p, 14, 6, request.taskNumber)
        CPRField.compact(p, 20, day)
        if let prev = request.previousProductionDate {
            CPRField.compact(p, 28, prev.daysSinceEpoch)
        } else {
            CPRField.num(p, 28, 8, 0)
        }
        out.records = 0
    }

    /// What has been written so far (all of it once `next` has returned false).
    public var summary: CPRExtractSummary {
        CPRExtractSummary(persons: persons, records: endCount ?? out.records, bytes: out.totalBytes)
    }

    /// Writes the next chunk into `sink`; the last one ends with the 999 record. Returns
    /// false, writing nothing, once the extract is complete. `progress` is called every
    /// 4096 persons with the counts so far.
    public mutating func next<S: ByteSink>(into sink: inout S,
                                           progress: ((CPRExtractSummary) -> Void)? = nil) throws -> Bool {
        guard endCount == nil else { return false }
        let end = visit?.count ?? population.blockCount
        while nextBlock < end {
            let b = visit?[nextBlock] ?? nextBlock
            nextBlock += 1
            switch request.kind {
            case .status:
                population.computeBlock(b, on: day, into: &state, notesAfter: nil)
                for i in state.members.indices where state.members[i].present {
                    if let s = scope, state.members[i].address.municipality != s { continue }
                    if let filter, !filter.wholeMunicipality, !filter.pnrs.contains(state.members[i].pnr) { continue }
                    renderer.render(state, i, before: nil, day: day)
                    persons += 1
                }
            case .change:
                population.computeBlock(b, on: from, into: &before, notesAfter: nil)
                population.computeBlock(b, on: day, into: &state, notesAfter: from)
                for i in state.members.indices where state.members[i].present {
                    let was = before.members[i]
                    if let s = scope, state.members[i].address.municipality != s,
                       !(was.present && was.address.municipality == s) { continue }
                    if let filter, !wanted(i, by: filter) { continue }
                    if was.present && population.makePerson(before, i) == population.makePerson(state, i) { continue }
                    renderer.render(state, i, before: before, day: day)
                    persons += 1
                }
            }
            let full = out.count >= CPRExtractWriter.chunkSize
            if full { try out.flush(into: &sink) }
            if persons >= nextProgress, let progress {
                nextProgress = persons + 4096
                progress(CPRExtractSummary(persons: persons, records: out.records, bytes: out.totalBytes + out.count))
            }
            if full { return true }
        }
        let records = out.records
        let e = out.begin(.end)
        CPRField.num(e, 4, 10, 9_999_999_999)
        CPRField.num(e, 14, 8, records)
        endCount = records
        try out.flush(into: &sink)
        return true
    }

    /// Whether member `i` of the computed change block is one the subscription wants.
    func wanted(_ i: Int, by filter: CPRSubscriptionFilter) -> Bool {
        if filter.wholeMunicipality || filter.pnrs.contains(state.members[i].pnr) { return true }
        return state.notes.contains { Int($0.member) == i && filter.eventCodes.contains($0.code) }
    }
}
