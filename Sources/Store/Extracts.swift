import Foundation
import GRDB

/// Which source an extract reads.
public enum ExtractSource: String, Codable, Sendable, CaseIterable {
    case cpr, kle

    /// The service an agreement must name for this source.
    public var service: String { self == .cpr ? "cpr-extract" : "kle-extract" }
}

/// Everyone in scope as of a date, or only what changed since the previous file.
public enum ExtractKind: String, Codable, Sendable, CaseIterable {
    case status, change
    /// A CPR subscription's daily change file: the change extract of the definition's
    /// municipality thinned to the persons the subscription's filters follow (issue 16).
    case subscription
    /// A subscription's initial load: a status file of the persons it follows now. Never
    /// configured; the run `NAME/initial-load` of a `subscription` definition is one.
    case initialLoad = "initial-load"

    /// The kinds an extract definition in the configuration may have.
    public static let configurable: [ExtractKind] = [.status, .change, .subscription]
}

/// An extract definition: what to produce, for whom, and how the file looks.
public struct ExtractDefinition: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "extract_definition"
    public var name: String
    public var source: ExtractSource
    public var kind: ExtractKind
    /// The receiver system.
    public var system: String
    /// The municipality on whose behalf the data is handed out.
    public var municipality: String
    /// CPR record types to include ("001", ...); empty means all person record types.
    public var recordTypes: [String]
    /// gzip level 1-9, or nil for an uncompressed file.
    public var gzipLevel: Int?
    /// The file-name template (see `FileNameTemplate`).
    public var fileNameTemplate: String
    /// OPGAVENR in the CPR start record (the subscription's task number).
    public var taskNumber: Int

    public init(name: String, source: ExtractSource, kind: ExtractKind, system: String, municipality: String,
                recordTypes: [String] = [], gzipLevel: Int? = 6, fileNameTemplate: String, taskNumber: Int = 1) {
        self.name = name
        self.source = source
        self.kind = kind
        self.system = system
        self.municipality = municipality
        self.recordTypes = recordTypes
        self.gzipLevel = gzipLevel
        self.fileNameTemplate = fileNameTemplate
        self.taskNumber = taskNumber
    }

    /// The service an agreement must name for this definition: a subscription's is
    /// `cpr-subscription`, whose filters the agreement holds.
    public var service: String {
        kind == .subscription || kind == .initialLoad ? "cpr-subscription" : source.service
    }

    /// The suffix that names a subscription's initial load as a run of its own: its runs
    /// are queued, claimed and listed like any other, apart from the daily chain.
    public static let initialLoadSuffix = "/initial-load"

    enum CodingKeys: String, CodingKey {
        case name, source, kind, system, municipality
        case recordTypes = "record_types"
        case gzipLevel = "gzip_level"
        case fileNameTemplate = "file_name_template"
        case taskNumber = "task_number"
    }
}

/// How the source stubs are seeded and sized (`sources:` in the configuration).
public struct SourceSettings: Codable, Sendable, Equatable {
    public var cprSeed: UInt64
    public var cprPersons: Int
    /// The first production date of the synthetic registers (YYYY-MM-DD).
    public var epoch: String
    public var kleSeed: UInt64

    public init(cprSeed: UInt64 = 20_261_123, cprPersons: Int = 100_000, epoch: String = "2020-01-01", kleSeed: UInt64 = 2026) {
        self.cprSeed = cprSeed
        self.cprPersons = cprPersons
        self.epoch = epoch
        self.kleSeed = kleSeed
    }
}

public enum ExtractRunState: String, Codable, Sendable, CaseIterable {
    /// Requested, waiting for a process to claim it (behind a run in flight, or just asked).
    case queued
    /// Producing the file.
    case running
    /// The file is complete and in the outbox.
    case produced
    /// Refused before producing anything (no agreement, bad date, ...).
    case refused
    case failed
    /// Not run: a run of the same extract was in flight and the overlap policy is skip.
    case skipped
    /// Taken out of the queue by an operator before it started.
    case cancelled

    /// Finished one way or another; nothing more will happen to the run.
    public var isFinal: Bool { ![.queued, .running].contains(self) }
}

/// Why a run was started (the `WHY` column of `udtraek runs`).
public enum RunTrigger: String, Codable, Sendable, CaseIterable {
    /// `udtraek extract run`.
    case manual
    /// The built-in scheduler, on time.
    case schedule
    /// The scheduler, making up for slots missed while the service was down.
    case catchUp = "catch-up"
    /// `POST /api/v1/extracts/{name}/runs`.
    case api
    /// A scheduled run interrupted by a crash or a stop, run again at start-up.
    case recovery
}

