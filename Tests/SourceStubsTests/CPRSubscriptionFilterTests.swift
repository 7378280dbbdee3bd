import BusinessCalendar
@testable import SourceStubs
import Testing

/// A subscription's file is the municipality's own extract with some persons left out:
/// the persons it wants, each with exactly the records the unfiltered extract has.
@Suite("CPR subscription filter")
struct CPRSubscriptionFilterTests {
    let pop = try! CPRPopulation(seed: 20_260_303, size: 8_000)  // a valid constant

    static func day(_ iso: String) -> CivilDate { CivilDate(iso: iso) ?? CivilDate(daysSinceEpoch: 0) }

    static func pnr(_ person: [ArraySlice<UInt8>]) -> Int { Int(CPRTestFile.field(person[0], 4, 10)) ?? -1 }

    /// Codes of the person's own events (099 records whose relation mark, AFLEDTMRK, is blank).
    static func ownEvents(_ person: [ArraySlice<UInt8>]) -> Set<String> {
        Set(person.filter { CPRTestFile.type($0) == "099" && CPRTestFile.field($0, 29, 2) == "  " }
            .map { CPRTestFile.field($0, 26, 3) })
    }

    func extract(_ kind: CPRExtractKind, _ date: CivilDate, _ municipality: String?,
                 _ filter: CPRSubscriptionFilter?) throws -> CPRTestFile {
        var sink = MemorySink()
        let request = CPRExtractRequest(kind: kind, date: date, municipality: municipality, taskNumber: 12)
        try CPRExtractWriter.write(population: pop, request: request, filter: filter, into: &sink)
        return CPRTestFile(sink.bytes)
    }

    /// The filtered file against the unfiltered one: same start, the wanted persons with
    /// identical lines in the same order, and a trailer counting what was written.
    func expectNarrowed(_ filtered: CPRTestFile, _ full: CPRTestFile, _ wanted: ([ArraySlice<UInt8>]) -> Bool,
                        _ what: String) {
        #expect(filtered.lines.first == full.lines.first, "\(what): 000")
        let expected = full.persons.filter(wanted)
        #expect(filtered.persons.map { $0.map(Array.init) } == expected.map { $0.map(Array.init) }, "\(what)")
        let count = filtered.lines.count - 2
        #expect(filtered.lines.last.map { CPRTestFile.field($0, 14, 8) } == String(repeating: "0", count: 8 - String(count).count) + String(count), "\(what): 999")
    }

    @Test(arguments: ["2026-03-02", "2026-03-03", "2026-04-07", "2026-06-15", "2027-01-04"])
    func changeExtractFilters(date iso: String) throws {
        let date = Self.day(iso)
        for municipality in ["0101", "0751", "0461"] {
            let full = try extract(.change, date, municipality, nil)
            let persons = full.persons.map(Self.pnr)
            // Some of the day's persons, a PNR that is not the population's, and persons of
            // the register who did not change that day.
            var pnrs = Set(persons.enumerated().filter { $0.offset % 3 == 0 }.map(\.element))
            pnrs.insert(123)
            pnrs.insert(-5)
            for i in [1, 5, 9] { if let p = pop.pnr(ofIndex: i).flatMap({ Int($0) }) { pnrs.insert(p) } }
            let codes: Set<CPREventCode> = [.moveBetweenMunicipalities, .marriage, .death]
            let filters: [(CPRSubscriptionFilter, ([ArraySlice<UInt8>]) -> Bool)] = [
                (CPRSubscriptionFilter(pnrs: pnrs), { pnrs.contains(Self.pnr($0)) }),
                (CPRSubscriptionFilter(eventCodes: codes), { !Self.ownEvents($0).isDisjoint(with: codes.map(\.rawValue)) }),
                (CPRSubscriptionFilter(pnrs: pnrs, eventCodes: [.moveWithinMunicipality]),
                 { pnrs.contains(Self.pnr($0)) || Self.ownEvents($0).contains("A05") }),
                (CPRSubscriptionFilter(), { _ in false }),
                (CPRSubscriptionFilter(pnrs: [1], wholeMunicipality: true), { _ in true }),
            ]
            for (filter, wanted) in filters {
                let filtered = try extract(.change, date, municipality, filter)
                expectNarrowed(filtered, full, wanted, "\(iso) \(municipality) \(filter)")
            }
            // The whole municipality is the unfiltered file, byte for byte.
            #expect(try extract(.change, date, municipality, CPRSubscriptionFilter(wholeMunicipality: true)).bytes == full.bytes)
        }
    }

    @Test func statusExtractFilters() throws {
        let date = Self.day("2026-03-04")
        for municipality in ["0101", "0751"] {
            let full = try extract(.status, date, municipality, nil)
            let persons = full.persons.map(Self.pnr)
            var pnrs = Set(persons.enumerated().filter { $0.offset % 7 == 2 }.map(\.element))
            // Persons elsewhere, PNRs of nobody, a birth slot's PNR before and after birth.
            for i in [0, 2, 3, 100, pop.baseCount, pop.slotCount - 1] {
                if let p = pop.pnr(ofIndex: i).flatMap({ Int($0) }) { pnrs.insert(p) }
            }
            pnrs.formUnion([0, 1, -1, 99_999_999_999, 6_101_619_999])
            let filtered = try extract(.status, date, municipality, CPRSubscriptionFilter(pnrs: pnrs, eventCodes: [.death]))
            expectNarrowed(filtered, full, { pnrs.contains(Self.pnr($0)) }, "status \(municipality)")
            #expect(try extract(.status, date, municipality, CPRSubscriptionFilter(wholeMunicipality: true)).bytes == full.bytes)
            let none = try extract(.status, date, municipality, CPRSubscriptionFilter(eventCodes: [.death]))
            expectNarrowed(none, full, { _ in false }, "status \(municipality), codes only")
        }
    }

    /// A PNR-only initial load computes just the PNRs' blocks.
    @Test func pnrBlocksAreTheBlocksOfTheirSlots() throws {
        let slots = [0, 1, 4, 7, 4_001, pop.baseCount - 1, pop.baseCount, pop.slotCount - 1]
        let pnrs = Set(slots.compactMap { pop.pnr(ofIndex: $0).flatMap { Int($0) } } + [5, -3, 10_000_000_000])
        #expect(pop.blocks(ofPNRs: pnrs) == Array(Set(slots.map { pop.block(ofSlot: $0) })).sorted())
    }

    @Test func aFilterNeedsAMunicipality() throws {
        for kind in CPRExtractKind.allCases {
            #expect(throws: CPRStubError.self) {
                try extract(kind, Self.day("2026-03-02"), nil, CPRSubscriptionFilter(wholeMunicipality: true))
            }
        }
    }
}
