import ArgumentParser
import UdtraekConfig
import Foundation
import Logging
import Monitoring
import Store

struct AlarmsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alarms",
        abstract: "Pickup, inbox, delivery and webhook alarms; acknowledge them.",
        subcommands: [List.self, Ack.self, Show.self],
        defaultSubcommand: List.self)

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "Alarms, newest first.")
        @OptionGroup var global: GlobalOptions
        @Flag(help: "Only alarms not yet resolved.") var open = false
        @Option(help: "Only this system.") var system: String?
        @Option(help: "How many rows.") var limit = 100
        @Flag(help: "JSON for scripts.") var json = false

        func run() throws {
            let store = try global.openStore()
            try Output(json: json).emit(try store.alarms(openOnly: open, system: system, limit: limit), columns: [
                ("ID", { "\($0.id ?? 0)" }), ("RAISED", { Format.time($0.raisedAt) }), ("STATUS", \.status),
                ("SEVERITY", \.severity.rawValue), ("KIND", \.kind.rawValue), ("SYSTEM", { $0.system ?? "-" }),
                ("FILE", { $0.fileName ?? "-" }), ("SENT", { "\($0.notifications)" }),
                ("SUMMARY", { String($0.summary.prefix(100)) }),
            ], empty: open ? "No open alarms." : "No alarms.")
        }
    }

    struct Ack: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "ack", abstract: "Acknowledge an alarm: reminders stop; it still resolves when the cause clears.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The alarm id (see `udtraek alarms`).") var id: Int64
        @Option(help: "Who acknowledges, for the audit log.") var actor: String = ProcessInfo.processInfo.environment["USER"] ?? "operator"
        @Option(help: "A note for the alarm's history.") var note: String = ""

        func run() throws {
            global.bootstrapLogging()
            let store = try global.openStore()
            let notices = try PickupMonitor(store: store).acknowledge(alarmId: id, by: actor, note: note)
            let resolved = notices.contains { $0.event == .resolved }
            print("Alarm \(id) acknowledged by \(actor)" + (resolved ? " and resolved (nothing can recover it)." : "; it resolves when its cause clears."))
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "One alarm with its history.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The alarm id.") var id: Int64
        @Flag(help: "JSON for scripts.") var json = false

        func run() throws {
            let store = try global.openStore()
            guard let alarm = try store.alarm(id: id) else { throw Failure("There is no alarm \(id); see `udtraek alarms`.") }
            let events = try store.alarmEvents(alarmId: id)
            if !json {
                print("Alarm \(id): \(alarm.kind.rawValue) (\(alarm.severity.rawValue)), \(alarm.status)")
                print("  \(alarm.summary)")
                if let d = alarm.deadline { print("  deadline \(Format.time(d)), delivered \(Format.time(alarm.deliveredAt))") }
                if let by = alarm.acknowledgedBy { print("  acknowledged by \(by) at \(Format.time(alarm.acknowledgedAt))") }
                if let r = alarm.resolution { print("  resolved at \(Format.time(alarm.resolvedAt)): \(r)") }
                print("")
            }
            try Output(json: json).emit(events, columns: [
                ("AT", { Format.time($0.at) }), ("EVENT", \.event.rawValue), ("DETAIL", { String($0.detail.prefix(120)) }),
            ], empty: "No history.")
        }
    }
}

struct PickupsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "pickups", abstract: "Delivered files and whether their receivers collected them.")
    @OptionGroup var global: GlobalOptions
    @Option(help: "Only this system.") var system: String?
    @Flag(help: "Only files still waiting (awaiting, warning, overdue).") var waiting = false
    @Option(help: "How many rows.") var limit = 100
    @Flag(help: "JSON for scripts.") var json = false

    func run() throws {
        let store = try global.openStore()
        let rows = try store.pickups(system: system, states: waiting ? [.awaiting, .warning, .overdue] : nil, limit: limit)
        try Output(json: json).emit(rows, columns: [
            ("ID", { "\($0.id ?? 0)" }), ("SYSTEM", \.system), ("FILE", \.fileName), ("DELIVERED", { Format.time($0.deliveredAt) }),
            ("DEADLINE", { Format.time($0.deadline) }), ("STATE", \.state.rawValue), ("COLLECTED", { Format.time($0.collectedAt) }),
            ("HOW", { $0.collectionDetail ?? "" }),
        ], empty: "No delivered files are tracked yet (the monitor tracks deliveries at its next pass).")
    }
}

