import ArgumentParser
import BusinessCalendar
import Extracts
import Foundation
import Gateway
import SourceStubs
import Store

/// `udtraek subscriptions`: CPR subscriptions (CPR Abonnement) for operators: what each
/// receiver system follows, changed by hand (audited as the operator) or reconciled from a
/// file of PNRs, as the systems' own clients do through the gateway.
struct SubscriptionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "subscriptions",
        abstract: "CPR subscriptions: the PNRs, municipality and change codes each system follows, and its daily change files.",
        discussion: """
        A subscription is a cpr-subscription agreement (system, municipality). Its daily file is produced by an extract \
        definition of kind subscription for the same system and municipality (see README "CPR subscriptions").
        """,
        subcommands: [List.self, Show.self, Add.self, Remove.self, Reconcile.self, InitialLoad.self],
        defaultSubcommand: List.self)

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "Every subscription with how much it follows.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Only this system's subscriptions.") var system: String?
        @Flag(help: "JSON for scripts.") var json = false

        func run() throws {
            let store = try global.openStore()
            try Output(json: json).emit(try store.subscriptions(system: system), columns: [
                ("AGREEMENT", \.agreement), ("SYSTEM", \.system), ("MUNICIPALITY", \.municipality), ("STATE", \.state),
                ("PNRS", { "\($0.pnrs)" }), ("MUNICIPALITIES", { "\($0.municipalities)" }), ("CHANGE-CODES", { "\($0.changeCodes)" }),
            ], empty: "No cpr-subscription agreements. A system needs one (requested and approved, or in the configuration) before it can subscribe.")
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "One system's subscription: its filters and its daily files.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The receiver system.") var system: String
        @Option(help: "The agreement, when the system subscribes for several municipalities.") var agreement: String?
        @Flag(help: "JSON for scripts.") var json = false

        struct View: Encodable {
            var subscription: SubscriptionSummary
            var pnrs: [String]
            var municipalities: [String]
            var changeCodes: [String]
            var deliveries: [String]
            var runs: [ExtractRun]
        }

        func run() throws {
            let store = try global.openStore()
            let s = try Subscriptions.resolve(store, system: system, agreement: agreement)
            let filters = try store.subscriptionFilters(agreement: s.agreement)
            let definitions = try Subscriptions.definitions(store, s)
            var runs: [ExtractRun] = []
            for d in definitions { runs += try store.runs(extract: d.name, limit: 10) }
            if json {
                try Output(json: true).emit([View(subscription: s, pnrs: filters.pnrs, municipalities: filters.municipalities,
                                                  changeCodes: filters.changeCodes, deliveries: definitions.map(\.name), runs: runs)],
                                            columns: [], empty: "")
                return
            }
            print("Subscription \(s.agreement): \(s.system) for municipality \(s.municipality), agreement \(s.state)")
            print("  municipality codes: \(filters.municipalities.isEmpty ? "-" : filters.municipalities.joined(separator: " "))")
            print("  change codes: \(filters.changeCodes.isEmpty ? "-" : filters.changeCodes.joined(separator: " "))")
            print("  PNRs: \(filters.pnrs.count)\(filters.pnrs.isEmpty ? "" : ": " + filters.pnrs.prefix(20).joined(separator: " ") + (filters.pnrs.count > 20 ? " ..." : ""))")
            if definitions.isEmpty {
                print("  daily file: none configured (add an extract of kind subscription for \(s.system) and \(s.municipality))")
            } else {
                print("  daily file: \(definitions.map(\.name).joined(separator: ", ")); initial load: udtraek subscriptions initial-load \(s.system)")
            }
            print("")
            try Output(json: false).emit(runs, columns: [
                ("RUN", { "\($0.id ?? 0)" }), ("EXTRACT", \.extract), ("DATE", \.productionDate), ("STATE", \.state.rawValue),
                ("PERSONS", { $0.persons.map(String.init) ?? "-" }), ("FILE", { $0.fileName ?? "-" }),
            ], empty: "No files produced yet.")
        }
    }

    /// `--pnr`, `--municipality` or `--change-code`: exactly one.
    struct FilterValue: ParsableArguments {
        @Option(help: "A PNR (ten digits).") var pnr: String?
        @Option(help: "A municipality code (the agreement's own).") var municipality: String?
        @Option(help: "A CPR change code, e.g. A05.") var changeCode: String?

        func validate() throws {
            guard [pnr, municipality, changeCode].compactMap({ $0 }).count == 1 else {
                throw ValidationError("give exactly one of --pnr, --municipality, --change-code")
            }
        }

        var kindAndValue: (SubscriptionFilterKind, String, String) {
            if let pnr { return (.pnr, pnr, "--pnr") }
            if let municipality { return (.municipality, municipality, "--municipality") }
            return (.changeCode, changeCode ?? "", "--change-code")
        }
    }

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "add", abstract: "Follow one more PNR, municipality or change code (audited).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The receiver system.") var system: String
        @Option(help: "The agreement, when the system subscribes for several municipalities.") var agreement: String?
        @OptionGroup var value: FilterValue
        @Flag(help: "JSON for scripts.") var json = false

        func run() throws {
            try Subscriptions.change(global, system: system, agreement: agreement, value: value, adding: true, json: json)
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "remove", abstract: "Stop following a PNR, municipality or change code (audited).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The receiver system.") var system: String
        @Option(help: "The agreement, when the system subscribes for several municipalities.") var agreement: String?
        @OptionGroup var value: FilterValue
        @Flag(help: "JSON for scripts.") var json = false

        func run() throws {
            try Subscriptions.change(global, system: system, agreement: agreement, value: value, adding: false, json: json)
        }
    }

    struct Reconcile: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "reconcile",
            abstract: "Make the PNRs a system follows exactly those in a file: add the missing, remove the rest.",
            discussion: """
            FILE holds one PNR per line (ten digits; blank lines and lines starting with # are skipped). Every line is \
            checked first: a malformed line stops the command with its line number and nothing changes. PNRs the register \
            does not hold are reported (NON_EXISTING_PNR) and not followed. Then the difference is applied in one \
            transaction, audited as one subscription.reconcile entry.
            """)
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The receiver system.") var system: String
        @Option(help: "The agreement, when the system subscribes for several municipalities.") var agreement: String?
        @Option(help: "The file of PNRs to follow.") var pnrs: String
        @Flag(help: "Only say what would change.") var dryRun = false
        @Flag(help: "JSON for scripts.") var json = false

        struct Outcome: Encodable {
            var agreement: String
            var added: [String]
            var removed: [String]
            var nonExisting: [String]
            var followed: Int
            var dryRun: Bool
        }

        func run() throws {
            let store = try global.openStore()
            let s = try Subscriptions.resolve(store, system: system, agreement: agreement, changing: true)
            let wanted = try Subscriptions.readPNRs(pnrs)
            let population = try Subscriptions.population(store)
            let today = Subscriptions.today(store, global)
            let existing = wanted.filter { population.person(pnr: $0, on: today) != nil }
            let missing = wanted.subtracting(existing).sorted()
            let outcome: Outcome
            if dryRun {
                let have = Set(try store.subscriptionFilters(agreement: s.agreement).pnrs)
                outcome = Outcome(agreement: s.agreement, added: existing.subtracting(have).sorted(), removed: have.subtracting(existing).sorted(),
                                  nonExisting: missing, followed: existing.count, dryRun: true)
            } else {
                let (added, removed) = try store.reconcileSubscriptionPNRs(
                    agreement: s.agreement, system: s.system, wanted: existing, at: Date(),
                    actor: SubscriptionActor(name: Subscriptions.operatorName, detail: "from \(pnrs.displaySafe(limit: 200)) with the CLI"))
                outcome = Outcome(agreement: s.agreement, added: added, removed: removed, nonExisting: missing, followed: existing.count, dryRun: false)
            }
            if json {
                try Output(json: true).emit([outcome], columns: [], empty: "")
                return
            }
            let verb = dryRun ? "would be" : "were"
            print("\(s.system) (\(s.agreement)): \(outcome.added.count) PNR(s) \(verb) added, \(outcome.removed.count) removed; \(outcome.followed) followed.")
            if !missing.isEmpty {
                print("NON_EXISTING_PNR (not in the register, not followed): \(missing.prefix(50).joined(separator: " "))\(missing.count > 50 ? " ... (\(missing.count))" : "")")
            }
        }
    }

    struct InitialLoad: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "initial-load",
            abstract: "Produce and deliver an initial load: a status file of the persons the subscription follows now.",
            discussion: """
            Runs the subscription definition's run NAME/initial-load, as `udtraek extract run NAME/initial-load` does. \
            The file is named like the daily files with S (status) for D, so importers that follow the daily chain \
            do not take it for a day's file; its PRODDTOFORRIG is zeros.
            """)
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The receiver system.") var system: String
        @Option(help: "The agreement, when the system subscribes for several municipalities.") var agreement: String?
        @Flag(help: "Only produce and queue; leave delivery to `udtraek serve`.") var noDeliver = false
        @Flag(help: "Print the run as JSON.") var json = false

        func run() async throws {
            let store = try global.openStore()
            let s = try Subscriptions.resolve(store, system: system, agreement: agreement, changing: true)
            guard let definition = try Subscriptions.definitions(store, s).first else {
                throw Failure("No extract of kind subscription is configured for \(s.system) and municipality \(s.municipality); add one to the configuration (README \"CPR subscriptions\") and run `udtraek config apply`.")
            }
            var arguments = [definition.name + ExtractDefinition.initialLoadSuffix, "--config", global.config, "--state", global.state]
            if noDeliver { arguments.append("--no-deliver") }
            if json { arguments.append("--json") }
            var command = try ExtractCommand.Run.parse(arguments)
            try await command.run()
        }
    }
}

