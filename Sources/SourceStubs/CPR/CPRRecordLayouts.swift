/// CPR extract record types and their fixed total lengths, from the CPR office's format
/// description (see `reference/cpr-extract-format.md`). Field positions live next to the
/// code that writes them in `CPRRecordWriter.swift`, written as the table's 1-based
/// positions so they can be checked against it by eye.
public enum CPRRecordType: String, CaseIterable, Sendable, Hashable {
    case start = "000"
    case person = "001"
    case currentAddress = "002"
    case addressName = "003"
    case protection = "004"
    case emigration = "005"
    case names = "008"
    case birthRegistration = "009"
    case citizenship = "010"
    case church = "011"
    case civilStatus = "012"
    case child = "014"
    case parents = "015"
    case historicAddress = "023"
    case event = "099"
    case error = "910"
    case end = "999"

    /// Record length in bytes, without the line end.
    public var length: Int {
        switch self {
        case .start: 35
        case .person: 106
        case .currentAddress: 306
        case .addressName: 249
        case .protection: 37
        case .emigration: 200
        case .names: 193
        case .birthRegistration: 37
        case .citizenship: 30
        case .church: 25
        case .civilStatus: 95
        case .child: 23
        case .parents: 147
        case .historicAddress: 96
        case .event: 45
        case .error: 157
        case .end: 21
        }
    }

    /// Whether the type carries person data (and so can be chosen in an extract definition);
    /// 000, 999 and 910 are the file's frame and errors, always written by the stub itself.
    public var isPersonRecord: Bool {
        switch self {
        case .start, .end, .error: false
        default: true
        }
    }

    /// Every person record type: the default selection of an extract.
    public static let personRecordTypes: Set<CPRRecordType> = Set(allCases.filter(\.isPersonRecord))

    /// The type as a number, for writing it without touching `rawValue`.
    var numericCode: Int {
        switch self {
        case .start: 0
        case .person: 1
        case .currentAddress: 2
        case .addressName: 3
        case .protection: 4
        case .emigration: 5
        case .names: 8
        case .birthRegistration: 9
        case .citizenship: 10
        case .church: 11
        case .civilStatus: 12
        case .child: 14
        case .parents: 15
        case .historicAddress: 23
        case .event: 99
        case .error: 910
        case .end: 999
        }
    }

    /// Dense index for the writer's per-type switches.
    var slot: Int {
        switch self {
        case .start: 0
        case .person: 1
        case .currentAddress: 2
        case .addressName: 3
        case .protection: 4
        case .emigration: 5
        case .names: 6
        case .birthRegistration: 7
        case .citizenship: 8
        case .church: 9
        case .civilStatus: 10
        case .child: 11
        case .parents: 12
        case .historicAddress: 13
        case .event: 14
        case .error: 15
        case .end: 16
        }
    }
}
