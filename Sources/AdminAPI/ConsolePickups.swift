import Administration
import BusinessCalendar
import Foundation
import Hummingbird
import Store

/// The console's pickups: a list of delivered files filterable by system, state and day,
/// and one file's own page (README "The operator console").
///
/// - `GET /console/pickups?system=S&state=overdue&date=2026-11-23` (every filter optional;
///   the day is a Copenhagen day of delivery).
/// - `GET /console/pickups/{id}`: delivered when, its rule's warning and deadline, the
///   reminders, when and how it was collected, its alarms and the metadata it was sent with.
///
/// A caller sees the files of the systems `GET /api/v1/systems` shows it; any other file is
/// answered exactly as one that does not exist.
extension Console {
    func addPickupRoutes(_ router: Router<AdminRequestContext>) {
        router.get("/console/pickups") { request, _ in
            try await page(request) { try await pickupsPage($0, query: Self.query(request)) }
        }
        router.get("/console/pickups/:id") { request, context in
            let id = context.parameters.get("id", as: Int64.self)
            return try await page(request) { try await pickupPage($0, id: id) }
        }
    }

    /// The request's query parameters; of a repeated one, the first.
    static func query(_ request: Request) -> [String: String] {
        var fields: [String: String] = [:]
        for (key, value) in request.uri.queryParameters where fields[String(key)] == nil {
            fields[String(key)] = String(value)
        }
        return fields
    }

    /// The list's filters as typed, with what is wrong with each.
    struct PickupQuery {
        var system = ""
        var state = ""
        var date = ""
        var errors: [String: String] = [:]
        var filter = PickupFilter(limit: 500)

        init(_ query: [String: String], visible: [String], copenhagen: TimeZone) {
            system = query["system"] ?? ""
            state = query["state"] ?? ""
            date = query["date"] ?? ""
            filter.systems = visible
            if !system.isEmpty {
                // A system the caller cannot see is no different from one that does not exist.
                if visible.contains(system) { filter.systems = [system] } else { errors["system"] = "There is no system '\(system)' that you can see." }
            }
            if !state.isEmpty {
                if state == "waiting" {
                    filter.states = [.awaiting, .warning, .overdue]
                } else if let s = PickupState(rawValue: state) {
                    filter.states = [s]
                } else {
                    errors["state"] = "'\(state)' is not a state; choose one from the list."
                }
            }
            if !date.isEmpty {
                if let day = CivilDate(iso: date) {
                    var calendar = Calendar(identifier: .gregorian)
                    calendar.timeZone = copenhagen
                    let start = calendar.date(from: DateComponents(year: day.year, month: day.month, day: day.day))
                    filter.deliveredFrom = start
                    filter.deliveredBefore = start.flatMap { calendar.date(byAdding: .day, value: 1, to: $0) }
                } else {
                    errors["date"] = "'\(date)' is not a date written YYYY-MM-DD."
                }
            }
        }
    }

    static let pickupStates: [(String, String)] = [("", "Every state"), ("waiting", "Awaiting pickup (any)")]
        + PickupState.allCases.map { ($0.rawValue, $0.rawValue.replacingOccurrences(of: "_", with: " ")) }

    func pickupsPage(_ caller: Caller, query: [String: String]) async throws -> Response {
        let (store, desk, p) = (api.store, api.desk, caller.principal)
        let now = api.clock.date
        let fields = query
        let (systems, q, files) = try await api.blocking { () throws -> ([String], PickupQuery, [PickupRecord]) in
            let systems = try desk.systems(p).map(\.name)
            let q = PickupQuery(fields, visible: systems, copenhagen: Self.copenhagen)
            return (systems, q, q.errors.isEmpty ? try store.pickups(q.filter) : [])
        }
        let form: HTML = """
            <form method="get" action="/console/pickups"><fieldset><legend>Filter</legend>
            \(ConsoleField(name: "system", label: "System", value: q.system,
                           control: .select([("", "Every system")] + systems.map { ($0, $0) }), error: q.errors["system"]).html)
            \(ConsoleField(name: "state", label: "State", value: q.state, control: .select(Self.pickupStates), error: q.errors["state"]).html)
            \(ConsoleField(name: "date", label: "Delivered on (Copenhagen day)", value: q.date, control: .date,
                           hint: "YYYY-MM-DD; empty for every day", error: q.errors["date"]).html)
            <p><button type="submit">Show</button></p></fieldset></form>
            """
        let rows: [HTML] = files.map { f -> HTML in
            """
            <tr><th scope="row"><a href="/console/pickups/\(f.id ?? 0)">\(f.fileName)</a></th><td>\(f.system)</td>
            <td>\(Self.stateText(f.state))</td><td>\(Self.local(f.deliveredAt))</td>
            <td>\(f.state.isFinal ? Self.local(f.deadline) : Self.againstDeadline(f, now: now))</td>
            <td>\(Self.local(f.collectedAt))</td></tr>
            """
        }
        let table: HTML = files.isEmpty ? "<p>No file matches.</p>" : """
            <table><caption>\(files.count == 500 ? "The newest 500 files" : "\(files.count) file\(files.count == 1 ? "" : "s")"), newest delivery first</caption>
            <thead><tr><th scope="col">File</th><th scope="col">System</th><th scope="col">State</th><th scope="col">Delivered</th>
            <th scope="col">Deadline</th><th scope="col">Collected</th></tr></thead>
            <tbody>\(rows)</tbody></table>
            """
        return document(caller, title: "Pickups", status: q.errors.isEmpty ? .ok : .badRequest, """
            \(form)
            \(q.errors.isEmpty ? table : HTML("<p>Correct the filter to see files.</p>"))
            """)
    }

