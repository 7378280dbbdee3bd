import BusinessCalendar
import SourceStubs
import Testing

/// The file format, checked against the reference table by an independent parser.
@Suite("CPR extract format")
struct CPRExtractFormatTests {
    let pop = CPRFixture.small
    let day = CPRFixture.day

    func statusFile(municipality: String? = nil, types: Set<CPRRecordType> = CPRRecordType.personRecordTypes) throws -> CPRTestFile {
        try CPRFixture.extract(pop, CPRExtractRequest(kind: .status, date: day, municipality: municipality, recordTypes: types,
                                                      taskNumber: 17, previousProductionDate: CivilDate(year: 2026, month: 2, day: 27)!))
    }

    @Test func everyRecordHasItsDocumentedLengthAndTheFrameIsRight() throws {
        let f = try statusFile()
        #expect(f.lines.count > 1000)
        for l in f.lines {
            let t = CPRTestFile.type(l)
            #expect(CPRTestFile.lengths[t] == l.count, "record \(t) has length \(l.count)")
        }
        let start = f.lines.first!, end = f.lines.last!
        #expect(CPRTestFile.type(start) == "000")
        #expect(CPRTestFile.field(start, 4, 10) == "0000000000")
        #expect(CPRTestFile.field(start, 14, 6) == "000017")
        #expect(CPRTestFile.field(start, 20, 8) == "20260302")
        #expect(CPRTestFile.field(start, 28, 8) == "20260227")
        #expect(CPRTestFile.type(end) == "999")
        #expect(CPRTestFile.field(end, 4, 10) == "9999999999")
        #expect(Int(CPRTestFile.field(end, 14, 8)) == f.lines.count - 2)
        #expect(f.lines.dropFirst().dropLast().allSatisfy { !["000", "999"].contains(CPRTestFile.type($0)) })
        #expect(CPRTestFile.type(f.lines[1]) == "001")
    }

    @Test func summaryMatchesTheFile() throws {
        var sink = MemorySink()
        var calls = 0
        let s = try CPRExtractWriter.write(population: pop, request: CPRExtractRequest(kind: .status, date: day, taskNumber: 1),
                                           into: &sink, progress: { _ in calls += 1 })
        let f = CPRTestFile(sink.bytes)
        #expect(s.bytes == sink.bytes.count)
        #expect(s.records == f.lines.count - 2)
        #expect(s.persons == f.records("001").count)
        #expect(calls >= 1)
    }

