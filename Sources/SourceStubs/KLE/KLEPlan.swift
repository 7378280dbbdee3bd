import BusinessCalendar
import Synchronization

/// A synthetic, deterministic KLE subject plan and its quarterly versions.
///
/// Version 0 is published on the epoch; later versions on the following 1 January,
/// 1 April, 1 July and 1 October. Version `k` is the epoch plan with the change sets of
/// versions 1...k applied in order (`KLEChangeSet`), so it is a function of (seed, epoch,
/// k) alone. Computed versions are cached per plan value (and shared by its copies): the
/// first request for a version a few years out costs tens of milliseconds in a release
/// build, later ones are a dictionary look-up.
public struct KLEPlan: Sendable {
    /// Decides everything about the plan: same seed, same bytes.
    public let seed: UInt64
    /// Publication date of version 0; dates before it have no plan.
    public let epoch: CivilDate
    /// The highest version number the stub computes: 400 quarters (a century) past the epoch.
    public static let maximumVersion = 400
    private let cache: KLEVersionCache

    /// Creates the plan; nothing is generated until a version is asked for.
    public init(seed: UInt64, epoch: CivilDate = CivilDate(year: 2020, month: 1, day: 1)!) {
        self.seed = seed
        self.epoch = epoch
        self.cache = KLEVersionCache()
    }

    /// `UdgivelsesDato` of version `k` (k >= 0).
    public func publicationDate(ofVersion k: Int) -> CivilDate {
        if k <= 0 { return epoch }
        return CivilDate(firstOfMonthIndexKLE: firstQuarterIndex + 3 * (k - 1))
    }

    /// Month index of version 1's publication: the first quarter start after the epoch.
    private var firstQuarterIndex: Int {
        epoch.isQuarterStartKLE ? epoch.monthIndexKLE + 3 : (epoch.monthIndexKLE / 3 + 1) * 3
    }

    /// The number of the version in force on `date`.
    public func versionNumber(on date: CivilDate) throws(KLEStubError) -> Int {
        guard date >= epoch else { throw .beforeEpoch(date, epoch: epoch) }
        let first = firstQuarterIndex
        let k = date.monthIndexKLE < first ? 0 : (date.monthIndexKLE - first) / 3 + 1
        guard k <= Self.maximumVersion else {
            throw .tooFar(date, limit: publicationDate(ofVersion: Self.maximumVersion + 1).adding(days: -1))
        }
        return k
    }

    /// The version in force on `date`. Throws for dates before the epoch (there was no
    /// plan yet) and for dates more than a century after it.
    public func version(on date: CivilDate) throws(KLEStubError) -> KLEVersion {
        try version(number: versionNumber(on: date))
    }

    /// Version `k`.
    public func version(number k: Int) throws(KLEStubError) -> KLEVersion {
        guard k >= 0 else { throw .noSuchVersion(k) }
        guard k <= Self.maximumVersion else {
            throw .tooFar(publicationDate(ofVersion: k), limit: publicationDate(ofVersion: Self.maximumVersion))
        }
        return cache.version(k) { start in
            // Continue from the newest cached version before k, or from the epoch plan.
            var state: KLEWorkingState
            var from: Int
            var built: [KLEVersion] = []
            if let start {
                state = start.state
                from = start.number
            } else {
                state = KLEGenerator.base(seed: seed, epoch: epoch)
                from = 0
                built.append(state.snapshot(number: 0, publicationDate: epoch))
            }
            while from < k {
                from += 1
                let date = publicationDate(ofVersion: from)
                KLEChangeSet.apply(version: from, publication: date, seed: seed, to: &state)
                built.append(state.snapshot(number: from, publicationDate: date))
            }
            return built
        }
    }

    /// The versions published in `from...through`, plus the one already in force on
    /// `from`. Cheap: no content is computed. Empty when the range ends before the epoch.
    public func versions(from: CivilDate, through: CivilDate) -> [KLEVersionInfo] {
        guard through >= epoch, from <= through else { return [] }
        let first = (try? versionNumber(on: max(from, epoch))) ?? 0
        let last = (try? versionNumber(on: through)) ?? Self.maximumVersion
        guard first <= last else { return [] }
        return (first...last).map {
            KLEVersionInfo(
                number: $0, publicationDate: publicationDate(ofVersion: $0),
                supersededOn: publicationDate(ofVersion: $0 + 1))
        }
    }

    /// What the version in force on `date` changed compared with the version before it.
    public func changes(on date: CivilDate) throws(KLEStubError) -> KLEChangeList {
        let k = try versionNumber(on: date)
        guard k > 0 else { throw .noPrevious(date) }
        return KLEChangeList(previous: try version(number: k - 1), current: try version(number: k))
    }
}

/// Computed versions, shared by all copies of one `KLEPlan`. A mutex rather than an actor:
/// the extract writers are synchronous, and computing is short.
final class KLEVersionCache: Sendable {
    private let versions = Mutex<[Int: KLEVersion]>([:])

    /// Version `k` from the cache, or computed by `build` from the newest cached version
    /// before it (nil when there is none). Of what `build` returns, `k`, its predecessor
    /// (change extracts need both) and every eighth version are kept, so memory stays
    /// small even for far dates while any version is at most seven change sets away.
    func version(_ k: Int, build: (KLEVersion?) -> [KLEVersion]) -> KLEVersion {
        versions.withLock { versions in
            if let v = versions[k] { return v }
            let start = versions.keys.filter { $0 < k }.max().flatMap { versions[$0] }
            let built = build(start)
            for v in built where v.number >= k - 1 || v.number % 8 == 0 {
                versions[v.number] = v
            }
            // `build` ends at `k` by contract; its last version is `k` either way.
            return versions[k] ?? built[built.count - 1]
        }
    }
}
