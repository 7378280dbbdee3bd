import BusinessCalendar

/// Maps slot indexes to synthetic personnummer and back, in O(1) and without tables.
///
/// Real PNRs are `DDMMYYSSSS`. The stub writes day-of-month + 60 (61-91), which is never a
/// real birthday, so a synthetic PNR can never belong to a living person. The 7th digit
/// follows the century rule (0-3: 1900s; 4 and 9: 2000-2036 for YY 00-36; 5-8: 2000-2057
/// for YY 00-57, 1858-1899 for YY 58-99), so consumers that derive a birth year from the
/// PNR get the right one.
///
/// Slots `0..<baseCount` are people alive-or-registered at the epoch. Their index goes
/// through an affine permutation to an ordinal, and the ordinal fixes the day of the year
/// (`ordinal % 365`), a serial `0..<4000` and a year class `ordinal / 1_460_000`; the
/// household generator picks the birth year, rounded down to the nearest year in that class.
/// Slots from `baseCount` are births after the epoch: the birth day follows from the slot
/// number and the serials `8000-9999` are reserved for them, so the two never collide.
struct CPRPNRCodec: Sendable, Hashable {
    static let perYear = 365 * 4000
    /// How many days after the epoch births are spread over.
    static let birthHorizonDays = 3652

    let baseCount: Int
    let birthSlots: Int
    let yearClasses: Int
    let multiplier: Int
    let inverse: Int
    let shift: Int
    let epochDay: Int
    /// Births per day when dense (>= 1), else 0.
    let birthsPerDay: Int
    /// Days between births when sparse, else 0.
    let birthGap: Int

    init(baseCount: Int, birthSlots: Int, epochDay: Int) {
        self.baseCount = baseCount
        self.birthSlots = birthSlots
        self.epochDay = epochDay
        self.yearClasses = max(1, (baseCount + Self.perYear - 1) / Self.perYear)
        let n = max(1, baseCount)
        var a = max(1, Int(Double(n) * 0.6180339887)) | 1
        while gcd(a, n) != 1 { a += 1 }
        self.multiplier = a % n == 0 && n > 1 ? 1 : a
        self.inverse = modInverse(self.multiplier, n)
        self.shift = n / 3
        if birthSlots >= Self.birthHorizonDays {
            birthsPerDay = (birthSlots + Self.birthHorizonDays - 1) / Self.birthHorizonDays
            birthGap = 0
        } else {
            birthsPerDay = 0
            birthGap = birthSlots > 0 ? Self.birthHorizonDays / birthSlots : 1
        }
    }

    func ordinal(_ index: Int) -> Int {
        baseCount <= 1 ? 0 : Int((Int128(multiplier) * Int128(index) + Int128(shift)) % Int128(baseCount))
    }

    func index(ofOrdinal o: Int) -> Int {
        guard baseCount > 1 else { return 0 }
        let d = ((o - shift) % baseCount + baseCount) % baseCount
        return Int((Int128(inverse) * Int128(d)) % Int128(baseCount))
    }

    /// Birth day (days since 1970) of base slot `index`, given the year the household wants.
    func baseBirthDay(index: Int, desiredYear: Int) -> Int {
        let o = ordinal(index)
        let doy = o % 365
        let cls = o / Self.perYear
        let k = yearClasses
        let y = desiredYear - (((desiredYear - cls) % k) + k) % k
        return CivilDate.firstDay(ofYear: y).daysSinceEpoch + doy
    }

    /// Birth day of birth slot `k` (0-based), days since 1970.
    func birthDay(birthSlot k: Int) -> Int {
        let off = birthsPerDay > 0 ? k / birthsPerDay : k * birthGap
        return epochDay + 1 + off
    }

