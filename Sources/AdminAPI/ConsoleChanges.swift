import ChangeOrders
import Foundation
import Hummingbird
import Store

/// The console's change orders, for the platform's operators (as `POST /api/v1/changes`):
///
/// - `GET /console/changes`: the orders, newest first.
/// - `GET /console/changes/new?system=S`: the form for a pickup-monitoring change (pattern,
///   collect-within or deadline, warning, reminders, signal, retention) with its
///   BestillingsID.
/// - `POST /console/changes`: checked first with `ChangeDesk.check`; a refused form comes
///   back with every problem beside its field and at the top, and what was typed kept, and
///   nothing is recorded. A form without problems is submitted through `ChangeDesk.submit`
///   like any order and the browser goes to the order's page.
/// - `GET /console/changes/{id}`: the order and its receipts as a timeline.
extension Console {
    func addChangeRoutes(_ router: Router<AdminRequestContext>) {
        router.get("/console/changes") { request, _ in try await page(request) { try await changesPage($0) } }
        router.get("/console/changes/new") { request, _ in
            try await page(request) { caller in
                try caller.requireOperator()
                let system = request.uri.queryParameters["system"].map(String.init) ?? ""
                return try await changeForm(caller, values: ["system": system, "pattern": "D*"], problems: [], status: .ok)
            }
        }
        router.post("/console/changes") { request, _ in try await form(request) { try await orderChange($0, fields: $1) } }
        router.get("/console/changes/:id") { request, context in
            let id = context.parameters.get("id", as: Int64.self)
            return try await page(request) { try await changePage($0, id: id) }
        }
    }

    /// The form's fields in order: name, label, hint.
    static let monitoringFields: [(name: String, label: String, hint: String?)] = [
        ("order_id", "BestillingsID", "The order number the change was ordered under, e.g. B-123."),
        ("pattern", "File pattern", "The files the rule is for, e.g. D* (an existing rule with this pattern is changed)."),
        ("collect_within", "Collect within", "A duration after delivery, e.g. 4h. Give this or a deadline."),
        ("deadline", "Deadline", "A time on a business day, e.g. 08:00 next business day."),
        ("warning_before", "Warning before the deadline", "e.g. 1h; empty: no warning."),
        ("repeat_every", "Remind every", "How often an overdue file's alarm is repeated, e.g. 2h."),
        ("signal", "Collection is seen when", nil),
        ("moved_to", "Moved to (for the signal moved)", "A folder relative to the inbox root, e.g. IN/processed."),
        ("retention", "Retention", "How long an uncollected file stays in the inbox, e.g. 14d."),
        ("at", "Carry out at", "Copenhagen time, e.g. 2026-12-03T06:00; empty: at once."),
        ("reason", "Reason", "Why the change is made (kept with the order and in the audit log)."),
    ]

    /// The field a validation reason is about: the field whose name (as the reasons spell
    /// it) comes first in the reason; nil when it names none (then it is shown at the top only).
    static func field(of reason: String) -> String? {
        let keywords: [(String, String)] = [
            ("BestillingsID", "order_id"), ("requested time", "at"), ("collect-within", "collect_within"),
            ("warning-before", "warning_before"), ("the warning", "warning_before"), ("repeat-every", "repeat_every"),
            ("deadline", "deadline"), ("pattern", "pattern"), ("moved-to", "moved_to"), ("signal", "signal"),
            ("retention", "retention"), ("the reason", "reason"), ("unknown system", "system"),
        ]
        var best: (String.Index, String)?
        for (word, field) in keywords {
            if let range = reason.range(of: word), best.map({ range.lowerBound < $0.0 }) ?? true {
                best = (range.lowerBound, field)
            }
        }
        return best?.1
    }

    func changeForm(_ caller: Caller, values: [String: String], problems: [String], status: HTTPResponse.Status) async throws -> Response {
        let store = api.store
        let systems = try await api.blocking { try store.configuration().systems.map(\.name) }
        let located = problems.map { (field: Self.field(of: $0), message: Self.sentence($0)) }
        // Each field shows every reason about it; the summary lists them all.
        func error(_ name: String) -> String? {
            let mine = located.filter { $0.field == name }.map(\.message)
            return mine.isEmpty ? nil : mine.joined(separator: " ")
        }
        let signals = [("", "unchanged")] + PickupSignal.allCases.map { ($0.rawValue, $0.rawValue) }
        let fields: [HTML] = Self.monitoringFields.map { f -> HTML in
            let control: ConsoleField.Control = f.name == "signal" ? .select(signals) : f.name == "reason" ? .textarea : .text
            return ConsoleField(name: f.name, label: f.label, value: values[f.name] ?? "", control: control, hint: f.hint,
                                error: error(f.name)).html
        }
        return document(caller, title: "Order a monitoring change", status: status, """
            \(ConsoleField.summary(located))
            <p>A change to a receiver system's pickup monitoring, carried out by the platform at the time asked for, with a receipt for each step.
            Empty fields are left as they are.</p>
            <form method="post" action="/console/changes" novalidate>\(ConsoleField.csrf(caller.session.csrf))
            \(ConsoleField(name: "system", label: "Receiver system", value: values["system"] ?? "",
                           control: .select([("", "choose a system")] + systems.map { ($0, $0) }), error: error("system")).html)
            \(fields)
            <p><button type="submit">Order the change</button></p>
            </form>
            """)
    }

