import BusinessCalendar
import Foundation
import Gateway
import Gzip
import SourceStubs
import Store
import Testing

/// Large responses end to end: the CPR population stream equals the status extract of the
/// same data, byte for byte, plain and gzipped, and the server's memory stays flat.
@Suite struct GatewayLargeResponseTests {
    static let populationContext = GatewayFixture.context(
        agreement: GatewayFixture.populationAgreement, service: ServiceCatalog.service(key: "cpr-population")!.uuid)

    static func residentMemory() -> Int {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
        return (Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) * 1024
    }

    @Test func populationStreamEqualsTheExtract() async throws {
        let persons = 200_000
        let f = try await GatewayFixture(persons: persons)
        defer { Task { await f.stop() } }
        var expected = MemorySink()
        let population = CPRPopulation(seed: 7, size: persons, epoch: BusinessCalendarEpoch.epoch)
        try CPRExtractWriter.write(population: population, request: CPRExtractRequest(
            kind: .status, date: GatewayFixture.today, municipality: "0101", taskNumber: 0), into: &expected)
        #expect(expected.bytes.count > 1_000_000)

        // Memory sampled while the response streams: it must not grow with the response.
        let before = Self.residentMemory()
        let peak = PeakSampler()
        let sampler = Task { while !Task.isCancelled { peak.note(Self.residentMemory()); try? await Task.sleep(for: .milliseconds(20)) } }
        let plainFile = f.directory + "/plain.cpr"
        let plain = try await f.get("/cpr/population?format=cpr", headers: Self.populationContext, bodyFile: plainFile)
        sampler.cancel()
        #expect(plain.status == 200)
        let got = try Data(contentsOf: URL(fileURLWithPath: plainFile))
        #expect(got.count == expected.bytes.count)
        #expect(got == Data(expected.bytes))
        #expect(plain.headers.lowercased().contains("content-type: text/plain; charset=iso-8859-1"))
        let growth = peak.value - before
        // The sample is of the whole test process, which other suites share while they run,
        // so the bound is loose (an assembled response would still show as a step of its size
        // plus copies); a measurement of a server process of its own is left for the bench.
        #expect(growth < max(expected.bytes.count, 96 << 20), "resident memory grew by \(growth) bytes for a \(expected.bytes.count)-byte response")

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

final class PeakSampler: @unchecked Sendable {
    private let lock = NSLock()
    private var peak = 0
    func note(_ v: Int) { lock.lock(); peak = max(peak, v); lock.unlock() }
    var value: Int { lock.lock(); defer { lock.unlock() }; return peak }
}
