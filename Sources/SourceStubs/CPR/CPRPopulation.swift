import BusinessCalendar

/// A deterministic synthetic Danish population that changes from day to day.
///
/// Nothing per person is stored: a person's state on a day is recomputed from the seed,
/// their block's initial state at the epoch and the block's few events up to that day
/// (see `CPREvents.swift`), so memory does not grow with the population and any person can
/// be looked up in O(1), which the gateway needs for lookups by PNR.
///
/// Slots `0..<size` are people registered at the epoch; slots from `size` up to `slotCount`
/// are reserved for children born after the epoch (about one per nine people, spread over
/// ten years), who come alive on the business day their birth is registered (their birth
/// date may be a weekend; `person(index:on:)` is nil before registration).
///
/// Choices where the reference leaves room: HUSNR is written as text (left-aligned, `12B `);
/// empty 12-digit timestamps are zeros, empty `YYYY-MM-DD` dates are blank; 011 FKIRK is
/// `F` (member) or `U` (not a member); country codes other than 5100 and the 099 event
/// codes (`CPREventCode`) are the stub's own.
public struct CPRPopulation: Sendable {
    /// The seed everything is derived from.
    public let seed: UInt64
    /// People registered at the epoch (the `size` given at creation).
    public let baseCount: Int
    /// First day of the timeline; no state exists before it.
    public let epoch: CivilDate

    let codec: CPRPNRCodec
    let epochDay: Int
    let fullBlocks: Int
    let blockCount: Int
    /// `nextBusiness[d - epochDay]`: the first business day on or after day `d`.
    let nextBusiness: [Int32]
    /// Roads per municipality, by municipality index.
    let roadCount: [Int]
    /// Mean calendar days between two events of one block.
    let meanEventGap: Double = 480
    /// The change-day index and search table, shared by every population with the same
    /// seed, size and epoch, built on first use (`CPRPopulationIndexes`).
    let indexes: CPRPopulationIndexes

    /// The largest population: 10 million, about twice Denmark's.
    public static let maximumSize = 10_000_000

    /// The first days the population can start on: those for which every PNR it hands out
    /// follows CPR's century rule, so a consumer that derives a birth year from a PNR gets
    /// the person's own. Derived from the rule and the codec (`CPRPNRCodec`), not chosen:
    /// - children born after the epoch (over `birthHorizonDays`) get 7th digit 8, which
    ///   means 2000-2057: the epoch is at the earliest the day before 2000 begins, and the
    ///   last birth must fall in 2057 at the latest;
    /// - people registered at the epoch born in 2000 or later get 7th digits 4-7, and 4
    ///   means 2000-2036 only: they are born before the epoch's year, so it is 2037 at the
    ///   latest;
    /// - the oldest of them (`oldestBirthYearsBeforeEpoch`) get 5-8, which reach back to
    ///   1858.
    public static let epochs: ClosedRange<CivilDate> = {
        let births = CPRPNRCodec.birthYears(seventhDigit: 8).filter { $0 >= 2000 }
        let digitFour = CPRPNRCodec.birthYears(seventhDigit: 4).filter { $0 >= 2000 }
        let oldest = (CPRPNRCodec.birthYears(seventhDigit: 5).first ?? 0) + oldestBirthYearsBeforeEpoch
        let first = max(CivilDate.firstDay(ofYear: births.first ?? 0).adding(days: -1), CivilDate.firstDay(ofYear: oldest))
        let last = min(CivilDate.lastDay(ofYear: (digitFour.last ?? 0) + 1),
                       CivilDate.lastDay(ofYear: births.last ?? 0).adding(days: -(CPRPNRCodec.birthHorizonDays + 1)))
        return first...last
    }()

    /// How many years before the epoch's year the oldest person of a household may be born:
    /// an elderly father (`initBlock`) at most 105 years before the year before the epoch,
    /// plus a year class's rounding down (at most 6 for 10 million people).
    static let oldestBirthYearsBeforeEpoch = 1 + 105 + 6

