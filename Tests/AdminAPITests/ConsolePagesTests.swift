import AdminAPI
import Administration
import Foundation
import Hummingbird
import HummingbirdTesting
import Store
import Testing

/// The console's pages beyond sign-in and alarms (issue 13): pickups, change orders with
/// their errors beside the fields, runs and schedules, agreements, and the overview's
/// schedule, refresh and pictures. Same fixture and live listener as `ConsoleTests`.
extension ConsoleTests {
    @Test func pickupsAreListedByFilterAndAFileHasItsOwnPageInScope() async throws {
        let f = try Fixture()
        defer { f.tearDown() }
        try await f.test { client in
            let ops = try await Self.signIn(client, token: Self.operatorToken)
            let pickupId = try #require(try f.store.pickups(system: "esdh-a").first?.id)
            let list = Self.text(try await client.execute(uri: "/console/pickups?system=esdh-a&state=overdue", method: .get, headers: ops.headers))
            #expect(list.contains("href=\"/console/pickups/\(pickupId)\">D261123.L000001</a>"))
            #expect(Self.text(try await client.execute(uri: "/console/pickups?state=collected_on_time", method: .get, headers: ops.headers))
                .contains("No file matches."))
            // A wrong filter: its error beside the field, 400, no list.
            let bad = try await client.execute(uri: "/console/pickups?date=2026-13-40&state=lost", method: .get, headers: ops.headers)
            #expect(bad.status == .badRequest)
            let badText = Self.text(bad)
            #expect(badText.contains(#"<p class="field-error" id="date-error">&#39;2026-13-40&#39; is not a date written YYYY-MM-DD.</p>"#))
            #expect(badText.contains(#"id="state-error""#) && badText.contains(#"aria-invalid="true""#))

            let file = try await client.execute(uri: "/console/pickups/\(pickupId)", method: .get, headers: ops.headers)
            #expect(file.status == .ok)
            let text = Self.text(file)
            for part in ["<h1>File D261123.L000001</h1>", "<dt>Delivered</dt>", "<dt>Deadline</dt>", "1h 00m past its deadline",
                         "<dt>Collected</dt><dd>not yet", "href=\"/console/alarms/\(f.alarmA)\"", "<dt>FileTransferUUID</dt>"] {
                #expect(text.contains(part), "\(part)")
            }
            // The system page links its waiting file to that page.
            #expect(Self.text(try await client.execute(uri: "/console/systems/esdh-a", method: .get, headers: ops.headers))
                .contains("href=\"/console/pickups/\(pickupId)\""))

