import BusinessCalendar
import SourceStubs

/// CPR lookups for one municipality: a municipality sees only the persons whose current
/// (or, for the dead and emigrated, last) address is within it. Anyone else answers exactly
/// as an unknown PNR does, so a caller cannot learn that a person exists elsewhere.
public struct CPRService: Sendable {
    public let population: CPRPopulation

    public init(population: CPRPopulation) { self.population = population }

    /// The person as JSON, or the not-found fault for an unknown PNR or a person living
    /// in another municipality. Answered on the calling task, not the executor: finding a
    /// person by PNR computes one block of four persons (microseconds), less than the hop
    /// to an executor thread and back would cost.
    public func person(pnr: String, municipality: String, on date: CivilDate) -> Result<[UInt8], GatewayFault> {
        guard pnr.utf8.count == 10, pnr.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
            return .failure(GatewayFault(status: 400, code: "malformed-parameter",
                                         message: "a PNR is ten digits (DDMMYYSSSS) with no dash", field: "pnr"))
        }
        guard let p = population.person(pnr: pnr, on: date), p.address.municipalityCode == municipality else {
            return .failure(.personNotFound)
        }
        var w = JSONWriter()
        Self.render(p, into: &w)
        return .success(w.bytes)
    }

    /// Persons of the municipality whose name contains the query's `name` and whose road
    /// name contains its `road` (case-insensitive; either may be nil, not both), in register
    /// order, one page. Answered from the population's search table (`CPRPopulation.search`),
    /// milliseconds once it is built; building it computes the whole register (seconds for a
    /// large one), so run this on the executor: it checks `deadline` as it goes and gives up
    /// with the 504 fault when it passes.
    public func search(_ query: SearchQuery, municipality: String, on date: CivilDate,
                       deadline: Deadline) throws(GatewayFault) -> [UInt8] {
        let page = query.page
        let skip = page.skip
        let pageSize = page.size
        let found = try population.search(municipality: municipality, name: query.name, road: query.road, on: date,
                                          skip: skip, limit: pageSize,
                                          checkDeadline: { () throws(GatewayFault) in try deadline.check() })
        var w = JSONWriter()
        w.beginObject()
        w.field("page", page.number)
        w.field("pageSize", pageSize)
        w.key("persons")
        w.beginArray()
        for p in found.persons {
            w.beginObject()
            w.field("pnr", p.pnr)
            w.field("firstName", p.firstName)
            w.field("middleName", p.middleName)
            w.field("lastName", p.lastName)
            w.field("status", p.status)
            w.key("address")
            Self.render(p.address, into: &w)
            w.endObject()
        }
        w.endArray()
        w.field("total", found.total)
        w.field("hasMore", found.total > skip + pageSize)
        w.endObject()
        return w.bytes
    }

    /// Current data: name, address, status, civil status, relations.
    static func render(_ p: CPRPerson, into w: inout JSONWriter) {
        w.beginObject()
        w.field("pnr", p.pnr)
        w.field("status", p.status)
        w.field("statusDate", p.statusDate)
        w.field("sex", p.sex)
        w.field("birthDate", p.birthDate)
        w.key("name")
        w.beginObject()
        w.field("first", p.firstName)
        w.field("middle", p.middleName)
        w.field("last", p.lastName)
        w.field("addressing", p.addressingName)
        w.field("since", p.nameDate)
        w.endObject()
        w.key("address")
        render(p.address, into: &w)
        w.field("addressProtected", p.protectedSince != nil)
        w.field("marketingProtected", p.marketingProtectedSince != nil)
        w.key("civilStatus")
        w.beginObject()
        w.field("code", p.civilStatus)
        w.field("since", p.civilStatusDate)
        w.field("spousePnr", p.spousePNR)
        w.field("spouseName", p.spouseName)
        w.endObject()
        w.key("relations")
        w.beginObject()
        for (key, parent) in [("mother" as StaticString, p.mother), ("father", p.father)] {
            w.key(key)
            w.beginObject()
            w.field("pnr", parent.pnr)
            w.field("name", parent.name)
            w.field("birthDate", parent.birthDate)
            w.endObject()
        }
        w.key("children")
        w.beginArray()
        for c in p.childPNRs { w.value(c) }
        w.endArray()
        w.endObject()
        w.field("citizenship", p.citizenship)
        w.field("churchMember", p.churchMember)
        w.endObject()
    }

    static func render(_ a: CPRPerson.Address, into w: inout JSONWriter) {
        w.beginObject()
        w.field("municipalityCode", a.municipalityCode)
        w.field("roadCode", a.roadCode)
        w.field("roadName", a.roadName)
        w.field("houseNumber", a.houseNumber)
        w.field("floor", a.floor)
        w.field("door", a.door)
        w.field("postalCode", a.postalCode)
        w.field("district", a.district)
        w.field("movedIn", a.movedIn)
        w.endObject()
    }
}

