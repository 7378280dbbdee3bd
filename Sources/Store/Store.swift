import Foundation
import GRDB

/// The single source of truth at run time: one SQLite file in WAL mode, and every SQL
/// statement of the project. Other modules see plain records and intent-named methods.
public final class Store: Sendable {
    let pool: DatabasePool
    public let path: String

    /// Opens (creating if needed) the database at `path` and migrates it forward.
    public init(path: String) throws {
        self.path = path
        var configuration = Configuration()
        configuration.busyMode = .timeout(TimeInterval(Self.busyTimeoutSeconds))
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA foreign_keys = ON")
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        do {
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                    withIntermediateDirectories: true)
            pool = try DatabasePool(path: path, configuration: configuration)
            try Migrations.migrator.migrate(pool)
        } catch {
            throw StoreError("opening the state database \(path)", error,
                             hint: "Check that the state directory exists and is writable, and that no other version of udtraek migrated it further")
        }
    }

    /// Opens the database in a state directory (`Spool/` by default): `<dir>/state.db`.
    public convenience init(stateDirectory: String) throws {
        try self.init(path: (stateDirectory as NSString).appendingPathComponent("state.db"))
    }

    /// How long a statement waits for another process's lock before it fails.
    public static let busyTimeoutSeconds = 10

    func read<T>(_ what: String, _ body: (Database) throws -> T) throws -> T {
        do { return try pool.read(body) } catch let e as StoreError { throw e } catch { throw failure(what, error) }
    }

    /// A `StoreConflict` (the state an act needed was not there) reaches the caller as it
    /// is: it is the caller's to answer (409), not a failure of the database.
    func write<T>(_ what: String, _ body: (Database) throws -> T) throws -> T {
        do { return try pool.write(body) } catch let e as StoreError { throw e } catch let e as StoreConflict { throw e } catch {
            throw failure(what, error)
        }
    }

    /// A failure in the operator's terms; a lock held by another process names the file
    /// and the wait, since "database is locked" alone does not say which or for how long.
    private func failure(_ what: String, _ error: any Error) -> StoreError {
        guard let db = error as? DatabaseError,
              [.SQLITE_BUSY, .SQLITE_LOCKED].contains(db.resultCode.primaryResultCode) else { return StoreError(what, error) }
        var locked = StoreError(what, reason: "the state database \(path) is locked by another process (waited \(Self.busyTimeoutSeconds) s for its lock)",
                                hint: "Nothing was written. Find the process holding it (`fuser \(path)`) and end its transaction; udtraek tries again by itself")
        locked.sqliteCode = db.resultCode.rawValue
        return locked
    }

    /// Runs `body` again while the database is locked by another process, up to
    /// `attempts` times (each waits the busy timeout). For writes that record work already
    /// done outside the database (a file uploaded, a file produced): dropping them because
    /// another process held the lock for a while would leave the work claimed by a live
    /// process for ever, which only a restart would settle.
    public func persisting<T>(attempts: Int = 30, _ body: () throws -> T) throws -> T {
        var tries = 1
        while true {
            do { return try body() } catch let e as StoreError where e.isLocked && tries < attempts {
                tries += 1
            }
        }
    }

    // MARK: Configuration

    public func configuration() throws -> ConfigurationSnapshot {
        try read("reading the configuration") { db in
            try ConfigurationSnapshot.fetch(db)
        }
    }

    /// Makes the configuration tables equal to `snapshot` in one transaction and writes
    /// the audit row in the same transaction: either all of it happens or none.
    public func replaceConfiguration(with snapshot: ConfigurationSnapshot, audit: AuditEntry) throws {
        try write("applying the configuration") { db in
            let all = try ConfigurationSnapshot.fetch(db)
            try Self.refuseAdministrationOverlap(all, snapshot)
            let current = all.configOwned
            // Children first on removal, parents first on insertion (foreign keys).
            for e in current.extracts where !snapshot.extracts.contains(where: { $0.name == e.name }) {
                try e.delete(db)
            }
            for a in current.agreements where !snapshot.agreements.contains(where: { $0.uuid == a.uuid }) {
                try a.delete(db)
            }
            for s in current.systems where !snapshot.systems.contains(where: { $0.name == s.name }) {
                try s.delete(db)
            }
            try snapshot.platform.save(db)
            for m in snapshot.municipalities { try m.save(db) }
            for s in snapshot.systems {
                try s.save(db)
                try Self.releaseHostKeyHolds(db, previous: current.systems.first { $0.name == s.name }, current: s,
                                             now: audit.at, actor: audit.actor)
            }
            for a in snapshot.agreements { try a.save(db) }
            try snapshot.gateway.save(db)
            try snapshot.sources.save(db)
            for e in snapshot.extracts { try e.save(db) }
            try ScheduleRow.replace(db, with: snapshot.schedules, now: audit.at)
            try snapshot.api.save(db)
            try snapshot.monitoring.replace(in: db)
            for m in current.municipalities where !snapshot.municipalities.contains(where: { $0.code == m.code }) {
                try m.delete(db)
            }
            var row = audit
            try row.insert(db)
            try Self.recordSeededApprovals(db, previous: current.agreements, applied: snapshot.agreements, audit: audit)
        }
    }

    /// A system or agreement registered through the administration module belongs to its
    /// supplier and municipality; the file may not redefine it (nor silently take it over).
    private static func refuseAdministrationOverlap(_ all: ConfigurationSnapshot, _ file: ConfigurationSnapshot) throws {
        let registered = Set(all.systems.filter { $0.origin == .admin }.map(\.name))
        if let s = file.systems.first(where: { registered.contains($0.name) }) {
            throw StoreError("applying the configuration", reason: "the system '\(s.name)' was registered by its supplier through the administration module",
                             hint: "Nothing was applied. Rename the system in the file, or change it through `udtraek systems`")
        }
        let kept = Set(file.systems.map(\.name))
        if let a = all.agreements.first(where: { $0.origin == .admin && !$0.state.isFinal && !kept.contains($0.system) && !registered.contains($0.system) }) {
            throw StoreError("applying the configuration", reason: "the file removes the system '\(a.system)', which agreement \(a.uuid) (\(a.state.rawValue), requested through the administration module) is for",
                             hint: "Nothing was applied. Terminate the agreement first (`udtraek agreements terminate \(a.uuid)`), or keep the system in the file")
        }
        let requested = Set(all.agreements.filter { $0.origin == .admin }.map(\.uuid))
        if let a = file.agreements.first(where: { requested.contains($0.uuid) }) {
            throw StoreError("applying the configuration", reason: "the agreement \(a.uuid) was requested through the administration module",
                             hint: "Nothing was applied. Remove it from the file; its municipality's signatory decides it (`udtraek agreements`)")
        }
    }

    /// An agreement the file puts in force was approved by nobody but whoever applied the
    /// file: that is recorded as such, naming them, in the audit log and its history.
    private static func recordSeededApprovals(_ db: Database, previous: [ServiceAgreement], applied: [ServiceAgreement],
                                              audit: AuditEntry) throws {
        for a in applied where a.state == .approved && previous.first(where: { $0.uuid == a.uuid })?.state != .approved {
            let reason = "put in force by the configuration file \(audit.subject), applied by \(audit.actor), not by the municipality's signatory"
            var row = AuditEntry(at: audit.at, actor: audit.actor, action: "agreement.seeded", subject: a.uuid,
                                 detail: "\(a.system) / \(a.municipality) / \(a.service): \(reason)")
            try row.insert(db)
            var event = AgreementEvent(agreementUUID: a.uuid, at: audit.at, actor: audit.actor, event: "seeded", reason: reason)
            try event.insert(db)
        }
    }

    public func platformSettings() throws -> PlatformSettings {
        try read("reading platform settings") { db in try PlatformSettings.fetch(db) }
    }

    public func system(named name: String) throws -> ReceiverSystem? {
        try read("reading system \(name)") { db in try ReceiverSystem.fetchOne(db, key: name) }
    }

    /// The agreement in force for (system, municipality, service), if any is approved.
    public func approvedAgreement(system: String, municipality: String, service: String) throws -> ServiceAgreement? {
        try read("reading service agreements") { db in
            try ServiceAgreement
                .filter(Column("system") == system && Column("municipality") == municipality
                        && Column("service") == service && Column("state") == AgreementState.approved.rawValue)
                .fetchOne(db)
        }
    }

    /// Every agreement for (system, municipality, service), whatever its state.
    public func agreements(system: String, municipality: String, service: String) throws -> [ServiceAgreement] {
        try read("reading service agreements") { db in
            try ServiceAgreement
                .filter(Column("system") == system && Column("municipality") == municipality && Column("service") == service)
                .fetchAll(db)
        }
    }

    // MARK: Audit

    @discardableResult
    public func audit(_ entry: AuditEntry) throws -> AuditEntry {
        try write("writing the audit log") { db in
            var row = entry
            try row.insert(db)
            return row
        }
    }

    public func auditLog(limit: Int = 100, action: String? = nil) throws -> [AuditEntry] {
        try read("reading the audit log") { db in
            var request = AuditEntry.order(Column("id").desc).limit(limit)
            if let action { request = request.filter(Column("action") == action) }
            return try request.fetchAll(db)
        }
    }
}

