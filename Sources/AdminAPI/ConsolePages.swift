import BusinessCalendar
import Administration
import Foundation
import Hummingbird
import Monitoring
import Runtime
import Scheduler
import Scheduling
import Store

/// How one receiver system stands now, for the overview.
struct SystemStanding: Sendable {
    enum Colour: String, Sendable { case red = "Red", amber = "Amber", green = "Green" }

    var name: String
    /// Files awaiting pickup (awaiting, warning or overdue); nil: none.
    var waiting: WaitingFiles?
    var alarms: OpenAlarmCounts
    var today: DeliveryDayCounts

    var overdue: Int { waiting?.overdue ?? 0 }
    var warned: Int { waiting?.warning ?? 0 }
    var critical: Int { alarms.critical }
    var warnings: Int { alarms.warning }

    /// Red: a file past its deadline or a critical alarm. Amber: a file in its warning time,
    /// a warning alarm or a failed delivery today. Green: none of these.
    var colour: Colour {
        if overdue > 0 || critical > 0 { return .red }
        if warned > 0 || warnings > 0 || today.failed > 0 { return .amber }
        return .green
    }

    /// The colour's reasons, in words, so the colour is never the only sign.
    var reasons: String {
        var parts: [String] = []
        if overdue > 0 { parts.append("\(overdue) overdue") }
        if critical > 0 { parts.append("\(critical) critical") }
        if warned > 0 { parts.append("\(warned) in warning time") }
        if warnings > 0 { parts.append("\(warnings) warning alarm\(warnings == 1 ? "" : "s")") }
        if today.failed > 0 { parts.append("\(today.failed) failed today") }
        return parts.isEmpty ? "nothing late" : parts.joined(separator: ", ")
    }
}

extension Console {
    static let copenhagen = TimeZone(identifier: "Europe/Copenhagen") ?? .gmt

    /// A time as people in Denmark read it: Copenhagen time, to the minute.
    /// Computed from the zone's offset at that instant rather than with a `DateFormatter`:
    /// making one costs about 200 µs, and the overview of thousands of systems writes
    /// thousands of times.
    static func local(_ date: Date?, in zone: TimeZone = copenhagen) -> String {
        guard let date, date.timeIntervalSince1970.isFinite, abs(date.timeIntervalSince1970) < 1e11 else { return "-" }
        let seconds = Int(date.timeIntervalSince1970.rounded(.down)) + zone.secondsFromGMT(for: date)
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let minuteOfDay = (seconds - days * 86_400) / 60
        return "\(CivilDate(daysSinceEpoch: days)) " + String(format: "%02d:%02d", minuteOfDay / 60, minuteOfDay % 60)
    }