    /// The PNR as a 10-digit number.
    func pnr(index: Int, birthDay: Int) -> Int {
        let d = CivilDate(daysSinceEpoch: birthDay)
        let serial: Int
        if index < baseCount {
            let s = (ordinal(index) / 365) % 4000
            serial = s + Self.centuryOffset(d.year)
        } else {
            let k = index - baseCount
            serial = 8000 + (birthsPerDay > 0 ? k % birthsPerDay : 0)
        }
        return (d.day + 60) * 100_000_000 + d.month * 1_000_000 + (d.year % 100) * 10_000 + serial
    }

    /// CPR's century rule: the year of birth a PNR's 7th digit and two-digit year stand for.
    static func birthYear(seventhDigit d7: Int, yy: Int) -> Int {
        switch d7 {
        case 0...3: return 1900 + yy
        case 4, 9: return (yy <= 36 ? 2000 : 1900) + yy
        default: return (yy <= 57 ? 2000 : 1800) + yy
        }
    }

    /// Every year a 7th digit can stand for (over the two-digit years 00-99), in order.
    static func birthYears(seventhDigit d7: Int) -> [Int] {
        (0...99).map { birthYear(seventhDigit: d7, yy: $0) }.sorted()
    }

    static func centuryOffset(_ year: Int) -> Int {
        if year >= 2000 { return 4000 }
        if year >= 1900 { return 0 }
        return 5000
    }

    /// The slot a PNR would belong to, or nil when it cannot be one of ours. The caller
    /// still compares the slot's real PNR, because years of the same class share slots.
    func candidateIndex(pnr text: String) -> Int? {
        let u = Array(text.utf8)
        guard u.count == 10, u.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        func num(_ a: Int, _ n: Int) -> Int { var v = 0; for i in a..<(a + n) { v = v * 10 + Int(u[i] - 48) }; return v }
        let dd = num(0, 2), mm = num(2, 2), yy = num(4, 2), serial = num(6, 4)
        let d7 = serial / 1000
        guard (61...91).contains(dd) else { return nil }
        let year = Self.birthYear(seventhDigit: d7, yy: yy)
        guard let date = CivilDate(year: year, month: mm, day: dd - 60) else { return nil }
        let day = date.daysSinceEpoch
        if year >= 2000 && serial >= 8000 {
            let r = serial - 8000
            let off = day - epochDay - 1
            guard off >= 0 else { return nil }
            let k: Int
            if birthsPerDay > 0 {
                guard r < birthsPerDay else { return nil }
                k = off * birthsPerDay + r
            } else {
                guard r == 0, birthGap > 0, off % birthGap == 0 else { return nil }
                k = off / birthGap
            }
            guard k < birthSlots else { return nil }
            return baseCount + k
        }
        let s = serial - Self.centuryOffset(year)
        guard (0..<4000).contains(s) else { return nil }
        let doy = day - CivilDate.firstDay(ofYear: year).daysSinceEpoch
        guard doy < 365 else { return nil }
        let cls = ((year % yearClasses) + yearClasses) % yearClasses
        let o = doy + 365 * (s + 4000 * cls)
        guard o < baseCount else { return nil }
        return index(ofOrdinal: o)
    }
}

private func gcd(_ a: Int, _ b: Int) -> Int {
    var a = a, b = b
    while b != 0 { (a, b) = (b, a % b) }
    return a
}

private func modInverse(_ a: Int, _ m: Int) -> Int {
    guard m > 1 else { return 0 }
    var (t, newT) = (0, 1)
    var (r, newR) = (m, a % m)
    while newR != 0 {
        let q = r / newR
        (t, newT) = (newT, t - q * newT)
        (r, newR) = (newR, r - q * newR)
    }
    return t < 0 ? t + m : t
}

extension CivilDate {
    /// 1 January of `year` (a real day for every year).
    static func firstDay(ofYear year: Int) -> CivilDate {
        CivilDate(year: year, month: 1, day: 1) ?? CivilDate(daysSinceEpoch: 0)
    }

    /// 31 December of `year`.
    static func lastDay(ofYear year: Int) -> CivilDate {
        firstDay(ofYear: year + 1).adding(days: -1)
    }
}
