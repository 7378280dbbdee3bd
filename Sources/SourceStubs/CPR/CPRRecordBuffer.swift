/// The writer's output buffer and fixed-width field writers.
///
/// One buffer is allocated per extract and reused for every chunk, and every record is
/// built in place: the record's bytes are first set to spaces, then each field is written
/// at its documented 1-based position. Nothing here allocates, which is what makes the
/// generator fast enough to never be the bottleneck in front of gzip.
final class CPRRecordBuffer {
    let capacity: Int
    let base: UnsafeMutablePointer<UInt8>
    var count = 0
    /// Records written since the start record (the 999 TAELLER).
    var records = 0
    var totalBytes = 0

    init(capacity: Int) {
        self.capacity = capacity
        base = .allocate(capacity: capacity)
    }

    deinit { base.deallocate() }

    /// Starts a record of `type`: fills its length with spaces, writes the type and the line
    /// end, and returns a pointer such that `p[pos - 1]` is 1-based position `pos`.
    @inline(__always)
    func begin(_ type: CPRRecordType) -> UnsafeMutablePointer<UInt8> {
        let len = type.length
        precondition(count + len + 1 <= capacity, "CPR record buffer overflow")
        let p = base + count
        p.update(repeating: 0x20, count: len)
        CPRField.num(p, 1, 3, type.numericCode)
        p[len] = 0x0A
        count += len + 1
        records += 1
        return p
    }

    func flush<S: ByteSink>(into sink: inout S) throws {
        guard count > 0 else { return }
        try sink.write(UnsafeRawBufferPointer(start: base, count: count))
        totalBytes += count
        count = 0
    }
}

/// Latin-1 tables copied into raw memory once per extract, so the hot path reads them
/// without retain/release or bounds checks.
final class CPRLatin1Table {
    let pool: UnsafeMutablePointer<UInt8>
    let starts: UnsafeMutablePointer<Int32>
    let count: Int

    init(_ t: CPRTextTable) {
        count = t.count
        pool = .allocate(capacity: max(1, t.pool.count))
        pool.initialize(from: t.pool, count: t.pool.count)
        starts = .allocate(capacity: t.starts.count)
        starts.initialize(from: t.starts, count: t.starts.count)
    }

    convenience init(_ strings: [String]) { self.init(CPRTextTable(strings)) }

    deinit {
        pool.deallocate()
        starts.deallocate()
    }

    @inline(__always) func start(_ i: Int) -> UnsafeMutablePointer<UInt8> { pool + Int(starts[i]) }
    @inline(__always) func length(_ i: Int) -> Int { Int(starts[i + 1] - starts[i]) }
}

/// Fixed-width field writers. `pos` is the 1-based position from the format table.
enum CPRField {
    /// Right-aligned, zero-padded number.
    @inline(__always)
    static func num(_ p: UnsafeMutablePointer<UInt8>, _ pos: Int, _ len: Int, _ value: Int) {
        var v = value
        var i = pos - 1 + len - 1
        let first = pos - 1
        while i >= first {
            p[i] = UInt8(truncatingIfNeeded: 48 + v % 10)
            v /= 10
            i -= 1
        }
    }

    /// Left-aligned text from a table, cut to the field.
    @inline(__always)
    static func text(_ p: UnsafeMutablePointer<UInt8>, _ pos: Int, _ len: Int, _ t: CPRLatin1Table, _ i: Int) {
        let n = min(len, t.length(i))
        (p + pos - 1).update(from: t.start(i), count: n)
    }

    @inline(__always)
    static func byte(_ p: UnsafeMutablePointer<UInt8>, _ pos: Int, _ b: UInt8) { p[pos - 1] = b }

    /// `YYYY-MM-DD`.
    @inline(__always)
    static func iso(_ p: UnsafeMutablePointer<UInt8>, _ pos: Int, _ day: Int32) {
        let d = CPRDay(Int(day))
        num(p, pos, 4, d.year)
        p[pos + 3] = 45
        num(p, pos + 5, 2, d.month)
        p[pos + 6] = 45
        num(p, pos + 8, 2, d.day)
    }

    /// `YYYYMMDD` followed by the time `HHMM`.
    @inline(__always)
    static func stamp(_ p: UnsafeMutablePointer<UInt8>, _ pos: Int, _ day: Int32, hhmm: Int = 0) {
        let d = CPRDay(Int(day))
        num(p, pos, 4, d.year)
        num(p, pos + 4, 2, d.month)
        num(p, pos + 6, 2, d.day)
        num(p, pos + 8, 4, hhmm)
    }

    /// `YYYYMMDD`.
    static func compact(_ p: UnsafeMutablePointer<UInt8>, _ pos: Int, _ day: Int) {
        let d = CPRDay(day)
        num(p, pos, 4, d.year)
        num(p, pos + 4, 2, d.month)
        num(p, pos + 6, 2, d.day)
    }
}

/// Civil date parts from a day number, without building a `CivilDate` (Hinnant's algorithm).
struct CPRDay {
    let year: Int, month: Int, day: Int
    @inline(__always)
    init(_ z0: Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        day = doy - (153 * mp + 2) / 5 + 1
        month = mp < 10 ? mp + 3 : mp - 9
        year = yoe + era * 400 + (month <= 2 ? 1 : 0)
    }
}

/// Builds composite text (names, address lines) into a field without allocating.
struct CPRTextCursor {
    var p: UnsafeMutablePointer<UInt8>
    var left: Int

    @inline(__always)
    init(_ rec: UnsafeMutablePointer<UInt8>, _ pos: Int, _ len: Int) {
        p = rec + pos - 1
        left = len
    }

    @inline(__always)
    mutating func put(_ t: CPRLatin1Table, _ i: Int) {
        let n = min(left, t.length(i))
        p.update(from: t.start(i), count: n)
        p += n
        left -= n
    }

    @inline(__always)
    mutating func byte(_ b: UInt8) {
        guard left > 0 else { return }
        p.pointee = b
        p += 1
        left -= 1
    }

    @inline(__always)
    mutating func number(_ v: Int) {
        if v >= 10 { number(v / 10) }
        byte(UInt8(48 + v % 10))
    }
}
