import BusinessCalendar
import SourceStubs

/// CPR lookups for one municipality: a municipality sees only the persons whose current
/// (or, for the dead and emigrated, last) address is within it. Anyone else answers exactly
/// as an unknown PNR does, so a caller cannot learn that a person exists elsewhere.
public struct CPRService: Sendable {
    public let population: CPRPopulation

    public init(population: CPRPopulation) { self.population = population }

    /// The person as JSON, or the not-found fault for an unknown PNR or a person living
    /// in another municipality.
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

    /// Persons of the municipality whose name contains `name` and whose road name contains
    /// `road` (case-insensitive; either may be nil, not both), in register order, one page.
    public func search(name: String?, road: String?, municipality: String, on date: CivilDate,
                       page: Int, pageSize: Int, deadline: Deadline) throws(GatewayFault) -> [UInt8] {
        let nameNeedle = name?.lowercased()
        let roadNeedle = road?.lowercased()
        let skip = (page - 1) * pageSize
        var matched = 0
        var w = JSONWriter()
        w.beginObject()
        w.field("page", page)
        w.field("pageSize", pageSize)
        w.key("persons")
        w.beginArray()
        var seen = 0
        do {
            try population.forEachPerson(on: date, municipality: municipality) { p throws(GatewayFault) in
                seen += 1
                if seen & 255 == 0 { try deadline.check() }
                if let roadNeedle, !p.address.roadName.lowercased().contains(roadNeedle) { return }
                if let nameNeedle {
                    let full = [p.firstName, p.middleName ?? "", p.lastName].joined(separator: " ").lowercased()
                    if !full.contains(nameNeedle) { return }
                }
                matched += 1
                if matched > skip && matched <= skip + pageSize {
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
            }
        } catch let fault as GatewayFault {
            throw fault
        } catch {
            throw GatewayFault(status: 500, code: "source-failed", message: "the CPR source failed: \(error)")
        }
        w.endArray()
        w.field("total", matched)
        w.field("hasMore", matched > skip + pageSize)
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
