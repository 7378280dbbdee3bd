import BusinessCalendar
import Foundation
@testable import Gateway
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
        try await GatewayFixture.with(persons: persons) { f in
            // Tens of MB made and compared: on the clients' executor, not the cooperative pool.
            let population = try CPRPopulation(seed: 7, size: persons, epoch: BusinessCalendarEpoch.epoch)
            let expected = try await testClients.run {
                var expected = MemorySink()
                try CPRExtractWriter.write(population: population, request: CPRExtractRequest(
                    kind: .status, date: GatewayFixture.today, municipality: "0101", taskNumber: 0), into: &expected)
                return expected.bytes
            }
            #expect(expected.count > 1_000_000)
            func equalsExpected(_ path: String) async throws -> Bool {
                try await testClients.run { try Data(contentsOf: URL(fileURLWithPath: path)) == Data(expected) }
            }

            let plainFile = f.directory + "/plain.cpr"
            let plain = try await f.get("/cpr/population?format=cpr", headers: Self.populationContext, bodyFile: plainFile)
            #expect(plain.status == 200)
            #expect(try await equalsExpected(plainFile))
            #expect(plain.headers.lowercased().contains("content-type: text/plain; charset=iso-8859-1"))

            // gzip when asked for: curl --compressed decodes it back to the same bytes.
            let gzFile = f.directory + "/gz.cpr"
            let gz = try await f.get("/cpr/population?format=cpr", headers: Self.populationContext, extra: ["--compressed"], bodyFile: gzFile)
            #expect(gz.status == 200 && gz.headers.lowercased().contains("content-encoding: gzip"))
            #expect(try await equalsExpected(gzFile))

            // NDJSON: one person a line, all in København, exactly the register's residents.
            let ndFile = f.directory + "/people.ndjson"
            let nd = try await f.get("/cpr/population?format=ndjson", headers: Self.populationContext, bodyFile: ndFile)
            #expect(nd.status == 200)
            let (lines, allKBH, residents) = try await testClients.run {
                let lines = try String(contentsOfFile: ndFile, encoding: .utf8).split(separator: "\n")
                var residents = 0
                population.forEachPerson(on: GatewayFixture.today, municipality: "0101") { _ in residents += 1 }
                return (lines.count, lines.allSatisfy { $0.contains("\"municipalityCode\":\"0101\"") }, residents)
            }
            #expect(lines == residents && allKBH)

            let rows = try await f.auditRows { $0.filter { $0.operation == "cpr.population" }.count == 3 }
                .filter { $0.operation == "cpr.population" }
            #expect(rows.count == 3 && rows.allSatisfy { $0.outcome == "ok" && $0.firstByteMs != nil })
            #expect(rows.contains { $0.bytes == expected.count })
            #expect(rows.contains { $0.bytes < expected.count / 2 })  // the gzipped one
        }
    }

    @Test func badFormatIsAFault() async throws {
        try await GatewayFixture.with { f in
            let a = try await f.get("/cpr/population?format=xml", headers: Self.populationContext)
            #expect(a.status == 400 && a.body.contains("\"field\":\"format\""))
        }
    }

    /// The cursors the gateway pulls chunks from write exactly what the extract writers
    /// wrote before the cursors existed (the digests below were taken with the writers of
    /// commit 49b63c0), chunk boundaries and summaries included, for a status and a change
    /// extract and the KLE plan.
    @Test func cursorsWriteTheExtractsByteForByte() async throws {
        // Seconds of generation in a debug build: on the clients' executor.
        try await testClients.run { try Self.checkCursors() }
    }

    static func checkCursors() throws {
        struct Digest: ByteSink {
            var fnv: UInt64 = 0xcbf29ce484222325
            var bytes = 0
            var writes = 0
            mutating func write(_ chunk: UnsafeRawBufferPointer) throws {
                for b in chunk { fnv = (fnv ^ UInt64(b)) &* 0x100000001b3 }
                bytes += chunk.count
                writes += 1
            }
        }
        let population = try CPRPopulation(seed: 7, size: 30_000, epoch: BusinessCalendarEpoch.epoch)
        for (request, bytes, fnv, writes, persons) in [
            (CPRExtractRequest(kind: .status, date: GatewayFixture.today, municipality: "0101", taskNumber: 7), 5_862_613, "250aac721c321111", 23, 3624),
            (CPRExtractRequest(kind: .change, date: GatewayFixture.today, municipality: nil, taskNumber: 8), 160_314, "a7ef8e7a758141e4", 1, 92),
        ] {
            var cursor = try CPRExtractCursor(population: population, request: request)
            var digest = Digest()
            while try cursor.next(into: &digest) {}
            #expect(digest.bytes == bytes && String(digest.fnv, radix: 16) == fnv && digest.writes == writes, "\(request.kind)")
            #expect(cursor.summary.persons == persons && cursor.summary.bytes == bytes)
            // Done is done: a further pull writes nothing.
            #expect(try !cursor.next(into: &digest) && digest.writes == writes)
        }
        // The gateway's pulls of the KLE plan in force, chunk by chunk.
        var kle = KLEPlanChunks(try KLEPlan(seed: 3, epoch: BusinessCalendarEpoch.epoch).version(on: GatewayFixture.today))
        var digest = Digest()
        while let chunk = try kle.next() { try chunk.withUnsafeBytes { try digest.write($0) } }
        #expect(digest.bytes == 3_565_160 && String(digest.fnv, radix: 16) == "16ce3becd71ff5d9" && digest.writes == 14)
    }
}