    /// Creates the population. `size` may be anything from 1 to `maximumSize`; the epoch
    /// must be in `epochs`. Otherwise the error says which and what to give instead.
    public init(seed: UInt64, size: Int, epoch: CivilDate = CivilDate(year: 2020, month: 1, day: 1) ?? CivilDate(daysSinceEpoch: 18_262)) throws(CPRStubError) {
        guard (1...Self.maximumSize).contains(size) else {
            throw CPRStubError(code: "bad-size", message: "a population of \(size) persons cannot be made; give 1...\(Self.maximumSize)")
        }
        guard Self.epochs.contains(epoch) else {
            throw CPRStubError(code: "bad-epoch", message: "the epoch \(epoch) is outside \(Self.epochs.lowerBound)...\(Self.epochs.upperBound), the first days for which every synthetic PNR follows CPR's century rule; configure sources.epoch inside it")
        }
        self.seed = seed
        self.baseCount = size
        self.epoch = epoch
        self.epochDay = epoch.daysSinceEpoch
        self.fullBlocks = size / 4
        self.blockCount = (size + 3) / 4
        let births = fullBlocks > 0 ? (4 * fullBlocks - 1) / 9 + 1 : 0
        self.codec = CPRPNRCodec(baseCount: size, birthSlots: births, epochDay: epochDay)
        // 40 years of business days, enough for any date a test or schedule will ask for.
        let holidays = DanishHolidays()
        var table = [Int32](repeating: 0, count: 40 * 366 + 16)
        var next = Int32(epochDay + table.count + 10)
        var holidaySet = Set<Int>()
        for y in epoch.year...(epoch.year + 41) {
            for h in holidays.holidays(in: y) { holidaySet.insert(h.date.daysSinceEpoch) }
        }
        for i in stride(from: table.count - 1, through: 0, by: -1) {
            let d = epochDay + i
            let wd = CivilDate(daysSinceEpoch: d).isoWeekday
            if wd < 6 && !holidaySet.contains(d) { next = Int32(d) }
            table[i] = next
        }
        self.nextBusiness = table
        self.roadCount = CPRMunicipalities.all.map { min(CPRNames.roads.count, 30 + $0.weight * 2) }
        self.indexes = CPRIndexCache.shared.indexes(for: .init(seed: seed, size: size, epochDay: epochDay))
    }

    /// Number of person slots, including reserved birth slots; valid indexes are `0..<slotCount`.
    public var slotCount: Int { baseCount + codec.birthSlots }

    /// The person in slot `index` as of `date`, or nil for a birth slot not yet registered,
    /// an index out of range, or a date before the epoch.
    public func person(index: Int, on date: CivilDate) -> CPRPerson? {
        guard index >= 0, index < slotCount, date >= epoch else { return nil }
        var state = CPRBlockState()
        let b = block(ofSlot: index)
        computeBlock(b, on: date.daysSinceEpoch, into: &state, notesAfter: nil)
        guard let m = state.members.firstIndex(where: { $0.slot == index }), state.members[m].present else { return nil }
        return makePerson(state, m)
    }

    /// The person with this PNR as of `date`; nil when no such person exists (yet).
    ///
    /// The block is computed once, and the PNR checked on the computed member (a slot's
    /// PNR is fixed for life), rather than through `index(ofPNR:)` and `person(index:on:)`,
    /// which would build the block's initial state twice: this is the gateway's hot path.
    public func person(pnr: String, on date: CivilDate) -> CPRPerson? {
        guard date >= epoch, let i = codec.candidateIndex(pnr: pnr), i < slotCount, let number = Int(pnr) else { return nil }
        var state = CPRBlockState()
        computeBlock(block(ofSlot: i), on: date.daysSinceEpoch, into: &state, notesAfter: nil)
        guard let m = state.members.firstIndex(where: { $0.slot == i }), state.members[m].pnr == number,
              state.members[m].present else { return nil }
        return makePerson(state, m)
    }

    /// The slot of a PNR in O(1), or nil when the PNR is not one of this population's.
    /// A birth slot's PNR resolves even before the birth (its PNR is fixed in advance).
    public func index(ofPNR pnr: String) -> Int? {
        guard let i = codec.candidateIndex(pnr: pnr), i < slotCount else { return nil }
        var state = CPRBlockState()
        initBlock(block(ofSlot: i), into: &state)
        guard let m = state.members.first(where: { $0.slot == i }) else { return nil }
        return cprFormatPNR(m.pnr) == pnr ? i : nil
    }

