import BusinessCalendar

/// The persons of `CPRPersonCursor` as NDJSON, written straight from the block state into
/// a byte buffer: one line per person, byte for byte what the gateway's person lookup
/// renders for the `CPRPerson` (`CPRService.render`) followed by `\n`, without making the
/// person's `String`s. The vocabularies are JSON-escaped UTF-8 once (`CPRJSONVocabulary`),
/// numbers and dates are written digit by digit. This is the gateway's NDJSON population
/// stream; `CPRPersonCursor` stays the walk (and `makePerson` the values) it mirrors.
public struct CPRNDJSONCursor: Sendable {
    var persons: CPRPersonCursor
    let vocabulary: CPRJSONVocabulary

    /// The persons registered on `date`, only those living in `municipality` when given
    /// (nobody for an unknown code), in slot order; see `CPRPersonCursor`.
    public init(population: CPRPopulation, on date: CivilDate, municipality: String? = nil) {
        persons = CPRPersonCursor(population: population, on: date, municipality: municipality)
        vocabulary = .shared
    }

    /// Appends the next person's line (the JSON object and `\n`) to `bytes`; false, with
    /// nothing appended, when the walk is done.
    public mutating func next(into bytes: inout [UInt8]) -> Bool {
        guard let i = persons.nextMember() else { return false }
        persons.population.appendNDJSON(persons.state, i, vocabulary, to: &bytes)
        return true
    }
}

/// A vocabulary as JSON string contents: each entry's UTF-8, escaped as `JSONWriter`
/// escapes (`\"`, `\\`, `\n`, `\r`, `\t`, `\u00xx`), without the quotes, back to back.
/// Also holds whole fixed JSON fragments (`init(fragments:)`).
struct CPRJSONText: Sendable {
    let pool: [UInt8]
    /// Start of entry `i` in `pool`; `starts[i + 1]` is its end.
    let starts: [Int32]

    init(_ list: [String]) {
        self.init(fragments: list.map { s in
            var bytes: [UInt8] = []
            for b in s.utf8 { cprAppendJSONEscaped(b, to: &bytes) }
            return bytes
        })
    }

    init(fragments: [[UInt8]]) {
        var pool: [UInt8] = []
        var starts: [Int32] = [0]
        for f in fragments {
            pool.append(contentsOf: f)
            starts.append(Int32(pool.count))
        }
        self.pool = pool
        self.starts = starts
    }

    /// Entry `i`'s length in bytes.
    @inline(__always) func count(_ i: Int) -> Int { Int(starts[i + 1] - starts[i]) }
}

/// One byte of UTF-8 as JSON string contents (quotes, backslashes and control characters
/// escaped; everything else, including multi-byte sequences, copied).
func cprAppendJSONEscaped(_ b: UInt8, to out: inout [UInt8]) {
    guard b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") || b < 0x20 else {
        out.append(b)
        return
    }
    out.append(UInt8(ascii: "\\"))
    switch b {
    case UInt8(ascii: "\""), UInt8(ascii: "\\"): out.append(b)
    case UInt8(ascii: "\n"): out.append(UInt8(ascii: "n"))
    case UInt8(ascii: "\r"): out.append(UInt8(ascii: "r"))
    case UInt8(ascii: "\t"): out.append(UInt8(ascii: "t"))
    default:
        let hex: [UInt8] = Array("0123456789abcdef".utf8)
        out.append(contentsOf: [UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hex[Int(b >> 4)], hex[Int(b & 0x0F)]])
    }
}

/// One ISO-8859-1 byte (a `CPRTextTable` byte, a house letter) as JSON string contents.
@inline(__always) func cprAppendLatin1JSON(_ b: UInt8, to out: inout [UInt8]) {
    if b < 0x80 {
        cprAppendJSONEscaped(b, to: &out)
    } else {
        out.append(0xC0 | b >> 6)
        out.append(0x80 | b & 0x3F)
    }
}

/// The stub's vocabularies as JSON, built once.
final class CPRJSONVocabulary: Sendable {
    static let shared = CPRJSONVocabulary()

