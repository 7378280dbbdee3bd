import Administration
import ArgumentParser
import Foundation
import Runtime
import Store

/// `udtraek orgs`: suppliers and municipalities that act through the administration module.
struct OrganisationsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "orgs", abstract: "Organisations: the platform, suppliers (by CVR) and municipalities (by code).",
        subcommands: [List.self, Add.self, Change.self], defaultSubcommand: List.self)

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "The organisations you can see.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var acting: ActingOptions
        @Flag(help: "JSON for scripts.") var json = false

        func run() throws {
            let (_, desk) = try global.openDesk()
            let p = try acting.principal(desk)
            try Output(json: json).emit(try administering { try desk.organisations(p) }, columns: [
                ("ID", \.id), ("KIND", \.kind.rawValue), ("NAME", \.name), ("NOTICES TO", { $0.noticeAddress ?? "-" }),
                ("CEILING", { o in
                    [o.ceilingLookups.map { "\($0) lookups" }, o.ceilingBytes.map { "\($0) bytes" }].compactMap { $0 }.joined(separator: ", ")
                }),
            ], empty: "No organisations you can see.")
        }
    }

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add", abstract: "Add a supplier (--cvr) or a municipality (--municipality); operators only.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var acting: ActingOptions
        @Option(help: "A supplier's CVR number (8 digits).") var cvr: String?
        @Option(help: "A municipality's code (4 digits), from the configuration's municipalities.") var municipality: String?
        @Option(help: "The name (a municipality's defaults to the configuration's).") var name: String?
        @Option(help: "Where notices go (an email address).") var noticeAddress: String?
        @Flag(help: "JSON for scripts.") var json = false

        func validate() throws {
            guard (cvr == nil) != (municipality == nil) else { throw ValidationError("give exactly one of --cvr and --municipality") }
        }

        func run() throws {
            let (_, desk) = try global.openDesk()
            let p = try acting.principal(desk)
            let o = try administering {
                try desk.createOrganisation(p, .init(kind: cvr != nil ? .supplier : .municipality, name: name, cvr: cvr,
                                                     municipality: municipality, noticeAddress: noticeAddress))
            }
            try Output(json: json).emit([o], columns: [("ADDED", \.id), ("NAME", \.name)], empty: "")
        }
    }

    struct Change: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set", abstract: "Change an organisation's notice address or a municipality's usage ceiling (0 removes it).")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var acting: ActingOptions
        @Argument(help: "The organisation (cvr:NNNNNNNN or kommune:NNNN).") var id: String
        @Option(help: "Where notices go.") var noticeAddress: String?
        @Option(help: "Monthly lookups before the municipality is told (forbrugsloft).") var ceilingLookups: Int?
        @Option(help: "Monthly extract bytes before the municipality is told.") var ceilingBytes: Int64?
        @Flag(help: "JSON for scripts.") var json = false

        func run() throws {
            let (_, desk) = try global.openDesk()
            let p = try acting.principal(desk)
            let o = try administering {
                try desk.changeOrganisation(p, id: id, .init(noticeAddress: noticeAddress, ceilingLookups: ceilingLookups, ceilingBytes: ceilingBytes))
            }
            try Output(json: json).emit([o], columns: [("CHANGED", \.id), ("NOTICES TO", { $0.noticeAddress ?? "-" })], empty: "")
        }
    }
}

