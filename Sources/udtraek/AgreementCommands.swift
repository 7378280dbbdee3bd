import Administration
import ArgumentParser
import Foundation
import Store

/// `udtraek agreements`: service agreements and their lifecycle
/// (`requested -> approved | rejected`, `approved -> terminated`).
struct AgreementsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agreements",
        abstract: "Service agreements: request (supplier), approve or reject (the municipality's signatory), terminate (either side).",
        discussion: "Acts as the user of UDTRAEK_TOKEN or --token-file; without a token, as the platform's operator, who may list, show and terminate but neither request nor approve.",
        subcommands: [List.self, Show.self, Request.self, Approve.self, Reject.self, Terminate.self], defaultSubcommand: List.self)

    static var columns: [(String, (AgreementView) -> String)] { [
        ("UUID", \.uuid), ("SYSTEM", \.system), ("MUNICIPALITY", \.municipality), ("SERVICE", \.service),
        ("STATE", \.state.rawValue), ("ORIGIN", \.origin.rawValue), ("SUPPLIER", { $0.supplier ?? "-" }),
    ] }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "The agreements you can see.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var acting: ActingOptions
        @Option(help: "Only this system's.") var system: String?
        @Option(help: "Only this municipality's (code).") var municipality: String?
        /// `--status`, since `--state` names the state directory on every command.
        @Option(help: "Only agreements in this state: requested, approved, rejected, terminated.") var status: String?
        @Flag(help: "JSON for scripts.") var json = false

        func validate() throws {
            if let status, AgreementState(rawValue: status) == nil {
                throw ValidationError("--status must be one of \(AgreementState.allCases.map(\.rawValue).joined(separator: ", "))")
            }
        }

        func run() throws {
            let (_, desk) = try global.openDesk()
            let p = try acting.principal(desk)
            let rows = try administering {
                try desk.agreements(p, system: system, municipality: municipality, state: status.flatMap(AgreementState.init(rawValue:)))
            }
            try Output(json: json).emit(rows, columns: AgreementsCommand.columns, empty: "No agreements you can see.")
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "One agreement with its history.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var acting: ActingOptions
        @Argument(help: "The agreement's UUID.") var uuid: String
        @Flag(help: "JSON for scripts.") var json = false

        func run() throws {
            let (_, desk) = try global.openDesk()
            let p = try acting.principal(desk)
            let a = try administering { try desk.agreement(p, uuid: uuid) }
            if json { try Output(json: true).emit([a], columns: [], empty: ""); return }
            print("Agreement \(a.uuid): \(a.system) receives \(a.service) for municipality \(a.municipality); \(a.state.rawValue)")
            print("  origin \(a.origin.rawValue), supplier \(a.supplier ?? "-")\(a.infRef.map { ", InfRef \($0)" } ?? "")")
            for e in a.history {
                print("  \(Format.time(e.at))  \(e.event.padding(toLength: 10, withPad: " ", startingAt: 0))  \(e.actor.displaySafe(limit: 80))\(e.reason.map { ": \($0.displaySafe(limit: 300))" } ?? "")")
            }
        }
    }

    struct Request: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "request", abstract: "Request agreements for your system (one per service and municipality); the municipalities are notified.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var acting: ActingOptions
        @Option(help: "Your system.") var system: String
        @Option(name: .customLong("service"), help: "A service, e.g. cpr-extract (repeat for more).") var services: [String] = []
        @Option(name: .customLong("municipality"), help: "A municipality code (repeat for more).") var municipalities: [String] = []
        @Option(help: "A note to the municipality.") var note: String?
        @Flag(help: "JSON for scripts.") var json = false

        func run() throws {
            let (_, desk) = try global.openDesk()
            let p = try acting.principal(desk)
            let rows = try administering {
                try desk.requestAgreements(p, .init(system: system, services: services, municipalities: municipalities, note: note))
            }
            try Output(json: json).emit(rows, columns: AgreementsCommand.columns, empty: "")
        }
    }

    struct Approve: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "approve", abstract: "Approve a requested agreement (the municipality's signatory); it is in force at once.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var acting: ActingOptions
        @Argument(help: "The agreement's UUID.") var uuid: String
        @Option(help: "A note for the record.") var note: String?
        @Flag(help: "JSON for scripts.") var json = false

        func run() throws {
            let (_, desk) = try global.openDesk()
            let p = try acting.principal(desk)
            let (a, info) = try administering { try desk.approve(p, uuid: uuid, note: note) }
            if json {
                struct Answer: Encodable { var agreement: AgreementView; var callInformation: CallInformation }
                try Output(json: true).emit([Answer(agreement: a, callInformation: info)], columns: [], empty: "")
                return
            }
            print("Agreement \(a.uuid) is approved and in force: \(a.system) receives \(a.service) for municipality \(a.municipality).")
            print("The supplier is notified with the call information (agreement \(info.agreementUUID), service \(info.serviceUUID), inbox \(info.sftpInbox)).")
        }
    }

    struct Reject: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "reject", abstract: "Reject a requested agreement, with a reason the supplier receives.")
        @OptionGroup var decision: Decision

        func run() throws { try decision.take { desk, p in try desk.reject(p, uuid: decision.uuid, reason: decision.reason) } }
    }

    struct Terminate: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "terminate", abstract: "End an agreement; no data flows under it from now.")
        @OptionGroup var decision: Decision

        func run() throws { try decision.take { desk, p in try desk.terminate(p, uuid: decision.uuid, reason: decision.reason) } }
    }

    /// What rejecting and terminating both take: the agreement, a reason, and who acts.
    struct Decision: ParsableArguments {
        @OptionGroup var global: GlobalOptions
        @OptionGroup var acting: ActingOptions
        @Argument(help: "The agreement's UUID.") var uuid: String
        @Option(help: "Why (the other side receives it).") var reason: String
        @Flag(help: "JSON for scripts.") var json = false

        func take(_ act: (AdministrationDesk, Principal) throws -> AgreementView) throws {
            let (_, desk) = try global.openDesk()
            let p = try acting.principal(desk)
            let a = try administering { try act(desk, p) }
            try Output(json: json).emit([a], columns: AgreementsCommand.columns, empty: "")
        }
    }
}

