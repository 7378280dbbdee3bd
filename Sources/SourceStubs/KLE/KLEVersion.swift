import BusinessCalendar

/// One published edition of the plan: every node, active and historic, as of its
/// publication date.
///
/// Held flat, in number order (which is also pre-order: `00` < `00.01` < `00.01.00` <
/// `00.02` < `01`), with dictionaries by number and UUID, so lookups are one hash probe
/// and the XML writer streams the list without building a tree.
public struct KLEVersion: Sendable {
    /// 0 for the edition published on the epoch, then one more per quarter.
    public let number: Int
    /// `UdgivelsesDato`: the epoch for version 0, otherwise 1 January, 1 April, 1 July or 1 October.
    public let publicationDate: CivilDate
    /// Every node in number order, without children.
    public let nodes: [KLENode]
    /// The working state this version was snapshotted from: lookups go through its
    /// dictionaries, and the next version continues from it.
    let state: KLEWorkingState

    init(number: Int, publicationDate: CivilDate, state: KLEWorkingState) {
        self.number = number
        self.publicationDate = publicationDate
        self.state = state
        self.nodes = state.order.map { state.nodes[$0]! }
    }

    /// The whole plan as a tree, main groups first. Built on each call (a few ms): callers
    /// that only need one node should use `node(number:)` or `subtree(number:)`.
    public var mainGroups: [KLENode] {
        KLEVersion.forest(nodes[...])
    }

    /// The node with this number (`00`, `00.01`, `00.01.00`), without children; nil when
    /// the number was never used. Historic nodes are found too: check `isHistoric`.
    public func node(number: String) -> KLENode? {
        state.nodes[number]
    }

    /// The node with this UUID (lowercase), without children.
    public func node(uuid: String) -> KLENode? {
        state.numberByUUID[uuid.lowercased()].flatMap { state.nodes[$0] }
    }

    /// The node with this number and all its descendants.
    public func subtree(number: String) -> KLENode? {
        guard let i = state.position(of: number) else { return nil }
        let prefix = number + "."
        var end = i + 1
        while end < nodes.count, nodes[end].number.hasPrefix(prefix) { end += 1 }
        return KLEVersion.forest(nodes[i..<end]).first
    }

    /// Counts by level and status, for summaries and tests.
    public var statistics: KLEVersionStatistics {
        var s = KLEVersionStatistics()
        for n in nodes {
            switch n.level {
            case .mainGroup: s.mainGroups += 1
            case .group: s.groups += 1
            case .subject: s.subjects += 1
            }
            if n.isHistoric { s.historic += 1 }
        }
        return s
    }

    /// Rebuilds the tree from a pre-order slice with a stack of open nodes.
    static func forest(_ flat: ArraySlice<KLENode>) -> [KLENode] {
        var roots: [KLENode] = []
        var stack: [KLENode] = []
        func closeTop() {
            let done = stack.removeLast()
            if stack.isEmpty { roots.append(done) } else { stack[stack.count - 1].children.append(done) }
        }
        for n in flat {
            while let top = stack.last, top.level.depth >= n.level.depth { closeTop() }
            stack.append(n)
        }
        while !stack.isEmpty { closeTop() }
        return roots
    }
}

/// How many nodes a version has, by level; `historic` counts expired and moved nodes of
/// every level (they are also counted in their level).
public struct KLEVersionStatistics: Sendable, Hashable {
    /// `Hovedgruppe` nodes, active and historic.
    public var mainGroups = 0
    /// `Gruppe` nodes, active and historic.
    public var groups = 0
    /// `Emne` nodes, active and historic.
    public var subjects = 0
    /// Expired and moved nodes of any level.
    public var historic = 0
}

/// A version's number and dates, without computing its content: what schedulers and the
/// admin API list.
public struct KLEVersionInfo: Sendable, Hashable {
    public let number: Int
    /// `UdgivelsesDato`.
    public let publicationDate: CivilDate
    /// The next version's publication date: this version is in force on
    /// `publicationDate..<supersededOn`.
    public let supersededOn: CivilDate
}

/// What happened to one node between a version and the one before it.
public enum KLEChangeKind: String, Sendable, Hashable, CaseIterable {
    /// The number did not exist before (`OprettetDato` is the publication date).
    case new
    /// Title, guidance, references or retention changed (`RettetDato` is the publication date).
    case changed
    /// Taken out of use (`Historisk/UdgaaetDato` is the publication date).
    case expired
    /// Taken out of use and replaced by another number (`Historisk/Flyttet/FlyttetDato` is
    /// the publication date; the replacement is a `new` node).
    case moved
}

/// The differences between a version and its predecessor, node by node.
public struct KLEChangeList: Sendable {
    /// The version whose changes these are.
    public let version: Int
    /// The version it is compared with (`version - 1`).
    public let previousVersion: Int
    /// Number -> kind, for every node that differs.
    public let kinds: [String: KLEChangeKind]

    /// How many nodes of each kind.
    public var counts: [KLEChangeKind: Int] {
        var c: [KLEChangeKind: Int] = [:]
        for k in kinds.values { c[k, default: 0] += 1 }
        return c
    }

    /// Compares two versions number by number. Numbers are never removed, so every node of
    /// `previous` is in `current`.
    init(previous: KLEVersion, current: KLEVersion) {
        var kinds: [String: KLEChangeKind] = [:]
        for n in current.nodes {
            guard let old = previous.node(number: n.number) else {
                kinds[n.number] = .new
                continue
            }
            guard old != n else { continue }
            if old.expired == nil, n.expired != nil {
                kinds[n.number] = n.movedTo == nil ? .expired : .moved
            } else {
                kinds[n.number] = .changed
            }
        }
        self.version = current.number
        self.previousVersion = previous.number
        self.kinds = kinds
    }
}