    let maleFirst = CPRJSONText(CPRNames.maleFirst.strings)
    let femaleFirst = CPRJSONText(CPRNames.femaleFirst.strings)
    let lastNames = CPRJSONText(CPRNames.lastNames.strings)
    let middleNames = CPRJSONText(CPRNames.middleNames.strings)
    let roads = CPRJSONText(CPRNames.roads.strings)
    let floors = CPRJSONText(CPRNames.floors.strings)
    let doors = CPRJSONText(CPRNames.doors.strings)
    /// Latin-1 lengths (characters) of the names, for the addressing name's 34 characters.
    let maleFirstLength = CPRJSONVocabulary.lengths(CPRNames.maleFirst)
    let femaleFirstLength = CPRJSONVocabulary.lengths(CPRNames.femaleFirst)
    let lastLength = CPRJSONVocabulary.lengths(CPRNames.lastNames)
    let middleLength = CPRJSONVocabulary.lengths(CPRNames.middleNames)
    /// Per municipality: `{"municipalityCode":"0101","roadCode":`.
    let addressHeads: CPRJSONText
    /// Per postal district, all municipalities back to back (`postalFirst[m]` is the
    /// first of municipality m): `,"postalCode":2100,"district":"København Ø","movedIn":`.
    let postalTails: CPRJSONText
    let postalFirst: [Int]
    /// Per `CPRNames.countryCodes` entry: `"citizenship":"5100"`.
    let citizenships: CPRJSONText

    private init() {
        let all = CPRMunicipalities.all
        func fragment(_ parts: [String]) -> [UInt8] { Array(parts.joined().utf8) }
        func string(_ s: String) -> String {
            var bytes: [UInt8] = [UInt8(ascii: "\"")]
            for b in s.utf8 { cprAppendJSONEscaped(b, to: &bytes) }
            bytes.append(UInt8(ascii: "\""))
            return String(decoding: bytes, as: UTF8.self)
        }
        addressHeads = CPRJSONText(fragments: all.map {
            fragment(["{\"municipalityCode\":", string($0.code), ",\"roadCode\":"])
        })
        postalTails = CPRJSONText(fragments: all.flatMap { m in
            m.postalDistricts.map { fragment([",\"postalCode\":", String($0.code), ",\"district\":", string($0.name), ",\"movedIn\":"]) }
        })
        var first: [Int] = []
        var n = 0
        for m in all { first.append(n); n += m.postalDistricts.count }
        postalFirst = first
        citizenships = CPRJSONText(fragments: CPRNames.countryCodes.map { fragment(["\"citizenship\":", string(String($0))]) })
    }

    static func lengths(_ t: CPRTextTable) -> [Int] { (0..<t.count).map { Int(t.starts[$0 + 1] - t.starts[$0]) } }
}

extension [UInt8] {
    @inline(__always) fileprivate mutating func put(_ s: StaticString) {
        s.withUTF8Buffer { append(contentsOf: $0) }
    }

    @inline(__always) fileprivate mutating func put(_ t: CPRJSONText, _ i: Int) {
        let start = Int(t.starts[i]), end = Int(t.starts[i + 1])
        t.pool.withUnsafeBufferPointer { append(contentsOf: UnsafeBufferPointer(rebasing: $0[start..<end])) }
    }

