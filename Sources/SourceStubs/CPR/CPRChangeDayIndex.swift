import BusinessCalendar

/// For each day of a window, the blocks with an event or a birth registration on it.
///
/// A day's change touches a few thousand of a national register's 1.5 million blocks;
/// finding them by asking every block (`blockChanges`) costs as much as the day's whole
/// change extract should. Built once per window in one pass over the blocks' event days
/// (no block state is computed), stored as CSR: `offsets[d - firstDay]` is where day d's
/// blocks start in `blocks`, ascending within the day. About 4 bytes per block event in
/// the window, 3-4 MB for 256 days of 6 million persons.
final class CPRChangeDayIndex: Sendable {
    /// First and last day (days since 1970, inclusive) the index holds.
    let firstDay: Int
    let lastDay: Int
    let offsets: [Int32]
    let blocks: [UInt32]

    init(firstDay: Int, lastDay: Int, offsets: [Int32], blocks: [UInt32]) {
        self.firstDay = firstDay
        self.lastDay = lastDay
        self.offsets = offsets
        self.blocks = blocks
    }

    func covers(_ lo: Int, _ hi: Int) -> Bool { lo >= firstDay && hi <= lastDay }

    /// The blocks changing on days `lo...hi` (inside the window), ascending and unique.
    func changed(_ lo: Int, _ hi: Int) -> [Int] {
        let start = Int(offsets[lo - firstDay]), end = Int(offsets[hi - firstDay + 1])
        var out = blocks[start..<end].map { Int($0) }
        if lo < hi {
            out.sort()
            var w = 0
            for v in out where w == 0 || out[w - 1] != v {
                out[w] = v
                w += 1
            }
            out.removeLast(out.count - w)
        }
        return out
    }
}

extension CPRPopulation {
    /// Days a change-day index covers when it is (re)built: a business year around the
    /// day asked for, most of it ahead, since time moves forward.
    static let changeWindowBefore = 64
    static let changeWindowDays = 256
    /// Longer spans than this are answered by asking every block: so long a span changes
    /// most blocks anyway, and indexing it would cost memory for nothing.
    static let changeWindowMaximum = 1024

    /// The blocks whose state may differ between the end of `from` and the end of `to`:
    /// those with an event or a birth registration on a day in `from+1...to`. Ascending and
    /// unique, exactly the blocks for which `blockChanges(after:through:)` is true. Served
    /// from the shared change-day index, which is built (about a second for 6 million
    /// persons) the first time and again when a day outside its window is asked for.
    public func changedBlocks(after from: CivilDate, through to: CivilDate) -> [Int] {
        changedBlockList(after: from.daysSinceEpoch, through: to.daysSinceEpoch)
    }

    func changedBlockList(after from: Int, through to: Int) -> [Int] {
        guard from < to else { return [] }
        // Nothing happens before the epoch: the first events are on its day or later.
        let lo = max(from + 1, epochDay)
        let hi = to
        guard lo <= hi else { return [] }
        guard hi - lo < Self.changeWindowMaximum else {
            return (0..<blockCount).filter { blockChanges($0, after: from, through: to) }
        }
        let index = indexes.changeDays.withLock { current -> CPRChangeDayIndex in
            if let current, current.covers(lo, hi) { return current }
            let first = max(epochDay, lo - Self.changeWindowBefore)
            let built = buildChangeDayIndex(firstDay: first, lastDay: max(hi, first + Self.changeWindowDays - 1))
            current = built
            return built
        }
        return index.changed(lo, hi)
    }

    /// One pass over every block's event days up to `lastDay` (and its birth registration),
    /// keeping those from `firstDay` on; a counting sort by day keeps blocks ascending.
    func buildChangeDayIndex(firstDay: Int, lastDay: Int) -> CPRChangeDayIndex {
        let days = lastDay - firstDay + 1
        var counts = [Int32](repeating: 0, count: days + 1)
        // (day - firstDay) << 32 | block, in block order.
        var found: [UInt64] = []
        found.reserveCapacity(blockCount * days / Int(meanEventGap) + blockCount / 64 + 16)
        for b in 0..<blockCount {
            var birth = Int.max
            if let k = birthSlot(ofBlock: b) {
                let reg = businessDay(onOrAfter: codec.birthDay(birthSlot: k))
                if reg >= firstDay && reg <= lastDay { birth = reg }
            }
            var d = epochDay - 1
            var n = 0
            while true {
                d = nextEventDay(block: b, n: n, after: d)
                if d > lastDay { break }
                if d >= firstDay {
                    if birth < d {
                        found.append(UInt64(birth - firstDay) << 32 | UInt64(b))
                        counts[birth - firstDay + 1] += 1
                    }
                    if birth <= d { birth = .max }
                    found.append(UInt64(d - firstDay) << 32 | UInt64(b))
                    counts[d - firstDay + 1] += 1
                }
                n += 1
            }
            if birth != .max {
                found.append(UInt64(birth - firstDay) << 32 | UInt64(b))
                counts[birth - firstDay + 1] += 1
            }
        }
        for i in 1..<counts.count { counts[i] += counts[i - 1] }
        var next = counts
        var blocks = [UInt32](repeating: 0, count: found.count)
        for f in found {
            let day = Int(f >> 32)
            blocks[Int(next[day])] = UInt32(truncatingIfNeeded: f)
            next[day] += 1
        }
        return CPRChangeDayIndex(firstDay: firstDay, lastDay: lastDay, offsets: counts, blocks: blocks)
    }
}
