import BusinessCalendar
import SourceStubs

/// An independent reader of CPR extract files for the tests: record lengths and field
/// positions are copied from the reference table by hand, not from the writer's code.
struct CPRTestFile {
    static let lengths: [String: Int] = [
        "000": 35, "001": 106, "002": 306, "003": 249, "004": 37, "005": 200, "008": 193,
        "009": 37, "010": 30, "011": 25, "012": 95, "014": 23, "015": 147, "023": 96,
        "099": 45, "910": 157, "999": 21,
    ]

    let bytes: [UInt8]
    let lines: [ArraySlice<UInt8>]

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
        var lines: [ArraySlice<UInt8>] = []
        var start = 0
        for (i, b) in bytes.enumerated() where b == 0x0A {
            lines.append(bytes[start..<i])
            start = i + 1
        }
        precondition(start == bytes.count, "file does not end with a line end")
        self.lines = lines
    }

    static func type(_ line: ArraySlice<UInt8>) -> String { field(line, 1, 3) }

    /// Field at 1-based `pos` with `len` bytes, decoded as ISO-8859-1, untrimmed.
    static func field(_ line: ArraySlice<UInt8>, _ pos: Int, _ len: Int) -> String {
        let s = line.startIndex + pos - 1
        return String(String.UnicodeScalarView(line[s..<(s + len)].map { Unicode.Scalar($0) }))
    }

    /// Field with trailing spaces removed.
    static func text(_ line: ArraySlice<UInt8>, _ pos: Int, _ len: Int) -> String {
        var f = field(line, pos, len)
        while f.last == " " { f.removeLast() }
        return f
    }

    /// Records grouped per person: each group starts with its 001.
    var persons: [[ArraySlice<UInt8>]] {
        var out: [[ArraySlice<UInt8>]] = []
        for l in lines.dropFirst().dropLast() {
            if Self.type(l) == "001" { out.append([l]) } else if !out.isEmpty { out[out.count - 1].append(l) }
        }
        return out
    }

    func records(_ type: String) -> [ArraySlice<UInt8>] { lines.filter { Self.type($0) == type } }
}

enum CPRFixture {
    static let small = try! CPRPopulation(seed: 20_260_302, size: 2_000)  // a valid constant
    static let day = CivilDate(year: 2026, month: 3, day: 2)!

    static func extract(_ pop: CPRPopulation, _ req: CPRExtractRequest) throws -> CPRTestFile {
        var sink = MemorySink()
        try CPRExtractWriter.write(population: pop, request: req, into: &sink, progress: nil)
        return CPRTestFile(sink.bytes)
    }
}

func cprIsDigits(_ s: String) -> Bool { !s.isEmpty && s.utf8.allSatisfy { $0 >= 48 && $0 <= 57 } }

func cprIsISODate(_ s: String) -> Bool { CivilDate(iso: s) != nil }