            // Aarhus's user: the file of København's system is not found, alike a missing one.
            let aarhus = try await Self.signIn(client, token: f.tokens["aarhusUser"] ?? "")
            let hidden = try await client.execute(uri: "/console/pickups/\(pickupId)", method: .get, headers: aarhus.headers)
            let none = try await client.execute(uri: "/console/pickups/987654", method: .get, headers: aarhus.headers)
            #expect(hidden.status == .notFound && none.status == .notFound)
            #expect(Self.main(hidden).replacingOccurrences(of: "file \(pickupId) ", with: "file X ") == Self.main(none).replacingOccurrences(of: "file 987654 ", with: "file X "))
            #expect(!Self.text(try await client.execute(uri: "/console/pickups", method: .get, headers: aarhus.headers)).contains("D261123"))
            #expect(try await client.execute(uri: "/console/pickups?system=esdh-a", method: .get, headers: aarhus.headers).status == .badRequest)
        }
    }

    @Test func aChangeOrderFormShowsEveryErrorBesideItsFieldAndAGoodOneHasAReceiptTimeline() async throws {
        let f = try Fixture()
        defer { f.tearDown() }
        try await f.test { client in
            let ops = try await Self.signIn(client, token: Self.operatorToken)
            let form = Self.text(try await client.execute(uri: "/console/changes/new?system=esdh-a", method: .get, headers: ops.headers))
            for name in ["order_id", "pattern", "collect_within", "deadline", "warning_before", "repeat_every", "signal", "retention", "at", "reason"] {
                #expect(form.contains("<label for=\"\(name)\">") && form.contains("id=\"\(name)\" name=\"\(name)\""), "\(name)")
            }
            #expect(form.contains(#"<option value="esdh-a" selected>"#))

            // No BestillingsID, collect-within and deadline both, a time in the past: all at once.
            let refused = try await client.execute(uri: "/console/changes", method: .post, headers: ops.formHeaders(), body: Self.form([
                ("csrf", ops.csrf), ("system", "esdh-a"), ("order_id", ""), ("pattern", "D*"), ("collect_within", "2h"),
                ("deadline", "08:00 next business day"), ("at", "2020-01-01T06:00"), ("reason", "<faster>"),
            ]))
            #expect(refused.status == .unprocessableContent)
            let text = Self.text(refused)
            #expect(text.contains(#"id="order_id-error""#) && text.contains("Missing BestillingsID"))
            #expect(text.contains(#"id="collect_within-error""#) && text.contains("Give collect-within or deadline, not both"))
            #expect(text.contains(#"id="at-error""#))
            #expect(text.contains(#"class="error-summary" role="alert""#) && text.contains("There are 3 problems"))
            // What was typed stays, escaped.
            #expect(text.contains(#"value="2h""#) && text.contains("&lt;faster&gt;</textarea>"))
            #expect(try f.store.changeOrders().isEmpty, "a refused form records nothing")

            let accepted = try await client.execute(uri: "/console/changes", method: .post, headers: ops.formHeaders(), body: Self.form([
                ("csrf", ops.csrf), ("system", "esdh-a"), ("order_id", "B-CONSOLE-1"), ("pattern", "D*"), ("collect_within", "2h"),
                ("warning_before", "30m"), ("reason", "faster pickup"),
            ]))
            #expect(accepted.status == .seeOther)
            let order = try #require(try f.store.changeOrders().first)
            #expect(accepted.headers[.location] == "/console/changes/\(order.id ?? 0)")
            #expect(order.state == .accepted && order.orderRef == "B-CONSOLE-1" && order.submittedBy == "console:ops")
            let timeline = Self.text(try await client.execute(uri: "/console/changes/\(order.id ?? 0)", method: .get, headers: ops.headers))
            #expect(timeline.contains(#"<ol class="timeline">"#) && timeline.contains("<strong>received</strong>") && timeline.contains("<strong>accepted</strong>"))
            #expect(Self.text(try await client.execute(uri: "/console/changes", method: .get, headers: ops.headers)).contains("B-CONSOLE-1"))

            // Only operators order changes.
            let kbh = try await Self.signIn(client, token: f.tokens["kbhUser"] ?? "")
            #expect(try await client.execute(uri: "/console/changes/new", method: .get, headers: kbh.headers).status == .forbidden)
            let posted = try await client.execute(uri: "/console/changes", method: .post, headers: kbh.formHeaders(), body: Self.form([
                ("csrf", kbh.csrf), ("system", "esdh-a"), ("order_id", "B-CONSOLE-2"), ("collect_within", "3h"),
            ]))
            #expect(posted.status == .forbidden)
            #expect(try f.store.changeOrders().count == 1)
        }
    }

    @Test func runNowQueuesOnceForOneFormAndAQueuedRunCanBeCancelled() async throws {
        let f = try Fixture()
        defer { f.tearDown() }
        try await f.test { client in
            let ops = try await Self.signIn(client, token: Self.operatorToken)
            let runs = Self.text(try await client.execute(uri: "/console/runs", method: .get, headers: ops.headers))
            #expect(runs.contains(#"aria-label="Run cpr-a-status now""#))
            let key = try #require(runs.range(of: #"name="idempotency_key" value=""#).map { String(runs[$0.upperBound...].prefix(64)) })
            let fields = Self.form([("csrf", ops.csrf), ("idempotency_key", key)])
            let first = try await client.execute(uri: "/console/extracts/cpr-a-status/run", method: .post, headers: ops.formHeaders(), body: fields)
            #expect(first.status == .seeOther)
            let location = try #require(first.headers[.location])
            // The same form again (a double click): the same run, no second one.
            let again = try await client.execute(uri: "/console/extracts/cpr-a-status/run", method: .post, headers: ops.formHeaders(), body: fields)
            #expect(again.headers[.location] == location)
            let queued = try f.store.runs(extract: "cpr-a-status")
            #expect(queued.count == 1 && queued.first?.state == .queued && queued.first?.requestedBy == "console:ops")
            let page = Self.text(try await client.execute(uri: location, method: .get, headers: ops.headers))
            #expect(page.contains(#"<dd id="run-state">queued</dd>"#))

            let id = try #require(queued.first?.id)
            let cancelled = try await client.execute(uri: "/console/runs/\(id)/cancel", method: .post, headers: ops.formHeaders(), body: Self.form([("csrf", ops.csrf)]))
            #expect(cancelled.status == .seeOther)
            #expect(try f.store.run(id: id)?.state == .cancelled)
            let twice = try await client.execute(uri: "/console/runs/\(id)/cancel", method: .post, headers: ops.formHeaders(), body: Self.form([("csrf", ops.csrf)]))
            #expect(twice.status == .conflict && Self.text(twice).contains("only a queued run can be cancelled"))

            // A municipality's user has no runs page and cannot run anything.
            let kbh = try await Self.signIn(client, token: f.tokens["kbhUser"] ?? "")
            #expect(try await client.execute(uri: "/console/runs", method: .get, headers: kbh.headers).status == .forbidden)
            let refused = try await client.execute(uri: "/console/extracts/cpr-a-status/run", method: .post, headers: kbh.formHeaders(),
                                                   body: Self.form([("csrf", kbh.csrf)]))
            #expect(refused.status == .forbidden)
            #expect(try f.store.runs(extract: "cpr-a-status").count == 1)
        }
    }

    @Test func schedulesNameTheHolidaysTheySkipAndTheOverviewShowsTodayAndTomorrow() async throws {
        let f = try Fixture()
        defer { f.tearDown() }
        try await f.test { client in
            let ops = try await Self.signIn(client, token: Self.operatorToken)
            // The 25th at 06:30 on business days: 25 December is Juledag.
            let schedules = Self.text(try await client.execute(uri: "/console/schedules", method: .get, headers: ops.headers))
            #expect(schedules.contains("<h2>cpr-a-status</h2>"))
            #expect(schedules.contains("2026-11-25 06:30</td><td>runs"))
            #expect(schedules.contains("2026-12-25 06:30</td><td>skipped: holiday"))
            #expect(schedules.contains("Juledag"))

            let overview = Self.text(try await client.execute(uri: "/console", method: .get, headers: ops.headers))
            #expect(overview.contains(#"<meta http-equiv="refresh" content="10">"#))
            #expect(overview.contains("Scheduled runs today and tomorrow"))
            #expect(overview.contains("<svg role=\"img\""), "the deliveries picture")
            #expect(overview.contains("Gateway service targets, last 24 hours"))
            let still = Self.text(try await client.execute(uri: "/console?live=0", method: .get, headers: ops.headers))
            #expect(!still.contains("http-equiv=\"refresh\"") && still.contains("does not reload itself"))
            // The system page draws its pickup times against the deadline.
            #expect(Self.text(try await client.execute(uri: "/console/systems/esdh-a", method: .get, headers: ops.headers))
                .contains("Longest time to pickup per delivery day"))
        }
    }

    @Test func theSignatoryApprovesARequestedAgreementInTheConsole() async throws {
        let f = try Fixture()
        defer { f.tearDown() }
        let desk = AdministrationDesk(store: f.store, clock: f.clock.clock, keyDirectory: f.directory + "/keys/registered")
        let ops = Principal.platformOperator(actor: "test-setup")
        let supplier = try desk.createUser(ops, .init(organisation: "cvr:11111111", name: "Sofie", email: "sofie@a.dk", roles: ["user"]))
        let signatory = try desk.createUser(ops, .init(organisation: "kommune:0101", name: "Karen", email: "karen@kk.dk", roles: ["signatory"]))
        let signatoryToken = try desk.createToken(ops, user: signatory.id ?? 0, name: "console", days: 1).secret
        let asSupplier = try #require(try desk.signIn(token: try desk.createToken(ops, user: supplier.id ?? 0, name: "t", days: 1).secret))
        let uuid = try #require(try desk.requestAgreements(asSupplier, .init(system: "esdh-a", services: ["cpr-lookup"], municipalities: ["0101"], note: nil)).first?.uuid)
        try await f.test { client in
            // The clerk of the same municipality sees it but may not decide it.
            let clerk = try await Self.signIn(client, token: f.tokens["kbhUser"] ?? "")
            let seen = Self.text(try await client.execute(uri: "/console/agreements", method: .get, headers: clerk.headers))
            #expect(seen.contains(uuid) && seen.contains("awaits the signatory of municipality 0101") && !seen.contains("/approve\""))
            let refused = try await client.execute(uri: "/console/agreements/\(uuid)/approve", method: .post, headers: clerk.formHeaders(),
                                                   body: Self.form([("csrf", clerk.csrf)]))
            #expect(refused.status == .forbidden)

            let karen = try await Self.signIn(client, token: signatoryToken)
            let page = Self.text(try await client.execute(uri: "/console/agreements", method: .get, headers: karen.headers))
            #expect(page.contains("<h2>Requested (1)</h2>") && page.contains("action=\"/console/agreements/\(uuid)/approve\""))
            let approved = try await client.execute(uri: "/console/agreements/\(uuid)/approve", method: .post, headers: karen.formHeaders(),
                                                    body: Self.form([("csrf", karen.csrf), ("note", "ok")]))
            #expect(approved.status == .seeOther)
            #expect(try f.store.agreements(system: "esdh-a").first { $0.uuid == uuid }?.state == .approved)
            // Aarhus does not see it at all.
            let aarhus = try await Self.signIn(client, token: f.tokens["aarhusUser"] ?? "")
            #expect(!Self.text(try await client.execute(uri: "/console/agreements", method: .get, headers: aarhus.headers)).contains(uuid))
        }
    }
}
