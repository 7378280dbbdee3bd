import Foundation
import Gateway
import SourceStubs
import Store
import Testing

/// Every fault a caller can provoke, against a real TLS server: the right status, a JSON
/// fault naming the problem, and nothing of the data.
@Suite struct GatewayFaultTests {
    static func pnrs(persons: Int = 20_000) -> (kbh: String, aarhus: String) {
        let population = try! CPRPopulation(seed: 7, size: persons, epoch: CivilDateEpoch.value)  // a valid constant
        var kbh: String?, aarhus: String?
        for i in 0..<persons where kbh == nil || aarhus == nil {
            guard let p = population.person(index: i, on: GatewayFixture.today), p.status == "01" else { continue }
            if p.address.municipalityCode == "0101" && kbh == nil { kbh = p.pnr }
            if p.address.municipalityCode == "0751" && aarhus == nil { aarhus = p.pnr }
        }
        return (kbh!, aarhus!)
    }

    @Test func faultsAndSuccess() async throws {
        try await GatewayFixture.with { f in
            let (kbh, aarhus) = Self.pnrs()
            let ctx = GatewayFixture.context()

            // Success: the person, with the call audited without person data.
            let ok = try await f.get("/cpr/persons/\(kbh)", headers: ctx.merging(["OnBehalfOfUser": "sagsbehandler-17", "CallersServiceCallIdentifier": "tx-1", "AccountingInfo": "afd-3"]) { $1 })
            #expect(ok.status == 200)
            #expect(ok.body.contains("\"pnr\":\"\(kbh)\""))
            #expect(ok.body.contains("\"municipalityCode\":\"0101\""))

            // No client certificate, and one from another CA: refused in the TLS handshake.
            let none = try await f.get("/cpr/persons/\(kbh)", cert: nil, headers: ctx)
            #expect(none.exit != 0 && none.status == 0 && none.body.isEmpty)
            let rogue = try await f.get("/cpr/persons/\(kbh)", cert: "rogue", headers: ctx)
            #expect(rogue.exit != 0 && rogue.status == 0 && rogue.body.isEmpty)

            // A certificate from the right CA that no system is registered with.
            let stranger = try await f.get("/cpr/persons/\(kbh)", cert: "stranger", headers: ctx)
            #expect(stranger.status == 403 && stranger.body.contains("not registered"))
            #expect(!stranger.body.contains(kbh))

            // Another system's certificate for sag-kbh's context.
            let other = try await f.get("/cpr/persons/\(kbh)", cert: "esdh-aarhus", headers: ctx)
            #expect(other.status == 403 && other.body.contains("does not belong"))
            #expect(!other.body.contains("\"name\""))

            // Missing and malformed required fields.
            for field in InvocationContext.requiredFields {
                var missing = ctx
                missing[field] = nil
                let a = try await f.get("/cpr/persons/\(kbh)", headers: missing)
                #expect(a.status == 400 && a.body.contains("\"field\":\"\(field)\"") && a.body.contains("missing-field"), "\(field): \(a.body)")
                var malformed = ctx
                malformed[field] = ctx[field]!.uppercased()
                let b = try await f.get("/cpr/persons/\(kbh)", headers: malformed)
                #expect(b.status == 400 && b.body.contains("\"field\":\"\(field)\"") && b.body.contains("malformed-field"), "\(field): \(b.body)")
                #expect(!a.body.contains(kbh) && !b.body.contains(kbh))
            }

            // Optional fields: 255 characters pass, 256 do not.
            for field in InvocationContext.optionalFields {
                let fine = try await f.get("/cpr/persons/\(kbh)", headers: ctx.merging([field: String(repeating: "x", count: 255)]) { $1 })
                #expect(fine.status == 200, "\(field) at 255")
                let long = try await f.get("/cpr/persons/\(kbh)", headers: ctx.merging([field: String(repeating: "x", count: 256)]) { $1 })
                #expect(long.status == 400 && long.body.contains("\"field\":\"\(field)\""), "\(field) at 256")
            }

            // No agreement for this municipality, a pending one, a terminated one.
            let noAgreement = try await f.get("/cpr/persons/\(aarhus)", headers: GatewayFixture.context(municipality: GatewayFixture.aarhusUUID))
            #expect(noAgreement.status == 403 && !noAgreement.body.contains(aarhus))
            let pending = try await f.get("/cpr/persons/\(aarhus)", headers: GatewayFixture.context(agreement: GatewayFixture.pendingAgreement, municipality: GatewayFixture.aarhusUUID))
            #expect(pending.status == 403 && pending.body.contains("requested"))
            let terminated = try await f.get("/kle/plan", headers: GatewayFixture.context(agreement: GatewayFixture.terminatedAgreement, service: ServiceCatalog.service(key: "kle-plan")!.uuid))
            #expect(terminated.status == 403 && terminated.body.contains("terminated") && !terminated.body.contains("KLE-Emneplan"))
            let unknownAgreement = try await f.get("/cpr/persons/\(kbh)", headers: GatewayFixture.context(agreement: GatewayFixture.esdhCPRAgreement))
            #expect(unknownAgreement.status == 403)

            // A person living elsewhere answers exactly like an unknown PNR.
            let elsewhere = try await f.get("/cpr/persons/\(aarhus)", headers: ctx)
            let unknown = try await f.get("/cpr/persons/0101619999", headers: ctx)
            #expect(elsewhere.status == 404 && unknown.status == 404)
            let strip = { (s: String) in s.replacingOccurrences(of: #""requestId":"[^"]*""#, with: "", options: .regularExpression) }
            #expect(strip(elsewhere.body) == strip(unknown.body))
            #expect(!elsewhere.body.contains(aarhus))

            // The system identified by fingerprint reads its own municipality.
            let esdh = try await f.get("/cpr/persons/\(aarhus)", cert: "esdh-aarhus", headers: GatewayFixture.context(agreement: GatewayFixture.esdhCPRAgreement, system: GatewayFixture.esdhSystem, municipality: GatewayFixture.aarhusUUID))
            #expect(esdh.status == 200 && esdh.body.contains(aarhus))

            // Every call audited, with the context fields and never person data.
            let rows = try await f.auditRows()
            let success = try #require(rows.first { $0.callersCallID == "tx-1" })
            #expect(success.system == "sag-kbh" && success.municipality == "0101" && success.agreementUUID == GatewayFixture.cprAgreement)
            #expect(success.service == "cpr-lookup" && success.onBehalfOfUser == "sagsbehandler-17" && success.accountingInfo == "afd-3")
            #expect(success.status == 200 && success.outcome == "ok" && success.bytes > 100)
            #expect(rows.contains { $0.status == 403 && $0.certificate?.contains("CN=stranger") == true })
            #expect(rows.filter { $0.status == 400 }.count == 8 + 3)
            for row in rows {
                let text = "\(row)"
                #expect(!text.contains(kbh) && !text.contains(aarhus))
            }
        }
    }

    @Test func searchAndKLE() async throws {
        // The fixture's clock does not move: the scan is never late, however busy the machine.
        try await GatewayFixture.with { f in
            let ctx = GatewayFixture.context()
            let search = try await f.get("/cpr/persons?road=a&pageSize=5&page=2", headers: ctx)
            #expect(search.status == 200 && search.body.contains("\"page\":2") && search.body.contains("\"hasMore\":true"), "\(search.body.prefix(300))")
            #expect(!search.body.contains("\"municipalityCode\":\"0751\""))
            let noCriteria = try await f.get("/cpr/persons", headers: ctx)
            #expect(noCriteria.status == 400 && noCriteria.body.contains("\"field\":\"name\""))
            let kle = GatewayFixture.context(agreement: GatewayFixture.kleAgreement, service: ServiceCatalog.service(key: "kle-lookup")!.uuid)
            let node = try await f.get("/kle/nodes/00.01", headers: kle)
            #expect(node.status == 200 && node.body.contains("\"number\":\"00.01\""), "\(node.body.prefix(600))")
            let subtree = try await f.get("/kle/nodes/00/subtree", headers: kle)
            #expect(subtree.status == 200 && subtree.body.contains("\"number\":\"00.01.00\""), "\(subtree.body.prefix(600))")
            let wrongService = try await f.get("/kle/nodes/00", headers: ctx)
            #expect(wrongService.status == 400 && wrongService.body.contains("\"field\":\"ServiceUUID\""))
        }
    }

    /// Issue 11 item 2: a page number whose offset overflowed killed `serve`. Every paging
    /// and criteria parameter out of range is a 400 naming it, through a real HTTPS call,
    /// and the gateway goes on answering.
    @Test func pagingAndCriteriaOutOfRangeAreFaultsNotCrashes() async throws {
        try await GatewayFixture.with { f in
            let ctx = GatewayFixture.context()
            let long = String(repeating: "a", count: 101)
            for (query, field, range) in [
                ("name=a&page=461168601842738792", "page", "from 1 to 10000000"),
                ("name=a&page=\(Int.max)", "page", "from 1 to 10000000"),
                ("name=a&page=99999999999999999999999", "page", "from 1 to 10000000"),
                ("name=a&page=0", "page", "from 1 to 10000000"),
                ("name=a&page=-3", "page", "from 1 to 10000000"),
                ("name=a&pageSize=\(Int.max)", "pageSize", "from 1 to 100"),
                ("name=a&pageSize=0", "pageSize", "from 1 to 100"),
                ("name=\(long)", "name", "at most 100"),
                ("road=\(long)", "road", "at most 100"),
            ] {
                let a = try await f.get("/cpr/persons?\(query)", headers: ctx)
                #expect(a.status == 400 && a.body.contains("\"field\":\"\(field)\"") && a.body.contains(range), "\(query): \(a.body)")
            }
            // The last page there can be is answered (empty), and the gateway still serves.
            let last = try await f.get("/cpr/persons?name=a&page=10000000&pageSize=100", headers: ctx)
            #expect(last.status == 200 && last.body.contains("\"persons\":[]"), "\(last.body.prefix(300))")
            let (kbh, _) = Self.pnrs()
            #expect(try await f.get("/cpr/persons/\(kbh)", headers: ctx).status == 200)
        }
    }
}

enum CivilDateEpoch {
    static let value = BusinessCalendarEpoch.epoch
}
