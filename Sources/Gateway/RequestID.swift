import Synchronization

/// The id of each call (the `X-Request-Id` header, the audit row, fault bodies), shaped as
/// a lowercase version-4 UUID so callers can store it where they store UUIDs.
///
/// Made from a random 122-bit value drawn once per process plus a call counter, instead of
/// fresh randomness per call: ids must be unique (the counter makes them so within the
/// process, the random base across processes and restarts), not unguessable, and drawing
/// from the system's generator on every call showed in the gateway's profile.
enum RequestID {
    static let base: (UInt64, UInt64) = {
        var g = SystemRandomNumberGenerator()
        return (g.next(), g.next())
    }()
    static let counter = Atomic<UInt64>(0)

    static func next() -> String {
        let n = counter.add(1, ordering: .relaxed).newValue
        return format(high: base.0, low: base.1 &+ n)
    }

    /// `xxxxxxxx-xxxx-4xxx-Vxxx-xxxxxxxxxxxx`: version nibble 4, variant bits 10.
    static func format(high: UInt64, low: UInt64) -> String {
        let hi = (high & ~0xF000) | 0x4000
        let lo = (low & ~(0xC << 60)) | (0x8 << 60)
        let hex: StaticString = "0123456789abcdef"
        return String(unsafeUninitializedCapacity: 36) { out in
            hex.withUTF8Buffer { h in
                var i = 0
                func put(_ v: UInt64, nibbles: Int) {
                    for k in stride(from: nibbles - 1, through: 0, by: -1) {
                        if i == 8 || i == 13 || i == 18 || i == 23 { out[i] = UInt8(ascii: "-"); i += 1 }
                        out[i] = h[Int((v >> (UInt64(k) * 4)) & 0xF)]
                        i += 1
                    }
                }
                put(hi, nibbles: 16)
                put(lo, nibbles: 16)
            }
            return 36
        }
    }
}
