/// Renders one person's records into the output buffer. Positions are the 1-based
/// positions of the format table (`reference/cpr-extract-format.md`); a field not written
/// stays blank (spaces).
final class CPRPersonRenderer {
    let population: CPRPopulation
    let out: CPRRecordBuffer
    let want: [Bool]
    let male: CPRLatin1Table
    let female: CPRLatin1Table
    let last: CPRLatin1Table
    let middle: CPRLatin1Table
    let roads: CPRLatin1Table
    let occupations: CPRLatin1Table
    let countries: CPRLatin1Table
    let cities: CPRLatin1Table
    let streets: CPRLatin1Table
    let floors: CPRLatin1Table
    let doors: CPRLatin1Table
    let municipalityNames: CPRLatin1Table
    /// Postal district names, all municipalities back to back; `postalFirst[m]` is the first.
    let postalNames: CPRLatin1Table
    let postalCodes: [Int]
    let postalFirst: [Int]
    let postalCount: [Int]
    let municipalityCodes: [Int]

    init(population: CPRPopulation, types: Set<CPRRecordType>, out: CPRRecordBuffer) {
        self.population = population
        self.out = out
        var want = [Bool](repeating: false, count: 17)
        for t in types { want[t.slot] = true }
        self.want = want
        male = CPRLatin1Table(CPRNames.maleFirst)
        female = CPRLatin1Table(CPRNames.femaleFirst)
        last = CPRLatin1Table(CPRNames.lastNames)
        middle = CPRLatin1Table(CPRNames.middleNames)
        roads = CPRLatin1Table(CPRNames.roads)
        occupations = CPRLatin1Table(CPRNames.occupations)
        countries = CPRLatin1Table(CPRNames.countryNames)
        cities = CPRLatin1Table(CPRNames.foreignCities)
        streets = CPRLatin1Table(CPRNames.foreignStreets)
        floors = CPRLatin1Table(CPRNames.floors)
        doors = CPRLatin1Table(CPRNames.doors)
        let all = CPRMunicipalities.all
        municipalityNames = CPRLatin1Table(all.map(\.name))
        postalNames = CPRLatin1Table(all.flatMap { $0.postalDistricts.map(\.name) })
        postalCodes = all.flatMap { $0.postalDistricts.map(\.code) }
        var first: [Int] = []
        var n = 0
        for m in all { first.append(n); n += m.postalDistricts.count }
        postalFirst = first
        postalCount = all.map(\.postalDistricts.count)
        municipalityCodes = CPRMunicipalities.numericCodes
    }

    // MARK: - Text pieces

    @inline(__always) func firstTable(_ m: CPRMember) -> CPRLatin1Table { m.male ? male : female }

    /// `Lastname,Firstname Middlename` (ADRNVN).
    func addressingName(_ p: UnsafeMutablePointer<UInt8>, _ pos: Int, _ len: Int, _ m: CPRMember) {
        var c = CPRTextCursor(p, pos, len)
        c.put(last, Int(m.last))
        c.byte(44)
        c.put(firstTable(m), Int(m.first))
        if m.middle != .max { c.byte(32); c.put(middle, Int(m.middle)) }
    }

    /// `Firstname Middlename Lastname`.
    func fullName(_ p: UnsafeMutablePointer<UInt8>, _ pos: Int, _ len: Int, _ m: CPRMember) {
        var c = CPRTextCursor(p, pos, len)
        c.put(firstTable(m), Int(m.first))
        if m.middle != .max { c.byte(32); c.put(middle, Int(m.middle)) }
        c.byte(32)
        c.put(last, Int(m.last))
    }

    @inline(__always) func postal(_ a: CPRAddress) -> Int {
        let m = Int(a.municipality)
        return postalFirst[m] + Int(a.road) % postalCount[m]
    }

