import BusinessCalendar

/// Titles, guidance and legal references for one node, drawn from `KLEWords`.
///
/// Callers pass a generator seeded from the node's identity (seed, number, revision), so a
/// node's text does not depend on how many other nodes were generated before it.
enum KLEText {
    static let mainGroupsByNumber: [Int: KLEWords.MainGroup] = {
        var d: [Int: KLEWords.MainGroup] = [:]
        for m in KLEWords.mainGroups { d[m.number] = m }
        return d
    }()

    /// The word list entry for the main group a number belongs to.
    static func words(for number: String) -> KLEWords.MainGroup? {
        Int(number.prefix(2)).flatMap { mainGroupsByNumber[$0] }
    }

    /// "Byggesager" -> "byggesager", but "EU-projekter" stays as it is.
    static func lowerFirst(_ s: String) -> String {
        guard let f = s.first else { return s }
        let rest = s.dropFirst()
        if let second = rest.first, second.isUppercase { return s }
        return f.lowercased() + rest
    }

    static func pick<T>(_ items: [T], _ rng: inout SeededRandom) -> T {
        items[rng.below(items.count)]
    }

    /// A group title without its qualifier ("Byggesager – tilsyn og kontrol" -> "Byggesager"),
    /// so subject titles built on it read naturally.
    static func baseTitle(_ title: String) -> String {
        guard let r = title.firstRange(of: " – ") else { return title }
        return String(title[..<r.lowerBound])
    }

    /// A subject title for a group, different from every title in `avoid`.
    static func subjectTitle(
        groupTitle: String, related: [String], avoid: Set<String>, rng: inout SeededRandom
    ) -> String {
        let groupTitle = baseTitle(groupTitle)
        for _ in 0..<24 {
            let x = rng.chance(0.65) || related.isEmpty ? groupTitle : pick(related, &rng)
            let lx = lowerFirst(x)
            let t = substitute(pick(KLEWords.subjectTemplates, &rng)) { $0 == UInt8(ascii: "x") ? lx : nil }
            if !avoid.contains(t) { return t }
        }
        var n = 2
        while avoid.contains("\(groupTitle) (\(n))") { n += 1 }
        return "\(groupTitle) (\(n))"
    }

    /// 1...`maxParagraphs` guidance paragraphs about `x`, mentioning `y` and `sibling`.
    static func guidance(
        x: String, y: String, sibling: String, maxParagraphs: Int, rng: inout SeededRandom
    ) -> [String] {
        let count = 1 + rng.below(maxParagraphs)
        // Sentences are drawn without replacement, so no node repeats itself.
        var pool = Array(KLEWords.guidanceSentences.indices)
        var paragraphs: [String] = []
        for _ in 0..<count {
            var p: [String] = []
            for _ in 0..<(1 + rng.below(3)) where !pool.isEmpty {
                let i = pool.remove(at: rng.below(pool.count))
                p.append(fill(KLEWords.guidanceSentences[i], x: x, y: y, n: sibling, d: nil))
            }
            paragraphs.append(p.joined(separator: " "))
        }
        return paragraphs
    }

    /// A sentence recording a revision made on `date`.
    static func revision(x: String, y: String, date: CivilDate, rng: inout SeededRandom) -> String {
        fill(pick(KLEWords.revisionSentences, &rng), x: x, y: y, n: "", d: date)
    }

    static func fill(_ template: String, x: String, y: String, n: String, d: CivilDate?) -> String {
        substitute(template) { key in
            switch key {
            case UInt8(ascii: "X"): x
            case UInt8(ascii: "x"): lowerFirst(x)
            case UInt8(ascii: "y"): lowerFirst(y)
            case UInt8(ascii: "n"): n
            case UInt8(ascii: "d"): d.map(danishDate)
            default: nil
            }
        }
    }

    /// Replaces `{c}` placeholders in one pass over the UTF-8 bytes (the stdlib's generic
    /// `replacing` costs more than the rest of plan generation together).
    static func substitute(_ template: String, _ value: (UInt8) -> String?) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(template.utf8.count + 64)
        let t = Array(template.utf8)
        var i = 0
        while i < t.count {
            if t[i] == UInt8(ascii: "{"), i + 2 < t.count, t[i + 2] == UInt8(ascii: "}"), let v = value(t[i + 1]) {
                out.append(contentsOf: v.utf8)
                i += 3
            } else {
                out.append(t[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    static let monthNames = [
        "januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september",
        "oktober", "november", "december",
    ]

    /// "1. april 2024", as KLE's guidance texts write dates.
    static func danishDate(_ d: CivilDate) -> String {
        "\(d.day). \(monthNames[d.month - 1]) \(d.year)"
    }

    /// `count` references to distinct acts from `laws` (fewer if there are fewer acts).
    static func legalReferences(laws: [String], count: Int, rng: inout SeededRandom) -> [KLELegalReference] {
        guard !laws.isEmpty, count > 0 else { return [] }
        var chosen: [String] = []
        var pool = laws
        for _ in 0..<min(count, laws.count) {
            chosen.append(pool.remove(at: rng.below(pool.count)))
        }
        return chosen.map { KLEIdentity.legalReference(title: $0, paragraph: paragraph(&rng)) }
    }

    /// "§ 83", "§§ 12-14", "kapitel 4", or nil (the whole act).
    static func paragraph(_ rng: inout SeededRandom) -> String? {
        switch rng.below(10) {
        case 0: return nil
        case 1, 2:
            let a = 1 + rng.below(150)
            return "§§ \(a)-\(a + 1 + rng.below(4))"
        case 3: return "kapitel \(1 + rng.below(20))"
        default: return "§ \(1 + rng.below(200))"
        }
    }

    static func preservation(_ rng: inout SeededRandom) -> String {
        var r = rng.below(KLEWords.preservationCodes.reduce(0) { $0 + $1.weight })
        for (code, w) in KLEWords.preservationCodes {
            if r < w { return code }
            r -= w
        }
        return "K"
    }

    /// Days for a deletion period, or nil (about one subject in seven has none).
    static func deletionDays(_ rng: inout SeededRandom) -> Int? {
        rng.chance(0.15) ? nil : pick(KLEWords.deletionYears, &rng) * 365
    }
}
