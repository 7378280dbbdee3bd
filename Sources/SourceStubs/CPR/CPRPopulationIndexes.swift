import Synchronization

/// The lazily built indexes of one population (seed, size, epoch), shared by every
/// `CPRPopulation` value made with those parameters.
///
/// The register itself stores nothing per person, but two questions cannot be answered
/// fast from the seed alone: "which blocks change on day D" (the change extract) and
/// "who lives in municipality M with a name like N" (the gateway's search). Both would
/// otherwise walk all blocks of the register. The answers are built on first use, kept
/// here, and shared: the gateway, the extract runner and the CLI each make their own
/// `CPRPopulation`, and all of them find the same holder through `CPRIndexCache`.
///
/// Each index has its own lock, so a search table being built does not hold up a change
/// extract. A caller that needs both takes the search lock first, never the other way.
final class CPRPopulationIndexes: Sendable {
    let changeDays = Mutex<CPRChangeDayIndex?>(nil)
    let searchTable = Mutex<CPRSearchTable?>(nil)

    init() {}

    /// The search table if one has been built, whatever its date; never builds one nor
    /// waits for one being built.
    var builtSearchTable: CPRSearchTable? { searchTable.withLockIfAvailable { $0 } ?? nil }
}

/// The process-wide cache of `CPRPopulationIndexes` by (seed, size, epoch).
///
/// Bounded, most recently used first: a process works with one or two populations (the
/// configured one, a test's small one), so four entries keep every live one, and an
/// evicted holder lives on as long as some population value still refers to it.
final class CPRIndexCache: Sendable {
    struct Key: Hashable, Sendable {
        var seed: UInt64
        var size: Int
        var epochDay: Int
    }

    static let shared = CPRIndexCache()
    static let capacity = 4

    private let entries = Mutex<[(key: Key, indexes: CPRPopulationIndexes)]>([])

    /// The holder for `key`, made (empty: nothing is built here) when there is none.
    func indexes(for key: Key) -> CPRPopulationIndexes {
        entries.withLock { list in
            if let i = list.firstIndex(where: { $0.key == key }) {
                let e = list.remove(at: i)
                list.insert(e, at: 0)
                return e.indexes
            }
            let made = CPRPopulationIndexes()
            list.insert((key, made), at: 0)
            if list.count > Self.capacity { list.removeLast(list.count - Self.capacity) }
            return made
        }
    }
}
