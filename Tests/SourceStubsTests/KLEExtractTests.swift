import BusinessCalendar
import Testing
@testable import SourceStubs

@Suite("KLE extracts")
struct KLEExtractTests {
    @Test("a full extract is well-formed KLE 2.0 XML with the real nesting and required fields")
    func fullExtractShape() throws {
        let plan = KLEPlan(seed: 11)
        let (summary, bytes) = try KLETestData.full(plan, KLETestData.date(2023, 5, 17))
        #expect(summary.kind == .full)
        #expect(summary.version == 13)
        #expect(summary.publicationDate == KLETestData.date(2023, 4, 1))
        #expect(summary.bytes == bytes.count)
        #expect(bytes.starts(with: Array("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<KLE-Emneplan>".utf8)))

        let (root, failure) = KLEXMLTreeBuilder.parse(bytes)
        #expect(failure == nil)
        let doc = try #require(root)
        #expect(doc.name == "KLE-Emneplan")
        #expect(doc.children.first?.name == "UdgivelsesDato")
        #expect(doc.value("UdgivelsesDato") == "2023-04-01")
        #expect(doc.children.dropFirst().allSatisfy { $0.name == "Hovedgruppe" })

        var uuids = Set<String>()
        var problems: [String] = []
        for m in doc.all("Hovedgruppe") {
            problems += KLETestData.problems(in: m, level: 0, parentNumber: nil, uuids: &uuids)
        }
        #expect(problems.isEmpty, "\(problems.prefix(10))")
        let written = doc.descendants("Hovedgruppe").count + doc.descendants("Gruppe").count
            + doc.descendants("Emne").count
        #expect(written == summary.nodes)
        #expect(uuids.count == summary.nodes)

        // Escaping: the guidance carries &, <, > and quotes, and they survive a round trip.
        let text = String(decoding: bytes, as: UTF8.self)
        for entity in ["&amp;", "&lt;", "&gt;", "&quot;", "&apos;"] { #expect(text.contains(entity)) }
        let paragraphs = doc.descendants("p").map(\.text)
        #expect(paragraphs.contains { $0.contains("<") && $0.contains(">") })
        #expect(paragraphs.contains { $0.contains("&") })
        #expect(text.contains("æ") && text.contains("ø") && text.contains("å"))

        // The parsed document and the version agree node for node.
        let version = try plan.version(on: KLETestData.date(2023, 5, 17))
        for e in doc.descendants("Emne").prefix(400) {
            let number = try #require(e.value("EmneNr"))
            let node = try #require(version.node(number: number))
            #expect(node.uuid == e.value("UUID"))
            #expect(node.title == e.value("EmneTitel"))
            #expect(node.guidance == (e.first("EmneVejledning")?.first("VejledningTekst")?.all("p").map(\.text) ?? []))
        }
    }

    @Test("sizes: about 30 main groups, 400 groups, 2,000+ subjects, a few MB")
    func sizes() throws {
        let plan = KLEPlan(seed: 5)
        for date in [KLETestData.date(2020, 1, 1), KLETestData.date(2025, 12, 31)] {
            let stats = try plan.version(on: date).statistics
            #expect((27...33).contains(stats.mainGroups))
            #expect((360...460).contains(stats.groups))
            #expect(stats.subjects >= 2_000)
            #expect(stats.historic > 0)
        }
        let (summary, _) = try KLETestData.full(plan, KLETestData.date(2025, 12, 31))
        #expect((1_500_000...8_000_000).contains(summary.bytes))
    }

    @Test("output is streamed in bounded chunks, not one write")
    func streamed() throws {
        var sink = KLEChunkSink()
        let s = try KLEExtractWriter.writeFull(plan: KLEPlan(seed: 3), asOf: KLETestData.date(2021, 1, 1), into: &sink)
        #expect(sink.chunkSizes.count > 4)
        #expect(sink.chunkSizes.allSatisfy { $0 <= 512 * 1024 })
        #expect(sink.bytes.count == s.bytes)
    }

    @Test("same seed and date give identical bytes; another seed gives others")
    func determinism() throws {
        let date = KLETestData.date(2022, 8, 9)
        let a = try KLETestData.full(KLEPlan(seed: 99), date).1
        let b = try KLETestData.full(KLEPlan(seed: 99), date).1
        let c = try KLETestData.full(KLEPlan(seed: 100), date).1
        #expect(a == b)
        #expect(a != c)
        let ca = try KLETestData.changes(KLEPlan(seed: 99), date).1
        let cb = try KLETestData.changes(KLEPlan(seed: 99), date).1
        #expect(ca == cb)
    }

    @Test("the change extract holds exactly the changed nodes, told apart by their dates")
    func changeExtract() throws {
        let plan = KLEPlan(seed: 21)
        for date in [KLETestData.date(2020, 4, 1), KLETestData.date(2022, 11, 30)] {
            let changes = try plan.changes(on: date)
            let version = try plan.version(on: date)
            let (summary, bytes) = try KLETestData.changes(plan, date)
            #expect(summary.kind == .changes)
            #expect(summary.previousVersion == version.number - 1)
            #expect(summary.changes == changes.counts)

            let (root, failure) = KLEXMLTreeBuilder.parse(bytes)
            #expect(failure == nil)
            let doc = try #require(root)
            let published = try #require(doc.value("UdgivelsesDato"))
            #expect(published == version.publicationDate.description)
            var uuids = Set<String>()
            var problems: [String] = []
            for m in doc.all("Hovedgruppe") {
                problems += KLETestData.problems(in: m, level: 0, parentNumber: nil, uuids: &uuids)
            }
            #expect(problems.isEmpty, "\(problems.prefix(10))")

            // Classify every written node by the documented date rule.
            var found: [String: KLEChangeKind] = [:]
            var context: [String] = []
            for level in ["Hovedgruppe", "Gruppe", "Emne"] {
                for e in doc.descendants(level) {
                    let number = try #require(e.value("\(level)Nr"))
                    let admin = try #require(e.first("\(level)AdministrativInfo"))
                    if admin.value("OprettetDato") == published {
                        found[number] = .new
                    } else if admin.value(["Historisk", "UdgaaetDato"]) == published {
                        found[number] = .expired
                    } else if admin.value(["Historisk", "Flyttet", "FlyttetDato"]) == published {
                        found[number] = .moved
                        let to = try #require(admin.value(["Historisk", "Flyttet", "AfloestAf", "EmneNr"]))
                        #expect(changes.kinds[to] == .new)
                    } else if admin.all("RettetDato").last?.text == published {
                        found[number] = .changed
                    } else {
                        context.append(number)
                    }
                }
            }
            #expect(found == changes.kinds)
            // Context nodes are there only as ancestors of changed ones.
            for n in context {
                #expect(changes.kinds.keys.contains { $0.hasPrefix(n + ".") }, "\(n) written without reason")
            }
            #expect(summary.nodes == found.count + context.count)
        }
    }
}