    /// The PNR of a slot (fixed for life), or nil for an index out of range.
    public func pnr(ofIndex index: Int) -> String? {
        guard index >= 0, index < slotCount else { return nil }
        var state = CPRBlockState()
        initBlock(block(ofSlot: index), into: &state)
        return state.members.first(where: { $0.slot == index }).map { cprFormatPNR($0.pnr) }
    }

    // MARK: - Blocks

    func block(ofSlot i: Int) -> Int {
        i < baseCount ? i / 4 : ((i - baseCount) * 9) / 4
    }

    /// The birth slot (0-based) reserved for block `b`, if any.
    func birthSlot(ofBlock b: Int) -> Int? {
        guard b < fullBlocks else { return nil }
        let k = (4 * b + 8) / 9
        return k < codec.birthSlots && (9 * k) / 4 == b ? k : nil
    }

    func businessDay(onOrAfter d: Int) -> Int {
        let i = d - epochDay
        if i >= 0 && i < nextBusiness.count { return Int(nextBusiness[i]) }
        var c = CivilDate(daysSinceEpoch: d)
        let h = DanishHolidays()
        while !h.isBusinessDay(c) { c = c.adding(days: 1) }
        return c.daysSinceEpoch
    }

    func randomAddress(municipality: Int, _ r: inout SeededRandom) -> CPRAddress {
        let road = UInt16(r.below(roadCount[municipality]))
        let house = UInt16(1 + r.below(r.chance(0.7) ? 60 : 250))
        let letter: UInt8 = r.chance(0.08) ? UInt8(65 + r.below(3)) : 0
        var floor: Int8 = -128, door: UInt8 = 0
        if r.chance(municipality == 0 || municipality == 1 ? 0.85 : 0.35) {
            let f = r.below(100)
            floor = f < 3 ? -1 : Int8(f < 25 ? 0 : 1 + (f - 25) / 15)
            door = UInt8(1 + r.below(3))
        }
        return CPRAddress(municipality: UInt8(municipality), road: road, house: house, letter: letter, floor: floor, door: door)
    }

    func pickMunicipality(_ r: inout SeededRandom) -> Int {
        r.pick(cumulative: CPRMunicipalities.cumulativeWeights)
    }

    /// Makes a person with the fields every kind of member shares.
    func makeMember(slot: Int, male: Bool, desiredYear: Int, _ r: inout SeededRandom) -> CPRMember {
        var m = CPRMember()
        m.slot = slot
        m.present = true
        m.male = male
        let bd = codec.baseBirthDay(index: slot, desiredYear: desiredYear)
        m.birthDay = Int32(bd)
        m.pnr = codec.pnr(index: slot, birthDay: bd)
        m.statusDay = m.birthDay
        m.first = UInt16(r.below(male ? CPRNames.maleFirst.count : CPRNames.femaleFirst.count))
        if r.chance(0.3) { m.middle = UInt16(r.below(CPRNames.middleNames.count)) }
        m.last = UInt16(r.below(CPRNames.lastNames.count))
        m.nameDay = m.birthDay
        m.civilDay = m.birthDay
        m.church = r.chance(0.73)
        m.churchDay = m.church ? m.birthDay + 60 : m.birthDay + Int32(365 * (15 + r.below(40)))
        if m.churchDay > Int32(epochDay - 1) { m.churchDay = m.birthDay }
        if r.chance(0.07) {
            m.country = UInt8(1 + r.below(CPRNames.countryCodes.count - 1))
        }
        m.countryDay = m.birthDay
        if r.chance(0.03) { m.protectionDay = max(m.birthDay, Int32(epochDay - 1 - r.below(3000))) }
        m.preHistory = UInt8(r.below(9))
        let age = (epochDay - bd) / 365
        if age >= 19 && r.chance(0.2) {
            m.marketingProtectionDay = max(m.birthDay + 365 * 18, Int32(epochDay - 1 - r.below(5000)))
        }
        if age >= 67 {
            m.occupation = CPRNames.occupationPensioner
        } else if age >= 20 {
            m.occupation = r.chance(0.1) ? CPRNames.occupationStudent : UInt8(r.below(CPRNames.occupationWorkingCount))
        } else if age >= 6 {
            m.occupation = age >= 16 && r.chance(0.5) ? CPRNames.occupationStudent : CPRNames.occupationPupil
        }
        return m
    }