/// `udtraek users`: people with roles in an organisation, and their personal API tokens.
struct UsersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "users", abstract: "Users, their roles (operator, admin, user, signatory) and their API tokens.",
        subcommands: [List.self, Add.self, Change.self, Token.self], defaultSubcommand: List.self)

    static var columns: [(String, (User) -> String)] { [
        ("ID", { "\($0.id ?? 0)" }), ("ORGANISATION", \.organisation), ("NAME", \.name), ("EMAIL", { $0.email ?? "-" }),
        ("ROLES", { $0.roles.map(\.rawValue).joined(separator: ",") }), ("STATE", { $0.disabledAt == nil ? "active" : "disabled" }),
    ] }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "The users you can see.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var acting: ActingOptions
        @Option(help: "Only this organisation's.") var organisation: String?
        @Flag(help: "JSON for scripts.") var json = false

        func run() throws {
            let (_, desk) = try global.openDesk()
            let p = try acting.principal(desk)
            try Output(json: json).emit(try administering { try desk.users(p, organisation: organisation) }, columns: UsersCommand.columns,
                                        empty: "No users you can see. Add one with `udtraek users add`.")
        }
    }

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "add", abstract: "Add a user to an organisation.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var acting: ActingOptions
        @Option(help: "The organisation (platform, cvr:NNNNNNNN, kommune:NNNN).") var organisation: String
        @Option(help: "The person's name.") var name: String
        @Option(help: "Their email address.") var email: String?
        @Option(name: .customLong("role"), help: "A role: operator, admin, user, signatory (repeat for more).") var roles: [String] = []
        @Flag(help: "JSON for scripts.") var json = false

        func run() throws {
            let (_, desk) = try global.openDesk()
            let p = try acting.principal(desk)
            let u = try administering { try desk.createUser(p, .init(organisation: organisation, name: name, email: email, roles: roles)) }
            try Output(json: json).emit([u], columns: UsersCommand.columns, empty: "")
        }
    }

    struct Change: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "set", abstract: "Change a user's roles, or disable or enable it.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var acting: ActingOptions
        @Argument(help: "The user id.") var id: Int64
        @Option(name: .customLong("role"), help: "The roles it has from now (repeat).") var roles: [String] = []
        @Flag(help: "Disable: its tokens stop working.") var disable = false
        @Flag(help: "Enable it again.") var enable = false
        @Flag(help: "JSON for scripts.") var json = false

        func validate() throws {
            if disable && enable { throw ValidationError("give --disable or --enable, not both") }
        }

        func run() throws {
            let (_, desk) = try global.openDesk()
            let p = try acting.principal(desk)
            let u = try administering {
                try desk.changeUser(p, id: id, .init(roles: roles.isEmpty ? nil : roles, disabled: disable ? true : enable ? false : nil))
            }
            try Output(json: json).emit([u], columns: UsersCommand.columns, empty: "")
        }
    }

    struct Token: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "token", abstract: "Personal API tokens: create (shown once), list, revoke.",
            subcommands: [Create.self, List.self, Revoke.self])

        struct Create: ParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "create", abstract: "Make a token for a user and print it once; only its SHA-256 is kept.")
            @OptionGroup var global: GlobalOptions
            @OptionGroup var acting: ActingOptions
            @Option(help: "The user id.") var user: Int64
            @Option(help: "A label to tell tokens apart.") var name: String?
            @Option(help: "Days until it expires (default: until revoked).") var expiresInDays: Int?
            @Flag(help: "JSON for scripts (the token is in it).") var json = false

            func run() throws {
                let (_, desk) = try global.openDesk()
                let p = try acting.principal(desk)
                let (token, secret) = try administering { try desk.createToken(p, user: user, name: name, days: expiresInDays) }
                if json {
                    struct Made: Encodable { var id: Int64?; var user: Int64; var name: String; var token: String; var expiresAt: Date? }
                    try Output(json: true).emit([Made(id: token.id, user: token.userId, name: token.name, token: secret, expiresAt: token.expiresAt)],
                                                columns: [], empty: "")
                    return
                }
                print(secret)
                FileHandle.standardError.write(Data("Token \(token.id ?? 0) for user \(user)\(token.expiresAt.map { ", expires \(Format.time($0))" } ?? ""). It is shown only now: keep it in a file (mode 0600) or a secret store, and send it as 'Authorization: Bearer TOKEN'.\n".utf8))
            }
        }

        struct List: ParsableCommand {
            static let configuration = CommandConfiguration(commandName: "list", abstract: "A user's tokens (never their text).")
            @OptionGroup var global: GlobalOptions
            @OptionGroup var acting: ActingOptions
            @Option(help: "The user id.") var user: Int64
            @Flag(help: "JSON for scripts.") var json = false

            func run() throws {
                let (_, desk) = try global.openDesk()
                let p = try acting.principal(desk)
                try Output(json: json).emit(try administering { try desk.tokens(p, user: user) }, columns: [
                    ("ID", { "\($0.id ?? 0)" }), ("NAME", \.name), ("PREFIX", \.prefix), ("CREATED", { Format.time($0.createdAt) }),
                    ("EXPIRES", { Format.time($0.expiresAt) }), ("LAST USED", { Format.time($0.lastUsedAt) }),
                    ("STATE", { $0.revokedAt != nil ? "revoked" : $0.isUsable(at: RuntimeClock.system.date) ? "usable" : "expired" }),
                ], empty: "User \(user) has no tokens.")
            }
        }

        struct Revoke: ParsableCommand {
            static let configuration = CommandConfiguration(commandName: "revoke", abstract: "Revoke a token at once.")
            @OptionGroup var global: GlobalOptions
            @OptionGroup var acting: ActingOptions
            @Argument(help: "The token id.") var id: Int64

            func run() throws {
                let (_, desk) = try global.openDesk()
                let p = try acting.principal(desk)
                let t = try administering { try desk.revokeToken(p, id: id) }
                print("Token \(id) (\(t.prefix)…) of user \(t.userId) is revoked.")
            }
        }
    }
}
