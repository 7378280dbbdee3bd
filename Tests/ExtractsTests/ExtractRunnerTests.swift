import BusinessCalendar
import Extracts
import Foundation
import Runtime
import SourceStubs
import Store
import Testing
import UdtraekTesting

@Suite struct ExtractRunnerTests {
    @Test func statusExtractIsTheStubsOutputGzippedWithItsOutboxEntry() async throws {
        try await offThePool {
            let fx = try ExtractFixture()
            defer { fx.tearDown() }
            let run = try fx.runner().run("kbh-status", date: fx.today)
            #expect(run.state == .produced)
            let name = try #require(run.fileName)
            // The date at characters 2-7 and the agreement UUID in the name, as CPR consumers expect.
            #expect(Array(name)[1..<7].map(String.init).joined() == "261123")
            #expect(name == "D261123.L000017.bd71a7fa-222d-4f84-9142-2a011a710026.gz")

            let outboxId = try #require(run.outboxId)
            let entry = try #require(try fx.store.outboxEntry(id: outboxId))
            #expect(entry.state == .ready)
            #expect(entry.agreementUUID == "bd71a7fa-222d-4f84-9142-2a011a710026")
            #expect(entry.sha256 == run.sha256)
            #expect(try sha256sum(entry.localPath) == run.sha256)

            var direct = MemorySink()
            let request = CPRExtractRequest(kind: .status, date: fx.today, municipality: "0101", taskNumber: 17, previousProductionDate: nil)
            _ = try CPRExtractWriter.write(population: CPRPopulation(seed: 7, size: 20_000, epoch: CivilDate(year: 2020, month: 1, day: 1)!),
                                           request: request, into: &direct)
            let text = try gunzip(entry.localPath)
            #expect(text == direct.bytes)
            #expect(run.textBytes == Int64(text.count))
            #expect(Int64(try FileManager.default.attributesOfItem(atPath: entry.localPath)[.size] as! Int) == run.fileBytes)
            #expect(fx.spoolFiles == [(entry.localPath as NSString).lastPathComponent])
        }
    }

    @Test func sameSeedAndDateGiveByteIdenticalFiles() async throws {
        try await offThePool {
            let a = try ExtractFixture(), b = try ExtractFixture()
            defer { a.tearDown(); b.tearDown() }
            let ra = try a.runner().run("kbh-status", date: a.today)
            let rb = try b.runner().run("kbh-status", date: b.today)
            #expect(ra.sha256 == rb.sha256)
        }
    }

    @Test func uncompressedExtractHoldsOnlyTheSelectedRecordTypes() async throws {
        try await offThePool {
            let fx = try ExtractFixture()
            defer { fx.tearDown() }
            let run = try fx.runner().run("kbh-plain", date: fx.today)
            #expect(run.fileName == "D261123.L000001.bd71a7fa-222d-4f84-9142-2a011a710026")
            let entry = try #require(try fx.store.outboxEntry(id: run.outboxId!))
            let lines = try Data(contentsOf: URL(fileURLWithPath: entry.localPath)).split(separator: 0x0A)
            let types = Set(lines.map { String(decoding: $0.prefix(3), as: UTF8.self) })
            #expect(types == ["000", "001", "002", "999"])
        }
    }

    @Test func changeExtractsChainToThePreviousFileOfTheSeries() async throws {
        try await offThePool {
            let fx = try ExtractFixture()
            defer { fx.tearDown() }
            let runner = fx.runner()
            let first = try runner.run("kbh-changes", date: CivilDate(year: 2026, month: 11, day: 19)!)
            let second = try runner.run("kbh-changes", date: CivilDate(year: 2026, month: 11, day: 20)!)
            for (run, expected) in [(first, "00000000"), (second, "20261119")] {
                let text = try gunzip(try #require(try fx.store.outboxEntry(id: run.outboxId!)).localPath)
                let start = String(decoding: text.prefix(35), as: UTF8.self)
                #expect(start.hasPrefix("000"))
                #expect(Array(start)[27..<35].map(String.init).joined() == expected, "PRODDTOFORRIG of \(run.productionDate)")
            }
        }
    }

    @Test func kleExtractIsGzippedXML() async throws {
        try await offThePool {
            let fx = try ExtractFixture()
            defer { fx.tearDown() }
            let run = try fx.runner().run("kle-full", date: fx.today)
            #expect(run.fileName == "KLE_status_20261123_659fc821-435a-40d1-9077-10b54714a190.xml.gz")
            let text = String(decoding: try gunzip(try #require(try fx.store.outboxEntry(id: run.outboxId!)).localPath), as: UTF8.self)
            #expect(text.hasPrefix("<?xml"))
            #expect(text.contains("<KLE-Emneplan"))
            #expect((run.records ?? 0) > 2000)
        }
    }

    /// Each refusal: a clear message, a refused run, an audit row, nothing in Spool/ or the outbox.
    @Test(arguments: [
        ("kle-full", "2026-11-23", "requested", ExtractError.Code.noAgreement, "it is requested"),
        ("kbh-status", "2026-11-23", "terminated", .noAgreement, "it is terminated"),
        ("aarhus-cpr", "2026-11-23", "approved", .noAgreement, "there is none"),
        ("kbh-status", "2026-11-24", "approved", .invalidDate, "in the future"),
        ("kbh-changes", "2026-11-22", "approved", .invalidDate, "weekend"),
        ("kbh-changes", "2026-12-25", "approved", .invalidDate, "holiday"),
        ("kbh-status", "2019-06-01", "approved", .invalidDate, "before the synthetic register"),
        ("nope", "2026-11-23", "approved", .unknownExtract, "no extract named"),
    ])
    func refusalsProduceNothing(extract: String, date: String, state: String, code: ExtractError.Code, words: String) async throws {
        try await offThePool {
            let fx = try ExtractFixture(ExtractFixture.config(kleState: state == "requested" ? "pending" : "approved",
                                                              cprState: state == "terminated" ? "terminated" : "approved"))
            defer { fx.tearDown() }
            let runner = ExtractRunner(store: fx.store, stateDirectory: fx.directory + "/state",
                                       clock: ManualClock(start: Date(timeIntervalSince1970: date == "2026-12-25" ? 1_798_200_000 : 1_795_428_000)).clock)
            #expect { try runner.run(extract, date: CivilDate(iso: date)!) } throws: { error in
                guard let e = error as? ExtractError else { return false }
                return e.code == code && e.isRefusal && e.message.lowercased().contains(words)
            }
            #expect(try fx.store.outbox().isEmpty)
            #expect(fx.spoolFiles.isEmpty)
            if code != .unknownExtract {
                #expect(try fx.store.runs().first?.state == .refused)
                #expect(try fx.store.auditLog(action: "extract.refused").first?.subject == extract)
            }
        }
    }

    @Test func configRefusesUnknownMunicipalitiesAndRecordTypes() async throws {
        try await offThePool {
            let bad = ExtractFixture.config(extra: """
              - { name: x, source: cpr, kind: status, system: modtager, municipality: "0101", record_types: ["001", "777"] }
            """).replacingOccurrences(of: "{ code: \"0751\", name: Aarhus }", with: "{ code: \"9999\", name: Nowhere }")
            #expect(throws: (any Error).self) { _ = try ExtractFixture(bad) }
            do { _ = try ExtractFixture(bad) } catch {
                let text = "\(error)"
                #expect(text.contains("'9999' is not one of Denmark's 98 municipality codes"))
                #expect(text.contains("'777' is not a CPR person record type"))
            }
        }
    }
}