    func orderChange(_ caller: Caller, fields: [String: String]) async throws -> Response {
        try caller.requireOperator()
        let values = fields.filter { $0.key != "csrf" }
        func value(_ name: String) -> String? {
            let v = (values[name] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            return v.isEmpty ? nil : v
        }
        var problems: [String] = []
        var at: Date?
        if let text = value("at") {
            switch RequestedTime.read(text) {
            case .success(let parsed): at = parsed
            case .failure(let problem): problems.append("the requested time: \(problem)")
            }
        }
        guard let system = value("system") else {
            return try await changeForm(caller, values: values, problems: problems + ["unknown system '': choose the receiver system the change is for"],
                                        status: .unprocessableContent)
        }
        let request = ChangeRequest(pattern: value("pattern"), collectWithin: value("collect_within"), deadline: value("deadline"),
                                    warningBefore: value("warning_before"), repeatEvery: value("repeat_every"), signal: value("signal"),
                                    movedTo: value("moved_to"), retention: value("retention"))
        let submission = ChangeSubmission(system: system, kind: .monitoring, orderRef: value("order_id"), at: at,
                                          reason: value("reason") ?? "", submittedBy: caller.principal.actor, request: request)
        let desk = api.changeDesk
        problems += try await api.blocking { try desk.check(submission) }
        guard problems.isEmpty else {
            return try await changeForm(caller, values: values, problems: problems, status: .unprocessableContent)
        }
        let order = try await api.blocking { try desk.submit(submission) }
        if order.state == .accepted { api.changeSubmitted() }
        return ConsolePage.redirect("/console/changes/\(order.id ?? 0)")
    }

    func changesPage(_ caller: Caller) async throws -> Response {
        try caller.requireOperator()
        let store = api.store
        let orders = try await api.blocking { try store.changeOrders(limit: 200) }
        let rows: [HTML] = orders.map { o -> HTML in
            """
            <tr><th scope="row"><a href="/console/changes/\(o.id ?? 0)">\(o.id ?? 0)</a></th><td>\(o.orderRef, default: "self-service")</td>
            <td>\(o.kind.rawValue)</td><td>\(o.system)</td><td>\(o.state.rawValue)</td><td>\(Self.local(o.receivedAt))</td>
            <td>\(Self.local(o.executeAt))</td><td>\(o.submittedBy)</td></tr>
            """
        }
        return document(caller, title: "Change orders", """
            <p><a href="/console/changes/new">Order a monitoring change</a></p>
            \(orders.isEmpty ? HTML("<p>No change orders yet.</p>") : HTML("""
                <table><thead><tr><th scope="col">Order</th><th scope="col">BestillingsID</th><th scope="col">Kind</th><th scope="col">System</th>
                <th scope="col">State</th><th scope="col">Received</th><th scope="col">Carried out at</th><th scope="col">By</th></tr></thead>
                <tbody>\(rows)</tbody></table>
                """))
            """)
    }

    func changePage(_ caller: Caller, id: Int64?) async throws -> Response {
        try caller.requireOperator()
        let store = api.store
        let (order, receipts) = try await api.blocking { () throws -> (ChangeOrder, [ChangeReceipt]) in
            guard let id, let order = try store.changeOrder(id: id) else {
                throw ConsoleRefusal(status: .notFound, title: "Not found", message: "There is no change order \(id.map { "\($0)" } ?? "with that id").")
            }
            return (order, try store.changeReceipts(orderId: id))
        }
        let items: [HTML] = receipts.map { r -> HTML in
            let reasons: [HTML] = r.reasons.map { reason -> HTML in "<li>\(Self.sentence(reason))</li>" }
            return """
                <li><strong>\(r.kind.rawValue.replacingOccurrences(of: "-", with: " "))</strong> at <time datetime="\(r.at.formatted(.iso8601))">\(Self.local(r.at))</time>: \
                \(r.detail)\(reasons.isEmpty ? HTML.empty : HTML("<ul>\(reasons)</ul>"))</li>
                """
        }
        let r = order.request
        let asked: [(String, String?)] = [("pattern", r.pattern), ("collect within", r.collectWithin), ("deadline", r.deadline),
                                          ("warning before", r.warningBefore), ("remind every", r.repeatEvery), ("signal", r.signal),
                                          ("moved to", r.movedTo), ("retention", r.retention),
                                          ("remove monitoring", r.removeMonitoring == true ? "yes" : nil)]
        let what: [HTML] = asked.compactMap { name, value in value.map { v -> HTML in "<li>\(name): \(v)</li>" } }
        return document(caller, title: "Change order \(order.id ?? 0)", """
            <dl>
            <dt>BestillingsID</dt><dd>\(order.orderRef, default: "self-service")</dd>
            <dt>Kind and system</dt><dd>\(order.kind.rawValue) change for \(order.system)</dd>
            <dt>State</dt><dd id="order-state">\(order.state.rawValue)</dd>
            <dt>Carried out at</dt><dd>\(Self.local(order.executeAt))</dd>
            <dt>Submitted by</dt><dd>\(order.submittedBy) at \(Self.local(order.receivedAt))</dd>
            <dt>Reason</dt><dd>\(order.reason.isEmpty ? "-" : order.reason)</dd>
            </dl>
            \(what.isEmpty ? HTML.empty : HTML("<h2>What is asked</h2><ul>\(what)</ul>"))
            <h2>Receipts</h2>
            <ol class="timeline">\(items)</ol>
            \(order.state.isFinal ? HTML.empty : HTML("<p><a href=\"/console/changes/\(order.id ?? 0)\">Reload</a> to see the next receipts.</p>"))
            """)
    }
}