/// `udtraek usage`: "Se forbrug", one month per agreement.
struct UsageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "usage", abstract: "Use per agreement and month: lookups, extract files and bytes, subscription files; and ceilings.")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var acting: ActingOptions
    @Option(help: "The month, YYYY-MM (default: this month, Copenhagen time).") var month: String?
    @Option(help: "Only this agreement.") var agreement: String?
    @Option(help: "Only this municipality (code).") var municipality: String?
    @Flag(help: "JSON for scripts.") var json = false

    func run() throws {
        let (_, desk) = try global.openDesk()
        let p = try acting.principal(desk)
        let report = try administering { try desk.usage(p, month: month, agreement: agreement, municipality: municipality) }
        if json { try Output(json: true).emit([report], columns: [], empty: ""); return }
        try Output(json: false).emit(report.usage, columns: [
            ("MONTH", \.month), ("AGREEMENT", \.agreement), ("SYSTEM", \.system), ("MUNICIPALITY", \.municipality), ("SERVICE", \.service),
            ("LOOKUPS", { "\($0.lookups)" }), ("FILES", { "\($0.extractFiles)" }), ("BYTES", { "\($0.extractBytes)" }),
            ("SUBSCRIPTION FILES", { "\($0.subscriptionFiles)" }),
        ], empty: "No agreements you can see.")
        for c in report.ceilings {
            print("Municipality \(c.municipality): \(c.lookups) lookups (ceiling \(c.ceilingLookups.map(String.init) ?? "none")), \(c.extractBytes) bytes (ceiling \(c.ceilingBytes.map(String.init) ?? "none"))\(c.exceeded ? ": OVER THE CEILING (notified, nothing blocked)" : "")")
        }
    }
}