/// A search's criteria and page as the caller sent them, checked at the edge: the page
/// arithmetic cannot overflow and the needles are short enough to compare cheaply.
public struct SearchQuery: Sendable, Equatable {
    public var name: String?
    public var road: String?
    public var page: SearchPage

    /// The longest `name` or `road` accepted, in characters.
    public static let maximumNeedle = 100

    /// Reads `name`, `road`, `page` and `pageSize` (as found in the query string; nil when
    /// absent), or the 400 fault naming the parameter that is wrong and what it may be.
    public static func parse(name: String?, road: String?, page: String?, pageSize: String?) -> Result<SearchQuery, GatewayFault> {
        let name = name.flatMap { $0.isEmpty ? nil : $0 }
        let road = road.flatMap { $0.isEmpty ? nil : $0 }
        guard name != nil || road != nil else {
            return .failure(GatewayFault(status: 400, code: "missing-parameter", message: "give name, road or both to search by", field: "name"))
        }
        for (field, value) in [("name", name), ("road", road)] {
            if let value, value.count > maximumNeedle {
                return .failure(GatewayFault(status: 400, code: "malformed-parameter",
                                             message: "\(field) is \(value.count) characters long; at most \(maximumNeedle) are allowed", field: field))
            }
        }
        return SearchPage.parse(page: page, pageSize: pageSize).map { SearchQuery(name: name, road: road, page: $0) }
    }
}

/// One page of search results: `number` from 1, `size` persons per page.
public struct SearchPage: Sendable, Equatable {
    public let number: Int
    public let size: Int

    public static let defaultSize = 20
    public static let sizes = 1...100
    /// No register holds more than 10 million persons, so no page beyond this one can
    /// hold anybody; the bound keeps `(number - 1) * size` far inside `Int`.
    public static let numbers = 1...10_000_000

    /// Persons before this page.
    public var skip: Int { (number - 1) * size }

    /// `page` and `pageSize` as sent (nil: the defaults 1 and 20), or the 400 fault naming
    /// the parameter and its allowed range.
    public static func parse(page: String?, pageSize: String?) -> Result<SearchPage, GatewayFault> {
        func range(_ r: ClosedRange<Int>) -> String { "\(r.lowerBound) to \(r.upperBound)" }
        guard let number = page.map({ Int($0) }) ?? 1, numbers.contains(number) else {
            return .failure(GatewayFault(status: 400, code: "malformed-parameter",
                                         message: "page is a whole number from \(range(numbers))", field: "page"))
        }
        guard let size = pageSize.map({ Int($0) }) ?? defaultSize, sizes.contains(size) else {
            return .failure(GatewayFault(status: 400, code: "malformed-parameter",
                                         message: "pageSize is a whole number from \(range(sizes))", field: "pageSize"))
        }
        return .success(SearchPage(number: number, size: size))
    }
}
