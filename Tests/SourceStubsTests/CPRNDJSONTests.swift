import BusinessCalendar
import Foundation
@testable import SourceStubs
import Testing

/// `CPRNDJSONCursor` writes each person of the walk as one JSON line straight from the
/// register's state; every line parses, and its fields are the `CPRPerson` the person
/// cursor makes for the same walk. (That the bytes equal the gateway's rendering is
/// checked in `GatewayNDJSONTests`.)
@Suite struct CPRNDJSONTests {
    static func date(_ d: CivilDate) -> String { d.description }

    static func check(_ line: [String: Any], _ p: CPRPerson) {
        func string(_ v: Any?) -> String? { v as? String }
        func object(_ v: Any?) -> [String: Any] { v as? [String: Any] ?? [:] }
        func isNull(_ v: Any?) -> Bool { v is NSNull }
        #expect(line.keys.sorted() == ["address", "addressProtected", "birthDate", "churchMember", "citizenship",
                                      "civilStatus", "marketingProtected", "name", "pnr", "relations", "sex",
                                      "status", "statusDate"])
        #expect(string(line["pnr"]) == p.pnr)
        #expect(string(line["status"]) == p.status)
        #expect(string(line["statusDate"]) == date(p.statusDate))
        #expect(string(line["sex"]) == p.sex)
        #expect(string(line["birthDate"]) == date(p.birthDate))
        let name = object(line["name"])
        #expect(string(name["first"]) == p.firstName)
        if let middle = p.middleName { #expect(string(name["middle"]) == middle) } else { #expect(isNull(name["middle"])) }
        #expect(string(name["last"]) == p.lastName)
        #expect(string(name["addressing"]) == p.addressingName)
        #expect(string(name["since"]) == date(p.nameDate))
        let a = object(line["address"])
        #expect(string(a["municipalityCode"]) == p.address.municipalityCode)
        #expect((a["roadCode"] as? Int) == p.address.roadCode)
        #expect(string(a["roadName"]) == p.address.roadName)
        #expect(string(a["houseNumber"]) == p.address.houseNumber)
        #expect(string(a["floor"]) == p.address.floor)
        #expect(string(a["door"]) == p.address.door)
        #expect((a["postalCode"] as? Int) == p.address.postalCode)
        #expect(string(a["district"]) == p.address.district)
        #expect(string(a["movedIn"]) == date(p.address.movedIn))
        #expect((line["addressProtected"] as? Bool) == (p.protectedSince != nil))
        #expect((line["marketingProtected"] as? Bool) == (p.marketingProtectedSince != nil))
        let civil = object(line["civilStatus"])
        #expect(string(civil["code"]) == p.civilStatus)
        #expect(string(civil["since"]) == date(p.civilStatusDate))
        if let s = p.spousePNR { #expect(string(civil["spousePnr"]) == s) } else { #expect(isNull(civil["spousePnr"])) }
        if let s = p.spouseName { #expect(string(civil["spouseName"]) == s) } else { #expect(isNull(civil["spouseName"])) }
        let relations = object(line["relations"])
        for (key, parent) in [("mother", p.mother), ("father", p.father)] {
            let o = object(relations[key])
            if let pnr = parent.pnr { #expect(string(o["pnr"]) == pnr) } else { #expect(isNull(o["pnr"])) }
            #expect(string(o["name"]) == parent.name)
            #expect(string(o["birthDate"]) == date(parent.birthDate))
        }
        #expect((relations["children"] as? [String]) == p.childPNRs)
        #expect(string(line["citizenship"]) == p.citizenship)
        #expect((line["churchMember"] as? Bool) == p.churchMember)
    }

    /// The addressing name's cut after 34 characters (one person in 200,000 needs it):
    /// a member given the longest names, alone and as a spouse.
    @Test func longAddressingNamesAreCutAsThePersonsAre() throws {
        let population = try CPRPopulation(seed: 7, size: 3_000)
        var state = CPRBlockState()
        population.computeBlock(0, on: CivilDate(year: 2026, month: 12, day: 2)!.daysSinceEpoch, into: &state, notesAfter: nil)
        try #require(state.members.count >= 2)
        state.members[0].present = true
        state.members[0].male = true
        state.members[0].first = try #require(CPRNames.maleFirst.strings.firstIndex(of: "Sebastian")).u16
        state.members[0].last = try #require(CPRNames.lastNames.strings.firstIndex(of: "Christiansen")).u16
        state.members[0].middle = try #require(CPRNames.middleNames.strings.firstIndex(of: "Christiansen")).u16
        state.members[1].present = true
        state.members[1].civil = UInt8(ascii: "G")
        state.members[1].spouse = 0
        for i in 0...1 {
            var bytes: [UInt8] = []
            population.appendNDJSON(state, i, .shared, to: &bytes)
            #expect(bytes.last == 0x0A)
            let json = try JSONSerialization.jsonObject(with: Data(bytes.dropLast()))
            let p = population.makePerson(state, i)
            Self.check(try #require(json as? [String: Any]), p)
        }
        #expect(population.makePerson(state, 0).addressingName == "Christiansen,Sebastian Christianse")
        #expect(population.makePerson(state, 1).spouseName == "Christiansen,Sebastian Christianse")
    }

    @Test(arguments: [nil, "0101", "0825", "9999"] as [String?])
    func linesAreThePersons(municipality: String?) throws {
        let population = try CPRPopulation(seed: 7, size: 3_000)
        for iso in ["2020-01-01", "2026-12-02"] {
            let date = try #require(CivilDate(iso: iso))
            var persons = CPRPersonCursor(population: population, on: date, municipality: municipality)
            var cursor = CPRNDJSONCursor(population: population, on: date, municipality: municipality)
            var bytes: [UInt8] = []
            var expected: [CPRPerson] = []
            while let p = persons.next() { expected.append(p) }
            while cursor.next(into: &bytes) {}
            #expect(bytes.isEmpty || bytes.last == 0x0A)
            let lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: false).dropLast()
            #expect(lines.count == expected.count)
            if municipality == nil { #expect(expected.count >= 3_000) }
            if municipality == "9999" { #expect(expected.isEmpty) }
            for (line, p) in zip(lines, expected) {
                let json = try JSONSerialization.jsonObject(with: Data(line))
                let object = try #require(json as? [String: Any])
                Self.check(object, p)
            }
        }
    }
}

extension Int {
    fileprivate var u16: UInt16 { UInt16(self) }
}
