import BusinessCalendar
import Foundation
import SourceStubs
import Store

/// The CPR subscription service (CPR Abonnement) behind both bindings, REST and SOAP: a
/// calling system adds and removes the PNRs, municipality codes and change codes it
/// follows under one `cpr-subscription` agreement, and reads them back. The daily files
/// are produced from these filters by the extract runner (kind `subscription`).
///
/// Scope: an agreement is for one municipality, and a subscription hands out only persons
/// of that municipality's change scope (those living there, or who lived there at the
/// previous file), whatever it follows. So a municipality filter can name the agreement's
/// own municipality only; a PNR of a person living elsewhere can be followed, and appears
/// in the files while that person is in scope.
public struct SubscriptionService: Sendable {
    let store: Store
    let population: CPRPopulation

    public init(store: Store, population: CPRPopulation) {
        self.store = store
        self.population = population
    }

    /// The operations existing clients call, by their SOAP names.
    public enum Operation: String, Sendable, CaseIterable {
        case addPNR = "AddPNRSubscription"
        case removePNR = "RemovePNRSubscription"
        case addMunicipality = "AddMunicipalityCodeSubscription"
        case removeMunicipality = "RemoveMunicipalityCodeSubscription"
        case addChangeCode = "AddChangeCodeSubscription"
        case removeChangeCode = "RemoveChangeCodeSubscription"
        case getAllFilters = "GetAllFilters"

        /// The filter kind an add or remove changes; nil for `GetAllFilters`.
        public var kind: SubscriptionFilterKind? {
            switch self {
            case .addPNR, .removePNR: .pnr
            case .addMunicipality, .removeMunicipality: .municipality
            case .addChangeCode, .removeChangeCode: .changeCode
            case .getAllFilters: nil
            }
        }

        public var adds: Bool { [.addPNR, .addMunicipality, .addChangeCode].contains(self) }

        /// The request element (SOAP) and parameter (REST) holding the value.
        public var valueName: String {
            switch kind {
            case .pnr: "PNR"
            case .municipality: "MunicipalityCode"
            case .changeCode: "ChangeCode"
            case nil: ""
            }
        }
    }

    /// The result codes of an add or remove, as existing clients know them; `NON_EXISTING`
    /// (removing a municipality or change code the subscription does not follow) is ours,
    /// since the platform's list names only the PNR case.
    public enum ResultCode: String, Sendable {
        case added = "ADDED"
        case removed = "REMOVED"
        case alreadyExisted = "ALREADY_EXISTED"
        case nonExistingPNR = "NON_EXISTING_PNR"
        case nonExisting = "NON_EXISTING"
    }

    /// Adds or removes one filter value. A malformed value is a 400 fault naming the
    /// field; a PNR the register does not hold is `NON_EXISTING_PNR` when added, and
    /// removing a PNR the subscription does not follow is too. Audited with the calling
    /// system, the user it acted for and the caller's call id.
    public func change(_ op: Operation, value raw: String, call: AuthorisedCall, on day: CivilDate, at: Date) throws(GatewayFault) -> ResultCode {
        guard let kind = op.kind else { return .nonExisting }
        let value = try Self.check(kind, raw, field: op.valueName, agreementMunicipality: call.agreement.municipality)
        if op.adds, kind == .pnr, population.person(pnr: value, on: day) == nil { return .nonExistingPNR }
        let actor = SubscriptionActor(
            name: call.system.name,
            detail: "on behalf of \(call.onBehalfOfUser ?? "-"), caller's call id \(call.callersCallID ?? "-"), request \(call.requestID)")
        do {
            if op.adds {
                let added = try store.addSubscriptionFilter(agreement: call.agreement.uuid, system: call.system.name, kind: kind,
                                                            value: value, at: at, actor: actor)
                return added ? .added : .alreadyExisted
            }
            let removed = try store.removeSubscriptionFilter(agreement: call.agreement.uuid, kind: kind, value: value, at: at, actor: actor)
            return removed ? .removed : (kind == .pnr ? .nonExistingPNR : .nonExisting)
        } catch {
            throw GatewayFault(status: 503, code: "store-unavailable",
                               message: "the subscription could not be changed: the state database is busy or unavailable; try again", retryAfter: 1)
        }
    }

