import Administration
import AdminAPI
import Delivery
import Extracts
import Foundation
import Store

/// The demo's agreement lifecycle: the refused extract's system belongs to a supplier;
/// that supplier's user (with a personal token) requests the agreement, a user and the
/// supplier try to approve it and are refused, Aarhus's signatory approves it, and the
/// extract that was refused runs and is delivered.
enum DemoAgreements {
    /// Ends the agreements a previous demo put in force, so this one shows the refusal
    /// and the whole life again (the demo's state is its own).
    static func endPrevious(store: Store) throws {
        let desk = AdministrationDesk(store: store, keyDirectory: AdminAPI.registeredKeyDirectory(store))
        let ops = Principal.platformOperator(actor: "demo")
        for open in try desk.agreements(ops) where open.origin == .admin && !open.state.isFinal {
            _ = try desk.terminate(ops, uuid: open.uuid, reason: "the demo runs again")
        }
    }

    static func run(store: Store, state: String, refused: ExtractDefinition, runner: ExtractRunner,
                    service: DeliveryService) throws -> [String] {
        let snapshot = try store.configuration()
        guard let system = snapshot.systems.first(where: { $0.name == refused.system }), let supplierID = system.supplier,
              let cvr = supplierID.split(separator: ":").last.map(String.init) else { return [] }
        let desk = AdministrationDesk(store: store, keyDirectory: AdminAPI.registeredKeyDirectory(store))
        let ops = Principal.platformOperator(actor: "demo")
        var lines: [String] = []

        // Organisations and users, made once; a second demo reuses them.
        if try store.organisation(id: supplierID) == nil {
            _ = try desk.createOrganisation(ops, .init(kind: .supplier, name: "Systemhuset Demo A/S", cvr: cvr, noticeAddress: "drift@systemhuset.example"))
        }
        let municipalityID = Organisation.municipalityID(code: refused.municipality)
        if try store.organisation(id: municipalityID) == nil {
            _ = try desk.createOrganisation(ops, .init(kind: .municipality, municipality: refused.municipality, noticeAddress: "it@kommune.example"))
        }
        func user(_ name: String, _ organisation: String, _ role: String) throws -> (User, String) {
            let existing = try store.users(organisation: organisation).first { $0.name == name }
            let u = try existing ?? desk.createUser(ops, .init(organisation: organisation, name: name, roles: [role]))
            let (_, token) = try desk.createToken(ops, user: u.id ?? 0, name: "demo", days: 1)
            return (u, token)
        }
        let (supplierUser, supplierToken) = try user("Sofie Leverandør", supplierID, "user")
        let (clerk, clerkToken) = try user("Mads Sagsbehandler", municipalityID, "user")
        let (signatory, signatoryToken) = try user("Karen Underskriver", municipalityID, "signatory")
        lines.append("  \(supplierID): \(supplierUser.name) (user); \(municipalityID): \(clerk.name) (user), \(signatory.name) (signatory)")
        lines.append("  each signs in with a personal token (udt_…, stored as its SHA-256 only)")

        guard let asSupplier = try desk.signIn(token: supplierToken), let asClerk = try desk.signIn(token: clerkToken),
              let asSignatory = try desk.signIn(token: signatoryToken) else { return lines }
        let requested = try desk.requestAgreements(asSupplier, .init(system: system.name, services: [refused.source.service],
                                                                     municipalities: [refused.municipality], note: "KLE for the ESDH"))
        guard let uuid = requested.first?.uuid else { return lines }
        lines.append("  \(supplierUser.name) requests \(refused.source.service) for \(system.name) in \(refused.municipality): agreement \(uuid), requested")
        if let notice = try store.notices(organisation: municipalityID, limit: 1).first {
            lines.append("  notice to \(notice.address ?? municipalityID): \(notice.subject)")
        }
        for (who, principal) in [(clerk.name + " (user)", asClerk), (supplierUser.name + " (the supplier)", asSupplier)] {
            do {
                _ = try desk.approve(principal, uuid: uuid, note: nil)
                lines.append("  \(who) approved it: THIS MUST NOT HAPPEN")
            } catch let e as AdministrationError {
                lines.append("  \(who) tries to approve: refused (\(e.kind.rawValue)): \(e.message)")
            }
        }
        let (_, info) = try desk.approve(asSignatory, uuid: uuid, note: "approved in the demo")
        lines.append("  \(signatory.name) (signatory) approves: in force; the supplier receives ServiceAgreementUUID \(info.agreementUUID), ServiceUUID \(info.serviceUUID), inbox \(info.sftpInbox)")
        let run = try runner.run(refused.name, trigger: .manual, actor: "demo", rerun: true)
        lines.append("  \(refused.name) runs now: \(run.state.rawValue), \(run.fileName ?? "-")")
        if let outboxId = run.outboxId {
            let record = try service.deliverNow(outboxId: outboxId)
            lines.append("  delivered to \(system.name): \(record.outcome.rawValue), \(Format.bytes(record.bytes))")
        }
        lines.append("  its history: udtraek agreements show \(uuid) --state \(state)")
        return lines
    }
}
