import ArgumentParser
import Foundation
import Runtime
import Store

/// `udtraek gateway`: what the lookup gateway has answered, for helpdesk and operators:
/// each call's audit row, and each operation held against its service target.
struct GatewayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gateway", abstract: "The lookup gateway's call audit and its service targets.",
        subcommands: [Calls.self, Targets.self], defaultSubcommand: Calls.self)

    struct Calls: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Gateway calls, newest first: who called for which municipality, under which agreement, and how it ended.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Only calls of this calling system.") var system: String?
        @Option(help: "Only calls with this outcome (\(GatewayCall.outcomes.joined(separator: ", "))).")
        var outcome: String?
        @Flag(help: "Only calls that missed their service target.") var breaches = false
        @Option(help: "How many rows.") var limit = 50
        @Flag(help: "JSON for scripts.") var json = false

        func validate() throws {
            if let outcome, !GatewayCall.outcomes.contains(outcome) {
                throw ValidationError("--outcome must be one of \(GatewayCall.outcomes.joined(separator: ", "))")
            }
            if limit < 1 { throw ValidationError("--limit must be at least 1") }
        }

        func run() throws {
            let store = try global.openStore()
            if let system, try !store.configuration().systems.contains(where: { $0.name == system }),
               try store.gatewayCalls(limit: 1, system: system).isEmpty {
                throw Failure("there is no system named '\(system)'; see `udtraek systems`")
            }
            let calls = try store.gatewayCalls(limit: limit, system: system, outcome: outcome, breachesOnly: breaches)
            try Output(json: json).emit(calls, columns: [
                ("AT", { Format.time($0.at) }), ("OPERATION", \.operation),
                ("SYSTEM", { $0.system ?? ($0.certificate.map { "(\($0.prefix(40)))" } ?? "-") }),
                ("KOMMUNE", { $0.municipality ?? "-" }), ("STATUS", { "\($0.status)" }), ("OUTCOME", \.outcome),
                ("MS", { String(format: "%.1f", $0.durationMs) }), ("BYTES", { Format.bytes(Int64($0.bytes)) }),
                ("BREACH", { $0.breach ?? "" }), ("ON BEHALF OF", { $0.onBehalfOfUser ?? "" }),
                ("CALL ID", { $0.callersCallID ?? "" }), ("REQUEST", \.requestID),
            ], empty: "No gateway calls recorded\(system.map { " for \($0)" } ?? "").")
        }
    }

    struct Targets: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Each gateway operation over a recent period: calls, breaches of its service target, and its times.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "The period, in hours back from now.") var hours: Double = 24
        @Flag(help: "JSON for scripts.") var json = false

        func validate() throws {
            // As the admin API: at most a leap year back, so the cut-off is always a real time.
            if !(hours > 0 && hours <= 24 * 366) { throw ValidationError("--hours must be more than 0 and at most 8784 (a year)") }
        }

        func run() throws {
            let store = try global.openStore()
            let since = RuntimeClock.system.date.addingTimeInterval(-hours * 3600)
            let rows = OperationTargetReport.reports(try store.gatewayServiceSummary(since: since))
            try Output(json: json).emit(rows, columns: [
                ("OPERATION", \.operation), ("SERVICE", \.service),
                ("CLASS", { r in r.serviceClass == "large" ? "large (first byte \(Int(r.limitSeconds)) s)" : "\(r.serviceClass) \(r.limitSeconds) s" }),
                ("CALLS", { "\($0.calls)" }), ("BREACHES", { "\($0.serverBreaches)" }),
                ("SHARE", { String(format: "%.2f%%", $0.serverBreachShare * 100) }),
                ("SLOW CLIENTS", { "\($0.clientBreaches)" }),
                ("P50 MS", { String(format: "%.1f", $0.p50Ms) }), ("P99 MS", { String(format: "%.1f", $0.p99Ms) }),
                ("MAX MS", { String(format: "%.1f", $0.maxMs) }),
            ], empty: "No authorised gateway calls in the last \(hours) hours.")
        }
    }
}