    /// `n` in `width` digits, zero-padded (n in 0..<10^width).
    @inline(__always) fileprivate mutating func fixed(_ n: Int, width: Int) {
        var divisor = 1
        for _ in 1..<width { divisor &*= 10 }
        var rest = n
        while divisor > 0 {
            append(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: rest / divisor))
            rest %= divisor
            divisor /= 10
        }
    }

    /// `n` in decimal, at least `minimumWidth` digits (zero-padded), `-` first when negative.
    fileprivate mutating func integer(_ n: Int, minimumWidth: Int = 1) {
        if n < 0 { append(UInt8(ascii: "-")) }
        var magnitude = n.magnitude
        var scratch: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: room for UInt.max's 20 digits
        Swift.withUnsafeMutableBytes(of: &scratch) { buf in
            var i = buf.count
            repeat {
                i -= 1
                buf[i] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: magnitude % 10)
                magnitude /= 10
            } while magnitude > 0 || buf.count - i < minimumWidth
            append(contentsOf: buf[i...])
        }
    }

    /// A PNR as `cprFormatPNR` writes it, quoted.
    @inline(__always) fileprivate mutating func pnr(_ n: Int) {
        append(UInt8(ascii: "\""))
        if n >= 0 && n < 10_000_000_000 { fixed(n, width: 10) } else { append(contentsOf: cprFormatPNR(n).utf8) }
        append(UInt8(ascii: "\""))
    }

    /// A day as `JSONWriter` writes a `CivilDate`: `"YYYY-MM-DD"`.
    fileprivate mutating func date(_ day: Int32) {
        let d = CivilDate(daysSinceEpoch: Int(day))
        append(UInt8(ascii: "\""))
        if (0...9999).contains(d.year) {
            fixed(d.year, width: 4)
            append(UInt8(ascii: "-"))
            fixed(d.month, width: 2)
            append(UInt8(ascii: "-"))
            fixed(d.day, width: 2)
        } else {
            append(contentsOf: d.description.utf8)
        }
        append(UInt8(ascii: "\""))
    }

    @inline(__always) fileprivate mutating func bool(_ b: Bool) { b ? put("true") : put("false") }
}

extension CPRPopulation {
    /// Member `i` of the block as `CPRService.render(makePerson(s, i))` writes it, and `\n`.
    /// Each value is decided as `makePerson` decides it (the same helpers where there is
    /// a decision to share); `CPRNDJSONTests` and the gateway's tests hold them equal.
    func appendNDJSON(_ s: CPRBlockState, _ i: Int, _ v: CPRJSONVocabulary, to out: inout [UInt8]) {
        let m = s.members[i]
        out.put("{\"pnr\":")
        out.pnr(m.pnr)
        out.put(",\"status\":\"")
        out.integer(Int(m.status), minimumWidth: 2)
        out.put("\",\"statusDate\":")
        out.date(m.statusDay)
        out.put(m.male ? ",\"sex\":\"M\",\"birthDate\":" : ",\"sex\":\"K\",\"birthDate\":")
        out.date(m.birthDay)
        out.put(",\"name\":{\"first\":\"")
        out.put(m.male ? v.maleFirst : v.femaleFirst, Int(m.first))
        if m.middle == .max {
            out.put("\",\"middle\":null,\"last\":\"")
        } else {
            out.put("\",\"middle\":\"")
            out.put(v.middleNames, Int(m.middle))
            out.put("\",\"last\":\"")
        }
        out.put(v.lastNames, Int(m.last))
        out.put("\",\"addressing\":")
        addressingNameJSON(m, v, to: &out)
        out.put(",\"since\":")
        out.date(m.nameDay)
        out.put("},\"address\":")
        addressJSON(m.address, movedIn: m.moveInDay, v, to: &out)
        out.put(",\"addressProtected\":")
        out.bool(m.protectionDay >= 0)
        out.put(",\"marketingProtected\":")
        out.bool(m.marketingProtectionDay >= 0)
        out.put(",\"civilStatus\":{\"code\":\"")
        cprAppendLatin1JSON(m.civil, to: &out)
        out.put("\",\"since\":")
        out.date(m.civilDay)
        if let sp = shownSpouse(s, i) {
            out.put(",\"spousePnr\":")
            out.pnr(s.members[sp].pnr)
            out.put(",\"spouseName\":")
            addressingNameJSON(s.members[sp], v, to: &out)
            out.put("},\"relations\":{\"mother\":")
        } else {
            out.put(",\"spousePnr\":null,\"spouseName\":null},\"relations\":{\"mother\":")
        }
        parentJSON(s, child: m, m.mother, mother: true, v, to: &out)
        out.put(",\"father\":")
        parentJSON(s, child: m, m.father, mother: false, v, to: &out)
        out.put(",\"children\":[")
        var first = true
        for c in s.members.indices where s.isChild(c, of: i) {
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            out.pnr(s.members[c].pnr)
        }
        out.put("]},")
        out.put(v.citizenships, Int(m.country))
        out.put(m.church ? ",\"churchMember\":true}\n" : ",\"churchMember\":false}\n")
    }