    static func startOfDay(_ date: Date) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = copenhagen
        return calendar.startOfDay(for: date)
    }

    /// A span of time in words: `45s`, `12m`, `3h 05m`, `2d 4h`.
    static func span(_ seconds: TimeInterval) -> String {
        let s = Int(min(max(seconds.isFinite ? seconds : 0, 0), 1e9).rounded())
        let (d, h, m) = (s / 86_400, s % 86_400 / 3600, s % 3600 / 60)
        if d > 0 { return "\(d)d \(h)h" }
        if h > 0 { return "\(h)h " + String(format: "%02dm", m) }
        if m > 0 { return "\(m)m" }
        return "\(s)s"
    }

    /// Where a waiting file stands against its deadline.
    static func againstDeadline(_ p: PickupRecord, now: Date) -> String {
        againstDeadline(deadline: p.deadline, expiresAt: p.expiresAt, now: now)
    }

    static func againstDeadline(deadline: Date?, expiresAt: Date, now: Date) -> String {
        guard let deadline else { return "no deadline (retention ends \(local(expiresAt)))" }
        let left = deadline.timeIntervalSince(now)
        return left >= 0 ? "due in \(span(left)) (\(local(deadline)))" : "\(span(-left)) past its deadline (\(local(deadline)))"
    }

    static func rag(_ colour: SystemStanding.Colour) -> HTML {
        "<span class=\"rag rag-\(colour.rawValue.lowercased())\">\(colour.rawValue)</span>"
    }

    func document(_ caller: Caller, title: String, status: HTTPResponse.Status = .ok, refreshSeconds: Int? = nil, _ body: HTML) -> Response {
        ConsolePage.response(ConsolePage.document(title: title, actor: caller.principal.actor, signOutCSRF: caller.session.csrf,
                                                  operator: caller.isOperator, refreshSeconds: refreshSeconds, body: body),
                             status: status)
    }

    // MARK: Overview

    /// What the overview shows besides the systems.
    struct OverviewExtras: Sendable {
        var slots: [(extract: String, slot: ScheduleSlot, run: ExtractRun?)] = []
        var targets: [GatewayServiceSummary] = []
        var deliveryHours: [DeliveryHour] = []
        var gatewayHours: [GatewayHour] = []
    }

    /// The overview. It reloads itself every 10 s (a `meta` refresh, so it needs no script)
    /// unless `?live=0`; the page says so and links to the other.
    func overview(_ caller: Caller, live: Bool) async throws -> Response {
        let (store, desk, p) = (api.store, api.desk, caller.principal)
        let now = api.clock.date
        let since = Self.startOfDay(now)
        let platform = Access.sees(p, .platform)
        let (standings, extras) = try await api.blocking { () throws -> ([SystemStanding], OverviewExtras) in
            let systems = try desk.systems(p)
            let activity = try store.systemActivity(deliveriesSince: since)
            let standings = systems.map { s in
                SystemStanding(name: s.name, waiting: activity.waiting[s.name],
                               alarms: activity.openAlarms[s.name] ?? OpenAlarmCounts(critical: 0, warning: 0),
                               today: activity.deliveries[s.name] ?? DeliveryDayCounts(delivered: 0, failed: 0))
            }
            var extras = OverviewExtras()
            let names = Set(systems.map(\.name))
            let extracts = try store.configuration().extracts.filter { platform || names.contains($0.system) }.map(\.name)
            extras.slots = try Self.scheduledSlots(store, extracts: Set(extracts), from: since, now: now)
            extras.deliveryHours = try store.deliveryHours(since: ConsoleTrends.days(30, endingAt: now)[0], systems: platform ? nil : Array(names))
            if platform {
                extras.targets = try store.gatewayServiceSummary(since: now.addingTimeInterval(-86_400))
                extras.gatewayHours = try store.gatewayHours(since: now.addingTimeInterval(-86_400))
            }
            return (standings, extras)
        }
        let rows: [HTML] = standings.map { s -> HTML in
            let oldest: HTML = s.waiting.map { w -> HTML in
                "\(Self.span(now.timeIntervalSince(w.oldestDeliveredAt))) old; \(Self.againstDeadline(deadline: w.oldestDeadline, expiresAt: w.oldestExpiresAt, now: now))"
            } ?? "-"
            return """
                <tr><th scope="row"><a href="/console/systems/\(Self.pathSegment(s.name))">\(s.name)</a></th>
                <td>\(Self.rag(s.colour)) \(s.reasons)</td>
                <td>\(s.waiting?.count ?? 0)</td><td>\(oldest)</td>
                <td>\(s.critical) critical, \(s.warnings) warning</td>
                <td>\(s.today.delivered) delivered, \(s.today.failed) failed</td></tr>
                """
        }
        let table: HTML = rows.isEmpty ? "<p>There are no receiver systems that you can see.</p>" : """
            <table>
            <caption>Receiver systems at \(Self.local(now)) (Copenhagen time)</caption>
            <thead><tr><th scope="col">System</th><th scope="col">Status</th><th scope="col">Files awaiting pickup</th>
            <th scope="col">Oldest waiting file</th><th scope="col">Open alarms</th><th scope="col">Deliveries today</th></tr></thead>
            <tbody>\(rows)</tbody>
            </table>
            """
        let counts = (standings.filter { $0.colour == .red }.count, standings.filter { $0.colour == .amber }.count,
                      standings.filter { $0.colour == .green }.count)
        let refresh: HTML = live
            ? "<p>This page reloads itself every 10 seconds. <a href=\"/console?live=0\">Stop reloading</a></p>"
            : "<p>This page does not reload itself. <a href=\"/console\">Reload every 10 seconds</a></p>"
        let gateway: HTML = platform ? """
            <h2>Gateway service targets, last 24 hours</h2>
            \(Self.targetsTable(extras.targets))
            \(HTML.join(ConsoleTrends.gatewayP99(extras.gatewayHours, now: now).map(\.html)))
            """ : .empty
        return document(caller, title: "Overview", refreshSeconds: live ? 10 : nil, """
            \(refresh)
            <p>\(counts.0) red, \(counts.1) amber, \(counts.2) green.</p>
            <h2>Receiver systems</h2>
            \(table)
            <h2>Scheduled runs today and tomorrow</h2>
            \(Self.slotTable(extras.slots, now: now))
            \(gateway)
            <h2>Deliveries</h2>
            \(ConsoleTrends.throughput(extras.deliveryHours, now: now).html)
            """)
    }

    /// The slots of today and tomorrow (Copenhagen days from `from`) of the schedules of
    /// `extracts`, each with the run it started when it has passed.
    static func scheduledSlots(_ store: Store, extracts: Set<String>, from: Date, now: Date) throws -> [(extract: String, slot: ScheduleSlot, run: ExtractRun?)] {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = copenhagen
        guard let end = calendar.date(byAdding: .day, value: 2, to: from) else { return [] }
        var out: [(extract: String, slot: ScheduleSlot, run: ExtractRun?)] = []
        for state in try store.schedules() where extracts.contains(state.schedule.extract) && state.schedule.enabled {
            guard let schedule = try? ConfiguredSchedule(state).schedule else { continue }
            let runs = try store.runs(extract: state.schedule.extract, limit: 50)
            var iterator = schedule.slots(from: from).makeIterator()
            var looked = 0
            while looked < 3000, let slot = iterator.next(), slot.instant < end {
                looked += 1
                if case .skipped(.weekend) = slot.disposition { continue }
                let run = slot.instant <= now ? runs.first { r in r.slotAt.map { abs($0.timeIntervalSince(slot.instant)) < 1 } ?? false } : nil
                out.append((state.schedule.extract, slot, run))
            }
        }
        return out.sorted { $0.slot.instant < $1.slot.instant }
    }

    static func slotTable(_ slots: [(extract: String, slot: ScheduleSlot, run: ExtractRun?)], now: Date) -> HTML {
        guard !slots.isEmpty else { return "<p>No scheduled run today or tomorrow.</p>" }
        let rows: [HTML] = slots.map { item -> HTML in
            let state: HTML
            if !item.slot.runs {
                state = "skipped: \(item.slot.disposition.description.replacingOccurrences(of: "skipped: ", with: ""))"
            } else if let run = item.run {
                state = "<a href=\"/console/runs/\(run.id ?? 0)\">run \(run.id ?? 0)</a> \(run.state.rawValue)"
            } else {
                state = item.slot.instant > now ? "due" : "not started"
            }
            return "<tr><td>\(local(item.slot.instant))</td><td>\(item.extract)</td><td>\(state)</td></tr>"
        }
        return """
            <table><thead><tr><th scope="col">When</th><th scope="col">Extract</th><th scope="col">State</th></tr></thead>
            <tbody>\(rows)</tbody></table>
            """
    }

    /// The gateway's operations against their classes: Red when more than 1 % of calls
    /// missed the target on the platform's side, Amber when any did, Green otherwise.
    static func targetsTable(_ summaries: [GatewayServiceSummary], targets: ServiceTargets = ServiceTargets()) -> HTML {
        guard !summaries.isEmpty else { return "<p>No gateway calls in the last 24 hours.</p>" }
        let rows: [HTML] = summaries.map { s -> HTML in
            let serviceClass = GatewayOperation.named(s.operation)?.serviceClass
            let limit = serviceClass.map { c -> String in
                c == .large ? "first byte within \(targets.largeFirstByte), then \(Int(targets.largeMinimumRate / 1000)) kB/s"
                    : "\(c.rawValue): \(targets.limit(c))"
            } ?? "-"
            let colour: SystemStanding.Colour = s.serverBreachShare > 0.01 ? .red : s.serverBreaches > 0 ? .amber : .green
            return """
                <tr><th scope="row">\(s.operation)</th><td>\(s.calls)</td><td>\(limit)</td>
                <td>\(String(format: "%.0f", s.p50Ms)) / \(String(format: "%.0f", s.p99Ms)) / \(String(format: "%.0f", s.maxMs)) ms</td>
                <td>\(rag(colour)) \(s.serverBreaches) by the platform, \(s.clientBreaches) by slow clients</td></tr>
                """
        }
        return """
            <table><thead><tr><th scope="col">Operation</th><th scope="col">Calls</th><th scope="col">Target</th>
            <th scope="col">p50 / p99 / max</th><th scope="col">Missed</th></tr></thead><tbody>\(rows)</tbody></table>
            """
    }

    /// A name as one path segment of a link (the HTML escaping comes on top).
    static func pathSegment(_ name: String) -> String {
        name.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? name
    }

    // MARK: A system

    func systemPage(_ caller: Caller, name: String) async throws -> Response {
        let (store, desk, p) = (api.store, api.desk, caller.principal)
        let now = api.clock.date
        let (system, waiting, alarms, month) = try await api.blocking { () throws -> (SystemView, [PickupRecord], [AlarmRecord], [PickupRecord]) in
            let system = try desk.system(p, name: name)
            return (system,
                    try store.pickups(system: name, states: [.awaiting, .warning, .overdue], limit: 1000).sorted { $0.deliveredAt < $1.deliveredAt },
                    try store.alarms(system: name, limit: 50),
                    try store.pickups(PickupFilter(systems: [name], deliveredFrom: ConsoleTrends.days(30, endingAt: now)[0], limit: 100_000)))
        }
        let files: [HTML] = waiting.map { f -> HTML in
            """
            <tr><th scope="row"><a href="/console/pickups/\(f.id ?? 0)">\(f.fileName)</a></th><td>\(Self.stateText(f.state))</td>
            <td>\(Self.local(f.deliveredAt))</td><td>\(Self.againstDeadline(f, now: now))</td></tr>
            """
        }
        return document(caller, title: "System \(system.name)", """
            <p>\(system.description)</p>
            <h2>Files awaiting pickup</h2>
            \(files.isEmpty ? "<p>No file is waiting.</p>" : HTML("""
                <table><thead><tr><th scope="col">File</th><th scope="col">State</th><th scope="col">Delivered</th><th scope="col">Deadline</th></tr></thead>
                <tbody>\(files)</tbody></table>
                """))
            <p><a href="/console/pickups?system=\(Self.pathSegment(system.name))">Every file of \(system.name)</a></p>
            <h2>Alarms</h2>
            \(Self.alarmTable(alarms, empty: "No alarms."))
            <h2>Pickup times</h2>
            \(ConsoleTrends.pickupDelay(month, now: now).html)
            """)
    }

    // MARK: Alarms

    static func alarmTable(_ alarms: [AlarmRecord], empty: String) -> HTML {
        guard !alarms.isEmpty else { return "<p>\(empty)</p>" }
        let rows: [HTML] = alarms.map { a -> HTML in
            """
            <tr><th scope="row"><a href="/console/alarms/\(a.id ?? 0)">\(a.id ?? 0)</a></th><td>\(a.severity.rawValue)</td><td>\(a.status)</td>
            <td>\(a.kind.rawValue)</td><td>\(a.system, default: "(platform)")</td><td>\(a.summary)</td><td>\(local(a.raisedAt))</td></tr>
            """
        }
        return """
            <table><thead><tr><th scope="col">Alarm</th><th scope="col">Severity</th><th scope="col">Status</th><th scope="col">Kind</th>
            <th scope="col">System</th><th scope="col">Summary</th><th scope="col">Raised</th></tr></thead>
            <tbody>\(rows)</tbody></table>
            """
    }

    func alarmsPage(_ caller: Caller) async throws -> Response {
        let (store, desk, p) = (api.store, api.desk, caller.principal)
        let (open, recent) = try await api.blocking { () throws -> ([AlarmRecord], [AlarmRecord]) in
            let visibility = try Self.visibility(p, desk)
            let open = try store.alarms(openOnly: true, limit: 1000).filter(visibility.sees)
            let recent = try store.alarms(limit: 200).filter { !$0.isOpen && visibility.sees($0) }.prefix(50)
            return (open, Array(recent))
        }
        return document(caller, title: "Alarms", """
            <h2>Open</h2>
            \(Self.alarmTable(open, empty: "No open alarms."))
            <h2>Recently resolved</h2>
            \(Self.alarmTable(recent, empty: "No resolved alarms."))
            """)
    }

    func alarmPage(_ caller: Caller, id: Int64?) async throws -> Response {
        let (store, desk, p) = (api.store, api.desk, caller.principal)
        let (alarm, events) = try await api.blocking { () throws -> (AlarmRecord, [AlarmEvent]) in
            let alarm = try Self.visibleAlarm(p, id: id, store: store, desk: desk)
            return (alarm, try store.alarmEvents(alarmId: alarm.id ?? 0))
        }
        let history: [HTML] = events.map { e -> HTML in
            "<tr><td>\(Self.local(e.at))</td><td>\(e.event.rawValue)</td><td>\(e.detail)</td></tr>"
        }
        let action: HTML
        if case .forbidden = Access.decide(p, .operate, on: .platform) {
            action = "<p>Only the platform's operators (role operator) acknowledge alarms; you see this one because it is about a system of yours.</p>"
        } else if !alarm.isOpen || alarm.acknowledgedAt != nil {
            action = "<p>This alarm is \(alarm.status); there is nothing to acknowledge.</p>"
        } else {
            action = """
                <form method="post" action="/console/alarms/\(alarm.id ?? 0)/acknowledge">
                <input type="hidden" name="csrf" value="\(caller.session.csrf)">
                <label for="note">Note (what you did or will do)</label>
                <textarea id="note" name="note" rows="3" maxlength="2000"></textarea>
                <p><button type="submit">Acknowledge</button></p>
                </form>
                """
        }
        return document(caller, title: "Alarm \(alarm.id ?? 0): \(alarm.kind.rawValue)", """
            <dl>
            <dt>Summary</dt><dd>\(alarm.summary)</dd>
            <dt>Severity</dt><dd>\(alarm.severity.rawValue)</dd>
            <dt>Status</dt><dd>\(alarm.status)\(alarm.resolution.map { " (\($0))" } ?? "")</dd>
            <dt>System</dt><dd>\(alarm.system, default: "(platform)")</dd>
            <dt>File</dt><dd>\(alarm.fileName, default: "-")</dd>
            <dt>Delivered</dt><dd>\(Self.local(alarm.deliveredAt))</dd>
            <dt>Deadline</dt><dd>\(Self.local(alarm.deadline))</dd>
            <dt>Raised</dt><dd>\(Self.local(alarm.raisedAt)); \(alarm.notifications) notification\(alarm.notifications == 1 ? "" : "s")</dd>
            <dt>Acknowledged</dt><dd>\(alarm.acknowledgedAt == nil ? "no" : "\(Self.local(alarm.acknowledgedAt)) by \(alarm.acknowledgedBy ?? "-")")</dd>
            </dl>
            <h2>History</h2>
            <table><thead><tr><th scope="col">When</th><th scope="col">Event</th><th scope="col">Detail</th></tr></thead>
            <tbody>\(history)</tbody></table>
            <h2>Acknowledge</h2>
            \(action)
            """)
    }

    /// Acknowledges with a note, as `udtraek alarms ack` does (the same call; the webhooks
    /// are told, the audit log names the signed-in actor).
    func acknowledge(_ caller: Caller, id: Int64?, fields: [String: String]) async throws -> Response {
        let (store, desk, p, clock, executor, logger) = (api.store, api.desk, caller.principal, api.clock, api.executor, api.logger)
        let note = (fields["note"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let alarmId = try await api.blocking { () throws -> Int64 in
            let alarm = try Self.visibleAlarm(p, id: id, store: store, desk: desk)
            if case .forbidden(let why) = Access.decide(p, .operate, on: .platform) {
                throw ConsoleRefusal(status: .forbidden, title: "Not allowed", message: Self.sentence(why))
            }
            guard note.count <= 2000 else {
                throw ConsoleRefusal(status: .badRequest, title: "Not valid", message: "The note is longer than 2000 characters.")
            }
            let alarmId = alarm.id ?? 0
            do {
                try PickupMonitor(store: store, logger: logger, clock: clock, executor: executor).acknowledge(alarmId: alarmId, by: p.actor, note: note)
            } catch let e as StoreError where e.sqliteCode == nil {
                throw ConsoleRefusal(status: .conflict, title: "Not done", message: Self.sentence(e.reason))
            }
            return alarmId
        }
        return ConsolePage.redirect("/console/alarms/\(alarmId)")
    }
}
