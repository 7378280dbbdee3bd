import Administration
import Foundation
import Hummingbird
import Store

/// The console's agreements (the administration module's lifecycle, README "Roles and the
/// agreement lifecycle"): requested, in force, rejected and terminated, each in the caller's
/// scope as `GET /api/v1/agreements` lists them; the municipality's signatory approves or
/// rejects a requested one here.
///
/// - `GET /console/agreements`
/// - `POST /console/agreements/{uuid}/approve` (an optional note),
///   `POST /console/agreements/{uuid}/reject` (a reason, which the supplier receives).
///
/// Both acts go through `AgreementDesk`, so the same role and scope decide them as in the API.
extension Console {
    func addAgreementRoutes(_ router: Router<AdminRequestContext>) {
        router.get("/console/agreements") { request, _ in try await page(request) { try await agreementsPage($0) } }
        router.post("/console/agreements/:uuid/approve") { request, context in
            let uuid = context.parameters.get("uuid") ?? ""
            return try await form(request) { caller, fields in
                let (desk, p) = (api.desk, caller.principal)
                let note = fields["note"].flatMap { $0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? nil : $0 }
                _ = try await api.blocking { try desk.approve(p, uuid: uuid, note: note) }
                return ConsolePage.redirect("/console/agreements")
            }
        }
        router.post("/console/agreements/:uuid/reject") { request, context in
            let uuid = context.parameters.get("uuid") ?? ""
            return try await form(request) { caller, fields in
                let (desk, p) = (api.desk, caller.principal)
                _ = try await api.blocking { try desk.reject(p, uuid: uuid, reason: fields["reason"]) }
                return ConsolePage.redirect("/console/agreements")
            }
        }
    }

    /// At most this many agreements of one state are drawn; the filters of the CLI and the
    /// API narrow a longer list.
    static let agreementsShown = 500

    func agreementsPage(_ caller: Caller) async throws -> Response {
        let (desk, p) = (api.desk, caller.principal)
        let all = try await api.blocking { try desk.agreements(p) }
        let groups: [(String, [AgreementState])] = [("Requested", [.requested]), ("In force", [.approved]),
                                                    ("Rejected and terminated", [.rejected, .terminated])]
        let sections: [HTML] = groups.map { title, states -> HTML in
            let ofState = all.filter { states.contains($0.state) }
            let rows: [HTML] = ofState.prefix(Self.agreementsShown).map { a -> HTML in
                "<tr><th scope=\"row\">\(a.uuid)</th><td>\(a.system)</td><td>\(a.service)</td><td>\(a.municipality)</td><td>\(a.state.rawValue)</td><td>\(a.supplier, default: "-")</td><td>\(decision(caller, a))</td></tr>"
            }
            let more: HTML = ofState.count > Self.agreementsShown
                ? "<p>The first \(Self.agreementsShown) of \(ofState.count) are shown; <code>udtraek agreements list --system NAME</code> narrows the list.</p>" : .empty
            return """
                <h2>\(title) (\(ofState.count))</h2>
                \(ofState.isEmpty ? HTML("<p>None.</p>") : HTML("""
                    <table><thead><tr><th scope="col">Agreement</th><th scope="col">System</th><th scope="col">Service</th><th scope="col">Municipality</th>
                    <th scope="col">State</th><th scope="col">Supplier</th><th scope="col">Decision</th></tr></thead><tbody>\(rows)</tbody></table>
                    """))
                \(more)
                """
        }
        return document(caller, title: "Agreements", HTML.join(sections))
    }

    /// The approve and reject forms for the signatory who may decide a requested agreement;
    /// for anyone else, who decides it.
    func decision(_ caller: Caller, _ a: AgreementView) -> HTML {
        guard a.state == .requested else { return "-" }
        let p = caller.principal
        guard p.municipality == a.municipality, p.roles.contains(.signatory) else {
            return "awaits the signatory of municipality \(a.municipality)"
        }
        let csrf = ConsoleField.csrf(caller.session.csrf)
        return """
            <form method="post" action="/console/agreements/\(a.uuid)/approve">\(csrf)\
            <label for="note-\(a.uuid)">Note (optional)</label><input type="text" id="note-\(a.uuid)" name="note" maxlength="1000">\
            <button type="submit" aria-label="Approve agreement \(a.uuid)">Approve</button></form>
            <form method="post" action="/console/agreements/\(a.uuid)/reject">\(csrf)\
            <label for="reason-\(a.uuid)">Reason for rejecting (the supplier receives it)</label>\
            <input type="text" id="reason-\(a.uuid)" name="reason" maxlength="1000" required>\
            <button type="submit" aria-label="Reject agreement \(a.uuid)">Reject</button></form>
            """
    }
}
