import BusinessCalendar

/// What an extract contained, for the outbox row, the metadata document and logs.
public struct KLEExtractSummary: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        case full
        case changes
    }

    public let kind: Kind
    /// The version written (the one in force on the requested date).
    public let version: Int
    /// Its `UdgivelsesDato`.
    public let publicationDate: CivilDate
    /// The version a change extract was compared with; nil for full extracts.
    public let previousVersion: Int?
    /// `Hovedgruppe`, `Gruppe` and `Emne` elements written. In a change extract this
    /// includes the unchanged ancestors written so receivers can place the changes.
    public let nodes: Int
    /// Nodes by change kind (change extracts only; empty for full extracts).
    public let changes: [KLEChangeKind: Int]
    /// Bytes handed to the sink.
    public let bytes: Int
}

/// Writes KLE 2.0 XML extracts (`KLE-Emneplan`) into a `ByteSink`.
///
/// Element names and nesting follow the published KLE 2.0 emneplan as seen in public
/// integrations (xsd.exe and JAXB classes, OS2 importers): root `KLE-Emneplan` with
/// `UdgivelsesDato`, then `Hovedgruppe` > `Gruppe` > `Emne`, each with `...Nr`, `...Titel`,
/// optional `...Vejledning/VejledningTekst/p`, `...RetskildeReference` (`RetskildeTitel`,
/// `ParagrafEllerKapitel`, `RetsinfoAccessionsNr`, `RetsinfoURL`), `...AdministrativInfo`
/// (`OprettetDato`, `RettetDato`*, `Historisk` with `UdgaaetDato` or
/// `Flyttet/FlyttetDato` + `Flyttet/AfloestAf/EmneNr`), on `Emne` also
/// `BevaringJaevnfoerArkivloven` and `SletningJaevnfoerPersondataloven`, and `UUID`.
/// Not confirmed from public material, so chosen and stated here: `UUID` is written after
/// the administrative and retention fields and before the children; no namespace or
/// schema-location attributes are written on the root; the optional `...Filter`,
/// `EmneStikord` and facet elements are not produced.
public enum KLEExtractWriter {
    /// The whole plan (active and historic nodes) as published in the version in force on
    /// `date`.
    public static func writeFull<S: ByteSink>(
        plan: KLEPlan, asOf date: CivilDate, into sink: inout S
    ) throws -> KLEExtractSummary {
        let version = try plan.version(on: date)
        let (nodes, bytes) = try writeDocument(version.nodes, publicationDate: version.publicationDate, into: &sink)
        return KLEExtractSummary(
            kind: .full, version: version.number, publicationDate: version.publicationDate,
            previousVersion: nil, nodes: nodes, changes: [:], bytes: bytes)
    }

    /// Only what the version in force on `date` changed since the version before it, in
    /// the same shape as a full extract, each changed node under its (possibly unchanged)
    /// main group and group, written in full so the document stays schema-shaped.
    ///
    /// Every edit in a version is dated that version's `UdgivelsesDato`, so a consumer
    /// tells the nodes apart by their dates:
    /// - new: `OprettetDato` equals `UdgivelsesDato` (this includes the replacement of a
    ///   moved subject);
    /// - changed: the last `RettetDato` equals `UdgivelsesDato` (and it is not new);
    /// - expired: `Historisk/UdgaaetDato` equals `UdgivelsesDato`;
    /// - moved: `Historisk/Flyttet/FlyttetDato` equals `UdgivelsesDato`, and
    ///   `Flyttet/AfloestAf/EmneNr` names the new number (present in the same extract);
    /// - none of these: an unchanged ancestor, there only to place its descendants.
    ///
    /// Throws for the first version, which has nothing to compare with: deliver a full
    /// extract for it.
    public static func writeChanges<S: ByteSink>(
        plan: KLEPlan, asOf date: CivilDate, into sink: inout S
    ) throws -> KLEExtractSummary {
        let changes = try plan.changes(on: date)
        let version = try plan.version(number: changes.version)
        var include = Set<String>()
        for number in changes.kinds.keys {
            var n: String? = number
            while let current = n, include.insert(current).inserted {
                n = version.node(number: current)?.parentNumber
            }
        }
        let (nodes, bytes) = try writeDocument(
            version.nodes.lazy.filter { include.contains($0.number) },
            publicationDate: version.publicationDate, into: &sink)
        return KLEExtractSummary(
            kind: .changes, version: version.number, publicationDate: version.publicationDate,
            previousVersion: changes.previousVersion, nodes: nodes, changes: changes.counts, bytes: bytes)
    }

    /// Streams `nodes` (pre-order, every node's ancestors included) as one document
    /// (`KLEDocumentCursor` run to the end).
    static func writeDocument<S: ByteSink>(
        _ nodes: some Sequence<KLENode>, publicationDate: CivilDate, into sink: inout S
    ) throws -> (nodes: Int, bytes: Int) {
        var cursor = KLEDocumentCursor(nodes.makeIterator(), publicationDate: publicationDate)
        while try cursor.next(into: &sink) {}
        return (cursor.count, cursor.bytes)
    }

    /// A node's own fields; its element is left open for its children.
    static func writeHead(_ n: KLENode, depth d: Int, into w: inout KLEXMLWriter) {
        let e = n.level.elementName
        w.open(e, depth: d)
        w.element(e + "Nr", n.number, depth: d + 1)
        w.element(e + "Titel", n.title, depth: d + 1)
        if !n.guidance.isEmpty {
            w.open(e + "Vejledning", depth: d + 1)
            w.open("VejledningTekst", depth: d + 2)
            for p in n.guidance { w.element("p", p, depth: d + 3) }
            w.close("VejledningTekst", depth: d + 2)
            w.close(e + "Vejledning", depth: d + 1)
        }
        for r in n.legalReferences {
            w.open(e + "RetskildeReference", depth: d + 1)
            w.element("RetskildeTitel", r.title, depth: d + 2)
            if let p = r.paragraph { w.element("ParagrafEllerKapitel", p, depth: d + 2) }
            w.element("RetsinfoAccessionsNr", r.accessionNumber, depth: d + 2)
            w.element("RetsinfoURL", r.url, depth: d + 2)
            w.close(e + "RetskildeReference", depth: d + 1)
        }
        w.open(e + "AdministrativInfo", depth: d + 1)
        w.element("OprettetDato", n.created.description, depth: d + 2)
        for c in n.corrections { w.element("RettetDato", c.description, depth: d + 2) }
        if let expired = n.expired {
            w.open("Historisk", depth: d + 2)
            if let to = n.movedTo {
                w.open("Flyttet", depth: d + 3)
                w.element("FlyttetDato", expired.description, depth: d + 4)
                w.open("AfloestAf", depth: d + 4)
                w.element(KLELevel(number: to)?.elementName == "Gruppe" ? "GruppeNr" : "EmneNr", to, depth: d + 5)
                w.close("AfloestAf", depth: d + 4)
                w.close("Flyttet", depth: d + 3)
            } else {
                w.element("UdgaaetDato", expired.description, depth: d + 3)
            }
            w.close("Historisk", depth: d + 2)
        }
        w.close(e + "AdministrativInfo", depth: d + 1)
        if n.level == .subject {
            w.element("BevaringJaevnfoerArkivloven", n.preservation ?? "K", depth: d + 1)
            if let p = n.deletionPeriod { w.element("SletningJaevnfoerPersondataloven", p, depth: d + 1) }
        }
        w.element("UUID", n.uuid, depth: d + 1)
    }
}