/// The configuration-owned part of the state: what `udtraek config apply` replaces.
public struct ConfigurationSnapshot: Sendable, Equatable {
    public var platform: PlatformSettings
    public var municipalities: [Municipality]
    public var systems: [ReceiverSystem]
    public var agreements: [ServiceAgreement]
    public var sources: SourceSettings
    public var extracts: [ExtractDefinition]
    /// One per scheduled extract, sorted by extract name.
    public var schedules: [ExtractSchedule]
    public var api: APISettings
    /// Pickup monitoring: platform settings and per-receiver rules.
    public var monitoring: MonitoringConfiguration
    public var gateway: GatewayConfiguration
    /// Systems registered by their suppliers (not part of the file): the gateway accepts
    /// their registered client certificates.
    public var registrations: [SystemRegistration]

    public init(platform: PlatformSettings = PlatformSettings(), municipalities: [Municipality] = [],
                systems: [ReceiverSystem] = [], agreements: [ServiceAgreement] = [],
                sources: SourceSettings = SourceSettings(), extracts: [ExtractDefinition] = [],
                schedules: [ExtractSchedule] = [], api: APISettings = APISettings(),
                monitoring: MonitoringConfiguration = MonitoringConfiguration(),
                gateway: GatewayConfiguration = GatewayConfiguration(), registrations: [SystemRegistration] = []) {
        self.registrations = registrations
        self.monitoring = monitoring
        self.gateway = gateway
        self.platform = platform
        self.schedules = schedules
        self.api = api
        self.sources = sources
        self.extracts = extracts
        self.municipalities = municipalities
        self.systems = systems
        self.agreements = agreements
    }
}

