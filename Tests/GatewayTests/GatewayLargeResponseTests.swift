import BusinessCalendar
import Foundation
import Gateway
import Gzip
import SourceStubs
import Store
import Testing

/// Large responses end to end: the CPR population stream equals the status extract of the
/// same data, byte for byte, plain and gzipped. (That the server's memory stays flat is
/// measured on a `udtraek serve` process of its own, in `GatewayProcessTests`.)
@Suite struct GatewayLargeResponseTests {
    static let populationContext = GatewayFixture.context(
        agreement: GatewayFixture.populationAgreement, service: ServiceCatalog.service(key: "cpr-population")!.uuid)

    @Test func populationStreamEqualsTheExtract() async throws {
        let persons = 200_000
        let f = try await GatewayFixture(persons: persons)
        defer { Task { await f.stop() } }
        var expected = MemorySink()
        let population = try CPRPopulation(seed: 7, size: persons, epoch: BusinessCalendarEpoch.epoch)
        try CPRExtractWriter.write(population: population, request: CPRExtractRequest(
            kind: .status, date: GatewayFixture.today, municipality: "0101", taskNumber: 0), into: &expected)
        #expect(expected.bytes.count > 1_000_000)

        let plainFile = f.directory + "/plain.cpr"
        let plain = try await f.get("/cpr/population?format=cpr", headers: Self.populationContext, bodyFile: plainFile)
        #expect(plain.status == 200)
        let got = try Data(contentsOf: URL(fileURLWithPath: plainFile))
        #expect(got.count == expected.bytes.count)
        #expect(got == Data(expected.bytes))
        #expect(plain.headers.lowercased().contains("content-type: text/plain; charset=iso-8859-1"))

        // gzip when asked for: curl --compressed decodes it back to the same bytes.
        let gzFile = f.directory + "/gz.cpr"
        let gz = try await f.get("/cpr/population?format=cpr", headers: Self.populationContext, extra: ["--compressed"], bodyFile: gzFile)
        #expect(gz.status == 200 && gz.headers.lowercased().contains("content-encoding: gzip"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: gzFile)) == Data(expected.bytes))

        // NDJSON: one person a line, all in København.
        let ndFile = f.directory + "/people.ndjson"
        let nd = try await f.get("/cpr/population?format=ndjson", headers: Self.populationContext, bodyFile: ndFile)
        #expect(nd.status == 200)
        let lines = try String(contentsOfFile: ndFile, encoding: .utf8).split(separator: "\n")
        #expect(lines.count > 1000 && lines.allSatisfy { $0.contains("\"municipalityCode\":\"0101\"") })

        let rows = try f.auditRows().filter { $0.operation == "cpr.population" }
        #expect(rows.count == 3 && rows.allSatisfy { $0.outcome == "ok" && $0.firstByteMs != nil })
        #expect(rows.contains { $0.bytes == expected.bytes.count })
        #expect(rows.contains { $0.bytes < expected.bytes.count / 2 })  // the gzipped one
    }

    @Test func badFormatIsAFault() async throws {
        let f = try await GatewayFixture()
        defer { Task { await f.stop() } }
        let a = try await f.get("/cpr/population?format=xml", headers: Self.populationContext)
        #expect(a.status == 400 && a.body.contains("\"field\":\"format\""))
    }
}
