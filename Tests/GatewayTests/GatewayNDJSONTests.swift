import BusinessCalendar
@testable import Gateway
import SourceStubs
import Testing

/// The NDJSON population stream writes persons straight from the register's state
/// (`CPRNDJSONCursor`); every line must be the very bytes the person lookup renders
/// (`CPRService.render` of the `CPRPerson`), for whole registers and for municipalities,
/// with and without the search table the stream skips blocks by.
@Suite struct GatewayNDJSONTests {
    /// The lines as the lookup renders them, one `CPRPerson` at a time.
    static func rendered(_ population: CPRPopulation, _ date: CivilDate, _ municipality: String?) -> [UInt8] {
        var persons = CPRPersonCursor(population: population, on: date, municipality: municipality)
        var w = JSONWriter()
        while let p = persons.next() {
            CPRService.render(p, into: &w)
            w.raw(0x0A)
        }
        return w.bytes
    }

    static func direct(_ population: CPRPopulation, _ date: CivilDate, _ municipality: String?) -> [UInt8] {
        var cursor = CPRNDJSONCursor(population: population, on: date, municipality: municipality)
        var bytes: [UInt8] = []
        while cursor.next(into: &bytes) {}
        return bytes
    }

    static let dates = ["2020-01-01", "2023-06-15", "2026-12-02"].compactMap { CivilDate(iso: $0) }

    @Test(arguments: [2_000, 30_001])
    func directLinesEqualTheRenderedPersons(persons: Int) throws {
        let population = try CPRPopulation(seed: 7, size: persons)
        for date in Self.dates {
            for municipality: String? in [nil, "0101", "0751", "0825", "9999"] {
                let expected = Self.rendered(population, date, municipality)
                #expect(Self.direct(population, date, municipality) == expected, "\(date) \(municipality ?? "all")")
                if municipality == nil { #expect(expected.count > persons * 500) }
            }
            // With the search table, as the gateway streams: blocks without the
            // municipality's residents skipped.
            population.prepareSearch(on: date)
            for municipality in ["0101", "0751", "0825"] {
                #expect(Self.direct(population, date, municipality) == Self.rendered(population, date, municipality))
            }
        }
    }

    /// The gateway's chunks: about 256 kB each, whole lines, nil at the end, together the
    /// rendered persons.
    @Test func chunksAreTheRenderedPersons() throws {
        let population = try CPRPopulation(seed: 11, size: 20_000)
        let date = try #require(CivilDate(iso: "2026-12-02"))
        var chunks = NDJSONChunks(population, municipality: "0101", date: date)
        var all: [UInt8] = []
        var count = 0
        while let chunk = chunks.next() {
            #expect(!chunk.isEmpty && chunk.last == 0x0A)
            #expect(chunk.count < 256 * 1024 + 4096)
            all += chunk
            count += 1
        }
        #expect(chunks.next() == nil)
        #expect(count > 1)
        #expect(all == Self.rendered(population, date, "0101"))
        var none = NDJSONChunks(population, municipality: "9999", date: date)
        #expect(none.next() == nil)
    }
}
