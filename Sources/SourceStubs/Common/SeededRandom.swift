/// Deterministic randomness for the source stubs.
///
/// The stubs must give byte-identical output for the same seed and date on every machine
/// and Swift version, so they never use `SystemRandomNumberGenerator` or `Hasher` (which
/// is seeded per process). SplitMix64 is small, fast and has no platform dependence.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) {
        self.state = seed
    }

    /// A generator for one entity (a person, a day, a subject) derived from a base seed,
    /// so entities can be generated independently and in any order.
    public init(seed: UInt64, _ a: UInt64, _ b: UInt64 = 0, _ c: UInt64 = 0) {
        self.state = StubHash.mix(seed, a, b, c)
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in `0..<bound` (bound > 0), without modulo bias worth caring about here.
    public mutating func below(_ bound: Int) -> Int {
        Int((UInt128(next()) &* UInt128(bound)) >> 64)
    }

    /// True with probability `p`.
    public mutating func chance(_ p: Double) -> Bool {
        Double(next() >> 11) * 0x1.0p-53 < p
    }

    /// Picks an index from cumulative weights (ascending, last = total).
    public mutating func pick(cumulative weights: [Int]) -> Int {
        let r = below(weights[weights.count - 1])
        var lo = 0, hi = weights.count - 1
        while lo < hi {
            let mid = (lo + hi) / 2
            if weights[mid] > r { hi = mid } else { lo = mid + 1 }
        }
        return lo
    }
}

/// Stateless 64-bit mixing, for decisions that must be answerable without walking a
/// generator ("does person i change on day d?").
public enum StubHash {
    public static func mix(_ values: UInt64...) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for v in values {
            h ^= v &+ 0x9E37_79B9_7F4A_7C15 &+ (h << 6) &+ (h >> 2)
            h = finalize(h)
        }
        return h
    }

    @inline(__always)
    public static func finalize(_ x: UInt64) -> UInt64 {
        var z = x
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
