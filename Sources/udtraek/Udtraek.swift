import ArgumentParser
import Foundation
import Logging
import Store

@main
struct Udtraek: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "udtraek",
        abstract: "Bulk extracts (udtræk) for municipal data exchange: produce, deliver by SFTP, watch pickup.",
        discussion: "State lives in STATE/state.db (SQLite). Run `udtraek config apply` after editing the configuration.",
        subcommands: [
            ConfigCommand.self, SystemsCommand.self, DeliverCommand.self, DeliveriesCommand.self,
            OutboxCommand.self, ExtractCommand.self, RunsCommand.self, ServeCommand.self, ScheduleCommand.self, BenchCommand.self, KeysCommand.self, AuditCommand.self, DemoCommand.self,
            AlarmsCommand.self, PickupsCommand.self, MonitorCommand.self, ChangeCommand.self, GatewayCommand.self, TransfersCommand.self,
            OrganisationsCommand.self, UsersCommand.self, AgreementsCommand.self, UsageCommand.self, SubscriptionsCommand.self,
        ])
}

/// `--config` and `--state`, shared by every command.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: "The configuration file, or a directory holding udtraek.yaml.")
    var config: String = "Config"

    @Option(name: .long, help: "The state directory (database and spool).")
    var state: String = "Spool"

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .warning

    /// The configuration file path: a directory means `<dir>/udtraek.yaml`.
    var configFile: String {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: config, isDirectory: &isDirectory), isDirectory.boolValue {
            return (config as NSString).appendingPathComponent("udtraek.yaml")
        }
        return config
    }

    var stateDirectory: String {
        (state as NSString).standardizingPath
    }

    /// The state database of `--state`. Only the commands that write the state (config
    /// apply, serve, extract run, deliver, demo) pass `creating`; every other command
    /// refuses a state directory without a database rather than leave an empty one behind
    /// (a mistyped `--state` would otherwise look like an empty installation).
    func openStore(creating: Bool = false) throws -> Store {
        let database = (stateDirectory as NSString).appendingPathComponent("state.db")
        if !creating && !FileManager.default.fileExists(atPath: database) {
            throw Failure("There is no state database at \(database.displaySafe(limit: 200)). Check --state (now \(state.displaySafe(limit: 200))); `udtraek config apply` creates the state from the configuration.")
        }
        return try Store(stateDirectory: stateDirectory)
    }

    func bootstrapLogging() {
        let level = logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
