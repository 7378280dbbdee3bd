import BusinessCalendar
import Foundation
import Hummingbird
import Scheduler
import Scheduling
import Store

/// The console's runs and schedules, for the platform's operators (the API's run routes are
/// theirs alone too):
///
/// - `GET /console/runs`: every extract with a "Run now" button, and the run history.
/// - `POST /console/extracts/{name}/run`: queues a run exactly as
///   `POST /api/v1/extracts/{name}/runs` does. The form carries an idempotency key made
///   when the page was drawn, so sending the same form twice (a double click, the browser's
///   "resend") answers with the first run instead of queueing a second.
/// - `GET /console/runs/{id}`, `POST /console/runs/{id}/cancel` (a queued run only).
/// - `GET /console/schedules`: each schedule's next runs, with the days its calendar skips
///   (holidays by name) between them.
extension Console {
    func addRunRoutes(_ router: Router<AdminRequestContext>) {
        router.get("/console/runs") { request, _ in try await page(request) { try await runsPage($0) } }
        router.get("/console/runs/:id") { request, context in
            let id = context.parameters.get("id", as: Int64.self)
            return try await page(request) { try await runPage($0, id: id) }
        }
        router.post("/console/extracts/:name/run") { request, context in
            let name = context.parameters.get("name") ?? ""
            return try await form(request) { try await runNow($0, extract: name, fields: $1) }
        }
        router.post("/console/runs/:id/cancel") { request, context in
            let id = context.parameters.get("id", as: Int64.self)
            return try await form(request) { caller, _ in try await cancel(caller, id: id) }
        }
        router.get("/console/schedules") { request, _ in try await page(request) { try await schedulesPage($0) } }
    }

    static func runTable(_ runs: [ExtractRun], csrf: String) -> HTML {
        guard !runs.isEmpty else { return "<p>No runs yet.</p>" }
        let rows: [HTML] = runs.map { r -> HTML in
            let action: HTML = r.state == .queued ? """
                <form class="inline" method="post" action="/console/runs/\(r.id ?? 0)/cancel">\(ConsoleField.csrf(csrf))\
                <button type="submit" aria-label="Cancel run \(r.id ?? 0)">Cancel</button></form>
                """ : .empty
            return """
                <tr><th scope="row"><a href="/console/runs/\(r.id ?? 0)">\(r.id ?? 0)</a></th><td>\(r.extract)</td><td>\(r.productionDate)</td>
                <td>\(r.state.rawValue) \(action)</td><td>\(r.trigger.rawValue) by \(r.requestedBy)</td><td>\(local(r.requestedAt))</td>
                <td>\(r.fileName, default: "-")</td><td>\(r.error ?? "")</td></tr>
                """
        }
        return """
            <table><thead><tr><th scope="col">Run</th><th scope="col">Extract</th><th scope="col">Production date</th><th scope="col">State</th>
            <th scope="col">Trigger</th><th scope="col">Requested</th><th scope="col">File</th><th scope="col">Problem</th></tr></thead>
            <tbody>\(rows)</tbody></table>
            """
    }

    func runsPage(_ caller: Caller) async throws -> Response {
        try caller.requireOperator()
        let store = api.store
        let (extracts, runs) = try await api.blocking { () throws -> ([ExtractDefinition], [ExtractRun]) in
            (try store.configuration().extracts, try store.runs(limit: 100))
        }
        let buttons: [HTML] = extracts.map { d -> HTML in
            """
            <tr><th scope="row">\(d.name)</th><td>\(d.source.rawValue) \(d.kind.rawValue) for \(d.system), municipality \(d.municipality)</td>
            <td><form method="post" action="/console/extracts/\(Self.pathSegment(d.name))/run">\(ConsoleField.csrf(caller.session.csrf))\
            <input type="hidden" name="idempotency_key" value="\(ConsoleSessions.randomToken())">\
            <button type="submit" aria-label="Run \(d.name) now">Run now</button></form></td></tr>
            """
        }
        return document(caller, title: "Runs", """
            <h2>Extracts</h2>
            <p>"Run now" produces today's file; a file already produced for today is not produced again.</p>
            <table><thead><tr><th scope="col">Extract</th><th scope="col">What</th><th scope="col">Run</th></tr></thead>
            <tbody>\(buttons)</tbody></table>
            <h2>History</h2>
            \(Self.runTable(runs, csrf: caller.session.csrf))
            """)
    }

