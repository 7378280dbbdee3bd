import BusinessCalendar

/// The plan while a version is being built: nodes by number plus, per parent, the highest
/// child index ever used, so a new node never takes a number an expired one had.
///
/// Dictionaries are only probed, never iterated unsorted: their order differs between
/// processes, and the output must not.
struct KLEWorkingState: Sendable {
    /// Number -> node.
    var nodes: [String: KLENode] = [:]
    /// Every number, sorted (pre-order), kept sorted on insert so no version re-sorts.
    var order: [String] = []
    /// UUID -> number.
    var numberByUUID: [String: String] = [:]
    /// Parent number ("" for main groups) -> highest two-digit index used under it.
    var highestChild: [String: Int] = [:]

    init() {}

    mutating func insert(_ node: KLENode) {
        if nodes.updateValue(node, forKey: node.number) == nil {
            order.insert(node.number, at: insertionPoint(node.number))
            numberByUUID[node.uuid] = node.number
        }
        let parent = node.parentNumber ?? ""
        let i = KLEIdentity.lastIndex(node.number)
        if i > highestChild[parent, default: -1] { highestChild[parent] = i }
    }

    /// The first position in `order` holding a number greater than `number`.
    func insertionPoint(_ number: String) -> Int {
        if let last = order.last, last < number { return order.count }
        var lo = 0, hi = order.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if order[mid] <= number { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// The position of `number` in `order`, nil when absent.
    func position(of number: String) -> Int? {
        let i = insertionPoint(number) - 1
        return i >= 0 && order[i] == number ? i : nil
    }

    /// The next unused number under `parent` ("" for a new main group), nil when all 100
    /// two-digit numbers are taken.
    func nextChildNumber(of parent: String) -> String? {
        let i = highestChild[parent, default: parent.isEmpty ? -1 : 0] + 1
        guard i <= 99 else { return nil }
        return parent.isEmpty ? KLEIdentity.two(i) : parent + "." + KLEIdentity.two(i)
    }

    /// Titles of the children of `parent` (active and historic), for avoiding duplicates.
    /// Probes the at most 100 possible child numbers instead of scanning the plan.
    func childTitles(of parent: String) -> Set<String> {
        var s = Set<String>()
        guard let highest = highestChild[parent] else { return s }
        for i in 0...highest {
            if let t = nodes[parent + "." + KLEIdentity.two(i)]?.title { s.insert(t) }
        }
        return s
    }

    /// The published version: shares this state's storage (copy-on-write), so a snapshot
    /// costs one pass to list the nodes in order.
    func snapshot(number: Int, publicationDate: CivilDate) -> KLEVersion {
        KLEVersion(number: number, publicationDate: publicationDate, state: self)
    }
}