    /// Gives a member an own address at the epoch, moved in some time after `notBefore`.
    func settle(_ m: inout CPRMember, municipality: Int, notBefore: Int, _ r: inout SeededRandom) {
        m.address = randomAddress(municipality: municipality, &r)
        let lo = min(max(notBefore, Int(m.birthDay)), epochDay - 1)
        let span = max(1, epochDay - 1 - lo)
        m.moveInDay = Int32(epochDay - 1 - r.below(min(span, 365 * 12)))
        if m.moveInDay < Int32(lo) { m.moveInDay = Int32(lo) }
        m.epochMoveInDay = m.moveInDay
        if r.chance(0.6) || m.preHistory == 0 {
            m.municipalityInDay = m.moveInDay
            if m.preHistory > 0 {
                var o = pickMunicipality(&r)
                if o == municipality { o = (o + 1) % CPRMunicipalities.all.count }
                m.fromMunicipality = UInt8(o)
                m.fromMunicipalityDay = m.moveInDay
            }
        } else {
            m.municipalityInDay = max(Int32(lo), m.moveInDay - Int32(r.below(3000)))
        }
        m.birthMunicipality = UInt8(r.chance(0.5) ? municipality : pickMunicipality(&r))
    }

    /// Builds block `b` as it was at the epoch.
    func initBlock(_ b: Int, into s: inout CPRBlockState) {
        s.reset(block: b)
        var r = SeededRandom(seed: seed, UInt64(b), 0x1B)
        let first = b * 4
        let n = min(4, baseCount - first)
        let birth = birthSlot(ofBlock: b)
        let y0 = epoch.year - 1
        let kindRoll = r.below(100)
        if let k = birth {
            // A young couple expecting a child after the epoch, and two unrelated adults.
            var mother = makeMember(slot: first, male: false, desiredYear: y0 - 21 - r.below(18), &r)
            let motherYear = CivilDate(daysSinceEpoch: Int(mother.birthDay)).year
            var father = makeMember(slot: first + 1, male: true, desiredYear: motherYear + 2 - r.below(8), &r)
            let mun = pickMunicipality(&r)
            father.middle = .max
            settle(&father, municipality: mun, notBefore: Int(max(mother.birthDay, father.birthDay)) + 365 * 19, &r)
            couple(&mother, &father, married: r.chance(0.45), &r)
            s.members.append(mother)
            s.members.append(father)
            let motherAge = y0 - motherYear
            let withChildren = motherAge >= 26 && r.chance(0.6)
            for j in 2..<4 {
                if withChildren {
                    var c = makeMember(slot: first + j, male: r.chance(0.51), desiredYear: y0 - r.below(min(17, motherAge - 24)), &r)
                    c.mother = 0; c.father = 1
                    c.last = father.last
                    liveAtHome(&c, with: father)
                    s.members.append(c)
                } else {
                    s.members.append(makeSingle(slot: first + j, &r))
                }
            }
            var baby = CPRMember()
            baby.slot = baseCount + k
            let bd = codec.birthDay(birthSlot: k)
            baby.birthDay = Int32(bd)
            baby.pnr = codec.pnr(index: baby.slot, birthDay: bd)
            baby.male = r.chance(0.51)
            baby.first = UInt16(r.below(baby.male ? CPRNames.maleFirst.count : CPRNames.femaleFirst.count))
            baby.mother = 0; baby.father = 1
            baby.present = false
            s.members.append(baby)
        } else if n == 4 && kindRoll < 35 {
            // A couple with two children, some grown up and moved out.
            let c1Age = r.below(24)
            let c2Age = max(0, c1Age - 1 - r.below(5))
            var c1 = makeMember(slot: first + 2, male: r.chance(0.51), desiredYear: y0 - c1Age, &r)
            var c2 = makeMember(slot: first + 3, male: r.chance(0.51), desiredYear: y0 - c2Age, &r)
            let eldest = CivilDate(daysSinceEpoch: Int(min(c1.birthDay, c2.birthDay))).year
            let motherYear = eldest - 23 - r.below(13)
            var mother = makeMember(slot: first, male: false, desiredYear: motherYear, &r)
            var father = makeMember(slot: first + 1, male: true, desiredYear: motherYear + 3 - r.below(8), &r)
            let mun = pickMunicipality(&r)
            father.middle = .max
            settle(&father, municipality: mun, notBefore: Int(father.birthDay) + 365 * 20, &r)
            couple(&mother, &father, married: r.chance(0.7), &r)
            for i in 0..<2 {
                var c = i == 0 ? c1 : c2
                c.mother = 0; c.father = 1
                c.last = father.last
                let age = (epochDay - Int(c.birthDay)) / 365
                if age >= 18 && r.chance(0.55) {
                    let m = r.chance(0.5) ? Int(father.address.municipality) : pickMunicipality(&r)
                    settle(&c, municipality: m, notBefore: Int(c.birthDay) + 365 * 18, &r)
                } else {
                    liveAtHome(&c, with: father)
                }
                if i == 0 { c1 = c } else { c2 = c }
            }
            s.members.append(mother)
            s.members.append(father)
            s.members.append(c1)
            s.members.append(c2)
        } else if n == 4 && kindRoll < 60 {
            // An elderly couple and their two grown-up children, who live elsewhere.
            var c1 = makeMember(slot: first + 2, male: r.chance(0.5), desiredYear: y0 - 30 - r.below(31), &r)
            var c2 = makeMember(slot: first + 3, male: r.chance(0.5), desiredYear: y0 - 30 - r.below(31), &r)
            let eldest = CivilDate(daysSinceEpoch: Int(min(c1.birthDay, c2.birthDay))).year
            let motherYear = eldest - 22 - r.below(14)
            var mother = makeMember(slot: first, male: false, desiredYear: motherYear, &r)
            var father = makeMember(slot: first + 1, male: true, desiredYear: motherYear + 3 - r.below(8), &r)
            let mun = pickMunicipality(&r)
            father.middle = .max
            settle(&father, municipality: mun, notBefore: Int(father.birthDay) + 365 * 40, &r)
            mother.address = father.address
            mother.moveInDay = father.moveInDay; mother.epochMoveInDay = father.moveInDay
            mother.municipalityInDay = father.municipalityInDay
            mother.fromMunicipality = father.fromMunicipality; mother.fromMunicipalityDay = father.fromMunicipalityDay
            let wed = Int(min(c1.birthDay, c2.birthDay)) - 365 - r.below(1500)
            mother.civil = 71; father.civil = 71
            mother.civilDay = Int32(wed); father.civilDay = Int32(wed)
            mother.spouse = 1; father.spouse = 0
            mother.middle = mother.last; mother.last = father.last; mother.nameDay = Int32(wed)
            if r.chance(0.3) {
                let died = Int32(epochDay - 1 - r.below(3650))
                father.status = 90; father.statusDay = max(died, father.moveInDay)
                mother.civil = 69; mother.civilDay = father.statusDay
            }
            for i in 0..<2 {
                var c = i == 0 ? c1 : c2
                c.mother = 0; c.father = 1
                c.last = father.last
                c.birthMunicipality = UInt8(r.chance(0.5) ? mun : pickMunicipality(&r))
                let m = r.chance(0.4) ? mun : pickMunicipality(&r)
                settle(&c, municipality: m, notBefore: Int(c.birthDay) + 365 * 18, &r)
                c.birthMunicipality = UInt8(r.chance(0.5) ? mun : pickMunicipality(&r))
                if r.chance(0.3) { c.civil = 70; c.civilDay = c.birthDay + Int32(365 * 28 + r.below(3000)) }
                if i == 0 { c1 = c } else { c2 = c }
            }
            s.members.append(mother)
            s.members.append(father)
            s.members.append(c1)
            s.members.append(c2)
        } else {
            // Unrelated adults, each at an own address, parents outside the register.
            for j in 0..<n { s.members.append(makeSingle(slot: first + j, &r)) }
        }
    }

