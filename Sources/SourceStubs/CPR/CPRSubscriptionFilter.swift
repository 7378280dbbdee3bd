/// Which persons of a municipality's extract a subscription wants (CPR's
/// "abonnement"): some PNRs, every person of the municipality, or persons with some kinds
/// of event, narrowing the municipality's own extract and never widening it.
///
/// - Change extract: a person of the municipality's change extract is written when
///   `wholeMunicipality` is set, their PNR is in `pnrs`, or one of their own events in
///   the window (their 099 records) has a code in `eventCodes`; their records are exactly
///   those of the unfiltered extract.
/// - Status extract (the subscription's initial load): the persons of the municipality's
///   status extract, all of them with `wholeMunicipality`, else those in `pnrs`; event
///   codes play no part. With PNRs only, just their blocks are computed, so the cost
///   follows the number of PNRs, not the size of the register.
public struct CPRSubscriptionFilter: Sendable, Equatable {
    /// PNRs as numbers (`DDMMYYSSSS` read as an integer; leading zeros dropped).
    public var pnrs: Set<Int>
    public var wholeMunicipality: Bool
    public var eventCodes: Set<CPREventCode>

    public init(pnrs: Set<Int> = [], wholeMunicipality: Bool = false, eventCodes: Set<CPREventCode> = []) {
        self.pnrs = pnrs
        self.wholeMunicipality = wholeMunicipality
        self.eventCodes = eventCodes
    }
}

extension CPRPopulation {
    /// The blocks holding `pnrs`' slots, ascending and unique; PNRs that cannot be this
    /// population's are left out (the caller still compares each member's own PNR).
    func blocks(ofPNRs pnrs: Set<Int>) -> [Int] {
        var out: [Int] = []
        out.reserveCapacity(pnrs.count)
        for p in pnrs where p >= 0 && p <= 9_999_999_999 {
            guard let i = codec.candidateIndex(pnr: cprFormatPNR(p)), i < slotCount else { continue }
            out.append(block(ofSlot: i))
        }
        out.sort()
        var w = 0
        for v in out where w == 0 || out[w - 1] != v {
            out[w] = v
            w += 1
        }
        out.removeLast(out.count - w)
        return out
    }
}