/// What the subscription commands share: finding the subscription, the register, the operator.
enum Subscriptions {
    static var operatorName: String { "cli:\(ProcessInfo.processInfo.environment["USER"] ?? "operator")" }

    /// The system's one subscription, or the one `agreement` names; an error that lists the
    /// choices otherwise. `changing` refuses agreements no data flows under.
    static func resolve(_ store: Store, system: String, agreement: String?, changing: Bool = false) throws -> SubscriptionSummary {
        guard try store.system(named: system) != nil else {
            throw Failure("There is no system named \(system.displaySafe(limit: 80)); see `udtraek systems`.")
        }
        let all = try store.subscriptions(system: system)
        let chosen: SubscriptionSummary
        if let agreement {
            guard let s = all.first(where: { $0.agreement == agreement }) else {
                throw Failure("\(agreement.displaySafe(limit: 80)) is not a cpr-subscription agreement of \(system); see `udtraek subscriptions list --system \(system)`.")
            }
            chosen = s
        } else {
            let usable = all.filter { $0.state == AgreementState.approved.rawValue || $0.state == AgreementState.requested.rawValue }
            guard let s = (usable.count == 1 ? usable.first : (all.count == 1 ? all.first : nil)) else {
                if all.isEmpty {
                    throw Failure("\(system) has no cpr-subscription agreement; it needs one (requested and approved) before it can subscribe.")
                }
                throw Failure("\(system) has several cpr-subscription agreements (\(all.map { "\($0.agreement) for \($0.municipality)" }.joined(separator: ", "))); name one with --agreement.")
            }
            chosen = s
        }
        if changing, chosen.state == AgreementState.terminated.rawValue || chosen.state == AgreementState.rejected.rawValue {
            throw Failure("The agreement \(chosen.agreement) is \(chosen.state); no data flows under it, so its subscription cannot change.")
        }
        return chosen
    }

