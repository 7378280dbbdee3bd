import BusinessCalendar

/// One page of a search and how many persons matched in all.
public struct CPRSearchResult: Sendable, Equatable {
    public var persons: [CPRPerson]
    public var total: Int

    public init(persons: [CPRPerson], total: Int) {
        self.persons = persons
        self.total = total
    }
}

extension CPRPopulation {
    /// The persons registered on `date` whose address (current, or last known for the dead
    /// and emigrated) is in `municipality`, whose road name contains `road` and whose full
    /// name, `first + " " + (middle ?? "") + " " + last`, contains `name` (both compared
    /// lower-cased; nil matches everyone), in walk order (`forEachPerson`'s): the `limit`
    /// persons after the first `skip` matches, and the number of all matches.
    ///
    /// The same answer as filtering `forEachPerson`, without computing the register: it
    /// scans the shared search table (`CPRSearchTable`, built on first use) and computes
    /// only the blocks that changed between the table's day and `date`, and the page's
    /// persons. `checkDeadline` is called every few thousand blocks so a caller holding a
    /// deadline can give up; building the table (seconds for 6 million persons, once, or
    /// ahead of time with `prepareSearch(on:)`) does not call it.
    public func search<E: Error>(municipality: String, name: String?, road: String?, on date: CivilDate,
                                 skip: Int, limit: Int,
                                 checkDeadline: () throws(E) -> Void) throws(E) -> CPRSearchResult {
        try search(municipality: municipality, name: name, road: road, on: date, skip: skip, limit: limit,
                   deltaLimit: Self.searchDeltaLimit, checkDeadline: checkDeadline)
    }

    func search<E: Error>(municipality: String, name: String?, road: String?, on date: CivilDate,
                          skip: Int, limit: Int, deltaLimit: Int,
                          checkDeadline: () throws(E) -> Void) throws(E) -> CPRSearchResult {
        guard date >= epoch, let scope = CPRMunicipalities.indexByCode(municipality).map({ UInt8($0) }) else {
            return CPRSearchResult(persons: [], total: 0)
        }
        let day = date.daysSinceEpoch
        let (table, delta) = searchSnapshot(on: day, deltaLimit: deltaLimit)
        var matcher = CPRSearchMatcher(name: name, road: road)
        let skip = max(0, skip), limit = max(0, limit)
        var total = 0
        var hits: [(block: Int, member: Int)] = []
        var s = CPRBlockState()
        let mun = table.municipality, names = table.names
        var d = 0
        var b = 0
        // Blocks 64 at a time: a chunk with nobody of the municipality in the table
        // and no changed block is skipped with one pass over its bytes.
        while b < blockCount {
            if b & 4095 == 0 { try checkDeadline() }
            let chunkEnd = min(b + 64, blockCount)
            var start = walkStart(ofBlock: b)
            let chunkStop = walkStart(ofBlock: chunkEnd)
            if (d >= delta.count || delta[d] >= chunkEnd) && !Self.contains(scope, mun, start..<chunkStop) {
                b = chunkEnd
                continue
            }
            while b < chunkEnd {
                let end = walkStart(ofBlock: b + 1)
                if d < delta.count && delta[d] == b {
                    // Changed since the table's day: its entries are stale.
                    d += 1
                    computeBlock(b, on: day, into: &s, notesAfter: nil)
                    for j in s.members.indices where s.members[j].present && s.members[j].address.municipality == scope {
                        guard matcher.matches(CPRSearchTable.pack(self, s.members[j])) else { continue }
                        total += 1
                        if total > skip && total - skip <= limit { hits.append((b, j)) }
                    }
                } else {
                    for p in start..<end where mun[p] == scope {
                        guard matcher.matches(names[p]) else { continue }
                        total += 1
                        if total > skip && total - skip <= limit { hits.append((b, p - start)) }
                    }
                }
                start = end
                b += 1
            }
        }
        var persons: [CPRPerson] = []
        persons.reserveCapacity(hits.count)
        var computed = -1
        for (hb, j) in hits {
            if hb != computed {
                computeBlock(hb, on: day, into: &s, notesAfter: nil)
                computed = hb
            }
            persons.append(makePerson(s, j))
        }
        return CPRSearchResult(persons: persons, total: total)
    }

