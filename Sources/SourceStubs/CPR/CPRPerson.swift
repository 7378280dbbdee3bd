import BusinessCalendar

/// One person as the register shows them on a day: what a lookup by PNR returns and what
/// the extract records are made of. Plain values only, so the gateway can render it as
/// JSON and tests can compare two days with `==`.
public struct CPRPerson: Sendable, Equatable {
    /// A residential address with its text, as in records 002 and 003.
    public struct Address: Sendable, Equatable {
        /// Four-digit municipality code (KOMKOD).
        public var municipalityCode: String
        public var roadCode: Int
        public var roadName: String
        /// House number with an optional letter, e.g. `12B`.
        public var houseNumber: String
        /// `kl`, `st`, `1`... or empty.
        public var floor: String
        /// `th`, `tv`, `mf` or empty.
        public var door: String
        public var postalCode: Int
        public var district: String
        /// The day the person moved in.
        public var movedIn: CivilDate
    }

    /// A former address (record 023).
    public struct HistoricAddress: Sendable, Equatable {
        public var address: Address
        public var movedOut: CivilDate
    }

    /// A parent as record 015 shows them; the PNR is nil when the parent is not in the register.
    public struct Parent: Sendable, Equatable {
        public var pnr: String?
        public var name: String
        public var birthDate: CivilDate
    }

    /// The slot index (stable for life; `CPRPopulation.index(ofPNR:)` inverts the PNR to it).
    public var index: Int
    public var pnr: String
    /// Two-digit status code: `01` active, `70` disappeared, `80` emigrated, `90` dead.
    public var status: String
    public var statusDate: CivilDate
    /// `M` or `K` (KOEN).
    public var sex: String
    public var birthDate: CivilDate
    public var firstName: String
    public var middleName: String?
    public var lastName: String
    public var nameDate: CivilDate
    /// The addressing name `Lastname,Firstname Middlename` (ADRNVN), at most 34 characters.
    public var addressingName: String
    /// Current (status 01) or last known address.
    public var address: Address
    /// Municipality code of the municipality the person moved from, if any.
    public var movedFromMunicipality: String?
    /// One letter: U unmarried, G married, F divorced, E widowed.
    public var civilStatus: String
    public var civilStatusDate: CivilDate
    /// Spouse (current when married, former when divorced or widowed).
    public var spousePNR: String?
    public var spouseName: String?
    public var mother: Parent
    public var father: Parent
    /// PNRs of registered children, oldest slot first.
    public var childPNRs: [String]
    /// Since when name and address protection (type 0001) applies; nil when unprotected.
    public var protectedSince: CivilDate?
    /// Since when marketing protection (type 0003) applies; nil when none.
    public var marketingProtectedSince: CivilDate?
    public var churchMember: Bool
    public var churchDate: CivilDate
    /// Four-digit country code of citizenship (5100 Denmark).
    public var citizenship: String
    public var citizenshipDate: CivilDate
    /// Country code and date for emigrated persons (status 80).
    public var emigrationCountry: String?
    public var emigrationDate: CivilDate?
    /// Occupation (STILLING); empty for small children.
    public var occupation: String
    /// Former addresses, most recent first.
    public var addressHistory: [HistoricAddress]
}

extension CPRPopulation {
    func addressValue(_ a: CPRAddress, movedIn: Int32) -> CPRPerson.Address {
        let m = Int(a.municipality)
        let mun = CPRMunicipalities.all[m]
        let post = mun.postalDistricts[postalDistrictIndex(a)]
        var house = String(a.house)
        if a.letter != 0 { house.append(Character(Unicode.Scalar(a.letter))) }
        return CPRPerson.Address(
            municipalityCode: mun.code,
            roadCode: roadCode(a),
            roadName: CPRNames.roads.strings[roadNameIndex(a)],
            houseNumber: house,
            floor: floorIndex(a).map { CPRNames.floors.strings[$0] } ?? "",
            door: CPRNames.doors.strings[Int(a.door)],
            postalCode: post.code,
            district: post.name,
            movedIn: CivilDate(daysSinceEpoch: Int(movedIn)))
    }

    @inline(__always) func roadCode(_ a: CPRAddress) -> Int { 100 + Int(a.road) * 37 }
    /// The address's postal district, an index into its municipality's `postalDistricts`.
    @inline(__always) func postalDistrictIndex(_ a: CPRAddress) -> Int {
        Int(a.road) % CPRMunicipalities.all[Int(a.municipality)].postalDistricts.count
    }
    /// Index into `CPRNames.floors`, or nil for a house (no floor).
    @inline(__always) func floorIndex(_ a: CPRAddress) -> Int? { a.floor == -128 ? nil : Int(a.floor) + 1 }
    /// The member index of the spouse a person shows (current or former), or nil when unmarried.
    @inline(__always) func shownSpouse(_ s: CPRBlockState, _ i: Int) -> Int? {
        let m = s.members[i]
        return m.spouse >= 0 && m.civil != 85 ? Int(m.spouse) : nil
    }
    /// The addressing name's (ADRNVN) length, in characters.
    static let addressingNameLength = 34
    @inline(__always) func roadNameIndex(_ a: CPRAddress) -> Int {
        (Int(a.road) * 37 + Int(a.municipality) * 11) % CPRNames.roads.count
    }

    func firstNameString(_ m: CPRMember) -> String {
        (m.male ? CPRNames.maleFirst : CPRNames.femaleFirst).strings[Int(m.first)]
    }