    /// The extract definitions that produce the subscription's daily file.
    static func definitions(_ store: Store, _ s: SubscriptionSummary) throws -> [ExtractDefinition] {
        try store.configuration().extracts.filter { $0.kind == .subscription && $0.system == s.system && $0.municipality == s.municipality }
    }

    static func population(_ store: Store) throws -> CPRPopulation {
        let sources = try store.sourceSettings()
        guard let epoch = CivilDate(iso: sources.epoch) else { throw Failure("sources.epoch '\(sources.epoch)' is not a date; fix the configuration.") }
        do { return try CPRPopulation(seed: sources.cprSeed, size: sources.cprPersons, epoch: epoch) } catch {
            throw Failure(error.message)
        }
    }

    /// Today in Copenhagen, as the extract runner reckons it for runs.
    static func today(_ store: Store, _ global: GlobalOptions) -> CivilDate {
        ExtractRunner(store: store, stateDirectory: global.stateDirectory).today
    }

    /// PNRs from a file, one per line; the first malformed line is an error naming it.
    static func readPNRs(_ path: String) throws -> Set<String> {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw Failure("Cannot read \(path.displaySafe(limit: 200)): \(error.localizedDescription)")
        }
        var pnrs = Set<String>()
        for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty || line.hasPrefix("#") { continue }
            do {
                pnrs.insert(try SubscriptionService.check(.pnr, line, field: "PNR", agreementMunicipality: ""))
            } catch {
                throw Failure("\(path.displaySafe(limit: 200)) line \(n + 1): '\(line.displaySafe(limit: 40))': \(error.message); nothing was changed.")
            }
        }
        return pnrs
    }

    static func change(_ global: GlobalOptions, system: String, agreement: String?, value: SubscriptionsCommand.FilterValue,
                       adding: Bool, json: Bool) throws {
        let store = try global.openStore()
        let s = try Subscriptions.resolve(store, system: system, agreement: agreement, changing: true)
        let (kind, raw, option) = value.kindAndValue
        let checked: String
        do { checked = try SubscriptionService.check(kind, raw, field: option, agreementMunicipality: s.municipality) } catch {
            throw ValidationError(error.message)
        }
        let actor = SubscriptionActor(name: operatorName, detail: "by an operator with the CLI")
        let result: SubscriptionService.ResultCode
        if adding, kind == .pnr, try population(store).person(pnr: checked, on: today(store, global)) == nil {
            result = .nonExistingPNR
        } else if adding {
            result = try store.addSubscriptionFilter(agreement: s.agreement, system: s.system, kind: kind, value: checked, at: Date(), actor: actor)
                ? .added : .alreadyExisted
        } else {
            result = try store.removeSubscriptionFilter(agreement: s.agreement, kind: kind, value: checked, at: Date(), actor: actor)
                ? .removed : (kind == .pnr ? .nonExistingPNR : .nonExisting)
        }
        struct Answer: Encodable { var agreement: String; var kind: String; var value: String; var result: String }
        let answer = Answer(agreement: s.agreement, kind: kind.rawValue, value: checked, result: result.rawValue)
        if json {
            try Output(json: true).emit([answer], columns: [], empty: "")
        } else {
            print("\(result.rawValue): \(kind.rawValue) \(checked) for \(s.system) (\(s.agreement))")
        }
        if result == .nonExistingPNR || result == .nonExisting { throw ExitCode(3) }
    }
}
