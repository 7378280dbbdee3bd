import BusinessCalendar

/// The persons registered on a date (the status extract's scope), optionally only those of
/// one municipality, in slot order, handed out one at a time: a walk of the register that
/// can stop after any person and resume later, which a stream paced by its reader needs
/// (the gateway's NDJSON population produces one chunk per call and returns). Each block
/// is computed once, four times cheaper than `person(index:on:)` per slot; for one
/// municipality, blocks the search table shows to have nobody there are not computed.
public struct CPRPersonCursor: Sendable {
    let population: CPRPopulation
    let day: Int
    let scope: UInt8?
    var state = CPRBlockState()
    /// The next block to compute; the current block's members from `member` on are next.
    var nextBlock = 0
    var member = 0
    var finished: Bool
    /// For a municipality's walk, the search table when one is already built (see
    /// `CPRSearchTable`): blocks with nobody of the municipality on its day are skipped
    /// without computing them, except `delta`, the blocks that changed between its day and
    /// this walk's (ascending; `nextDelta` is the next one ahead).
    let table: CPRSearchTable?
    let delta: [Int]
    var nextDelta = 0

    public init(population: CPRPopulation, on date: CivilDate, municipality: String? = nil) {
        self.population = population
        day = date.daysSinceEpoch
        scope = municipality.flatMap(CPRMunicipalities.indexByCode).map { UInt8($0) }
        // Nobody before the epoch, and nobody in a municipality code that does not exist.
        finished = date < population.epoch || (municipality != nil && scope == nil)
        let snapshot = scope != nil && !finished ? population.existingSearchSnapshot(on: day) : nil
        table = snapshot?.table
        delta = snapshot?.delta ?? []
    }

    /// The next person, or nil when the walk is done.
    public mutating func next() -> CPRPerson? {
        nextMember().map { population.makePerson(state, $0) }
    }

    /// The next person as a member index into `state`, or nil when the walk is done.
    mutating func nextMember() -> Int? {
        while !finished {
            while member < state.members.count {
                let i = member
                member += 1
                guard state.members[i].present else { continue }
                if let s = scope, state.members[i].address.municipality != s { continue }
                return i
            }
            guard nextBlock < population.blockCount else {
                finished = true
                break
            }
            if let table, let s = scope {
                while nextDelta < delta.count && delta[nextDelta] < nextBlock { nextDelta += 1 }
                let changed = nextDelta < delta.count && delta[nextDelta] == nextBlock
                if !changed && !table.blockHas(nextBlock, municipality: s, population) {
                    nextBlock += 1
                    state.members.removeAll(keepingCapacity: true)
                    member = 0
                    continue
                }
            }
            population.computeBlock(nextBlock, on: day, into: &state, notesAfter: nil)
            nextBlock += 1
            member = 0
        }
        return nil
    }
}