/// One run of an extract definition: why, when, what came out.
public struct ExtractRun: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "extract_run"
    public var id: Int64?
    public var extract: String
    public var trigger: RunTrigger
    /// The production date (YYYY-MM-DD).
    public var productionDate: String
    /// When the run was asked for (by the schedule, an operator, the API).
    public var requestedAt: Date
    /// Who asked: an operator, an API token's name, or "scheduler".
    public var requestedBy: String
    /// The schedule slot the run stands for, for scheduled and catch-up runs.
    public var slotAt: Date?
    /// When a process claimed the run and began producing; nil while queued.
    public var startedAt: Date?
    public var finishedAt: Date?
    public var state: ExtractRunState
    /// The process producing the file (`RunOwner`), so a run whose process died can be
    /// told from one still going.
    public var owner: String?
    public var persons: Int64?
    public var records: Int64?
    /// Uncompressed bytes.
    public var textBytes: Int64?
    /// Bytes of the file as delivered.
    public var fileBytes: Int64?
    public var sha256: String?
    public var fileName: String?
    public var outboxId: Int64?
    public var error: String?

    public init(id: Int64? = nil, extract: String, trigger: RunTrigger, productionDate: String, requestedAt: Date,
                requestedBy: String = "udtraek", slotAt: Date? = nil, startedAt: Date? = nil,
                finishedAt: Date? = nil, state: ExtractRunState = .queued, owner: String? = nil,
                persons: Int64? = nil, records: Int64? = nil,
                textBytes: Int64? = nil, fileBytes: Int64? = nil, sha256: String? = nil, fileName: String? = nil,
                outboxId: Int64? = nil, error: String? = nil) {
        self.id = id
        self.extract = extract
        self.trigger = trigger
        self.productionDate = productionDate
        self.requestedAt = requestedAt
        self.requestedBy = requestedBy
        self.slotAt = slotAt
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.state = state
        self.owner = owner
        self.persons = persons
        self.records = records
        self.textBytes = textBytes
        self.fileBytes = fileBytes
        self.sha256 = sha256
        self.fileName = fileName
        self.outboxId = outboxId
        self.error = error
    }

    /// Seconds from start to finish, once finished.
    public var duration: TimeInterval? {
        guard let startedAt, let finishedAt else { return nil }
        return finishedAt.timeIntervalSince(startedAt)
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    enum CodingKeys: String, CodingKey {
        case id, extract, trigger, state, owner, persons, records, sha256, error
        case productionDate = "production_date"
        case requestedAt = "requested_at"
        case requestedBy = "requested_by"
        case slotAt = "slot_at"
        case startedAt = "started_at"
        case finishedAt = "finished_at"
        case textBytes = "text_bytes"
        case fileBytes = "file_bytes"
        case fileName = "file_name"
        case outboxId = "outbox_id"
    }
}

extension Store {
    /// The definition named `name`; `SUB/initial-load` is the initial load of subscription
    /// definition `SUB` (kind `initial-load`, under that name).
    public func extractDefinition(named name: String) throws -> ExtractDefinition? {
        try read("reading extract \(name)") { db in
            if name.hasSuffix(ExtractDefinition.initialLoadSuffix) {
                let base = String(name.dropLast(ExtractDefinition.initialLoadSuffix.count))
                guard var d = try ExtractDefinition.fetchOne(db, key: base), d.kind == .subscription else { return nil }
                d.name = name
                d.kind = .initialLoad
                return d
            }
            return try ExtractDefinition.fetchOne(db, key: name)
        }
    }

    public func sourceSettings() throws -> SourceSettings {
        try read("reading source settings") { db in try SourceSettings.fetch(db) }
    }

    /// Records a run that never reaches the queue (a refusal decided before it).
    public func insertRun(_ run: ExtractRun) throws -> ExtractRun {
        try write("recording a run of extract \(run.extract)") { db in
            var row = run
            try row.insert(db)
            return row
        }
    }

    public func updateRun(_ run: ExtractRun) throws {
        try write("recording extract run \(run.id ?? 0)") { db in try run.update(db) }
    }

    /// Commits the produced file's outbox entry and the finished run together, so there
    /// is never a run marked produced without its entry, nor an entry without its run.
    public func commitProduced(run: ExtractRun, entry: OutboxEntry) throws -> (ExtractRun, OutboxEntry) {
        try write("committing extract run \(run.id ?? 0)") { db in
            var e = entry
            try e.insert(db)
            var r = run
            r.outboxId = e.id
            try r.update(db)
            return (r, e)
        }
    }

    /// The production date of the last file of the series (for PRODDTOFORRIG).
    public func lastProducedDate(extract: String, before date: String) throws -> String? {
        try read("reading the last run of \(extract)") { db in
            try String.fetchOne(db, sql: """
                SELECT production_date FROM extract_run
                WHERE extract = ? AND state = 'produced' AND production_date < ?
                ORDER BY production_date DESC LIMIT 1
                """, arguments: [extract, date])
        }
    }

    public func runs(extract: String? = nil, state: ExtractRunState? = nil, limit: Int = 50) throws -> [ExtractRun] {
        try read("reading extract runs") { db in
            var request = ExtractRun.order(Column("id").desc).limit(limit)
            if let extract { request = request.filter(Column("extract") == extract) }
            if let state { request = request.filter(Column("state") == state.rawValue) }
            return try request.fetchAll(db)
        }
    }

    public func run(id: Int64) throws -> ExtractRun? {
        try read("reading extract run \(id)") { db in try ExtractRun.fetchOne(db, key: id) }
    }
}

extension SourceSettings {
    static func fetch(_ db: Database) throws -> SourceSettings {
        guard let text = try String.fetchOne(db, sql: "SELECT value FROM platform_setting WHERE key = 'sources'") else {
            return SourceSettings()
        }
        return (try? JSONDecoder().decode(SourceSettings.self, from: Data(text.utf8))) ?? SourceSettings()
    }

    func save(_ db: Database) throws {
        let text = String(decoding: try JSONEncoder().encode(self), as: UTF8.self)
        try db.execute(sql: "INSERT OR REPLACE INTO platform_setting (key, value) VALUES ('sources', ?)", arguments: [text])
    }
}
