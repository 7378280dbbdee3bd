import BusinessCalendar

/// Deterministic identities: UUIDs from (seed, number), stream tags, number formatting.
///
/// Everything here is a pure function of its inputs, with no `Hasher` (seeded per process),
/// so a node's UUID is the same on every machine, in every version and in every run.
enum KLEIdentity {
    /// Distinct stream tags, so the base plan, the change sets and the UUIDs never share
    /// random numbers.
    enum Tag: UInt64 {
        case base = 0x4B4C_4501
        case changes = 0x4B4C_4502
        case uuidHigh = 0x4B4C_4503
        case uuidLow = 0x4B4C_4504
        case node = 0x4B4C_4505
        case law = 0x4B4C_4506
    }

    /// FNV-1a over the UTF-8 bytes, then mixed: a stable 64-bit key for a KLE number.
    static func key(_ text: String) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in text.utf8 {
            h ^= UInt64(b)
            h = h &* 0x0000_0100_0000_01B3
        }
        return StubHash.finalize(h)
    }

    /// A lowercase, RFC 4122 version-4 shaped UUID for the node with this number.
    static func uuid(seed: UInt64, number: String) -> String {
        let k = key(number)
        var hi = StubHash.mix(seed, Tag.uuidHigh.rawValue, k)
        var lo = StubHash.mix(seed, Tag.uuidLow.rawValue, k)
        hi = (hi & ~0x0000_0000_0000_F000) | 0x0000_0000_0000_4000  // version 4
        lo = (lo & ~0xC000_0000_0000_0000) | 0x8000_0000_0000_0000  // variant 10xx
        let h = hex(hi, 16) + hex(lo, 16)
        let c = Array(h)
        return String(c[0..<8]) + "-" + String(c[8..<12]) + "-" + String(c[12..<16]) + "-"
            + String(c[16..<20]) + "-" + String(c[20..<32])
    }

    static func hex(_ v: UInt64, _ width: Int) -> String {
        let s = String(v, radix: 16, uppercase: false)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }

    /// `7` -> `07`.
    static func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }

    /// The last two-digit component of a number (`00.01.07` -> 7).
    static func lastIndex(_ number: String) -> Int {
        Int(number.suffix(2)) ?? 0
    }

    /// A legal reference to `title`. The accession number and address depend on the act
    /// only (not the seed), so one act looks the same wherever it is cited.
    static func legalReference(title: String, paragraph: String?) -> KLELegalReference {
        let k = StubHash.mix(Tag.law.rawValue, key(title))
        let year = 2010 + Int(k % 15)
        let serial = Int((k >> 8) % 9_999_999)
        let digits = String(serial)
        let accession = "A\(year)" + String(repeating: "0", count: 7 - digits.count) + digits
        let eli = 1 + Int((k >> 40) % 1999)
        return KLELegalReference(
            title: title, paragraph: paragraph, accessionNumber: accession,
            url: "https://www.retsinformation.dk/eli/lta/\(year)/\(eli)")
    }
}

extension CivilDate {
    /// Months since year 0, for quarter arithmetic (`year * 12 + month - 1`).
    var monthIndexKLE: Int { year * 12 + month - 1 }

    /// The first day of the month with this month index.
    init(firstOfMonthIndexKLE i: Int) {
        self = CivilDate(year: i / 12, month: i % 12 + 1, day: 1)!
    }

    /// True on 1 January, 1 April, 1 July and 1 October.
    var isQuarterStartKLE: Bool { day == 1 && (month - 1) % 3 == 0 }
}
