import BusinessCalendar

/// The edits that turn version `k - 1` into version `k`: what KL's editors do in a quarter.
///
/// Every edit is dated the publication date, so a receiver can tell what a version
/// changed from the dates alone (see `KLEExtractWriter.writeChanges`). Per version:
/// 6-15 new subjects, 10-25 changed subjects (title, guidance, references or retention),
/// 3-8 expired subjects, 2-5 moved subjects, 1-3 changed groups, sometimes a changed main
/// group and sometimes a new group with its own subjects. `.00` subjects ("... i
/// almindelighed") are never expired or moved, and nothing is touched twice in a version.
enum KLEChangeSet {
    static func apply(version k: Int, publication date: CivilDate, seed: UInt64, to state: inout KLEWorkingState) {
        var rng = SeededRandom(seed: seed, KLEIdentity.Tag.changes.rawValue, UInt64(k))
        let sorted = state.order
        var subjects: [String] = []
        var groups: [String] = []
        var mains: [String] = []
        for n in sorted {
            guard let node = state.nodes[n], node.expired == nil else { continue }
            switch node.level {
            case .mainGroup: mains.append(n)
            case .group: groups.append(n)
            case .subject: if KLEIdentity.lastIndex(n) != 0 { subjects.append(n) }
            }
        }
        var touched = Set<String>()
        func pick(_ from: [String]) -> String? {
            guard !from.isEmpty else { return nil }
            for _ in 0..<32 {
                let n = from[rng.below(from.count)]
                if !touched.contains(n) { touched.insert(n); return n }
            }
            return nil
        }

        for _ in 0..<(3 + rng.below(6)) {
            guard let n = pick(subjects), var s = state.nodes[n] else { continue }
            s.expired = date
            state.insert(s)
        }

        for _ in 0..<(2 + rng.below(4)) {
            guard let n = pick(subjects), var s = state.nodes[n] else { continue }
            var target: String?
            for _ in 0..<8 {
                let g = groups[rng.below(groups.count)]
                if g != s.parentNumber, state.nextChildNumber(of: g) != nil { target = g; break }
            }
            guard let target, let newNumber = state.nextChildNumber(of: target) else { continue }
            touched.insert(newNumber)
            state.insert(KLEGenerator.moved(s, seed: seed, to: newNumber, on: date))
            s.expired = date
            s.movedTo = newNumber
            state.insert(s)
        }

        for _ in 0..<(10 + rng.below(16)) {
            guard let n = pick(subjects), var s = state.nodes[n] else { continue }
            revise(&s, version: k, date: date, seed: seed, state: state)
            state.insert(s)
        }

        for _ in 0..<(1 + rng.below(3)) {
            guard let n = pick(groups), var g = state.nodes[n] else { continue }
            revise(&g, version: k, date: date, seed: seed, state: state)
            state.insert(g)
        }

        if rng.chance(0.4), let n = pick(mains), var m = state.nodes[n] {
            revise(&m, version: k, date: date, seed: seed, state: state)
            state.insert(m)
        }

        for _ in 0..<(6 + rng.below(10)) {
            guard let g = pick(groups).flatMap({ state.nodes[$0] }), let number = state.nextChildNumber(of: g.number)
            else { continue }
            touched.remove(g.number)  // a group that only gains a subject is not itself changed
            let s = KLEGenerator.subject(
                seed: seed, number: number, groupTitle: g.title, words: KLEText.words(for: g.number),
                created: date, avoid: state.childTitles(of: g.number))
            touched.insert(number)
            state.insert(s)
        }

        if rng.chance(0.3), let m = pick(mains).flatMap({ state.nodes[$0] }),
           let gnum = state.nextChildNumber(of: m.number) {
            let words = KLEText.words(for: m.number)
            let existing = state.childTitles(of: m.number)
            var title = (words?.groups ?? []).first { !existing.contains($0) }
            if title == nil, let base = words?.groups.first {
                title = KLEWords.groupQualifiers.lazy.map { base + " " + $0 }.first { !existing.contains($0) }
            }
            let g = KLEGenerator.group(
                seed: seed, number: gnum, title: title ?? "Nye opgaver \(date.year)", words: words, created: date)
            state.insert(g)
            var used = Set<String>()
            for si in 0..<(1 + rng.below(3)) {
                let s = KLEGenerator.subject(
                    seed: seed, number: gnum + "." + KLEIdentity.two(si), groupTitle: g.title, words: words,
                    created: date, avoid: used)
                used.insert(s.title)
                state.insert(s)
            }
        }
    }

    /// One editorial change to an active node, recorded as a `RettetDato`.
    static func revise(
        _ node: inout KLENode, version k: Int, date: CivilDate, seed: UInt64,
        state: KLEWorkingState
    ) {
        var rng = KLEGenerator.nodeRandom(seed: seed, number: node.number, salt: UInt64(k))
        let words = KLEText.words(for: node.number)
        let related = words?.groups ?? [node.title]
        let x = node.parentNumber.flatMap { state.nodes[$0]?.title } ?? node.title
        let y = KLEText.pick(related, &rng)
        let roll = rng.below(10)
        switch (node.level, roll) {
        case (.subject, 0...3) where KLEIdentity.lastIndex(node.number) != 0:
            let avoid = state.childTitles(of: node.parentNumber ?? "").union([node.title])
            node.title = KLEText.subjectTitle(groupTitle: x, related: related, avoid: avoid, rng: &rng)
        case (.subject, 8):
            let refs = KLEText.legalReferences(laws: words?.laws ?? [], count: 1, rng: &rng)
            if let r = refs.first, !node.legalReferences.contains(r) {
                node.legalReferences.append(r)
                if node.legalReferences.count > 3 { node.legalReferences.removeFirst() }
            } else {
                node.guidance.append(KLEText.revision(x: x, y: y, date: date, rng: &rng))
            }
        case (.subject, 9):
            let old = node.deletionPeriodDays
            var days = KLEText.deletionDays(&rng)
            if days == old { days = (old ?? 0) + 365 }
            node.deletionPeriodDays = days
        case (.group, 0...1):
            let avoid = state.childTitles(of: node.parentNumber ?? "")
            let candidate = node.title + " " + KLEText.pick(KLEWords.groupQualifiers, &rng)
            if !node.title.contains("–"), !avoid.contains(candidate) { node.title = candidate } else {
                node.guidance.append(KLEText.revision(x: node.title, y: y, date: date, rng: &rng))
            }
        default:
            let sentence = KLEText.revision(x: node.level == .subject ? x : node.title, y: y, date: date, rng: &rng)
            if node.guidance.isEmpty || rng.chance(0.5) {
                node.guidance.append(sentence)
            } else {
                node.guidance[node.guidance.count - 1] += " " + sentence
            }
        }
        node.corrections.append(date)
    }
}