    /// A child living with its parents, at `parent`'s address.
    func liveAtHome(_ c: inout CPRMember, with parent: CPRMember) {
        c.address = parent.address
        c.moveInDay = max(parent.moveInDay, c.birthDay)
        c.epochMoveInDay = c.moveInDay
        c.municipalityInDay = max(parent.municipalityInDay, c.birthDay)
        c.fromMunicipality = c.birthDay >= parent.municipalityInDay ? 255 : parent.fromMunicipality
        c.fromMunicipalityDay = parent.fromMunicipalityDay
        c.preHistory = c.fromMunicipality == 255 ? 0 : min(c.preHistory, 2)
        c.birthMunicipality = parent.address.municipality
    }

    /// Moves `mother` in with `father` and, if `married`, marries them at some day before
    /// the epoch, the wife often taking the husband's surname and keeping hers as middle name.
    func couple(_ mother: inout CPRMember, _ father: inout CPRMember, married: Bool, _ r: inout SeededRandom) {
        mother.address = father.address
        mother.moveInDay = father.moveInDay; mother.epochMoveInDay = father.moveInDay
        mother.municipalityInDay = father.municipalityInDay
        mother.fromMunicipality = father.fromMunicipality; mother.fromMunicipalityDay = father.fromMunicipalityDay
        mother.birthMunicipality = UInt8(pickMunicipality(&r))
        guard married else { return }
        let wed = max(Int(mother.birthDay), Int(father.birthDay)) + 365 * 21
        let day = Int32(min(epochDay - 1, wed + r.below(max(1, epochDay - 1 - wed))))
        mother.civil = 71; father.civil = 71
        mother.civilDay = day; father.civilDay = day
        mother.spouse = 1; father.spouse = 0
        if r.chance(0.6) {
            mother.middle = mother.last
            mother.last = father.last
            mother.nameDay = day
        }
    }

