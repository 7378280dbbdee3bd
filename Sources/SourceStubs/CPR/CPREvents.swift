import BusinessCalendar

/// How the population changes: each block has a sparse, deterministic sequence of event
/// days (exponential gaps from a per-block generator, snapped to business days), so the
/// state on any day costs a handful of steps and "did anything happen on day D" is
/// answered without looking at any other day.
///
/// Events happen only on business days (births happen any day but are registered on the
/// next business day), so a change extract made on business day D right after the previous
/// business day's holds exactly the persons whose state differs between D-1 and D, and
/// nothing is lost over weekends and holidays.
extension CPRPopulation {
    /// Day of block `b`'s event `n` (0-based) given the previous event's day.
    @inline(__always)
    func nextEventDay(block b: Int, n: Int, after prev: Int) -> Int {
        var r = SeededRandom(seed: seed, UInt64(b), UInt64(n), 0xE1)
        let u = Double((r.next() >> 11) + 1) * 0x1.0p-53
        let gap = Int(-cprLog(u) * meanEventGap)
        return businessDay(onOrAfter: prev + 1 + gap)
    }

    /// Whether block `b` has an event (or a birth registration) on a day in `after+1...through`;
    /// cheap, no state is built.
    func blockChanges(_ b: Int, after from: Int, through to: Int) -> Bool {
        if let k = birthSlot(ofBlock: b) {
            let reg = businessDay(onOrAfter: codec.birthDay(birthSlot: k))
            if reg > from && reg <= to { return true }
        }
        var d = epochDay - 1
        var n = 0
        while true {
            d = nextEventDay(block: b, n: n, after: d)
            if d > from { return d <= to }
            n += 1
        }
    }

    /// Computes block `b` as of the end of `day` into `s`. When `notesAfter` is a day, the
    /// events after it (up to `day`) are recorded in `s.notes` for the 099 records.
    func computeBlock(_ b: Int, on day: Int, into s: inout CPRBlockState, notesAfter: Int?) {
        initBlock(b, into: &s)
        let birthIndex = s.members.count == 5 ? 4 : -1
        var birthReg = Int.max
        if birthIndex >= 0 {
            birthReg = businessDay(onOrAfter: Int(s.members[4].birthDay))
        }
        var d = epochDay - 1
        var n = 0
        while true {
            d = nextEventDay(block: b, n: n, after: d)
            if birthReg <= min(d, day) {
                applyBirth(&s, member: birthIndex, day: birthReg, note: birthReg > notesAfter ?? .max)
                birthReg = Int.max
            }
            if d > day { break }
            applyEvent(&s, n: n, day: d, note: d > notesAfter ?? .max)
            n += 1
        }
    }

    private func addNote(_ s: inout CPRBlockState, _ m: Int, _ code: CPREventCode, _ on: Bool, day: Int) {
        if on { s.notes.append(CPREventNote(member: Int8(m), code: code, day: Int32(day))) }
    }

    private func applyBirth(_ s: inout CPRBlockState, member i: Int, day: Int, note: Bool) {
        var r = SeededRandom(seed: seed, UInt64(s.block), 0xB1, 0)
        let mother = s.members[0], father = s.members[1]
        var baby = s.members[i]
        baby.present = true
        baby.status = 1
        baby.statusDay = baby.birthDay
        let home = mother.isActive ? mother : (father.isActive ? father : mother)
        baby.last = mother.civil == 71 && father.isActive ? father.last : mother.last
        baby.nameDay = baby.birthDay
        baby.civilDay = baby.birthDay
        baby.address = home.address
        baby.moveInDay = baby.birthDay
        baby.epochMoveInDay = baby.birthDay
        baby.municipalityInDay = baby.birthDay
        baby.birthMunicipality = home.address.municipality
        baby.church = r.chance(0.6)
        baby.churchDay = baby.birthDay + (baby.church ? 60 : 0)
        if baby.churchDay > Int32(day) { baby.churchDay = baby.birthDay }
        baby.country = mother.country == father.country ? mother.country : 0
        baby.countryDay = baby.birthDay
        baby.protectionDay = home.protectionDay >= 0 ? Int32(day) : -1
        s.members[i] = baby
        addNote(&s, i, .birth, note, day: day)
    }

    /// Picks an active adult (18+) member, or -1.
    private func pickAdult(_ s: CPRBlockState, day: Int, _ r: inout SeededRandom) -> Int {
        var count = 0
        for m in s.members where m.isActive && day - Int(m.birthDay) >= 18 * 365 { count += 1 }
        guard count > 0 else { return -1 }
        var k = r.below(count)
        for (i, m) in s.members.enumerated() where m.isActive && day - Int(m.birthDay) >= 18 * 365 {
            if k == 0 { return i }
            k -= 1
        }
        return -1
    }

    private func move(_ s: inout CPRBlockState, _ i: Int, to a: CPRAddress, day: Int) {
        var m = s.members[i]
        s.history.append(CPRHistoryEntry(member: Int8(i), address: m.address, from: m.moveInDay, to: Int32(day)))
        if a.municipality != m.address.municipality {
            m.fromMunicipality = m.address.municipality
            m.fromMunicipalityDay = Int32(day)
            m.municipalityInDay = Int32(day)
        }
        m.address = a
        m.moveInDay = Int32(day)
        s.members[i] = m
    }

