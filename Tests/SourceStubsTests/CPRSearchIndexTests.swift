import BusinessCalendar
@testable import SourceStubs
import Testing

/// The indexed search and the municipality person cursor answer exactly what walking the
/// whole register answers, on the table's day and on days before and after it.
@Suite("CPR search table")
struct CPRSearchIndexTests {
    static let pop = try! CPRPopulation(seed: 20_260_304, size: 6_000)  // a valid constant
    static let tableDay = CivilDate(iso: "2026-03-02") ?? CivilDate(daysSinceEpoch: 0)

    /// The register as the gateway's search walked it: everyone registered on `date`, in
    /// walk order, from a cursor over the whole register, by municipality code.
    static func residents(_ pop: CPRPopulation, on date: CivilDate) -> [String: [CPRPerson]] {
        var out: [String: [CPRPerson]] = [:]
        var cursor = CPRPersonCursor(population: pop, on: date)
        while let p = cursor.next() { out[p.address.municipalityCode, default: []].append(p) }
        return out
    }

    /// Every match of the walk, with the match rule copied from the gateway's search as it was.
    static func reference(_ residents: [CPRPerson], name: String?, road: String?) -> [CPRPerson] {
        let nameNeedle = name?.lowercased()
        let roadNeedle = road?.lowercased()
        var matches: [CPRPerson] = []
        for p in residents {
            if let roadNeedle, !p.address.roadName.lowercased().contains(roadNeedle) { continue }
            if let nameNeedle {
                let full = [p.firstName, p.middleName ?? "", p.lastName].joined(separator: " ").lowercased()
                if !full.contains(nameNeedle) { continue }
            }
            matches.append(p)
        }
        return matches
    }

    static let names: [String] = [
        "a", "K", "KARLA", "Søren", "é", "sen", "Zzzz", " ", "  ", "a j", "karla  j", "Hansen Møller", " Ida", "Åse",
    ]
    static let roads: [String] = ["a", "vej", "ALLÉ", "zz", "n t"]
    /// Names alone, roads alone, and some of both.
    static let queries: [(name: String?, road: String?)] =
        names.map { ($0, nil) } + roads.map { (nil, $0) } + names.prefix(3).flatMap { n in roads.prefix(2).map { (n, $0) } }

