import BusinessCalendar
import Dispatch

/// What a search looks at of every person on one day, five bytes each: present or not,
/// municipality, road name and the three name parts as vocabulary indexes.
///
/// A search by name or road in a municipality would otherwise compute every block of the
/// register (seconds for 6 million persons) to look at a few bytes per person. With the
/// table it scans `municipality` (one byte a person, milliseconds) and looks closer only
/// at its municipality's persons. Built in one pass of `computeBlock` over all blocks
/// (split over two threads), 33 MB for 6 million persons.
///
/// Entries are in walk order, the order `CPRPersonCursor` and the extracts hand persons
/// out: block by block, each block's members in order (its four base slots, then its birth
/// slot), so block `b`'s entries are `start(b)..<start(b + 1)`.
final class CPRSearchTable: Sendable {
    /// The day (days since 1970) the table shows.
    let day: Int
    /// Municipality index per entry, or `absent` for a birth slot not yet registered.
    let municipality: [UInt8]
    /// Road name index, first name code, middle name (`noMiddle` for none) and last name,
    /// one byte each from the low end (`pack`).
    let names: [UInt32]

    static let absent: UInt8 = 255
    static let noMiddle: UInt32 = 255
    /// First name codes: male names, then female names from here.
    static let femaleFirst = UInt32(CPRNames.maleFirst.count)

    init(day: Int, municipality: [UInt8], names: [UInt32]) {
        self.day = day
        self.municipality = municipality
        self.names = names
    }

    static func pack(_ p: CPRPopulation, _ m: CPRMember) -> UInt32 {
        let road = UInt32(p.roadNameIndex(m.address))
        let first = (m.male ? 0 : femaleFirst) + UInt32(m.first)
        let middle = m.middle == .max ? noMiddle : UInt32(m.middle)
        return road | first << 8 | middle << 16 | UInt32(m.last) << 24
    }

    /// Whether block `b` of `population` has a present member in municipality `m`.
    func blockHas(_ b: Int, municipality m: UInt8, _ population: CPRPopulation) -> Bool {
        let lo = population.walkStart(ofBlock: b), hi = population.walkStart(ofBlock: b + 1)
        for p in lo..<hi where municipality[p] == m { return true }
        return false
    }
}

extension CPRPopulation {
    /// Where block `b`'s members start in walk order: four per earlier block (fewer in a
    /// partial last block) plus the earlier blocks' birth slots (blocks `9k/4` for birth
    /// slots k, see `birthSlot`); `walkStart(ofBlock: blockCount)` is `slotCount`.
    @inline(__always)
    func walkStart(ofBlock b: Int) -> Int {
        min(4 * b, baseCount) + min(codec.birthSlots, (4 * b + 8) / 9)
    }

    /// Writes block `b` as of `day` into the table's buffers.
    private func fillSearchEntries(_ b: Int, day: Int, _ s: inout CPRBlockState,
                                   _ mun: UnsafeMutablePointer<UInt8>, _ names: UnsafeMutablePointer<UInt32>) {
        computeBlock(b, on: day, into: &s, notesAfter: nil)
        let p = walkStart(ofBlock: b)
        let n = min(s.members.count, walkStart(ofBlock: b + 1) - p)
        for j in 0..<n {
            let m = s.members[j]
            mun[p + j] = m.present ? m.address.municipality : CPRSearchTable.absent
            names[p + j] = CPRSearchTable.pack(self, m)
        }
    }

    /// The table for `day`, computing every block, on two threads.
    func buildSearchTable(on day: Int) -> CPRSearchTable {
        var mun = [UInt8](repeating: CPRSearchTable.absent, count: slotCount)
        var names = [UInt32](repeating: 0, count: slotCount)
        mun.withUnsafeMutableBufferPointer { m in
            names.withUnsafeMutableBufferPointer { n in
                guard let mb = m.baseAddress, let nb = n.baseAddress else { return }
                let out = CPRTableBuffers(municipality: mb, names: nb)
                let half = blockCount / 2
                // Each thread writes only its own blocks' entries.
                DispatchQueue.concurrentPerform(iterations: 2) { part in
                    var s = CPRBlockState()
                    for b in (part == 0 ? 0..<half : half..<blockCount) {
                        fillSearchEntries(b, day: day, &s, out.municipality, out.names)
                    }
                }
            }
        }
        return CPRSearchTable(day: day, municipality: mun, names: names)
    }

    /// `table` moved to `day` by recomputing `changed`, the blocks that differ between the
    /// two days; the rest is copied.
    func patchSearchTable(_ table: CPRSearchTable, changed: [Int], on day: Int) -> CPRSearchTable {
        var mun = table.municipality
        var names = table.names
        mun.withUnsafeMutableBufferPointer { m in
            names.withUnsafeMutableBufferPointer { n in
                guard let mb = m.baseAddress, let nb = n.baseAddress else { return }
                var s = CPRBlockState()
                for b in changed { fillSearchEntries(b, day: day, &s, mb, nb) }
            }
        }
        return CPRSearchTable(day: day, municipality: mun, names: names)
    }

    /// Above this many changed blocks between the table's day and the day asked for, the
    /// table is moved to the day asked for (`patchSearchTable`) rather than the changed
    /// blocks computed for every search: about one business day's change of 6 million
    /// persons, so a gateway asking for "today" moves it about once a day.
    static let searchDeltaLimit = 4_096

    /// The search table and the blocks that differ between its day and `day` (ascending;
    /// their entries must not be used), building or moving the shared table as needed.
    func searchSnapshot(on day: Int, deltaLimit: Int = searchDeltaLimit) -> (table: CPRSearchTable, delta: [Int]) {
        indexes.searchTable.withLock { current in
            if let table = current {
                if table.day == day { return (table, []) }
                if abs(table.day - day) < Self.changeWindowMaximum {
                    let delta = changedBlockList(after: min(table.day, day), through: max(table.day, day))
                    if delta.count <= deltaLimit { return (table, delta) }
                    if delta.count <= blockCount / 4 {
                        let moved = patchSearchTable(table, changed: delta, on: day)
                        current = moved
                        return (moved, [])
                    }
                }
            }
            let built = buildSearchTable(on: day)
            current = built
            return (built, [])
        }
    }

    /// The search table as it stands and its delta to `day`, without building or moving
    /// anything: nil when there is no table or the delta is too large to be worth it.
    func existingSearchSnapshot(on day: Int) -> (table: CPRSearchTable, delta: [Int])? {
        guard let table = indexes.builtSearchTable else { return nil }
        if table.day == day { return (table, []) }
        guard abs(table.day - day) < Self.changeWindowMaximum else { return nil }
        let delta = changedBlockList(after: min(table.day, day), through: max(table.day, day))
        return delta.count <= blockCount / 4 ? (table, delta) : nil
    }

    /// Builds the search table for `date` now, so the first search after a start does not
    /// pay for it (seconds for a national register) inside its deadline.
    public func prepareSearch(on date: CivilDate) {
        guard date >= epoch else { return }
        _ = searchSnapshot(on: date.daysSinceEpoch)
    }
}

/// The table's buffers handed to the two build threads; each writes disjoint entries.
private struct CPRTableBuffers: @unchecked Sendable {
    let municipality: UnsafeMutablePointer<UInt8>
    let names: UnsafeMutablePointer<UInt32>
}
