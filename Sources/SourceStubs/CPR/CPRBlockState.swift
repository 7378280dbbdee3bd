/// The internal, allocation-free state of the synthetic register.
///
/// The population is cut into blocks of four consecutive slots (a household or a few
/// related or unrelated people) plus, for some blocks, one reserved birth slot. Every
/// relation (spouse, parent, child) stays inside a block, so one person's full state,
/// including the names and PNRs of relatives, costs one block's worth of work, and the
/// writer can reuse one `CPRBlockState` for the whole file.

/// A residential address as small numbers; text is looked up only when written.
struct CPRAddress: Equatable, Sendable {
    /// Index into `CPRMunicipalities.all`.
    var municipality: UInt8
    /// Road number within the municipality (see `CPRPopulation.roadCount`).
    var road: UInt16
    var house: UInt16
    /// 0 none, else an ASCII letter.
    var letter: UInt8
    /// -128 none (a house), -1 basement (kl), 0 ground (st), 1... floor.
    var floor: Int8
    /// 0 none, 1 th, 2 tv, 3 mf.
    var door: UInt8
}

/// One person's state; relatives are member indexes in the same block.
struct CPRMember: Equatable, Sendable {
    var slot: Int = 0
    var pnr: Int = 0
    /// False for a birth slot before its registration day.
    var present = false
    var male = false
    var birthDay: Int32 = 0
    /// 1, 70, 80 or 90.
    var status: UInt8 = 1
    var statusDay: Int32 = 0
    var first: UInt16 = 0
    /// `UInt16.max` when none.
    var middle: UInt16 = .max
    var last: UInt16 = 0
    var nameDay: Int32 = 0
    /// ASCII U, G, F or E.
    var civil: UInt8 = 85
    var civilDay: Int32 = 0
    /// Spouse (current for G, former for F and E) as a member index, or -1.
    var spouse: Int8 = -1
    var mother: Int8 = -1
    var father: Int8 = -1
    /// Day name and address protection (type 0001) started, or -1.
    var protectionDay: Int32 = -1
    /// Day marketing protection (reklamebeskyttelse, type 0003) started, or -1.
    var marketingProtectionDay: Int32 = -1
    var church = true
    var churchDay: Int32 = 0
    /// Index into `CPRNames.countryCodes`.
    var country: UInt8 = 0
    var countryDay: Int32 = 0
    var address = CPRAddress(municipality: 0, road: 0, house: 1, letter: 0, floor: -128, door: 0)
    var moveInDay: Int32 = 0
    var municipalityInDay: Int32 = 0
    /// Municipality moved from (index), or 255.
    var fromMunicipality: UInt8 = 255
    var fromMunicipalityDay: Int32 = 0
    /// Where the address was at the epoch, the anchor of the generated older history.
    var epochMoveInDay: Int32 = 0
    var preHistory: UInt8 = 0
    var emigrationCountry: UInt8 = 0
    var emigrationDay: Int32 = 0
    /// Index into `CPRNames.occupations`, or 255.
    var occupation: UInt8 = 255
    /// Municipality index where the birth was registered.
    var birthMunicipality: UInt8 = 0

    var isActive: Bool { present && status == 1 }
}

/// An address a member has left after the epoch.
struct CPRHistoryEntry: Equatable, Sendable {
    var member: Int8
    var address: CPRAddress
    var from: Int32
    var to: Int32
}

/// What happened to whom, and when, within a change extract's window.
struct CPREventNote: Equatable, Sendable {
    var member: Int8
    var code: CPREventCode
    var day: Int32
}

/// A block's state as of one day; reused across blocks by the writer.
struct CPRBlockState: Sendable {
    var block = 0
    var members: [CPRMember] = []
    var history: [CPRHistoryEntry] = []
    var notes: [CPREventNote] = []

    init() {
        members.reserveCapacity(5)
        history.reserveCapacity(32)
        notes.reserveCapacity(8)
    }

    mutating func reset(block: Int) {
        self.block = block
        members.removeAll(keepingCapacity: true)
        history.removeAll(keepingCapacity: true)
        notes.removeAll(keepingCapacity: true)
    }

    func isChild(_ c: Int, of p: Int) -> Bool {
        members[c].present && (Int(members[c].mother) == p || Int(members[c].father) == p)
    }

    func related(_ a: Int, _ b: Int) -> Bool {
        if isChild(a, of: b) || isChild(b, of: a) { return true }
        let ma = members[a], mb = members[b]
        return (ma.mother >= 0 && ma.mother == mb.mother) || (ma.father >= 0 && ma.father == mb.father)
    }
}

/// The stub's event codes for 099 records (HAENDELSE), in CPR's letter-and-digits style.
/// They are this stub's own codes, not the CPR office's official code list.
public enum CPREventCode: String, Sendable, CaseIterable {
    case birth = "A01"
    case moveWithinMunicipality = "A05"
    case moveBetweenMunicipalities = "A06"
    case nameChange = "A10"
    case marriage = "A20"
    case divorce = "A21"
    case widowed = "A22"
    case death = "A30"
    case emigration = "A40"
    case immigration = "A41"
    case disappeared = "A45"
    case protection = "A50"
    case church = "A60"
    case citizenship = "A70"
}