    @Test func recordsOfAPersonFollowTheir001AndCarryItsPNR() throws {
        let f = try statusFile()
        for group in f.persons {
            let pnr = CPRTestFile.field(group[0], 4, 10)
            #expect(cprIsDigits(pnr) && pnr.count == 10)
            #expect(CPRTestFile.field(group[0], 14, 10) == pnr)
            for r in group { #expect(CPRTestFile.field(r, 4, 10) == pnr) }
            #expect(group.filter { CPRTestFile.type($0) == "001" }.count == 1)
        }
    }

    @Test func fieldsSitWhereTheTableSays() throws {
        let f = try statusFile()
        var checked = 0
        for group in f.persons {
            let pnr = CPRTestFile.field(group[0], 4, 10)
            let p = try #require(pop.person(pnr: pnr, on: day))
            let rec = { (t: String) in group.filter { CPRTestFile.type($0) == t } }
            let r001 = group[0]
            #expect(CPRTestFile.field(r001, 24, 2) == p.status)
            #expect(cprIsDigits(CPRTestFile.field(r001, 26, 12)))
            #expect(CPRTestFile.field(r001, 39, 1) == p.sex)
            #expect(CPRTestFile.field(r001, 40, 10) == p.birthDate.description)
            #expect(CPRTestFile.text(r001, 73, 34) == p.occupation)
            let r008 = try #require(rec("008").first)
            #expect(CPRTestFile.text(r008, 14, 50) == p.firstName)
            #expect(CPRTestFile.text(r008, 65, 40) == (p.middleName ?? ""))
            #expect(CPRTestFile.text(r008, 106, 40) == p.lastName)
            #expect(CPRTestFile.text(r008, 160, 34) == p.addressingName)
            #expect(cprIsDigits(CPRTestFile.field(r008, 147, 12)))
            let r003 = try #require(rec("003").first)
            #expect(CPRTestFile.text(r003, 14, 34) == p.addressingName)
            if p.status == "01" {
                let r002 = try #require(rec("002").first)
                #expect(CPRTestFile.field(r002, 14, 4) == p.address.municipalityCode)
                #expect(Int(CPRTestFile.field(r002, 18, 4)) == p.address.roadCode)
                #expect(CPRTestFile.text(r002, 22, 4) == p.address.houseNumber)
                #expect(CPRTestFile.text(r002, 26, 2) == p.address.floor)
                #expect(CPRTestFile.text(r002, 28, 4) == p.address.door)
                #expect(CPRTestFile.field(r002, 70, 8) == p.address.movedIn.compact)
                #expect(CPRTestFile.field(r002, 287, 10) == p.address.movedIn.description)
                #expect(CPRTestFile.field(r002, 96, 4) == (p.movedFromMunicipality ?? "0000"))
                #expect(CPRTestFile.text(r002, 151, 34).hasPrefix(p.address.roadName + " " + p.address.houseNumber))
                #expect(CPRTestFile.text(r002, 219, 34) == "\(p.address.postalCode) \(p.address.district)")
                #expect(Int(CPRTestFile.field(r003, 184, 4)) == p.address.postalCode)
                #expect(CPRTestFile.text(r003, 188, 20) == String(p.address.district.prefix(20)))
                #expect(CPRTestFile.field(r003, 208, 4) == p.address.municipalityCode)
                #expect(Int(CPRTestFile.field(r003, 212, 4)) == p.address.roadCode)
                #expect(CPRTestFile.text(r003, 216, 4) == p.address.houseNumber)
                #expect(CPRTestFile.text(r003, 230, 20) == String(p.address.roadName.prefix(20)))
            } else {
                // Status 30 and above: no current address, and 003 carries only ADRNVN.
                #expect(rec("002").isEmpty)
                #expect(CPRTestFile.field(r003, 48, 249 - 47).allSatisfy { $0 == " " })
            }
            let r012 = try #require(rec("012").first)
            #expect(CPRTestFile.field(r012, 14, 1) == p.civilStatus)
            #expect(CPRTestFile.field(r012, 15, 10) == (p.spousePNR ?? "0000000000"))
            #expect(CPRTestFile.text(r012, 36, 34) == (p.spouseName ?? ""))
            #expect(Set(rec("014").map { CPRTestFile.field($0, 14, 10) }) == Set(p.childPNRs))
            let r015 = try #require(rec("015").first)
            #expect(CPRTestFile.field(r015, 25, 10) == (p.mother.pnr ?? "0000000000"))
            #expect(CPRTestFile.field(r015, 35, 10) == p.mother.birthDate.description)
            #expect(CPRTestFile.text(r015, 46, 34) == p.mother.name)
            #expect(CPRTestFile.field(r015, 92, 10) == (p.father.pnr ?? "0000000000"))
            #expect(CPRTestFile.text(r015, 113, 34) == p.father.name)
            let r010 = try #require(rec("010").first)
            #expect(CPRTestFile.field(r010, 14, 4) == p.citizenship)
            let r011 = try #require(rec("011").first)
            #expect(CPRTestFile.field(r011, 14, 1) == (p.churchMember ? "F" : "U"))
            #expect(CPRTestFile.field(r011, 15, 10) == p.churchDate.description)
            let r009 = try #require(rec("009").first)
            #expect(CPRMunicipalities.named(CPRTestFile.field(r009, 14, 4)) != nil)
            let r004 = rec("004")
            #expect(r004.count == (p.protectedSince == nil ? 0 : 1) + (p.marketingProtectedSince == nil ? 0 : 1))
            for r in r004 {
                switch CPRTestFile.field(r, 14, 4) {
                case "0001": #expect(CPRTestFile.field(r, 18, 10) == p.protectedSince?.description)
                case "0003": #expect(CPRTestFile.field(r, 18, 10) == p.marketingProtectedSince?.description)
                default: Issue.record("unexpected BESKYTTYPE in \(CPRTestFile.field(r, 1, 37))")
                }
                #expect(CPRTestFile.field(r, 28, 10) == "          ")
            }
            let r005 = rec("005")
            #expect(r005.count == (p.status == "80" ? 1 : 0))
            if let r = r005.first { #expect(CPRTestFile.field(r, 14, 4) == p.emigrationCountry) }
            let r023 = rec("023")
            #expect(r023.count == p.addressHistory.count)
            for (r, h) in zip(r023, p.addressHistory) {
                #expect(CPRTestFile.field(r, 15, 4) == h.address.municipalityCode)
                #expect(Int(CPRTestFile.field(r, 19, 4)) == h.address.roadCode)
                #expect(CPRTestFile.field(r, 71, 8) == h.address.movedIn.compact)
                #expect(CPRTestFile.field(r, 84, 8) == h.movedOut.compact)
            }
            checked += 1
        }
        #expect(checked > 1500)
    }

    @Test func statusesIncludeActiveEmigratedAndDead() throws {
        let f = try statusFile()
        let statuses = Set(f.records("001").map { CPRTestFile.field($0, 24, 2) })
        #expect(statuses.isSuperset(of: ["01", "80", "90"]))
        let civil = Set(f.records("012").map { CPRTestFile.field($0, 14, 1) })
        #expect(civil.isSuperset(of: ["U", "G", "F", "E"]))
        #expect(!f.records("004").isEmpty)
        #expect(!f.records("005").isEmpty)
        #expect(!f.records("014").isEmpty)
    }

    @Test func bytesAreISO88591() throws {
        let f = try statusFile()
        #expect(f.bytes.contains(0xF8))  // ø
        #expect(f.bytes.contains(0xE6))  // æ
        #expect(f.bytes.contains(0xE5))  // å
        #expect(String(validating: f.bytes, as: UTF8.self) == nil)
        let lastNames = Set(f.records("008").map { CPRTestFile.text($0, 106, 40) })
        #expect(lastNames.contains("Sørensen") || lastNames.contains("Jørgensen") || lastNames.contains("Møller"))
        // Each such name is one byte per letter: 'ø' is 0xF8, never UTF-8's C3 B8.
        #expect(!zip(f.bytes, f.bytes.dropFirst()).contains { $0 == 0xC3 && $1 == 0xB8 })
    }

    @Test func onlySelectedRecordTypesAreWritten() throws {
        let f = try statusFile(types: [.person, .names])
        #expect(Set(f.lines.map(CPRTestFile.type)) == ["000", "001", "008", "999"])
    }

    @Test func fileNameFollowsTheCPRStyle() {
        let r = CPRExtractRequest(kind: .change, date: day, taskNumber: 4711)
        #expect(r.fileName == "D260302.L004711")
    }

    @Test func outputComesInBoundedChunks() throws {
        struct ChunkSink: ByteSink {
            var sizes: [Int] = []
            mutating func write(_ b: UnsafeRawBufferPointer) throws { sizes.append(b.count) }
        }
        var sink = ChunkSink()
        let s = try CPRExtractWriter.write(population: pop, request: CPRExtractRequest(kind: .status, date: day, taskNumber: 1), into: &sink, progress: nil)
        #expect(sink.sizes.count >= 2)
        #expect(sink.sizes.allSatisfy { $0 <= 384 * 1024 })
        #expect(sink.sizes.reduce(0, +) == s.bytes)
    }
}