    /// HUSNR: the number with an optional letter, left-aligned (`12B `).
    func house(_ p: UnsafeMutablePointer<UInt8>, _ pos: Int, _ a: CPRAddress) {
        var c = CPRTextCursor(p, pos, 4)
        c.number(Int(a.house))
        if a.letter != 0 { c.byte(a.letter) }
    }

    func floorDoor(_ p: UnsafeMutablePointer<UInt8>, floorPos: Int, doorPos: Int, _ a: CPRAddress) {
        if a.floor != -128 { CPRField.text(p, floorPos, 2, floors, Int(a.floor) + 1) }
        if a.door != 0 { CPRField.text(p, doorPos, 4, doors, Int(a.door)) }
    }

    /// `Roadname 12B, 2. th` (STANDARDADR and ADR lines), in CPR's standard-address style:
    /// no leading zeros, the letter right after the number, a dot after the floor (`st.`).
    func streetLine(_ p: UnsafeMutablePointer<UInt8>, _ pos: Int, _ len: Int, _ a: CPRAddress) {
        var c = CPRTextCursor(p, pos, len)
        c.put(roads, population.roadNameIndex(a))
        c.byte(32)
        c.number(Int(a.house))
        if a.letter != 0 { c.byte(a.letter) }
        if a.floor != -128 {
            c.byte(44); c.byte(32)
            c.put(floors, Int(a.floor) + 1)
            c.byte(46)
            if a.door != 0 { c.byte(32); c.put(doors, Int(a.door)) }
        }
    }

    /// `2100 København Ø`.
    func postalLine(_ p: UnsafeMutablePointer<UInt8>, _ pos: Int, _ len: Int, _ a: CPRAddress) {
        var c = CPRTextCursor(p, pos, len)
        let pi = postal(a)
        c.number(postalCodes[pi])
        c.byte(32)
        c.put(postalNames, pi)
    }

    // MARK: - Person