extension ConfigurationSnapshot {
    /// The part the configuration file owns: what `config apply` compares, replaces and
    /// `config export` writes. Systems registered and agreements requested through the
    /// administration module are left out.
    public var configOwned: ConfigurationSnapshot {
        var owned = self
        owned.systems = systems.filter { $0.origin == .config }
        owned.agreements = agreements.filter { $0.origin == .config }
        let names = Set(owned.systems.map(\.name))
        owned.gateway.certificates = gateway.certificates.filter { names.contains($0.system) }
        owned.gateway.retiring = gateway.retiring.filter { names.contains($0.system) }
        owned.registrations = []
        return owned
    }

    static func fetch(_ db: Database) throws -> ConfigurationSnapshot {
        ConfigurationSnapshot(
            platform: try PlatformSettings.fetch(db),
            municipalities: try Municipality.order(Column("code")).fetchAll(db),
            systems: try ReceiverSystem.order(Column("name")).fetchAll(db),
            agreements: try ServiceAgreement.order(Column("uuid")).fetchAll(db),
            sources: try SourceSettings.fetch(db),
            extracts: try ExtractDefinition.order(Column("name")).fetchAll(db),
            schedules: try ScheduleRow.order(Column("extract")).fetchAll(db).map(\.schedule),
            api: try APISettings.fetch(db),
            monitoring: try MonitoringConfiguration.fetch(db),
            gateway: try GatewayConfiguration.fetch(db),
            registrations: try SystemRegistration.order(Column("system")).fetchAll(db))
    }
}

/// A failure of the state database, saying what was being done.
public struct StoreError: Error, CustomStringConvertible, Sendable {
    public var operation: String
    public var reason: String
    public var hint: String
    /// SQLite's result code, when the failure came from SQLite.
    public var sqliteCode: Int32?

    public init(_ operation: String, _ underlying: any Error, hint: String = "") {
        self.operation = operation
        if let db = underlying as? DatabaseError {
            reason = db.message ?? "\(db.resultCode)"
            sqliteCode = db.resultCode.rawValue
        } else {
            reason = "\(underlying)"
            sqliteCode = nil
        }
        self.hint = hint
    }

    public init(_ operation: String, reason: String, hint: String = "") {
        self.operation = operation
        self.reason = reason
        self.hint = hint
        self.sqliteCode = nil
    }

    public var description: String {
        "\(operation) failed: \(reason)" + (hint.isEmpty ? "" : ". \(hint)")
    }

    /// Whether another process held the database's lock (SQLITE_BUSY or SQLITE_LOCKED):
    /// the same call can succeed once it lets go.
    public var isLocked: Bool { sqliteCode.map { $0 & 0xff == 5 || $0 & 0xff == 6 } ?? false }
}

extension Store {
    public func agreement(uuid: String) throws -> ServiceAgreement? {
        try read("reading agreement \(uuid)") { db in try ServiceAgreement.fetchOne(db, key: uuid) }
    }
}