    func runPage(_ caller: Caller, id: Int64?) async throws -> Response {
        try caller.requireOperator()
        let store = api.store
        let run = try await api.blocking { () throws -> ExtractRun in
            guard let id, let run = try store.run(id: id) else {
                throw ConsoleRefusal(status: .notFound, title: "Not found", message: "There is no run \(id.map { "\($0)" } ?? "with that id").")
            }
            return run
        }
        let cancel: HTML = run.state == .queued ? """
            <form method="post" action="/console/runs/\(run.id ?? 0)/cancel">\(ConsoleField.csrf(caller.session.csrf))\
            <button type="submit">Cancel this run</button></form>
            """ : .empty
        return document(caller, title: "Run \(run.id ?? 0) of \(run.extract)", """
            <dl>
            <dt>State</dt><dd id="run-state">\(run.state.rawValue)</dd>
            <dt>Production date</dt><dd>\(run.productionDate)</dd>
            <dt>Requested</dt><dd>\(Self.local(run.requestedAt)) by \(run.requestedBy) (\(run.trigger.rawValue))</dd>
            <dt>Started / finished</dt><dd>\(Self.local(run.startedAt)) / \(Self.local(run.finishedAt))</dd>
            <dt>File</dt><dd>\(run.fileName, default: "-")\(run.fileBytes.map { ", \($0) bytes" } ?? "")\(run.persons.map { ", \($0) persons" } ?? "")</dd>
            <dt>SHA-256</dt><dd>\(run.sha256, default: "-")</dd>
            <dt>Problem</dt><dd>\(run.error, default: "none")</dd>
            </dl>
            \(cancel)
            \(run.state == .queued || run.state == .running ? HTML("<p><a href=\"/console/runs/\(run.id ?? 0)\">Reload</a> to follow it.</p>") : .empty)
            """)
    }

    func runNow(_ caller: Caller, extract: String, fields: [String: String]) async throws -> Response {
        try caller.requireOperator()
        let key = fields["idempotency_key"].flatMap { $0.isEmpty ? nil : $0 }
        if let key, key.utf8.count > 255 || key.unicodeScalars.contains(where: { $0.value < 0x21 || $0.value > 0x7e }) {
            throw ConsoleRefusal(status: .badRequest, title: "Not valid", message: "The form's idempotency key is not valid. Open the runs page again and press Run now there.")
        }
        do {
            let answer = try await api.queueRun(extract, date: nil, rerun: false, actor: caller.principal.actor, idempotencyKey: key)
            return ConsolePage.redirect("/console/runs/\(answer.run.id ?? 0)")
        } catch let problem as APIProblem {
            throw ConsoleRefusal(status: problem.status, title: problem.status == .notFound ? "Not found" : "Not done",
                                 message: Self.sentence(problem.message))
        }
    }

    func cancel(_ caller: Caller, id: Int64?) async throws -> Response {
        try caller.requireOperator()
        let (store, now, actor) = (api.store, api.clock.date, caller.principal.actor)
        let runId = try await api.blocking { () throws -> Int64 in
            guard let id, let (run, cancelled) = try store.cancelRun(id: id, by: actor, reason: "cancelled in the console", now: now) else {
                throw ConsoleRefusal(status: .notFound, title: "Not found", message: "There is no run \(id.map { "\($0)" } ?? "with that id").")
            }
            guard cancelled else {
                throw ConsoleRefusal(status: .conflict, title: "Not done", message: "Run \(id) is \(run.state.rawValue); only a queued run can be cancelled.")
            }
            return id
        }
        return ConsolePage.redirect("/console/runs/\(runId)")
    }

    /// A schedule's coming slots: the next `runs` it runs at, and the days between that its
    /// calendar skips for a holiday or an excluded date (weekends are not listed).
    static func comingSlots(_ schedule: Schedule, after now: Date, runs: Int) -> [ScheduleSlot] {
        var slots: [ScheduleSlot] = []
        var counted = 0
        var iterator = schedule.slots(after: now).makeIterator()
        var looked = 0
        while counted < runs, looked < 20_000, let slot = iterator.next() {
            looked += 1
            if slot.runs {
                counted += 1
                slots.append(slot)
            } else if case .skipped(let reason) = slot.disposition {
                if case .weekend = reason { continue }
                slots.append(slot)
            }
        }
        return slots
    }

    func schedulesPage(_ caller: Caller) async throws -> Response {
        try caller.requireOperator()
        let store = api.store
        let now = api.clock.date
        let states = try await api.blocking { try store.schedules() }
        let sections: [HTML] = states.map { state -> HTML in
            let s = state.schedule
            let zone = TimeZone(identifier: s.timeZone) ?? Self.copenhagen
            let slots: [ScheduleSlot]
            do {
                slots = Self.comingSlots(try ConfiguredSchedule(state).schedule, after: now, runs: 5)
            } catch {
                return "<h2>\(s.extract)</h2><p class=\"error\">This schedule cannot be read: \(String(describing: error))</p>"
            }
            let rows: [HTML] = slots.map { slot -> HTML in
                let what: HTML = slot.runs ? "runs" : "skipped: \(slot.disposition.description.replacingOccurrences(of: "skipped: ", with: ""))"
                return "<tr><td>\(Self.local(slot.instant, in: zone))</td><td>\(what)</td></tr>"
            }
            return """
                <h2>\(s.extract)</h2>
                <p><code>\(s.cron)</code> in \(s.timeZone), calendar \(s.calendar)\(s.enabled ? "" : " (disabled)"); overlap \(s.overlap), catch-up \(s.catchUp).
                Last slot handled: \(Self.local(state.lastHandledSlot, in: zone)).</p>
                <table><caption>Next 5 runs of \(s.extract), with the holidays skipped between them</caption>
                <thead><tr><th scope="col">When (\(s.timeZone))</th><th scope="col">What happens</th></tr></thead><tbody>\(rows)</tbody></table>
                """
        }
        return document(caller, title: "Schedules", sections.isEmpty ? "<p>No extract has a schedule.</p>" : HTML.join(sections))
    }
}
