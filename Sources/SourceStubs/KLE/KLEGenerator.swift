import BusinessCalendar

/// Builds the plan as published on the epoch (version 0), including the history a real
/// plan has by then: nodes created and corrected over the years since KLE began, some
/// subjects expired and some moved.
///
/// Node content comes from a generator seeded by (seed, number), so the plan's shape
/// (how many groups, which titles) and each node's text are independent streams.
enum KLEGenerator {
    static func nodeRandom(seed: UInt64, number: String, salt: UInt64) -> SeededRandom {
        SeededRandom(seed: seed, KLEIdentity.Tag.node.rawValue, KLEIdentity.key(number), salt)
    }

    /// A random quarter start strictly between `after` and `before`, nil if there is none.
    static func quarter(after a: CivilDate, before b: CivilDate, _ rng: inout SeededRandom) -> CivilDate? {
        let first = (a.monthIndexKLE / 3 + 1) * 3
        let last = b.isQuarterStartKLE ? b.monthIndexKLE - 3 : (b.monthIndexKLE / 3) * 3
        guard first <= last else { return nil }
        return CivilDate(firstOfMonthIndexKLE: first + 3 * rng.below((last - first) / 3 + 1))
    }

    static func mainGroup(seed: UInt64, words: KLEWords.MainGroup, created: CivilDate) -> KLENode {
        let number = KLEIdentity.two(words.number)
        var rng = nodeRandom(seed: seed, number: number, salt: 0)
        let y = words.groups[rng.below(words.groups.count)]
        return KLENode(
            number: number, uuid: KLEIdentity.uuid(seed: seed, number: number), level: .mainGroup,
            title: words.title,
            guidance: KLEText.guidance(x: words.title, y: y, sibling: number + ".01", maxParagraphs: 1, rng: &rng),
            legalReferences: [], created: created)
    }

    static func group(
        seed: UInt64, number: String, title: String, words: KLEWords.MainGroup?, created: CivilDate
    ) -> KLENode {
        var rng = nodeRandom(seed: seed, number: number, salt: 0)
        let related = words?.groups ?? [title]
        let guidance = rng.chance(0.75)
            ? KLEText.guidance(x: title, y: KLEText.pick(related, &rng), sibling: number + ".00", maxParagraphs: 2, rng: &rng)
            : []
        let refs = KLEText.legalReferences(laws: words?.laws ?? [], count: 1 + rng.below(2), rng: &rng)
        return KLENode(
            number: number, uuid: KLEIdentity.uuid(seed: seed, number: number), level: .group,
            title: title, guidance: guidance, legalReferences: refs, created: created)
    }

    /// A subject. Index 00 is "<group> i almindelighed"; other titles avoid `avoid`.
    static func subject(
        seed: UInt64, number: String, groupTitle: String, words: KLEWords.MainGroup?,
        created: CivilDate, avoid: Set<String>
    ) -> KLENode {
        var rng = nodeRandom(seed: seed, number: number, salt: 0)
        let related = words?.groups ?? []
        let title = KLEIdentity.lastIndex(number) == 0
            ? "\(groupTitle) i almindelighed"
            : KLEText.subjectTitle(groupTitle: groupTitle, related: related, avoid: avoid, rng: &rng)
        let sibling = String(number.prefix(5)) + ".00"
        let guidance = rng.chance(0.8)
            ? KLEText.guidance(
                x: groupTitle, y: related.isEmpty ? groupTitle : KLEText.pick(related, &rng),
                sibling: sibling, maxParagraphs: 2, rng: &rng)
            : []
        let refs = KLEText.legalReferences(laws: words?.laws ?? [], count: rng.below(3), rng: &rng)
        return KLENode(
            number: number, uuid: KLEIdentity.uuid(seed: seed, number: number), level: .subject,
            title: title, guidance: guidance, legalReferences: refs, created: created,
            preservation: KLEText.preservation(&rng), deletionPeriodDays: KLEText.deletionDays(&rng))
    }

