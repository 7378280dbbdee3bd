import BusinessCalendar
@testable import SourceStubs
import Testing

/// The change-day index answers exactly what asking every block answers, and the change
/// extract that uses it writes the very bytes the whole-register walk wrote.
@Suite("CPR change-day index")
struct CPRChangeIndexTests {
    /// What `changedBlocks` must equal: every block asked.
    static func walk(_ pop: CPRPopulation, _ from: Int, _ to: Int) -> [Int] {
        (0..<pop.blockCount).filter { pop.blockChanges($0, after: from, through: to) }
    }

    static func day(_ iso: String) -> CivilDate { CivilDate(iso: iso) ?? CivilDate(daysSinceEpoch: 0) }

    /// Windows of 0 to 40 days starting on every day of some 12-day stretches (weekends, Easter 2026,
    /// Christmas and the new year, the epoch), against the walk of every block.
    @Test func changedBlocksEqualsTheWalkOverManyWindows() throws {
        let pop = try CPRPopulation(seed: 71, size: 4_000)
        let starts = [Self.day("2019-12-25"), Self.day("2026-02-27"), Self.day("2026-03-27"), Self.day("2026-12-19")]
        var windows = 0
        for start in starts {
            for offset in 0..<12 {
                let from = start.adding(days: offset)
                for length in [0, 1, 2, 4, 7, 40] {
                    let to = from.adding(days: length)
                    let got = pop.changedBlocks(after: from, through: to)
                    #expect(got == Self.walk(pop, from.daysSinceEpoch, to.daysSinceEpoch), "(\(from), \(to)]")
                    windows += 1
                }
            }
        }
        #expect(windows == 288)
        // Reversed and empty windows hold nothing; a span longer than any index is walked.
        #expect(pop.changedBlocks(after: Self.day("2026-03-10"), through: Self.day("2026-03-02")).isEmpty)
        #expect(pop.changedBlocks(after: Self.day("2018-01-01"), through: Self.day("2019-12-31")).isEmpty)
        let long = pop.changedBlocks(after: Self.day("2021-01-01"), through: Self.day("2025-06-30"))
        #expect(long == Self.walk(pop, Self.day("2021-01-01").daysSinceEpoch, Self.day("2025-06-30").daysSinceEpoch))
    }

    /// At the edges of the built window and just past them (which rebuilds it), and every
    /// block listed on a day is one that changes on that day.
    @Test func windowEdgesAndRebuilds() throws {
        let pop = try CPRPopulation(seed: 72, size: 6_001)
        let d = Self.day("2026-03-02").daysSinceEpoch
        _ = pop.changedBlockList(after: d - 1, through: d)
        let index = try #require(pop.indexes.changeDays.withLock { $0 })
        let lo = index.firstDay, hi = index.lastDay
        #expect(lo <= d && d <= hi && hi - lo + 1 >= CPRPopulation.changeWindowDays)
        for (from, to) in [(lo - 1, lo), (lo - 1, lo + 9), (hi - 1, hi), (hi - 9, hi), (lo - 1, hi),
                           (lo - 2, lo), (hi - 1, hi + 1), (hi, hi + 3), (lo - 40, lo - 30)] {
            #expect(pop.changedBlockList(after: from, through: to) == Self.walk(pop, from, to), "(\(from), \(to)]")
        }
        let now = try #require(pop.indexes.changeDays.withLock { $0 })
        for day in now.firstDay...min(now.lastDay, now.firstDay + 60) {
            for b in now.changed(day, day) {
                #expect(pop.blockChanges(b, after: day - 1, through: day))
            }
        }
    }

    /// Every population made with the same parameters shares one index holder; others not.
    @Test func populationsWithTheSameParametersShareTheirIndexes() throws {
        let a = try CPRPopulation(seed: 73, size: 1_000)
        let b = try CPRPopulation(seed: 73, size: 1_000)
        let c = try CPRPopulation(seed: 73, size: 1_001)
        let d = try CPRPopulation(seed: 73, size: 1_000, epoch: Self.day("2021-01-01"))
        #expect(a.indexes === b.indexes)
        #expect(a.indexes !== c.indexes)
        #expect(a.indexes !== d.indexes)
    }

    /// Change extracts from the change-day index against the bytes (length, persons and
    /// FNV-1a hash) the walk of every block wrote at the start of this branch: the whole
    /// country and single municipalities, a Monday, the days around Easter 2026 and the
    /// new year, the day after the epoch, and windows of a week given by the previous date.
    @Test func changeExtractsAreByteForByteThoseOfTheWalk() throws {
        let pop = try CPRPopulation(seed: 20_260_302, size: 20_000)
        let expected: [(String, String?, String?, Int, Int, UInt64)] = [
            ("2020-01-02", nil, nil, 63690, 39, 0x2a5bc2cb1c2642d6),
            ("2020-01-03", "0101", nil, 19439, 11, 0xc6eb7fadac08df34),
            ("2026-03-02", nil, nil, 128389, 71, 0x9ae59affcbd98103),
            ("2026-03-02", "0101", nil, 41333, 22, 0x2c1bb837e6649383),
            ("2026-03-03", "0751", nil, 3988, 2, 0xe2f72eeab923a3ac),
            ("2026-04-07", nil, nil, 179623, 105, 0x1f65c627d2cc23ca),
            ("2026-04-07", "0101", nil, 9434, 6, 0x8d9ba0b71cdaf822),
            ("2026-04-01", "0461", nil, 58, 0, 0x14a6547716488e78),
            ("2026-03-09", nil, "2026-03-02", 266171, 151, 0xcf893a2fcf3d0190),
            ("2026-12-28", "0101", nil, 12180, 7, 0xcb878398f119a467),
            ("2027-01-04", nil, "2026-12-21", 404914, 228, 0x666f9b263ae4b043),
        ]
        for (date, municipality, previous, bytes, persons, hash) in expected {
            let request = CPRExtractRequest(kind: .change, date: Self.day(date), municipality: municipality, taskNumber: 7,
                                            previousProductionDate: previous.map(Self.day))
            var sink = MemorySink()
            let summary = try CPRExtractWriter.write(population: pop, request: request, into: &sink)
            var h: UInt64 = 0xcbf29ce484222325
            for x in sink.bytes { h = (h ^ UInt64(x)) &* 0x100000001b3 }
            #expect(sink.bytes.count == bytes && summary.persons == persons && h == hash, "\(date) \(municipality ?? "all")")
        }
    }
}
