import BusinessCalendar

/// The three levels of the KLE subject plan. The level decides the XML element names
/// (`Hovedgruppe`, `Gruppe`, `Emne`) and which fields a node may carry (only subjects
/// have retention fields).
public enum KLELevel: String, Sendable, Hashable, CaseIterable {
    case mainGroup
    case group
    case subject

    /// Depth in the tree, 0 for main groups: also the number of dots in the node's number.
    public var depth: Int {
        switch self {
        case .mainGroup: 0
        case .group: 1
        case .subject: 2
        }
    }

    /// The element name and the prefix of its child elements in KLE 2.0 XML
    /// (`HovedgruppeNr`, `GruppeTitel`, `EmneAdministrativInfo`, ...).
    public var elementName: String {
        switch self {
        case .mainGroup: "Hovedgruppe"
        case .group: "Gruppe"
        case .subject: "Emne"
        }
    }

    /// The level of a KLE number by its shape: `00` main group, `00.01` group,
    /// `00.01.00` subject; nil for anything else.
    public init?(number: String) {
        let parts = number.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...3).contains(parts.count),
              parts.allSatisfy({ $0.count == 2 && $0.allSatisfy(\.isASCIIDigitKLE) }) else { return nil }
        switch parts.count {
        case 1: self = .mainGroup
        case 2: self = .group
        default: self = .subject
        }
    }
}

extension Character {
    fileprivate var isASCIIDigitKLE: Bool { ("0"..."9").contains(self) }
}

/// A reference to the law a node rests on (`RetskildeReference`). KLE is a
/// "retskildebaseret" taxonomy: receivers link these to retsinformation.dk, so every
/// field a real reference has is kept.
public struct KLELegalReference: Sendable, Hashable {
    /// `RetskildeTitel`, e.g. "Lov om social service".
    public let title: String
    /// `ParagrafEllerKapitel`, e.g. "§ 83" or "kapitel 4"; absent when the whole act applies.
    public let paragraph: String?
    /// `RetsinfoAccessionsNr`, retsinformation.dk's document id (synthetic here: `A` + year + 7 digits).
    public let accessionNumber: String
    /// `RetsinfoURL`, the act on retsinformation.dk (synthetic ELI-shaped address).
    public let url: String

    /// Public so the gateway and tests can build references to compare with.
    public init(title: String, paragraph: String?, accessionNumber: String, url: String) {
        self.title = title
        self.paragraph = paragraph
        self.accessionNumber = accessionNumber
        self.url = url
    }
}

/// One node of the plan as published in one version: a main group, a group or a subject.
///
/// Nodes are values: a `KLEVersion` hands out copies, and two versions' copies of the same
/// number compare equal exactly when nothing about the node changed between them. That is
/// what the change extract is built on.
///
/// A node's number is never reused: an expired or moved node stays in the plan as a
/// historic node (as in the real KLE), and new nodes always take a number no node of the
/// same parent has had. A node's UUID is derived from the seed and its number, so an
/// unchanged node keeps its UUID in every version, and a moved subject gets a new UUID at
/// its new number (the old number, still listed as historic, keeps the old one: two nodes
/// in one document never share a UUID).
public struct KLENode: Sendable, Hashable {
    /// `HovedgruppeNr` / `GruppeNr` / `EmneNr`: `00`, `00.01`, `00.01.00`.
    public let number: String
    /// `UUID`: lowercase, RFC 4122 version-4 shaped, stable for the number.
    public let uuid: String
    public let level: KLELevel
    /// `...Titel`.
    public internal(set) var title: String
    /// `...Vejledning/VejledningTekst/p`: the guidance paragraphs, plain text; empty when
    /// the node has no guidance (the element is then left out, as it is optional).
    public internal(set) var guidance: [String]
    /// `...RetskildeReference`, in document order. Always empty for main groups: the real
    /// schema has no `HovedgruppeRetskildeReference` as far as public material shows.
    public internal(set) var legalReferences: [KLELegalReference]
    /// `AdministrativInfo/OprettetDato`.
    public let created: CivilDate
    /// Every `AdministrativInfo/RettetDato`, oldest first (the real schema allows several).
    public internal(set) var corrections: [CivilDate]
    /// `AdministrativInfo/Historisk/UdgaaetDato`, or `Historisk/Flyttet/FlyttetDato` when
    /// the node was moved: the day it stopped being in use. Nil while the node is active.
    public internal(set) var expired: CivilDate?
    /// `Historisk/Flyttet/AfloestAf/EmneNr`: the number that replaced this node when it
    /// was moved. Nil for nodes that simply expired and for active nodes.
    public internal(set) var movedTo: String?
    /// `BevaringJaevnfoerArkivloven` (subjects only): `B` preserve, `K` discard, `B1`/`B2`
    /// preserve selectively.
    public internal(set) var preservation: String?
    /// `SletningJaevnfoerPersondataloven` (subjects only) in days; see `deletionPeriod`.
    public internal(set) var deletionPeriodDays: Int?
    /// Child nodes in number order. Filled only in trees (`KLEVersion.mainGroups`,
    /// `KLEVersion.subtree(number:)`); empty in flat lookups.
    public internal(set) var children: [KLENode]

    /// The latest `RettetDato`, if the node was ever corrected.
    public var changed: CivilDate? { corrections.last }

    /// True for expired and moved nodes, which stay listed but must not be used on new cases.
    public var isHistoric: Bool { expired != nil }

    /// The retention period as the xs:duration KLE publishes, in days (`P1825D` for five
    /// years): public integrations document the element that way rather than as `P5Y`.
    public var deletionPeriod: String? { deletionPeriodDays.map { "P\($0)D" } }

    /// The parent's number (`00.01` for `00.01.03`), nil for main groups.
    public var parentNumber: String? {
        guard let dot = number.lastIndex(of: ".") else { return nil }
        return String(number[..<dot])
    }

    init(
        number: String, uuid: String, level: KLELevel, title: String, guidance: [String],
        legalReferences: [KLELegalReference], created: CivilDate, corrections: [CivilDate] = [],
        expired: CivilDate? = nil, movedTo: String? = nil, preservation: String? = nil,
        deletionPeriodDays: Int? = nil
    ) {
        self.number = number
        self.uuid = uuid
        self.level = level
        self.title = title
        self.guidance = guidance
        self.legalReferences = legalReferences
        self.created = created
        self.corrections = corrections
        self.expired = expired
        self.movedTo = movedTo
        self.preservation = preservation
        self.deletionPeriodDays = deletionPeriodDays
        self.children = []
    }
}