    private func applyEvent(_ s: inout CPRBlockState, n: Int, day: Int, note: Bool) {
        var r = SeededRandom(seed: seed, UInt64(s.block), UInt64(n), 0xE2)
        let drawn = r.below(100)
        let t = pickAdult(s, day: day, &r)
        guard t >= 0 else { return }
        let target = s.members[t]
        let age = (day - Int(target.birthDay)) / 365
        // The very old die more often than the flat event mix would have it.
        let roll = age >= 85 && drawn < 30 ? 64 : drawn
        switch roll {
        case 40..<50:
            var newLast = UInt16(r.below(CPRNames.lastNames.count))
            if newLast == target.last { newLast = (newLast + 1) % UInt16(CPRNames.lastNames.count) }
            s.members[t].last = newLast
            s.members[t].nameDay = Int32(day)
            addNote(&s, t, .nameChange, note, day: day)
        case 50..<58:
            guard target.civil != 71 else { return }
            var partner = -1
            for (i, m) in s.members.enumerated() where i != t && m.isActive && m.civil != 71
                && m.male != target.male && day - Int(m.birthDay) >= 18 * 365 && !s.related(i, t) {
                partner = i
                break
            }
            guard partner >= 0 else { return }
            for (a, b) in [(t, partner), (partner, t)] {
                s.members[a].civil = 71
                s.members[a].civilDay = Int32(day)
                s.members[a].spouse = Int8(b)
                addNote(&s, a, .marriage, note, day: day)
            }
            if s.members[partner].address != target.address {
                move(&s, partner, to: target.address, day: day)
            }
            if r.chance(0.5) {
                s.members[partner].last = target.last
                s.members[partner].nameDay = Int32(day)
            }
        case 58..<64:
            guard target.civil == 71, target.spouse >= 0, s.members[Int(target.spouse)].isActive else { return }
            let sp = Int(target.spouse)
            for a in [t, sp] {
                s.members[a].civil = 70
                s.members[a].civilDay = Int32(day)
                addNote(&s, a, .divorce, note, day: day)
            }
            let a = randomAddress(municipality: Int(target.address.municipality), &r)
            move(&s, sp, to: a, day: day)
        case 64..<71 where age >= 50:
            s.members[t].status = 90
            s.members[t].statusDay = Int32(day)
            addNote(&s, t, .death, note, day: day)
            if target.civil == 71, target.spouse >= 0, s.members[Int(target.spouse)].isActive {
                let sp = Int(target.spouse)
                s.members[sp].civil = 69
                s.members[sp].civilDay = Int32(day)
                addNote(&s, sp, .widowed, note, day: day)
            }
        case 71..<73:
            let country = UInt8(1 + r.below(CPRNames.countryCodes.count - 1))
            let home = target.address
            for i in s.members.indices where s.members[i].isActive && s.members[i].address == home {
                s.members[i].status = 80
                s.members[i].statusDay = Int32(day)
                s.members[i].emigrationCountry = country
                s.members[i].emigrationDay = Int32(day)
                addNote(&s, i, .emigration, note, day: day)
            }
        case 73:
            s.members[t].status = 70
            s.members[t].statusDay = Int32(day)
            addNote(&s, t, .disappeared, note, day: day)
        case 74..<76:
            s.members[t].protectionDay = target.protectionDay >= 0 ? -1 : Int32(day)
            addNote(&s, t, .protection, note, day: day)
        case 84..<92:
            s.members[t].church.toggle()
            s.members[t].churchDay = Int32(day)
            addNote(&s, t, .church, note, day: day)
        case 92..<96:
            guard target.country != 0 else { return }
            s.members[t].country = 0
            s.members[t].countryDay = Int32(day)
            addNote(&s, t, .citizenship, note, day: day)
        case 96..<100:
            guard let e = s.members.firstIndex(where: { $0.present && $0.status == 80 }) else { return }
            let a = randomAddress(municipality: pickMunicipality(&r), &r)
            s.members[e].status = 1
            s.members[e].statusDay = Int32(day)
            s.members[e].fromMunicipality = 255
            s.members[e].municipalityInDay = Int32(day)
            s.members[e].address = a
            s.members[e].moveInDay = Int32(day)
            addNote(&s, e, .immigration, note, day: day)
        default:
            // A move: the whole household at the address, or the target alone (a grown-up
            // child leaving home, a person moving in with no one).
            let sameMunicipality = r.chance(0.75)
            let mun = sameMunicipality ? Int(target.address.municipality) : pickMunicipality(&r)
            let a = randomAddress(municipality: mun, &r)
            let home = target.address
            var alone = r.chance(0.35)
            if alone {
                for (i, m) in s.members.enumerated() where i != t && m.isActive && m.address == home {
                    let minorChild = s.isChild(i, of: t) && day - Int(m.birthDay) < 18 * 365
                    if minorChild || (target.civil == 71 && Int(target.spouse) == i) { alone = false }
                }
            }
            let code: CPREventCode = mun == Int(home.municipality) ? .moveWithinMunicipality : .moveBetweenMunicipalities
            for i in s.members.indices where i == t || (!alone && s.members[i].isActive && s.members[i].address == home) {
                move(&s, i, to: a, day: day)
                addNote(&s, i, code, note, day: day)
            }
        }
    }
}

/// Natural logarithm for `x` in (0, 1], with plain arithmetic so every platform gives the
/// same bits (and the stub needs no Foundation).
@inline(__always)
func cprLog(_ x: Double) -> Double {
    let e = Double(x.exponent)
    let m = x.significand  // [1, 2)
    let z = (m - 1) / (m + 1)
    let z2 = z * z
    let series = z * (2 + z2 * (2.0 / 3 + z2 * (2.0 / 5 + z2 * (2.0 / 7 + z2 * (2.0 / 9 + z2 * (2.0 / 11))))))
    return e * 0.6931471805599453 + series
}