    /// Writes person `i` of block state `s`; `before` (the day before) is given for change
    /// extracts and adds the 099 event records.
    func render(_ s: CPRBlockState, _ i: Int, before: CPRBlockState?, day: Int) {
        let m = s.members[i]
        let pnr = m.pnr
        let active = m.status < 30
        let a = m.address

        if want[1] {
            let p = out.begin(.person)
            CPRField.num(p, 4, 10, pnr)
            CPRField.num(p, 14, 10, pnr)
            CPRField.num(p, 24, 2, Int(m.status))
            CPRField.stamp(p, 26, m.statusDay)
            CPRField.byte(p, 39, m.male ? 77 : 75)
            CPRField.iso(p, 40, m.birthDay)
            CPRField.iso(p, 51, m.birthDay)
            if m.occupation != 255 { CPRField.text(p, 73, 34, occupations, Int(m.occupation)) }
        }
        if want[2] && active {
            let p = out.begin(.currentAddress)
            CPRField.num(p, 4, 10, pnr)
            CPRField.num(p, 14, 4, municipalityCodes[Int(a.municipality)])
            CPRField.num(p, 18, 4, population.roadCode(a))
            house(p, 22, a)
            floorDoor(p, floorPos: 26, doorPos: 28, a)
            CPRField.stamp(p, 70, m.moveInDay)
            CPRField.stamp(p, 83, m.municipalityInDay)
            if m.fromMunicipality != 255 {
                CPRField.num(p, 96, 4, municipalityCodes[Int(m.fromMunicipality)])
                CPRField.stamp(p, 100, m.fromMunicipalityDay)
            } else {
                CPRField.num(p, 96, 4, 0)
                CPRField.num(p, 100, 12, 0)
            }
            CPRField.num(p, 113, 4, municipalityCodes[Int(a.municipality)])
            fullName(p, 117, 34, m)
            streetLine(p, 151, 34, a)
            postalLine(p, 219, 34, a)
            CPRField.iso(p, 287, m.moveInDay)
        }
        if want[3] {
            let p = out.begin(.addressName)
            CPRField.num(p, 4, 10, pnr)
            addressingName(p, 14, 34, m)
            if active {
                streetLine(p, 116, 34, a)
                let pi = postal(a)
                CPRField.num(p, 184, 4, postalCodes[pi])
                CPRField.text(p, 188, 20, postalNames, pi)
                CPRField.num(p, 208, 4, municipalityCodes[Int(a.municipality)])
                CPRField.num(p, 212, 4, population.roadCode(a))
                house(p, 216, a)
                floorDoor(p, floorPos: 220, doorPos: 222, a)
                CPRField.text(p, 230, 20, roads, population.roadNameIndex(a))
            }
        }
        if want[4] && m.protectionDay >= 0 {
            let p = out.begin(.protection)
            CPRField.num(p, 4, 10, pnr)
            CPRField.num(p, 14, 4, 1)
            CPRField.iso(p, 18, m.protectionDay)
        }
        if want[4] && m.marketingProtectionDay >= 0 {
            let p = out.begin(.protection)
            CPRField.num(p, 4, 10, pnr)
            CPRField.num(p, 14, 4, 3)
            CPRField.iso(p, 18, m.marketingProtectionDay)
        }
        if want[5] && m.status == 80 {
            let p = out.begin(.emigration)
            CPRField.num(p, 4, 10, pnr)
            let c = Int(m.emigrationCountry)
            CPRField.num(p, 14, 4, CPRNames.countryCodes[c])
            CPRField.stamp(p, 18, m.emigrationDay)
            CPRField.text(p, 31, 34, streets, c)
            CPRField.text(p, 65, 34, cities, c)
            CPRField.text(p, 99, 34, countries, c)
        }
        if want[6] {
            let p = out.begin(.names)
            CPRField.num(p, 4, 10, pnr)
            CPRField.text(p, 14, 50, firstTable(m), Int(m.first))
            if m.middle != .max { CPRField.text(p, 65, 40, middle, Int(m.middle)) }
            CPRField.text(p, 106, 40, last, Int(m.last))
            CPRField.stamp(p, 147, m.nameDay)
            addressingName(p, 160, 34, m)
        }
        if want[7] {
            let p = out.begin(.birthRegistration)
            CPRField.num(p, 4, 10, pnr)
            CPRField.num(p, 14, 4, municipalityCodes[Int(m.birthMunicipality)])
            CPRField.text(p, 18, 20, municipalityNames, Int(m.birthMunicipality))
        }
        if want[8] {
            let p = out.begin(.citizenship)
            CPRField.num(p, 4, 10, pnr)
            CPRField.num(p, 14, 4, CPRNames.countryCodes[Int(m.country)])
            CPRField.stamp(p, 18, m.countryDay)
        }
        if want[9] {
            let p = out.begin(.church)
            CPRField.num(p, 4, 10, pnr)
            CPRField.byte(p, 14, m.church ? 70 : 85)
            CPRField.iso(p, 15, m.churchDay)
        }
        if want[10] {
            let p = out.begin(.civilStatus)
            CPRField.num(p, 4, 10, pnr)
            CPRField.byte(p, 14, m.civil)
            if m.spouse >= 0 && m.civil != 85 {
                let sp = s.members[Int(m.spouse)]
                CPRField.num(p, 15, 10, sp.pnr)
                CPRField.iso(p, 25, sp.birthDay)
                addressingName(p, 36, 34, sp)
            } else {
                CPRField.num(p, 15, 10, 0)
            }
            CPRField.stamp(p, 71, m.civilDay)
            CPRField.num(p, 84, 12, 0)
        }
        if want[11] {
            for c in s.members.indices where s.isChild(c, of: i) {
                let p = out.begin(.child)
                CPRField.num(p, 4, 10, pnr)
                CPRField.num(p, 14, 10, s.members[c].pnr)
            }
        }
        if want[12] {
            let p = out.begin(.parents)
            CPRField.num(p, 4, 10, pnr)
            parent(p, s, m, isMother: true, datePos: 14, pnrPos: 25, birthPos: 35, namePos: 46)
            parent(p, s, m, isMother: false, datePos: 81, pnrPos: 92, birthPos: 102, namePos: 113)
        }
        if want[13] {
            for h in s.history.reversed() where Int(h.member) == i {
                historic(h.address, from: h.from, to: h.to, pnr: pnr)
            }
            population.forEachPreEpochAddress(m) { a, from, to in
                historic(a, from: from, to: to, pnr: pnr)
            }
        }
        if want[14], let before {
            events(s, i, before: before, day: day, pnr: pnr)
        }
    }