    /// A copy of `old` at `number`, as KLE does when it moves a subject: same content,
    /// new number, new UUID, created on the move date.
    static func moved(_ old: KLENode, seed: UInt64, to number: String, on date: CivilDate) -> KLENode {
        KLENode(
            number: number, uuid: KLEIdentity.uuid(seed: seed, number: number), level: old.level,
            title: old.title, guidance: old.guidance, legalReferences: old.legalReferences,
            created: date, preservation: old.preservation, deletionPeriodDays: old.deletionPeriodDays)
    }

    /// Version 0.
    static func base(seed: UInt64, epoch: CivilDate) -> KLEWorkingState {
        var rng = SeededRandom(seed: seed, KLEIdentity.Tag.base.rawValue)
        var state = KLEWorkingState()
        // KLE began in 1988; a plan with an earlier epoch starts ten years before it.
        let origin = CivilDate(year: min(1988, epoch.year - 10), month: 1, day: 1)!

        var mains = KLEWords.mainGroups
        for _ in 0..<(2 + rng.below(3)) {
            mains.remove(at: 1 + rng.below(mains.count - 1))  // "00" always stays
        }

        var subjects: [String] = []
        var groups: [String] = []
        for words in mains {
            var main = mainGroup(seed: seed, words: words, created: origin)
            if rng.chance(0.3), let d = quarter(after: origin, before: epoch, &rng) { main.corrections = [d] }
            state.insert(main)

            var titles = words.groups
            for i in stride(from: titles.count - 1, to: 0, by: -1) { titles.swapAt(i, rng.below(i + 1)) }
            let groupCount = 10 + rng.below(7)
            var q = 0
            while titles.count < groupCount {
                titles.append(titles[q] + " " + KLEWords.groupQualifiers[q % KLEWords.groupQualifiers.count])
                q += 1
            }

            for gi in 1...groupCount {
                let gnum = main.number + "." + KLEIdentity.two(gi)
                let gcreated = rng.chance(0.7) ? origin : (quarter(after: origin, before: epoch, &rng) ?? origin)
                var g = group(seed: seed, number: gnum, title: titles[gi - 1], words: words, created: gcreated)
                if rng.chance(0.25), let d = quarter(after: gcreated, before: epoch, &rng) { g.corrections = [d] }
                state.insert(g)
                groups.append(gnum)

                var used = Set<String>()
                for si in 0..<(2 + rng.below(9)) {
                    let snum = gnum + "." + KLEIdentity.two(si)
                    let created = si == 0 || rng.chance(0.6)
                        ? gcreated : (quarter(after: gcreated, before: epoch, &rng) ?? gcreated)
                    var s = subject(
                        seed: seed, number: snum, groupTitle: g.title, words: words, created: created, avoid: used)
                    used.insert(s.title)
                    if rng.chance(0.3), let d = quarter(after: created, before: epoch, &rng) {
                        s.corrections = [d]
                        if rng.chance(0.3), let d2 = quarter(after: d, before: epoch, &rng) { s.corrections.append(d2) }
                    }
                    state.insert(s)
                    if si > 0 { subjects.append(snum) }
                }
            }
        }

        // History before the epoch: expired subjects, and subjects moved to another group.
        for snum in subjects {
            guard var s = state.nodes[snum] else { continue }
            if rng.chance(0.025) {
                guard let d = quarter(after: s.corrections.last ?? s.created, before: epoch, &rng) else { continue }
                s.expired = d
                state.insert(s)
            } else if rng.chance(0.008) {
                let target = groups[rng.below(groups.count)]
                guard target != s.parentNumber, let tg = state.nodes[target],
                      let newNumber = state.nextChildNumber(of: target),
                      let d = quarter(after: max(s.corrections.last ?? s.created, tg.created), before: epoch, &rng)
                else { continue }
                state.insert(moved(s, seed: seed, to: newNumber, on: d))
                s.expired = d
                s.movedTo = newNumber
                state.insert(s)
            }
        }
        return state
    }
}
