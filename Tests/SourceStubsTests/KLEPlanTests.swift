import BusinessCalendar
import Testing
@testable import SourceStubs

@Suite("KLE plan and versions")
struct KLEPlanTests {
    func d(_ y: Int, _ m: Int, _ day: Int) -> CivilDate { KLETestData.date(y, m, day) }

    @Test("versions are published on the epoch and then every 1 Jan, 1 Apr, 1 Jul and 1 Oct")
    func calendar() throws {
        let plan = KLEPlan(seed: 1)
        let infos = plan.versions(from: d(2020, 1, 1), through: d(2020, 12, 31))
        #expect(infos.map(\.number) == [0, 1, 2, 3])
        #expect(infos.map(\.publicationDate) == [d(2020, 1, 1), d(2020, 4, 1), d(2020, 7, 1), d(2020, 10, 1)])
        #expect(infos.last?.supersededOn == d(2021, 1, 1))
        #expect(try plan.versionNumber(on: d(2020, 3, 31)) == 0)
        #expect(try plan.versionNumber(on: d(2020, 4, 1)) == 1)
        #expect(try plan.versionNumber(on: d(2026, 11, 23)) == 27)
        // A range starting mid-quarter includes the version already in force.
        #expect(plan.versions(from: d(2021, 2, 10), through: d(2021, 4, 1)).map(\.number) == [4, 5])
        #expect(plan.versions(from: d(2010, 1, 1), through: d(2019, 1, 1)).isEmpty)

        let odd = KLEPlan(seed: 1, epoch: d(2021, 2, 15))
        #expect(odd.publicationDate(ofVersion: 0) == d(2021, 2, 15))
        #expect(odd.publicationDate(ofVersion: 1) == d(2021, 4, 1))
        #expect(try odd.version(on: d(2021, 3, 31)).number == 0)
        #expect(try odd.version(on: d(2021, 7, 1)).publicationDate == d(2021, 7, 1))
    }