    func parent(_ p: UnsafeMutablePointer<UInt8>, _ s: CPRBlockState, _ m: CPRMember, isMother: Bool,
                datePos: Int, pnrPos: Int, birthPos: Int, namePos: Int) {
        CPRField.iso(p, datePos, m.birthDay)
        let idx = Int(isMother ? m.mother : m.father)
        if idx >= 0 {
            let pm = s.members[idx]
            CPRField.num(p, pnrPos, 10, pm.pnr)
            CPRField.iso(p, birthPos, pm.birthDay)
            fullName(p, namePos, 34, pm)
        } else {
            let o = population.outsideParent(child: m, mother: isMother)
            CPRField.num(p, pnrPos, 10, 0)
            CPRField.iso(p, birthPos, Int32(o.birthDay))
            var c = CPRTextCursor(p, namePos, 34)
            c.put(isMother ? female : male, o.first)
            c.byte(32)
            c.put(last, o.last)
        }
    }

    func historic(_ a: CPRAddress, from: Int32, to: Int32, pnr: Int) {
        let p = out.begin(.historicAddress)
        CPRField.num(p, 4, 10, pnr)
        CPRField.num(p, 15, 4, municipalityCodes[Int(a.municipality)])
        CPRField.num(p, 19, 4, population.roadCode(a))
        house(p, 23, a)
        floorDoor(p, floorPos: 27, doorPos: 29, a)
        CPRField.stamp(p, 71, from)
        CPRField.stamp(p, 84, to)
    }

    /// 099 records: the person's own events of the day (AFLEDTMRK blank), or, when the
    /// person changed only through a relative (a child born, a parent's new name), the
    /// relative's events marked with the relation: `AE` spouse, `BA` child, `FO` parent.
    func events(_ s: CPRBlockState, _ i: Int, before: CPRBlockState, day: Int, pnr: Int) {
        var wrote = false
        for n in s.notes where Int(n.member) == i {
            event(s, pnr: pnr, n, mark: nil)
            wrote = true
        }
        guard !wrote else { return }
        let m = s.members[i]
        for n in s.notes {
            let j = Int(n.member)
            let mark: (UInt8, UInt8)
            if Int(m.spouse) == j { mark = (65, 69) }
            else if s.isChild(j, of: i) { mark = (66, 65) }
            else if Int(m.mother) == j || Int(m.father) == j { mark = (70, 79) }
            else { continue }
            event(s, pnr: pnr, n, mark: mark)
            wrote = true
        }
        if !wrote, let n = s.notes.first {
            event(s, pnr: pnr, n, mark: (70, 79))
        }
    }

    /// One 099 record; the time of day is made up but fixed per block and day.
    func event(_ s: CPRBlockState, pnr: Int, _ n: CPREventNote, mark: (UInt8, UInt8)?) {
        let h = StubHash.mix(population.seed, UInt64(s.block), UInt64(n.day))
        let time = (8 + Int(h % 8)) * 100 + Int((h >> 8) % 60)
        let p = out.begin(.event)
        CPRField.num(p, 4, 10, pnr)
        CPRField.stamp(p, 14, n.day, hhmm: time)
        var k = 25
        for c in n.code.rawValue.utf8 { p[k] = c; k += 1 }
        if let mark { p[28] = mark.0; p[29] = mark.1 }
    }
}