    /// `addressValue(a, movedIn:)` as `CPRService.render(_: Address)` writes it.
    func addressJSON(_ a: CPRAddress, movedIn: Int32, _ v: CPRJSONVocabulary, to out: inout [UInt8]) {
        let mun = Int(a.municipality)
        out.put(v.addressHeads, mun)
        out.integer(roadCode(a))
        out.put(",\"roadName\":\"")
        out.put(v.roads, roadNameIndex(a))
        out.put("\",\"houseNumber\":\"")
        out.integer(Int(a.house))
        if a.letter != 0 { cprAppendLatin1JSON(a.letter, to: &out) }
        out.put("\",\"floor\":\"")
        if let f = floorIndex(a) { out.put(v.floors, f) }
        out.put("\",\"door\":\"")
        out.put(v.doors, Int(a.door))
        out.append(UInt8(ascii: "\""))
        out.put(v.postalTails, v.postalFirst[mun] + postalDistrictIndex(a))
        out.date(movedIn)
        out.append(UInt8(ascii: "}"))
    }

    /// `addressingName(m)`, quoted: `Last,First Middle`, cut after 34 characters.
    func addressingNameJSON(_ m: CPRMember, _ v: CPRJSONVocabulary, to out: inout [UInt8]) {
        let firstLength = (m.male ? v.maleFirstLength : v.femaleFirstLength)[Int(m.first)]
        var length = v.lastLength[Int(m.last)] + 1 + firstLength
        if m.middle != .max { length += 1 + v.middleLength[Int(m.middle)] }
        out.append(UInt8(ascii: "\""))
        if length <= Self.addressingNameLength {
            out.put(v.lastNames, Int(m.last))
            out.append(UInt8(ascii: ","))
            out.put(m.male ? v.maleFirst : v.femaleFirst, Int(m.first))
            if m.middle != .max {
                out.append(UInt8(ascii: " "))
                out.put(v.middleNames, Int(m.middle))
            }
        } else {
            // Too long: the first 34 Latin-1 characters, each one scalar, transcoded.
            var left = Self.addressingNameLength
            func put(_ t: CPRTextTable, _ i: Int) {
                for k in Int(t.starts[i])..<Int(t.starts[i + 1]) where left > 0 {
                    cprAppendLatin1JSON(t.pool[k], to: &out)
                    left -= 1
                }
            }
            func byte(_ b: UInt8) {
                if left > 0 { out.append(b); left -= 1 }
            }
            put(CPRNames.lastNames, Int(m.last))
            byte(UInt8(ascii: ","))
            put(m.male ? CPRNames.maleFirst : CPRNames.femaleFirst, Int(m.first))
            if m.middle != .max {
                byte(UInt8(ascii: " "))
                put(CPRNames.middleNames, Int(m.middle))
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    /// A parent as `makePerson` makes it (`{"pnr":...,"name":...,"birthDate":...}`):
    /// member `p` of the block, or one outside the register (`outsideParent`) when p < 0.
    func parentJSON(_ s: CPRBlockState, child: CPRMember, _ p: Int8, mother: Bool, _ v: CPRJSONVocabulary,
                    to out: inout [UInt8]) {
        if p >= 0 {
            let pm = s.members[Int(p)]
            out.put("{\"pnr\":")
            out.pnr(pm.pnr)
            out.put(",\"name\":\"")
            // fullName(pm): First Middle Last.
            out.put(pm.male ? v.maleFirst : v.femaleFirst, Int(pm.first))
            if pm.middle != .max {
                out.append(UInt8(ascii: " "))
                out.put(v.middleNames, Int(pm.middle))
            }
            out.append(UInt8(ascii: " "))
            out.put(v.lastNames, Int(pm.last))
            out.put("\",\"birthDate\":")
            out.date(pm.birthDay)
        } else {
            let o = outsideParent(child: child, mother: mother)
            out.put("{\"pnr\":null,\"name\":\"")
            out.put(mother ? v.femaleFirst : v.maleFirst, o.first)
            out.append(UInt8(ascii: " "))
            out.put(v.lastNames, o.last)
            out.put("\",\"birthDate\":")
            out.date(Int32(o.birthDay))
        }
        out.append(UInt8(ascii: "}"))
    }
}