    /// Whether `bytes[range]` holds `value`, eight bytes at a time (a small municipality's
    /// search skips almost every chunk of the table on this).
    static func contains(_ value: UInt8, _ bytes: [UInt8], _ range: Range<Int>) -> Bool {
        bytes.withUnsafeBytes { raw in
            var p = range.lowerBound
            let ones: UInt64 = 0x0101_0101_0101_0101
            let pattern = ones &* UInt64(value)
            while p + 8 <= range.upperBound {
                let x = raw.loadUnaligned(fromByteOffset: p, as: UInt64.self) ^ pattern
                if (x &- ones) & ~x & (ones << 7) != 0 { return true }
                p += 8
            }
            while p < range.upperBound {
                if raw[p] == value { return true }
                p += 1
            }
            return false
        }
    }
}

/// A search's criteria as tables over the vocabularies, so a person is matched by a few
/// lookups on their table entry (`CPRSearchTable.pack`) instead of building strings.
///
/// A name needle without a space can only match inside one name part (the parts are
/// joined by spaces), so it matches exactly when it is in the first, middle (the empty
/// string when none) or last name. A needle with spaces is matched on the full name built
/// as the register's text, once per distinct (first, middle, last) combination; each of
/// its space-separated words must be in some part, which rules out most persons first.
struct CPRSearchMatcher {
    let road: [Bool]?
    let name: String?
    /// By first name code, middle name code and last name, for a needle without spaces.
    let first: [Bool]
    let middle: [Bool]
    let last: [Bool]
    /// Per word of a needle with spaces, its first, middle and last name tables, 256
    /// entries per word back to back.
    let wordFirst: [Bool]
    let wordMiddle: [Bool]
    let wordLast: [Bool]
    let wordCount: Int
    let spaced: Bool
    let middleCodes: Int
    let lastCodes: Int
    /// For a needle with spaces, per (first, middle, last) combination: 0 not yet known,
    /// 1 matches, 2 does not (800 kB, made only for such needles).
    var known: [UInt8] = []

    init(name: String?, road: String?) {
        let v = CPRSearchVocabulary.shared
        func table(_ strings: [String], _ needle: Substring, none: Bool = false) -> [Bool] {
            var t = [Bool](repeating: false, count: 256)
            for (i, s) in strings.enumerated() where s.contains(needle) { t[i] = true }
            if none { t[Int(CPRSearchTable.noMiddle)] = "".contains(needle) }
            return t
        }
        self.road = road.map { table(v.roads, Substring($0.lowercased())) }
        let needle = name?.lowercased()
        self.name = needle
        let n = Substring(needle ?? "")
        first = table(v.first, n)
        middle = table(v.middle, n, none: true)
        last = table(v.last, n)
        spaced = n.contains(" ")
        let words = spaced ? n.split(separator: " ") : []
        wordFirst = words.flatMap { table(v.first, $0) }
        wordMiddle = words.flatMap { table(v.middle, $0, none: true) }
        wordLast = words.flatMap { table(v.last, $0) }
        wordCount = words.count
        middleCodes = v.middle.count + 1
        lastCodes = v.last.count
        if spaced { known = [UInt8](repeating: 0, count: v.first.count * middleCodes * lastCodes) }
    }

    mutating func matches(_ packed: UInt32) -> Bool {
        if let road, !road[Int(packed & 0xFF)] { return false }
        guard let name else { return true }
        let f = Int(packed >> 8 & 0xFF), m = Int(packed >> 16 & 0xFF), l = Int(packed >> 24)
        guard spaced else { return first[f] || middle[m] || last[l] }
        for w in 0..<wordCount where !(wordFirst[w << 8 + f] || wordMiddle[w << 8 + m] || wordLast[w << 8 + l]) {
            return false
        }
        let none = m == Int(CPRSearchTable.noMiddle)
        let key = (f * middleCodes + (none ? middleCodes - 1 : m)) * lastCodes + l
        guard key < known.count else { return false }
        if known[key] != 0 { return known[key] == 1 }
        let v = CPRSearchVocabulary.shared
        let full = v.first[f] + " " + (none ? "" : v.middle[m]) + " " + v.last[l]
        let found = full.contains(name)
        known[key] = found ? 1 : 2
        return found
    }
}

/// The vocabularies lower-cased once, indexed as `CPRSearchTable` codes them.
struct CPRSearchVocabulary: Sendable {
    let first: [String]
    let middle: [String]
    let last: [String]
    let roads: [String]

    static let shared = CPRSearchVocabulary(
        first: (CPRNames.maleFirst.strings + CPRNames.femaleFirst.strings).map { $0.lowercased() },
        middle: CPRNames.middleNames.strings.map { $0.lowercased() },
        last: CPRNames.lastNames.strings.map { $0.lowercased() },
        roads: CPRNames.roads.strings.map { $0.lowercased() })
}