    /// Days around the table's: the day itself, weeks before and after, and a year on. Each
    /// day has a population of its own (with a partial last block), so the table moves only
    /// as this test moves it: first the changed blocks are computed per search (a year on,
    /// the table is moved at once), then (a delta limit of 0) the table is moved to the day.
    @Test(arguments: [0, 5, 21, -28, 400])
    func searchEqualsTheWalk(daysFromTable offset: Int) throws {
        let pop = try CPRPopulation(seed: UInt64(1_000 + offset), size: 12_001)
        pop.prepareSearch(on: Self.tableDay)
        let date = Self.tableDay.adding(days: offset)
        let residents = Self.residents(pop, on: date)
        // A year on most blocks have changed: the table is moved by the first search.
        let deltaLimit = abs(offset) > 60 ? 0 : Int.max
        for municipality in ["0101", "0751", "0825"] {
            for (name, road) in Self.queries {
                let all = Self.reference(residents[municipality] ?? [], name: name, road: road)
                for (skip, limit) in [(0, 20), (5, 5), (40, 100)] {
                    let want = CPRSearchResult(persons: Array(all.dropFirst(skip).prefix(limit)), total: all.count)
                    let got = pop.search(municipality: municipality, name: name, road: road, on: date,
                                         skip: skip, limit: limit, deltaLimit: deltaLimit, checkDeadline: {})
                    #expect(got == want, "\(municipality) \(date) name=\(name ?? "-") road=\(road ?? "-") \(skip)+\(limit)")
                }
            }
        }
        #expect(pop.indexes.builtSearchTable?.day == (deltaLimit == 0 ? date : Self.tableDay).daysSinceEpoch)
        // Moved to the date (a delta limit of 0), the table answers the same.
        for municipality in ["0101", "0825"] {
            for (name, road) in Self.queries.prefix(8) {
                let all = Self.reference(residents[municipality] ?? [], name: name, road: road)
                let got = pop.search(municipality: municipality, name: name, road: road, on: date,
                                     skip: 5, limit: 5, deltaLimit: 0, checkDeadline: {})
                #expect(got == CPRSearchResult(persons: Array(all.dropFirst(5).prefix(5)), total: all.count),
                        "moved table: \(municipality) \(date) name=\(name ?? "-") road=\(road ?? "-")")
            }
        }
        #expect(pop.indexes.builtSearchTable?.day == date.daysSinceEpoch)
    }

    @Test func unknownMunicipalitiesDaysBeforeTheEpochAndOddPagesFindNobody() throws {
        let pop = Self.pop
        let none = CPRSearchResult(persons: [], total: 0)
        #expect(pop.search(municipality: "9999", name: "a", road: nil, on: Self.tableDay, skip: 0, limit: 20, checkDeadline: {}) == none)
        #expect(pop.search(municipality: "101", name: "a", road: nil, on: Self.tableDay, skip: 0, limit: 20, checkDeadline: {}) == none)
        #expect(pop.search(municipality: "0101", name: "a", road: nil, on: pop.epoch.adding(days: -1), skip: 0, limit: 20, checkDeadline: {}) == none)
        let all = pop.search(municipality: "0101", name: "a", road: nil, on: Self.tableDay, skip: 0, limit: 20, checkDeadline: {})
        let odd = pop.search(municipality: "0101", name: "a", road: nil, on: Self.tableDay, skip: -3, limit: -1, checkDeadline: {})
        #expect(odd.total == all.total && odd.persons.isEmpty)
        let far = pop.search(municipality: "0101", name: "a", road: nil, on: Self.tableDay, skip: Int.max, limit: Int.max, checkDeadline: {})
        #expect(far.total == all.total && far.persons.isEmpty)
    }

    /// The deadline check's error comes out of the search unchanged.
    @Test func aDeadlineStopsTheSearch() throws {
        struct Late: Error {}
        #expect(throws: Late.self) {
            try Self.pop.search(municipality: "0101", name: "a", road: nil, on: Self.tableDay, skip: 0, limit: 20,
                                checkDeadline: { () throws(Late) in throw Late() })
        }
    }

    /// The table's walk order: block b's members are entries `walkStart(b)..<walkStart(b + 1)`,
    /// for sizes with and without a partial last block and birth slots.
    @Test(arguments: [1, 3, 4, 5, 8, 9, 37, 2_000, 20_003])
    func walkStartsFollowTheBlocks(size: Int) throws {
        let pop = try CPRPopulation(seed: 9, size: size)
        var s = CPRBlockState()
        #expect(pop.walkStart(ofBlock: 0) == 0)
        for b in 0..<pop.blockCount {
            pop.initBlock(b, into: &s)
            #expect(pop.walkStart(ofBlock: b + 1) - pop.walkStart(ofBlock: b) == s.members.count, "block \(b)")
        }
        #expect(pop.walkStart(ofBlock: pop.blockCount) == pop.slotCount)
    }

    /// The municipality cursor skipping blocks by the table hands out what the full walk
    /// does, on the table's day and around it, and without a table.
    @Test(arguments: [0, 3, -17, 45])
    func municipalityCursorEqualsTheWalk(daysFromTable offset: Int) throws {
        let pop = try CPRPopulation(seed: UInt64(2_000 + offset), size: 6_002)
        let date = Self.tableDay.adding(days: offset)
        let expected = Self.residents(pop, on: date)
        for withTable in [false, true] {
            if withTable { pop.prepareSearch(on: Self.tableDay) }
            for municipality in ["0101", "0751", "0825"] {
                var cursor = CPRPersonCursor(population: pop, on: date, municipality: municipality)
                #expect((cursor.table != nil) == withTable)
                var got: [CPRPerson] = []
                while let p = cursor.next() { got.append(p) }
                #expect(got == expected[municipality] ?? [], "\(municipality) \(date) table: \(withTable)")
            }
        }
    }
}