    @Test("a date before the epoch is refused with an error that says what to do")
    func refusal() throws {
        let plan = KLEPlan(seed: 1)
        #expect(throws: KLEStubError.self) { try plan.version(on: d(2019, 12, 31)) }
        do {
            _ = try plan.version(on: d(2019, 12, 31))
        } catch {
            #expect(error.code == .dateBeforeEpoch)
            #expect(error.description.contains("2020-01-01"))
            #expect(error.description.contains("2019-12-31"))
        }
        var sink = MemorySink()
        #expect(throws: KLEStubError.self) {
            try KLEExtractWriter.writeFull(plan: plan, asOf: d(2019, 6, 1), into: &sink)
        }
        #expect(sink.bytes.isEmpty)
        // The first version has nothing to compare with.
        let error = #expect(throws: KLEStubError.self) {
            try KLEExtractWriter.writeChanges(plan: plan, asOf: d(2020, 2, 1), into: &sink)
        }
        #expect(error?.code == .noPreviousVersion)
        #expect(error?.description.contains("full extract") == true)
        #expect(throws: KLEStubError.self) { try plan.version(number: -1) }
        #expect(throws: KLEStubError.self) { try plan.version(on: d(2200, 1, 1)) }
    }

    @Test("consecutive versions have new, changed, expired and moved nodes; the rest is untouched")
    func versionsDiffer() throws {
        let plan = KLEPlan(seed: 77)
        for k in 1...10 {
            let previous = try plan.version(number: k - 1)
            let current = try plan.version(number: k)
            let changes = KLEChangeList(previous: previous, current: current)
            let counts = changes.counts
            for kind in KLEChangeKind.allCases { #expect((counts[kind] ?? 0) > 0, "version \(k) has no \(kind)") }
            #expect(current.nodes.count > previous.nodes.count)

            for old in previous.nodes {
                let now = try #require(current.node(number: old.number), "\(old.number) vanished")
                #expect(now.uuid == old.uuid)
                if changes.kinds[old.number] == nil { #expect(now == old) }
            }
            for (number, kind) in changes.kinds {
                let node = try #require(current.node(number: number))
                switch kind {
                case .new:
                    #expect(node.created == current.publicationDate)
                case .changed:
                    #expect(node.changed == current.publicationDate)
                    #expect(!node.isHistoric)
                case .expired:
                    #expect(node.expired == current.publicationDate && node.movedTo == nil)
                case .moved:
                    #expect(node.expired == current.publicationDate)
                    let to = try #require(node.movedTo.flatMap { current.node(number: $0) })
                    #expect(changes.kinds[to.number] == .new)
                    #expect(to.uuid != node.uuid)
                    #expect(to.title == node.title)
                    #expect(to.parentNumber != node.parentNumber)
                }
            }
        }
    }

    @Test("lookups by number, by UUID and as subtrees agree")
    func lookups() throws {
        let version = try KLEPlan(seed: 8).version(on: d(2024, 2, 29))
        var uuids = Set<String>()
        for n in version.nodes {
            #expect(version.node(number: n.number) == n)
            #expect(version.node(uuid: n.uuid) == n)
            #expect(version.node(uuid: n.uuid.uppercased()) == n)
            #expect(KLELevel(number: n.number) == n.level)
            #expect(KLETestData.isV4UUID(n.uuid))
            uuids.insert(n.uuid)
            if let p = n.parentNumber { #expect(version.node(number: p) != nil) }
        }
        #expect(uuids.count == version.nodes.count)
        #expect(version.node(number: "99.99.99") == nil)
        #expect(version.node(uuid: "00000000-0000-4000-8000-000000000000") == nil)

        let tree = version.mainGroups
        #expect(tree.map(\.number) == version.nodes.filter { $0.level == .mainGroup }.map(\.number))
        let flattened = tree.flatMap { m in [m.number] + m.children.flatMap { g in [g.number] + g.children.map(\.number) } }
        #expect(flattened == version.nodes.map(\.number))

        let sub = try #require(version.subtree(number: "00"))
        #expect(sub.children.allSatisfy { $0.level == .group && $0.parentNumber == "00" })
        #expect(sub.children.count == version.nodes.filter { $0.parentNumber == "00" }.count)
        let group = try #require(version.subtree(number: sub.children[0].number))
        #expect(group.children.allSatisfy { $0.level == .subject })
        #expect(group.children.first?.title.hasSuffix("i almindelighed") == true)
        #expect(version.node(number: "00")?.children.isEmpty == true)
    }

    @Test("a version is the same whether computed at once or resumed from cached ones")
    func resumeEquivalence() throws {
        let direct = try KLEPlan(seed: 4).version(number: 11)
        let stepwise = KLEPlan(seed: 4)
        _ = try stepwise.version(number: 3)
        _ = try stepwise.version(number: 9)
        let resumed = try stepwise.version(number: 11)
        #expect(resumed.nodes == direct.nodes)
        #expect(resumed.publicationDate == direct.publicationDate)
    }

    @Test("subjects carry retention fields; historic nodes say how they left")
    func fields() throws {
        let version = try KLEPlan(seed: 12).version(on: d(2025, 1, 1))
        let subjects = version.nodes.filter { $0.level == .subject }
        #expect(subjects.allSatisfy { $0.preservation != nil })
        #expect(subjects.contains { $0.deletionPeriod == "P1825D" })
        #expect(version.nodes.filter { $0.level != .subject }.allSatisfy { $0.preservation == nil })
        #expect(version.nodes.filter { $0.level == .mainGroup }.allSatisfy { $0.legalReferences.isEmpty })
        #expect(subjects.contains { !$0.legalReferences.isEmpty })
        let historic = version.nodes.filter(\.isHistoric)
        #expect(historic.contains { $0.movedTo != nil })
        #expect(historic.contains { $0.movedTo == nil })
        // Pre-epoch history exists too: the epoch plan already has expired subjects.
        #expect(try KLEPlan(seed: 12).version(number: 0).statistics.historic > 0)
        for n in version.nodes {
            if let c = n.changed { #expect(c >= n.created) }
            if let e = n.expired { #expect(e >= n.created) }
        }
    }
}