    /// One page of `GetAllFilters`: the PNRs are paged (a subscription may follow hundreds
    /// of thousands), the municipality and change codes are always whole.
    public struct FiltersPage: Sendable, Equatable {
        public var pnrs: [String]
        public var municipalities: [String]
        public var changeCodes: [String]
        public var page: Int
        public var pageSize: Int
        public var totalPNRs: Int
        public var hasMore: Bool { (page - 1) * pageSize + pnrs.count < totalPNRs }
    }

    public static let defaultPageSize = 1000
    public static let pageSizes = 1...10_000

    /// `page` and `pageSize` as sent, or the 400 fault naming the one that is wrong.
    public static func page(_ page: String?, _ pageSize: String?) throws(GatewayFault) -> (page: Int, size: Int) {
        guard let number = page.map({ Int($0) }) ?? 1, (1...1_000_000).contains(number) else {
            throw GatewayFault(status: 400, code: "malformed-parameter", message: "page is a whole number from 1 to 1000000", field: "page")
        }
        guard let size = pageSize.map({ Int($0) }) ?? defaultPageSize, pageSizes.contains(size) else {
            throw GatewayFault(status: 400, code: "malformed-parameter",
                               message: "pageSize is a whole number from \(pageSizes.lowerBound) to \(pageSizes.upperBound)", field: "pageSize")
        }
        return (number, size)
    }

    public func filters(call: AuthorisedCall, page: Int, pageSize: Int) throws(GatewayFault) -> FiltersPage {
        do {
            let (pnrs, total) = try store.subscriptionFilters(agreement: call.agreement.uuid, kind: .pnr,
                                                              offset: (page - 1) * pageSize, limit: pageSize)
            let municipalities = try store.subscriptionFilters(agreement: call.agreement.uuid, kind: .municipality, offset: 0, limit: 1000).values
            let codes = try store.subscriptionFilters(agreement: call.agreement.uuid, kind: .changeCode, offset: 0, limit: 1000).values
            return FiltersPage(pnrs: pnrs, municipalities: municipalities, changeCodes: codes, page: page, pageSize: pageSize, totalPNRs: total)
        } catch {
            throw GatewayFault(status: 503, code: "store-unavailable",
                               message: "the filters could not be read: the state database is busy or unavailable; try again", retryAfter: 1)
        }
    }

    /// The value in its stored form, or the 400 fault naming `field` and what it may be.
    /// Also used by the CLI, so an operator's typing mistake gets the same words.
    public static func check(_ kind: SubscriptionFilterKind, _ raw: String, field: String,
                             agreementMunicipality: String) throws(GatewayFault) -> String {
        let value = raw.trimmingCharacters(in: .whitespaces)
        switch kind {
        case .pnr:
            guard value.utf8.count == 10, value.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
                throw GatewayFault(status: 400, code: "malformed-parameter",
                                   message: "\(field) is a PNR: ten digits (DDMMYYSSSS) with no dash", field: field)
            }
        case .municipality:
            guard value.utf8.count == 4, CPRMunicipalities.named(value) != nil else {
                throw GatewayFault(status: 400, code: "malformed-parameter",
                                   message: "\(field) is one of Denmark's 98 four-digit municipality codes, such as 0101", field: field)
            }
            guard value == agreementMunicipality else {
                throw GatewayFault(status: 403, code: "forbidden",
                                   message: "the agreement is for municipality \(agreementMunicipality); a municipality subscription under it can follow that municipality only",
                                   field: field)
            }
        case .changeCode:
            guard CPREventCode(rawValue: value) != nil else {
                throw GatewayFault(status: 400, code: "malformed-parameter",
                                   message: "\(field) is one of the change codes \(CPREventCode.allCases.map(\.rawValue).joined(separator: ", "))",
                                   field: field)
            }
        }
        return value
    }
}
