import BusinessCalendar
import SourceStubs
import Testing

/// The synthetic population: PNRs, scoping, day-to-day changes, determinism, refusals.
@Suite("CPR population and extracts")
struct CPRPopulationTests {
    let pop = CPRFixture.small
    let day = CPRFixture.day

    /// The lookup by PNR (the gateway's, one block computation) agrees with the lookup by
    /// slot for every slot, on days before and after births are registered, and finds
    /// nothing for PNRs that are not the population's.
    @Test func lookupByPNRAgreesWithLookupBySlot() throws {
        let days = [pop.epoch, day, CivilDate(year: 2030, month: 1, day: 2)!, CivilDate(year: 2019, month: 12, day: 31)!]
        for d in days {
            for i in 0..<pop.slotCount {
                let pnr = try #require(pop.pnr(ofIndex: i))
                #expect(pop.person(pnr: pnr, on: d) == pop.person(index: i, on: d), "slot \(i) on \(d)")
            }
        }
        for wrong in ["", "0101619999", "010161999", "01016199990", "+101619999", "0101 61999", "3213619999"] {
            #expect(pop.person(pnr: wrong, on: day) == nil, "\(wrong)")
        }
        // A real PNR with its serial changed is a PNR nobody has.
        let real = try #require(pop.pnr(ofIndex: 3))
        let other = String(real.prefix(6)) + String(format: "%04d", (Int(real.suffix(4))! + 1) % 10_000)
        if pop.index(ofPNR: other) == nil { #expect(pop.person(pnr: other, on: day) == nil) }
    }

    @Test func pnrsAreSyntheticInvertibleAndFollowTheCenturyRule() throws {
        var seen = Set<String>()
        for i in 0..<pop.slotCount {
            let pnr = try #require(pop.pnr(ofIndex: i))
            #expect(seen.insert(pnr).inserted, "duplicate PNR \(pnr)")
            #expect(pop.index(ofPNR: pnr) == i)
            let dd = Int(pnr.prefix(2))!
            #expect((61...91).contains(dd))
        }
        for i in stride(from: 0, to: pop.slotCount, by: 7) {
            guard let p = pop.person(index: i, on: CivilDate(year: 2030, month: 1, day: 2)!) else { continue }
            #expect(p.pnr == pop.pnr(ofIndex: i))
            let u = Array(p.pnr.utf8).map { Int($0) - 48 }
            let yy = u[4] * 10 + u[5], d7 = u[6]
            let century = switch d7 {
            case 0...3: 1900
            case 4, 9: yy <= 36 ? 2000 : 1900
            default: yy <= 57 ? 2000 : 1800
            }
            #expect(century + yy == p.birthDate.year, "PNR \(p.pnr) vs \(p.birthDate)")
            #expect(u[0] * 10 + u[1] - 60 == p.birthDate.day)
            #expect(u[2] * 10 + u[3] == p.birthDate.month)
        }
        #expect(pop.index(ofPNR: "0101801234") == nil)  // a real-looking date is never ours
        #expect(pop.index(ofPNR: "61018") == nil)
        #expect(pop.pnr(ofIndex: pop.slotCount) == nil)
    }

    @Test func pnrsInvertAtNationalScale() throws {
        let big = try CPRPopulation(seed: 1, size: 6_000_000)
        #expect(big.slotCount > 6_500_000)
        var r = SeededRandom(seed: 99)
        var indexes = (0..<300).map { _ in r.below(big.slotCount) }
        indexes += [0, 1, 5_999_999, 6_000_000, big.slotCount - 1]
        for i in indexes {
            let pnr = try #require(big.pnr(ofIndex: i))
            #expect(big.index(ofPNR: pnr) == i)
            #expect((61...91).contains(Int(pnr.prefix(2))!))
        }
    }

    @Test func municipalitiesAreTheReal98() {
        let all = CPRMunicipalities.all
        #expect(all.count == 98)
        #expect(Set(all.map(\.code)).count == 98)
        #expect(CPRMunicipalities.named("0101")?.name == "København")
        #expect(CPRMunicipalities.named("0751")?.name == "Aarhus")
        #expect(CPRMunicipalities.named("0999") == nil)
        let share = Double(CPRMunicipalities.named("0101")!.weight) / Double(all.map(\.weight).reduce(0, +))
        #expect(share > 0.10 && share < 0.12)
    }

    @Test func municipalityScopedStatusExtractHoldsExactlyItsResidents() throws {
        let f = try CPRFixture.extract(pop, CPRExtractRequest(kind: .status, date: day, municipality: "0101", taskNumber: 1))
        let inFile = Set(f.records("001").map { CPRTestFile.field($0, 4, 10) })
        var expected = Set<String>()
        for i in 0..<pop.slotCount {
            if let p = pop.person(index: i, on: day), p.address.municipalityCode == "0101" { expected.insert(p.pnr) }
        }
        #expect(!expected.isEmpty)
        #expect(inFile == expected)
        // Relatives elsewhere appear only as fields, never as persons of their own.
        let relatives = Set(f.records("012").map { CPRTestFile.field($0, 15, 10) } + f.records("014").map { CPRTestFile.field($0, 14, 10) })
        for r in relatives where r != "0000000000" && !inFile.contains(r) {
            #expect(pop.person(pnr: r, on: day)?.address.municipalityCode != "0101")
        }
        for l in f.records("002") { #expect(CPRTestFile.field(l, 14, 4) == "0101") }
    }

    /// Every person whose state differs between D-1 and D, by the public lookup.
    func changed(on d: CivilDate, municipality: String? = nil) -> Set<String> {
        var out = Set<String>()
        let prev = d.adding(days: -1)
        for i in 0..<pop.slotCount {
            guard let now = pop.person(index: i, on: d) else { continue }
            let was = pop.person(index: i, on: prev)
            guard was != now else { continue }
            if let m = municipality, now.address.municipalityCode != m, was?.address.municipalityCode != m { continue }
            out.insert(now.pnr)
        }
        return out
    }

    @Test func changeExtractHoldsExactlyThePersonsChangedThatDay() throws {
        let cal = DanishHolidays()
        var d = CivilDate(year: 2025, month: 6, day: 2)!
        var total = 0
        for _ in 0..<4 {
            let f = try CPRFixture.extract(pop, CPRExtractRequest(kind: .change, date: d, taskNumber: 5,
                                                                  previousProductionDate: cal.previousBusinessDay(before: d)))
            let groups = f.persons
            let inFile = Set(groups.map { CPRTestFile.field($0[0], 4, 10) })
            #expect(inFile == changed(on: d), "change extract of \(d)")
            #expect(inFile.count == groups.count)
            for g in groups {
                let events = g.filter { CPRTestFile.type($0) == "099" }
                #expect(!events.isEmpty)
                for e in events {
                    #expect(CPRTestFile.field(e, 14, 8) == d.compact)
                    #expect(CPREventCode(rawValue: CPRTestFile.field(e, 26, 3)) != nil)
                    #expect(["  ", "AE", "BA", "FO"].contains(CPRTestFile.field(e, 29, 2)))
                }
                #expect(!g.filter { CPRTestFile.type($0) == "008" }.isEmpty)
            }
            total += inFile.count
            d = cal.nextBusinessDay(after: d)
        }
        #expect(total > 0)
    }

    @Test func changeExtractAfterAMissedDayCoversEverythingSinceThePreviousFile() throws {
        let d = CivilDate(year: 2025, month: 9, day: 12)!
        let prev = CivilDate(year: 2025, month: 9, day: 8)!
        let f = try CPRFixture.extract(pop, CPRExtractRequest(kind: .change, date: d, taskNumber: 5, previousProductionDate: prev))
        var expected = Set<String>()
        for i in 0..<pop.slotCount {
            guard let now = pop.person(index: i, on: d) else { continue }
            if pop.person(index: i, on: prev) != now { expected.insert(now.pnr) }
        }
        let inFile = Set(f.records("001").map { CPRTestFile.field($0, 4, 10) })
        #expect(inFile == expected)
        #expect(inFile.count > 0)
        for e in f.records("099") {
            let stamp = CPRTestFile.field(e, 14, 8)
            #expect(stamp > prev.compact && stamp <= d.compact)
        }
    }

    @Test func scopedChangeExtractIncludesMovesOutAndIn() throws {
        let cal = DanishHolidays()
        var d = CivilDate(year: 2024, month: 1, day: 2)!
        var seen = 0
        for _ in 0..<3 {
            let f = try CPRFixture.extract(pop, CPRExtractRequest(kind: .change, date: d, municipality: "0101", taskNumber: 5))
            let inFile = Set(f.records("001").map { CPRTestFile.field($0, 4, 10) })
            #expect(inFile == changed(on: d, municipality: "0101"))
            seen += inFile.count
            d = cal.nextBusinessDay(after: d)
        }
        _ = seen
    }

    @Test func aMoveBetweenMunicipalitiesIsInBothMunicipalitiesChangeExtracts() throws {
        let cal = DanishHolidays()
        var d = CivilDate(year: 2024, month: 1, day: 2)!
        for _ in 0..<60 {
            let f = try CPRFixture.extract(pop, CPRExtractRequest(kind: .change, date: d, taskNumber: 5))
            for e in f.records("099") where CPRTestFile.field(e, 26, 3) == "A06" {
                let pnr = CPRTestFile.field(e, 4, 10)
                let old = try #require(pop.person(pnr: pnr, on: d.adding(days: -1))).address.municipalityCode
                let new = try #require(pop.person(pnr: pnr, on: d)).address.municipalityCode
                guard old != new else { continue }
                for m in [old, new] {
                    let scoped = try CPRFixture.extract(pop, CPRExtractRequest(kind: .change, date: d, municipality: m, taskNumber: 5))
                    let addr = scoped.records("002").filter { CPRTestFile.field($0, 4, 10) == pnr }
                    #expect(addr.count == 1, "mover \(pnr) missing from \(m)'s change extract")
                    #expect(addr.first.map { CPRTestFile.field($0, 14, 4) } == new)
                    #expect(addr.first.map { CPRTestFile.field($0, 96, 4) } == old)
                }
                return
            }
            d = cal.nextBusinessDay(after: d)
        }
        Issue.record("no move between municipalities found in 60 business days")
    }

    @Test func tinyPopulationsWork() throws {
        for size in 1...9 {
            let p = try CPRPopulation(seed: 3, size: size)
            let f = try CPRFixture.extract(p, CPRExtractRequest(kind: .status, date: day, taskNumber: 1))
            #expect(f.records("001").count >= 1)
            #expect(Int(CPRTestFile.field(f.lines.last!, 14, 8)) == f.lines.count - 2)
            for i in 0..<p.slotCount {
                #expect(p.index(ofPNR: p.pnr(ofIndex: i)!) == i)
            }
        }
    }

    @Test func birthsComeAliveAndAreLinkedToTheirParents() throws {
        // The first birth slot is born the day after the epoch.
        let baby = 2_000  // slots from `size` on are birth slots
        #expect(pop.person(index: baby, on: pop.epoch) == nil)
        let later = CivilDate(year: 2020, month: 2, day: 1)!
        let p = try #require(pop.person(index: baby, on: later))
        #expect(p.status == "01")
        let mother = try #require(p.mother.pnr)
        let mp = try #require(pop.person(pnr: mother, on: later))
        #expect(mp.childPNRs.contains(p.pnr))
        #expect(p.birthDate > pop.epoch)
    }

    @Test func sameSeedAndDateGiveIdenticalBytes() throws {
        let req = CPRExtractRequest(kind: .status, date: day, municipality: "0751", taskNumber: 9)
        let a = try CPRFixture.extract(pop, req)
        let b = try CPRFixture.extract(CPRPopulation(seed: 20_260_302, size: 2_000), req)
        #expect(a.bytes == b.bytes)
        let c = try CPRFixture.extract(CPRPopulation(seed: 1, size: 2_000), req)
        #expect(a.bytes != c.bytes)
        let chg = CPRExtractRequest(kind: .change, date: day, taskNumber: 9)
        #expect(try CPRFixture.extract(pop, chg).bytes == CPRFixture.extract(pop, chg).bytes)
    }

    @Test func populationChangesOverTime() throws {
        let a = CivilDate(year: 2020, month: 1, day: 1)!, b = CivilDate(year: 2026, month: 1, day: 1)!
        var moved = 0, died = 0
        for i in 0..<pop.slotCount {
            guard let x = pop.person(index: i, on: a), let y = pop.person(index: i, on: b) else { continue }
            if x.address != y.address { moved += 1 }
            if x.status == "01" && y.status == "90" { died += 1 }
        }
        #expect(moved > 100)
        #expect(died > 0)
    }

    func refusal(_ req: CPRExtractRequest) -> CPRStubError? {
        var sink = MemorySink()
        do {
            try CPRExtractWriter.write(population: pop, request: req, into: &sink, progress: nil)
            return nil
        } catch let e as CPRStubError {
            #expect(sink.bytes.isEmpty)
            return e
        } catch {
            return nil
        }
    }

    @Test func badRequestsAreRefusedWithAReason() {
        let saturday = CivilDate(year: 2026, month: 11, day: 21)!
        let e1 = refusal(CPRExtractRequest(kind: .change, date: saturday, taskNumber: 1))
        #expect(e1?.code == "not-business-day")
        #expect(e1?.message.contains("2026-11-23") == true)  // says which day to use
        let e2 = refusal(CPRExtractRequest(kind: .change, date: CivilDate(year: 2026, month: 12, day: 25)!, taskNumber: 1))
        #expect(e2?.code == "not-business-day")
        #expect(e2?.message.contains("Juledag") == true)
        #expect(refusal(CPRExtractRequest(kind: .status, date: saturday, taskNumber: 1)) == nil)
        let e3 = refusal(CPRExtractRequest(kind: .status, date: day, municipality: "0999", taskNumber: 1))
        #expect(e3?.code == "unknown-municipality")
        #expect(e3?.message.contains("0999") == true)
        let e4 = refusal(CPRExtractRequest(kind: .status, date: CivilDate(year: 2019, month: 12, day: 31)!, taskNumber: 1))
        #expect(e4?.code == "before-epoch")
        #expect(refusal(CPRExtractRequest(kind: .status, date: day, taskNumber: 1_000_000))?.code == "bad-task-number")
        #expect(refusal(CPRExtractRequest(kind: .status, date: day, taskNumber: 1, previousProductionDate: day))?.code == "bad-previous-date")
        #expect(CPRRecordType(rawValue: "006") == nil)
        #expect(CPRRecordType(rawValue: "023") == .historicAddress)
        #expect(pop.person(index: 0, on: CivilDate(year: 2019, month: 6, day: 1)!) == nil)
    }
}