    /// An adult living alone, aged 18-89 at the epoch, sometimes already dead, emigrated or disappeared
    /// at the epoch (the register keeps them).
    func makeSingle(slot: Int, _ r: inout SeededRandom) -> CPRMember {
        let y0 = epoch.year - 1
        let ageRoll = r.below(100)
        let age = ageRoll < 70 ? 18 + r.below(47) : 65 + r.below(25)
        var m = makeMember(slot: slot, male: r.chance(0.5), desiredYear: y0 - age, &r)
        settle(&m, municipality: pickMunicipality(&r), notBefore: Int(m.birthDay) + 365 * 18, &r)
        let c = r.below(100)
        if age >= 30 && c < 35 {
            m.civil = 70; m.civilDay = m.birthDay + Int32(365 * 30 + r.below(365 * max(1, age - 30)))
        } else if age >= 60 && c < 60 {
            m.civil = 69; m.civilDay = Int32(epochDay - 1 - r.below(365 * 10))
        }
        if m.civilDay >= Int32(epochDay) { m.civilDay = Int32(epochDay - 1) }
        let st = r.below(1000)
        if st < 15 {
            m.status = 80; m.statusDay = Int32(epochDay - 1 - r.below(3000))
            m.emigrationCountry = UInt8(1 + r.below(CPRNames.countryCodes.count - 1))
            m.emigrationDay = m.statusDay
        } else if st < 18 {
            m.status = 70; m.statusDay = Int32(epochDay - 1 - r.below(3000))
        } else if st < 35 || (age > 85 && st < 300) {
            m.status = 90; m.statusDay = Int32(epochDay - 1 - r.below(2000))
        }
        if m.status != 1 && m.statusDay < m.moveInDay { m.statusDay = m.moveInDay }
        if m.status == 80 { m.emigrationDay = m.statusDay }
        return m
    }
}

/// `DDMMYYSSSS` with leading zeros.
func cprFormatPNR(_ pnr: Int) -> String {
    let s = String(pnr)
    return String(repeating: "0", count: max(0, 10 - s.count)) + s
}