    /// A state as people read it; the colour is never its only sign.
    static func stateText(_ state: PickupState) -> HTML {
        let text = state.rawValue.replacingOccurrences(of: "_", with: " ")
        switch state {
        case .overdue, .collectedLate, .expired: return "<span class=\"rag rag-red\">\(text)</span>"
        case .warning: return "<span class=\"rag rag-amber\">\(text)</span>"
        case .collectedOnTime: return "<span class=\"rag rag-green\">\(text)</span>"
        case .awaiting, .replaced: return "\(text)"
        }
    }

    /// What the file's page shows beside the pickup row.
    struct PickupDetail: Sendable {
        var pickup: PickupRecord
        var delivery: DeliveryRecord?
        var outbox: OutboxEntry?
        var alarms: [AlarmRecord]
    }

    func pickupPage(_ caller: Caller, id: Int64?) async throws -> Response {
        let (store, desk, p) = (api.store, api.desk, caller.principal)
        let now = api.clock.date
        let d = try await api.blocking { () throws -> PickupDetail in
            guard let id, let pickup = try store.pickup(id: id), try desk.systems(p).contains(where: { $0.name == pickup.system }) else {
                throw ConsoleRefusal(status: .notFound, title: "Not found", message: "There is no file \(id.map { "\($0)" } ?? "with that id") that you can see.")
            }
            let delivery = try store.delivery(id: pickup.deliveryId)
            return PickupDetail(pickup: pickup, delivery: delivery, outbox: try delivery?.outboxId.flatMap { try store.outboxEntry(id: $0) },
                                alarms: try store.alarms(system: pickup.system, limit: 1000).filter { $0.pickupId == id })
        }
        let f = d.pickup
        let reminders: String = f.repeatEverySeconds.map { "every \(Self.span(TimeInterval($0))) while it is late" } ?? "none"
        let sent = d.alarms.reduce(0) { $0 + $1.notifications }
        let collected: HTML = f.collectedAt.map { at -> HTML in "\(Self.local(at)) (\(f.collectionDetail ?? f.signal.rawValue))" }
            ?? (f.state.isFinal ? "never (\(f.state.rawValue))" : "not yet; last seen in the inbox \(Self.local(f.lastSeenAt))")
        let metadata: HTML
        if let delivery = d.delivery {
            let routing = d.outbox?.routing
            metadata = """
                <dl>
                <dt>FileTransferUUID</dt><dd>\(delivery.transferUUID)</dd>
                <dt>Metadata document</dt><dd>\(f.remotePath).metadata</dd>
                <dt>Size</dt><dd>\(delivery.bytes) bytes</dd>
                <dt>SHA-256</dt><dd>\(delivery.sha256, default: "-")</dd>
                <dt>SendersFileId</dt><dd>\(d.outbox?.sendersFileId, default: "-")</dd>
                <dt>Agreement</dt><dd>\(d.outbox?.agreementUUID, default: "-")</dd>
                <dt>InfRef</dt><dd>\(routing?.infRef, default: "-")</dd>
                <dt>Sender / recipient authority</dt><dd>\(routing?.senderAuthority, default: "-") / \(routing?.recipientAuthority, default: "-")</dd>
                <dt>Upload</dt><dd>\(delivery.outcome.rawValue), \(delivery.durationMs.map { "\($0) ms" } ?? "-") from \(Self.local(delivery.startedAt))</dd>
                </dl>
                """
        } else {
            metadata = "<p>The delivery record of this file is gone.</p>"
        }
        return document(caller, title: "File \(f.fileName)", """
            <dl>
            <dt>System</dt><dd><a href="/console/systems/\(Self.pathSegment(f.system))">\(f.system)</a></dd>
            <dt>State</dt><dd>\(Self.stateText(f.state))</dd>
            <dt>In the inbox as</dt><dd>\(f.remotePath)</dd>
            <dt>Delivered</dt><dd>\(Self.local(f.deliveredAt))</dd>
            <dt>Rule</dt><dd>\(f.rulePattern.map { "pattern \($0)" } ?? "none (only retention)"); collection is seen as: \(f.signal.rawValue)</dd>
            <dt>Warning</dt><dd>\(Self.local(f.warnAt))</dd>
            <dt>Deadline</dt><dd>\(f.state.isFinal ? HTML("\(Self.local(f.deadline))") : HTML("\(Self.againstDeadline(f, now: now))"))</dd>
            <dt>Reminders</dt><dd>\(reminders); \(sent) notification\(sent == 1 ? "" : "s") sent</dd>
            <dt>Collected</dt><dd>\(collected)</dd>
            <dt>Retention</dt><dd>removed from the inbox \(f.removedAt == nil ? "at" : "on") \(Self.local(f.removedAt ?? f.expiresAt)) if still there</dd>
            </dl>
            <h2>Alarms</h2>
            \(Self.alarmTable(d.alarms, empty: "No alarm was raised about this file."))
            <h2>Metadata</h2>
            \(metadata)
            """)
    }
}
