import BusinessCalendar
import SourceStubs
import Testing

/// Issue 11, item 3: the population trapped on a precondition for epochs outside a
/// hard-coded 2000...2026. The range is now derived from CPR's century rule, the
/// population refuses anything outside it with a thrown error, and at both ends of it every
/// PNR still tells its holder's birth year.
@Suite struct CPREpochTests {
    static let range = CPRPopulation.epochs

    @Test func theRangeIsDerivedFromTheCenturyRule() {
        // Births after the epoch take 7th digit 8 (2000-2057); people at the epoch born
        // since 2000 take 4 among others (2000-2036).
        #expect(Self.range.lowerBound == CivilDate(year: 1999, month: 12, day: 31))
        #expect(Self.range.upperBound == CivilDate(year: 2037, month: 12, day: 31))
    }

    @Test func epochsOutsideTheRangeAndBadSizesAreThrownErrors() {
        let outside = [CivilDate(year: 1, month: 1, day: 1), CivilDate(year: 1999, month: 12, day: 30),
                       CivilDate(year: 2038, month: 1, day: 1), CivilDate(year: 9999, month: 12, day: 31)]
        for epoch in outside.compactMap({ $0 }) {
            #expect(throws: CPRStubError.self, "\(epoch)") { try CPRPopulation(seed: 1, size: 100, epoch: epoch) }
        }
        for size in [Int.min, -1, 0, CPRPopulation.maximumSize + 1, Int.max] {
            #expect(throws: CPRStubError.self, "\(size)") { try CPRPopulation(seed: 1, size: size) }
        }
    }

    /// At each end of the range, for a small population and the largest (seven year
    /// classes), sampled slots of both kinds: the PNR decodes to the birth date by the
    /// century rule and resolves back to its slot.
    @Test(arguments: [Self.range.lowerBound, CivilDate(year: 2027, month: 1, day: 1)!, Self.range.upperBound])
    func pnrsFollowTheCenturyRuleAcrossTheRange(epoch: CivilDate) throws {
        for size in [3_000, CPRPopulation.maximumSize] {
            let pop = try CPRPopulation(seed: 11, size: size, epoch: epoch)
            let late = epoch.adding(days: 3700)  // after the last birth
            var r = SeededRandom(seed: 5)
            let slots = (0..<400).map { _ in r.below(size) } + (0..<200).map { _ in size + r.below(pop.slotCount - size) }
            for i in slots {
                let pnr = try #require(pop.pnr(ofIndex: i))
                #expect(pop.index(ofPNR: pnr) == i, "epoch \(epoch), size \(size), slot \(i)")
                guard let p = pop.person(index: i, on: late) else { continue }
                let u = Array(pnr.utf8).map { Int($0) - 48 }
                let yy = u[4] * 10 + u[5], d7 = u[6]
                let year = switch d7 {
                case 0...3: 1900 + yy
                case 4, 9: (yy <= 36 ? 2000 : 1900) + yy
                default: (yy <= 57 ? 2000 : 1800) + yy
                }
                #expect(year == p.birthDate.year, "epoch \(epoch), size \(size): PNR \(pnr) vs \(p.birthDate)")
                #expect(u[0] * 10 + u[1] - 60 == p.birthDate.day && u[2] * 10 + u[3] == p.birthDate.month)
            }
        }
    }
}