struct MonitorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "monitor", abstract: "Pickup monitoring: a system's rules and state, or one pass now.",
        subcommands: [Show.self, Pass.self, Webhooks.self])

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "A system's monitoring rules, inbox status and waiting files.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The receiver system.") var system: String
        @Flag(help: "JSON for scripts.") var json = false

        struct View: Encodable {
            var system: String
            var signal: String
            var movedTo: String?
            var receiptSuffix: String?
            var retention: String
            var rules: [RuleView]
            var inbox: [InboxStatus]
            var waiting: [PickupRecord]
            var openAlarms: [AlarmRecord]
        }

        struct RuleView: Encodable {
            var pattern: String
            var deadline: String
            var warningBefore: String?
            var repeatEvery: String?
        }

        func run() throws {
            let store = try global.openStore()
            let config = try store.configuration()
            guard let sys = config.systems.first(where: { $0.name == system }) else {
                throw Failure("No system named '\(system)'; see `udtraek systems`.")
            }
            let r = config.monitoring.receiver(system)
            let retention = r?.retentionSeconds ?? config.monitoring.settings.defaultRetentionSeconds
            let statuses = try store.inboxStatuses().filter { $0.subject == "system:\(system)" || $0.subject == "\(sys.sftpHost):\(sys.sftpPort)" }
            let view = View(system: system, signal: (r?.signal ?? .deleted).rawValue, movedTo: r?.movedTo, receiptSuffix: r?.receiptSuffix,
                            retention: DurationText.format(retention),
                            rules: (r?.rules ?? []).map {
                                RuleView(pattern: $0.pattern,
                                         deadline: $0.collectWithinSeconds.map { "within \(DurationText.format($0))" }
                                            ?? $0.deadline.map(DurationText.formatDeadline) ?? "-",
                                         warningBefore: $0.warningBeforeSeconds.map(DurationText.format),
                                         repeatEvery: $0.repeatEverySeconds.map(DurationText.format))
                            },
                            inbox: statuses,
                            waiting: try store.pickups(system: system, states: [.awaiting, .warning, .overdue], limit: 1000),
                            openAlarms: try store.alarms(openOnly: true, system: system))
            if json {
                try Output(json: true).emit([view], columns: [], empty: "")
                return
            }
            print("System \(system): inbox \(sys.sftpUser)@\(sys.sftpHost):\(sys.sftpPort) \(sys.inboxPath)/")
            if r == nil { print("  No monitoring rules (only retention applies). Add `monitoring:` under the system in the configuration.") }
            var signal = "  pickup signal: \(view.signal)"
            if let m = view.movedTo { signal += " (to \(m))" }
            if let s = view.receiptSuffix { signal += " (receipt NAME\(s))" }
            print(signal + "; retention \(view.retention)")
            for rule in view.rules {
                print("  rule \(rule.pattern): \(rule.deadline)" + (rule.warningBefore.map { ", warn \($0) before" } ?? "")
                      + (rule.repeatEvery.map { ", remind every \($0)" } ?? ""))
            }
            for s in statuses {
                print("  \(s.subject): \(s.reachable ? "reachable" : "UNREACHABLE") since \(Format.time(s.since))" + (s.lastError.map { " (\($0))" } ?? ""))
            }
            print("")
            try Output(json: false).emit(view.waiting, columns: [
                ("ID", { "\($0.id ?? 0)" }), ("FILE", \.fileName), ("DELIVERED", { Format.time($0.deliveredAt) }),
                ("WARN", { Format.time($0.warnAt) }), ("DEADLINE", { Format.time($0.deadline) }),
                ("EXPIRES", { Format.time($0.expiresAt) }), ("STATE", \.state.rawValue),
            ], empty: "No files waiting for pickup.")
            if !view.openAlarms.isEmpty {
                print("")
                try Output(json: false).emit(view.openAlarms, columns: [
                    ("ALARM", { "\($0.id ?? 0)" }), ("STATUS", \.status), ("KIND", \.kind.rawValue), ("SUMMARY", { String($0.summary.prefix(100)) }),
                ], empty: "")
            }
        }
    }

    struct Pass: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "pass", abstract: "Run one monitoring pass now and send due webhooks.")
        @OptionGroup var global: GlobalOptions
        @Flag(help: "JSON for scripts.") var json = false

        struct Summary: Encodable {
            var tracked, watched, inboxes, collectedOnTime, collectedLate, warned, breached, expired, alarmEvents, sessionsOpened: Int
            var unreachable: [String]
            var seconds: Double
        }

        func run() async throws {
            global.bootstrapLogging()
            let store = try global.openStore()
            let monitor = PickupMonitor(store: store)
            defer { monitor.close() }
            let r = try await monitor.runPass()
            let sent = (try? await WebhookSender(store: store).sendDue()) ?? 0
            let s = Summary(tracked: r.tracked, watched: r.watched, inboxes: r.inboxes, collectedOnTime: r.collectedOnTime,
                            collectedLate: r.collectedLate, warned: r.warned, breached: r.breached, expired: r.expired,
                            alarmEvents: r.notices.count, sessionsOpened: r.sessionsOpened, unreachable: r.unreachable, seconds: r.seconds)
            if json { try Output(json: true).emit([s], columns: [], empty: ""); return }
            print("Pass over \(r.inboxes) inboxes (\(r.watched) files watched, \(r.tracked) newly tracked) in \(String(format: "%.2f", r.seconds)) s: "
                  + "\(r.collectedOnTime) collected on time, \(r.collectedLate) late, \(r.warned) warnings, \(r.breached) breaches, "
                  + "\(r.expired) removed by retention; \(r.notices.count) alarm events; \(sent) webhook deliveries attempted.")
            if !r.unreachable.isEmpty { print("Unreachable: \(r.unreachable.joined(separator: ", "))") }
        }
    }

    struct Webhooks: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "webhooks", abstract: "The webhook queue: what was sent, what waits, what failed.")
        @OptionGroup var global: GlobalOptions
        @Flag(help: "JSON for scripts.") var json = false

        func run() throws {
            let store = try global.openStore()
            try Output(json: json).emit(try store.webhookDeliveries(), columns: [
                ("ID", { "\($0.id ?? 0)" }), ("WEBHOOK", \.webhook), ("ALARM", { "\($0.alarmId)" }), ("EVENT", \.event.rawValue),
                ("STATE", \.state.rawValue), ("ATTEMPTS", { "\($0.attempts)" }), ("NEXT", { $0.state == .pending ? Format.time($0.nextAttemptAt) : "-" }),
                ("LAST ERROR", { $0.lastError.map { String($0.prefix(80)) } ?? "" }),
            ], empty: "No webhook deliveries.")
        }
    }
}