    func addressingName(_ m: CPRMember) -> String {
        var s = CPRNames.lastNames.strings[Int(m.last)] + "," + firstNameString(m)
        if m.middle != .max { s += " " + CPRNames.middleNames.strings[Int(m.middle)] }
        return String(s.unicodeScalars.prefix(Self.addressingNameLength).map(Character.init))
    }

    func fullName(_ m: CPRMember) -> String {
        var s = firstNameString(m)
        if m.middle != .max { s += " " + CPRNames.middleNames.strings[Int(m.middle)] }
        return s + " " + CPRNames.lastNames.strings[Int(m.last)]
    }

    /// A parent outside the register: name and birth date derived from the child's slot.
    func outsideParent(child: CPRMember, mother: Bool) -> (first: Int, last: Int, birthDay: Int) {
        let h = StubHash.mix(seed, UInt64(child.slot), mother ? 0x30 : 0x31)
        let firstCount = mother ? CPRNames.femaleFirst.count : CPRNames.maleFirst.count
        let first = Int(h % UInt64(firstCount))
        let last = Int((h >> 20) % UInt64(CPRNames.lastNames.count))
        let years = 20 + Int((h >> 40) % 16)
        return (first, last, Int(child.birthDay) - years * 365 - Int((h >> 50) % 365))
    }

    /// Older addresses before the epoch, generated from the member's slot; calls `body`
    /// with (address, from, to), most recent first.
    func forEachPreEpochAddress(_ m: CPRMember, _ body: (CPRAddress, Int32, Int32) -> Void) {
        guard m.preHistory > 0 else { return }
        var r = SeededRandom(seed: seed, UInt64(m.slot), 0x4157)
        var to = m.epochMoveInDay
        var mun = Int(m.fromMunicipality == 255 ? m.address.municipality : m.fromMunicipality)
        for _ in 0..<Int(m.preHistory) {
            if to <= m.birthDay { return }
            var from = to - Int32(200 + r.below(2800))
            if from < m.birthDay { from = m.birthDay }
            let a = randomAddress(municipality: mun, &r)
            body(a, from, to)
            to = from
            if r.chance(0.3) { mun = pickMunicipality(&r) }
        }
    }

    func makePerson(_ s: CPRBlockState, _ i: Int) -> CPRPerson {
        let m = s.members[i]
        func date(_ d: Int32) -> CivilDate { CivilDate(daysSinceEpoch: Int(d)) }
        func parent(_ p: Int8, mother: Bool) -> CPRPerson.Parent {
            if p >= 0 {
                let pm = s.members[Int(p)]
                return CPRPerson.Parent(pnr: cprFormatPNR(pm.pnr), name: fullName(pm), birthDate: date(pm.birthDay))
            }
            let o = outsideParent(child: m, mother: mother)
            let first = (mother ? CPRNames.femaleFirst : CPRNames.maleFirst).strings[o.first]
            return CPRPerson.Parent(pnr: nil, name: first + " " + CPRNames.lastNames.strings[o.last],
                                    birthDate: date(Int32(o.birthDay)))
        }
        var history: [CPRPerson.HistoricAddress] = []
        for h in s.history.reversed() where Int(h.member) == i {
            history.append(.init(address: addressValue(h.address, movedIn: h.from), movedOut: date(h.to)))
        }
        forEachPreEpochAddress(m) { a, from, to in
            history.append(.init(address: addressValue(a, movedIn: from), movedOut: date(to)))
        }
        let sp = shownSpouse(s, i).map { s.members[$0] }
        var children: [String] = []
        for c in s.members.indices where s.isChild(c, of: i) { children.append(cprFormatPNR(s.members[c].pnr)) }
        return CPRPerson(
            index: m.slot,
            pnr: cprFormatPNR(m.pnr),
            status: m.status < 10 ? "0\(m.status)" : "\(m.status)",
            statusDate: date(m.statusDay),
            sex: m.male ? "M" : "K",
            birthDate: date(m.birthDay),
            firstName: firstNameString(m),
            middleName: m.middle == .max ? nil : CPRNames.middleNames.strings[Int(m.middle)],
            lastName: CPRNames.lastNames.strings[Int(m.last)],
            nameDate: date(m.nameDay),
            addressingName: addressingName(m),
            address: addressValue(m.address, movedIn: m.moveInDay),
            movedFromMunicipality: m.fromMunicipality == 255 ? nil : CPRMunicipalities.all[Int(m.fromMunicipality)].code,
            civilStatus: String(Character(Unicode.Scalar(m.civil))),
            civilStatusDate: date(m.civilDay),
            spousePNR: sp.map { cprFormatPNR($0.pnr) },
            spouseName: sp.map { addressingName($0) },
            mother: parent(m.mother, mother: true),
            father: parent(m.father, mother: false),
            childPNRs: children,
            protectedSince: m.protectionDay >= 0 ? date(m.protectionDay) : nil,
            marketingProtectedSince: m.marketingProtectionDay >= 0 ? date(m.marketingProtectionDay) : nil,
            churchMember: m.church,
            churchDate: date(m.churchDay),
            citizenship: String(CPRNames.countryCodes[Int(m.country)]),
            citizenshipDate: date(m.countryDay),
            emigrationCountry: m.status == 80 ? String(CPRNames.countryCodes[Int(m.emigrationCountry)]) : nil,
            emigrationDate: m.status == 80 ? date(m.emigrationDay) : nil,
            occupation: m.occupation == 255 ? "" : CPRNames.occupations.strings[Int(m.occupation)],
            addressHistory: history)
    }
}
