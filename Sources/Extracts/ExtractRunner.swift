import Crypto
import BusinessCalendar
import Foundation
import Logging
import Runtime
import SourceStubs
import Store

/// How far a running extract has come, for the progress line.
public struct ExtractProgress: Sendable {
    public var persons: Int
    public var records: Int
    public var textBytes: Int64
    public var fileBytes: Int64
    public var elapsed: Duration
    /// The expected number of persons, when it can be estimated (status extracts).
    public var expectedPersons: Int?
}

/// Produces extract files into Spool/ and queues them for delivery.
///
/// A run is refused, with an audit row, unless an approved service agreement covers
/// (receiver system, municipality, service) and the date is a valid production date. The
/// file is streamed generate -> gzip -> SHA-256 -> temporary file, fsynced, renamed, and
/// only then committed to the outbox together with the run's outcome, so a crash leaves
/// nothing, a temporary file, or an unreferenced complete file, all of which start-up
/// removes (`recoverAtStartup`).
public final class ExtractRunner: Sendable {
    public let store: Store
    public let spoolDirectory: String
    let logger: Logger
    /// Dates of runs and "today"; durations of progress reports.
    public let clock: RuntimeClock
    let timeZone: TimeZone

    public init(store: Store, stateDirectory: String, logger: Logger = Logger(label: "udtraek.extract"),
                timeZone: TimeZone = TimeZone(identifier: "Europe/Copenhagen")!,
                clock: RuntimeClock = .system) {
        self.store = store
        self.spoolDirectory = (stateDirectory as NSString).appendingPathComponent("outbox")
        self.logger = logger
        self.timeZone = timeZone
        self.clock = clock
    }

    /// The wall-clock date now.
    func now() -> Date { clock.date }

    /// Today in the platform's time zone.
    public var today: CivilDate {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let c = calendar.dateComponents([.year, .month, .day], from: now())
        return CivilDate(year: c.year!, month: c.month!, day: c.day!)!
    }

    /// Asks for a run of `name` for `date` (default today) through the run queue; see
    /// `RunRequestOutcome`. Throws `.unknownExtract` for a name that is not configured.
    ///
    /// A request for a date whose file is running or produced joins that run unless
    /// `rerun` is set; a re-run is audited (`extract.rerun`), since the receiver gets the
    /// same file name again. With an `idempotencyKey`, the request as sent (extract, the
    /// date if one was given, the re-run flag) is kept as a digest with the key, so the
    /// same key with another request is a `keyConflict`, not a replay.
    public func request(_ name: String, date: CivilDate? = nil, trigger: RunTrigger, actor: String,
                        idempotencyKey: String? = nil, slotAt: Date? = nil, skipWhenBusy: Bool = false,
                        rerun: Bool = false) throws -> RunRequest {
        guard try store.extractDefinition(named: name) != nil else {
            throw ExtractError(.unknownExtract, "there is no extract named '\(name)'; see `udtraek extract list`")
        }
        let productionDate = (date ?? today).description
        let digest = idempotencyKey.map { _ in Self.requestDigest(extract: name, date: date, rerun: rerun) }
        let spec = RunRequestSpec(extract: name, trigger: trigger, productionDate: productionDate, requestedBy: actor,
                                  slotAt: slotAt, idempotencyKey: idempotencyKey, requestDigest: digest,
                                  skipWhenBusy: skipWhenBusy, rerun: rerun)
        let answer = try store.requestRun(spec, now: now(), isAlive: RunOwner.isAlive)
        if rerun, [.accepted, .queuedBehind].contains(answer.outcome) {
            try store.audit(AuditEntry(at: now(), actor: actor, action: "extract.rerun", subject: name,
                                       detail: "run \(answer.run.id ?? 0) produces the file for \(productionDate) again (\(answer.outcome.rawValue))"))
        }
        return answer
    }

    /// SHA-256 (hex) of a run request as its caller sent it.
    static func requestDigest(extract: String, date: CivilDate?, rerun: Bool) -> String {
        let canonical = "extract=\(extract)\ndate=\(date?.description ?? "")\nrerun=\(rerun)"
        return SHA256.hash(data: Data(canonical.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Claims queued run `id` for this process; nil when it is not startable now.
    public func claim(_ id: Int64) throws -> ExtractRun? {
        try store.claimRun(id: id, owner: RunOwner.current, now: now(), isAlive: RunOwner.isAlive)
    }

    /// Runs extract `name` now: request, claim, produce. Throws `.busy` (with the queued
    /// run in the message) when a run of the same extract is in flight, and otherwise as
    /// `execute` does.
    @discardableResult
    public func run(_ name: String, date: CivilDate? = nil, trigger: RunTrigger = .manual, actor: String = "udtraek",
                    rerun: Bool = false, progress: ((ExtractProgress) -> Void)? = nil) throws -> ExtractRun {
        let request = try request(name, date: date, trigger: trigger, actor: actor, rerun: rerun)
        if request.outcome == .alreadyProduced {
            throw ExtractError(.busy, "the file of \(name) for \(request.run.productionDate) was already produced by run \(request.run.id ?? 0); ask for a re-run to produce it again")
        }
        guard request.outcome == .accepted, let id = request.run.id, let claimed = try claim(id) else {
            throw ExtractError(.busy, "a run of \(name) is in flight (run \(request.inFlight?.id ?? 0)); this request is \(request.outcome.rawValue) as run \(request.run.id ?? 0)")
        }
        return try execute(claimed, progress: progress)
    }

    /// Produces the file of a claimed (`running`) run and queues it for delivery. Returns
    /// the produced run; throws `ExtractError` when refused or failed, after recording the
    /// same on the run row. A run stopped through `isCancelled` goes back to `queued`, so
    /// it runs again when the service next starts, and throws `.cancelled`.
    @discardableResult
    public func execute(_ claimed: ExtractRun, progress: ((ExtractProgress) -> Void)? = nil,
                        isCancelled: @escaping @Sendable () -> Bool = { false }) throws -> ExtractRun {
        // Crash: the run row is `running` with this (now dead) process as its owner.
        CrashPoint.reach("extract.claimed")
        var run = claimed
        let name = run.extract
        guard let definition = try store.extractDefinition(named: name) else {
            let error = ExtractError(.unknownExtract, "the extract '\(name)' was removed from the configuration before its run started")
            try finish(&run, .refused, error)
            throw error
        }
        guard let date = CivilDate(iso: run.productionDate) else {
            let error = ExtractError(.invalidDate, "the production date '\(run.productionDate)' is not a date")
            try finish(&run, .refused, error)
            throw error
        }
        let plan: Plan
        do {
            plan = try prepare(definition, date: date)
        } catch let error as ExtractError {
            try finish(&run, .refused, error)
            try store.audit(AuditEntry(at: now(), actor: run.requestedBy, action: "extract.refused", subject: name,
                                       detail: "\(date): \(error.message)"))
            logger.warning("extract refused", metadata: ["extract.name": "\(name)", "error": "\(error.message)"])
            throw error
        }
        // Crash: everything checked, nothing written yet.
        CrashPoint.reach("extract.prepared")
        let clock = self.clock
        let started = clock.now
        do {
            var counts = (persons: 0, records: 0)
            let file = try ExtractPipeline.write(directory: spoolDirectory, name: plan.fileName, tag: run.id!,
                                                 gzipLevel: definition.gzipLevel, isCancelled: isCancelled) { output in
                var sink = output
                counts = try plan.produce(&sink) { persons, records in
                    progress?(ExtractProgress(persons: persons, records: records, textBytes: output.textBytes,
                                              fileBytes: output.file.bytes, elapsed: started.duration(to: clock.now),
                                              expectedPersons: plan.expectedPersons))
                }
            }
            run.state = .produced
            run.finishedAt = now()
            run.persons = Int64(counts.persons)
            run.records = Int64(counts.records)
            run.textBytes = file.textBytes
            run.fileBytes = file.fileBytes
            run.sha256 = file.sha256
            run.fileName = plan.fileName
            let t = now()
            let entry = OutboxEntry(system: definition.system, fileName: plan.fileName, localPath: file.path,
                                    bytes: file.fileBytes, sha256: file.sha256, nextAttemptAt: t, createdAt: t, updatedAt: t,
                                    ownedBySpool: true,
                                    routing: RoutingInfo(infRef: definition.service, recipientAuthority: definition.municipality,
                                                         transactionId: "\(name)/\(run.id!)"),
                                    agreementUUID: plan.agreement.uuid)
            // Crash: the file is complete and durable in Spool/, its run row still `running`.
            CrashPoint.reach("extract.before-commit")
            // The file is complete in Spool/: its commit waits out another process's lock.
            (run, _) = try store.persisting { try store.commitProduced(run: run, entry: entry) }
            // Crash: the run row is `produced` and its outbox row `ready`, in one transaction.
            CrashPoint.reach("extract.after-commit")
            logger.info("extract produced", metadata: [
                "extract.name": "\(name)", "extract.run": "\(run.id!)", "extract.file": "\(plan.fileName)",
                "extract.bytes": "\(file.fileBytes)", "extract.records": "\(counts.records)",
            ])
            return run
        } catch let error as ExtractError where error.code == .cancelled {
            run.state = .queued
            run.startedAt = nil
            run.owner = nil
            run.error = "stopped at \(now()) while producing (the service was shutting down); runs again when it next starts"
            try? store.updateRun(run)
            throw error
        } catch {
            let failure = (error as? ExtractError) ?? ExtractError(.source, "producing \(name) failed: \(error)")
            try? store.persisting { try finish(&run, .failed, failure) }
            throw failure
        }
    }

    private func finish(_ run: inout ExtractRun, _ state: ExtractRunState, _ error: ExtractError) throws {
        run.state = state
        run.finishedAt = now()
        run.error = error.message
        try store.updateRun(run)
    }

    /// Removes what a crash can leave in Spool/outbox (temporary files, complete files no
    /// outbox entry points at) and settles runs whose process died (see
    /// `Store.settleInterruptedRuns`). Returns what it did.
    public func recoverAtStartup() throws -> [String] {
        var report: [String] = []
        let settled = try store.settleInterruptedRuns(now: now(), isAlive: RunOwner.isAlive)
        // Crash: dead runs settled, leftovers in Spool/ not yet removed.
        CrashPoint.reach("recovery.runs-settled")
        for run in settled.failed {
            report.append("run \(run.id ?? 0) of \(run.extract) was interrupted; marked failed")
        }
        for run in settled.requeued {
            report.append("run \(run.id ?? 0) of \(run.extract) queued to produce \(run.productionDate) again")
        }
        let referenced = try store.referencedSpoolPaths()
        let active = Set(try store.runs(state: .running, limit: 10_000).compactMap(\.id))
        let names = (try? FileManager.default.contentsOfDirectory(atPath: spoolDirectory)) ?? []
        for name in names {
            let path = (spoolDirectory as NSString).appendingPathComponent(name)
            // A file of a run still producing in another process (`extract run` beside
            // serve) is not left over; its name starts with its run id.
            let runId = Int64(name.drop { $0 == "." }.replacingOccurrences(of: "tmp-", with: "").prefix { $0.isNumber })
            if let runId, active.contains(runId) { continue }
            if name.hasPrefix(".tmp-") || !referenced.contains(path) {
                try? FileManager.default.removeItem(atPath: path)
                // Crash (loop): some leftovers removed, others not yet.
                CrashPoint.reach("recovery.leftover-removed")
                report.append("removed leftover \(path)")
            }
        }
        return report
    }

    // MARK: Planning

    /// Everything checked and decided before a byte is written.
    struct Plan {
        var agreement: ServiceAgreement
        var fileName: String
        var expectedPersons: Int?
        /// Streams the file into the sink, reporting (persons, records) as it goes.
        var produce: (inout ExtractOutput, @escaping (Int, Int) -> Void) throws -> (persons: Int, records: Int)
    }

    /// The stub's filter for a subscription's filters: unparsable values (none can be
    /// stored through the checked paths) are left out rather than failing the day's file.
    static func filter(_ set: SubscriptionFilterSet, municipality: String) -> CPRSubscriptionFilter {
        CPRSubscriptionFilter(pnrs: Set(set.pnrs.compactMap { Int($0) }),
                              wholeMunicipality: set.municipalities.contains(municipality),
                              eventCodes: Set(set.changeCodes.compactMap(CPREventCode.init(rawValue:))))
    }

    /// An initial load's file name: the daily name with `S` (status) for its leading `D`,
    /// so importers that take `D*` files in date order do not take it for a day's file.
    static func initialLoadName(_ daily: String) -> String {
        daily.hasPrefix("D") ? "S" + daily.dropFirst() : "S-" + daily
    }

    func prepare(_ d: ExtractDefinition, date: CivilDate) throws -> Plan {
        guard try store.system(named: d.system) != nil else {
            throw ExtractError(.unknownSystem, "the receiver system '\(d.system)' of extract \(d.name) is not configured")
        }
        guard let agreement = try store.approvedAgreement(system: d.system, municipality: d.municipality, service: d.service) else {
            let others = try store.agreements(system: d.system, municipality: d.municipality, service: d.service)
            let state = others.isEmpty ? "there is none" : "it is \(others.map(\.state.rawValue).joined(separator: ", "))"
            throw ExtractError(.noAgreement, "no approved service agreement lets \(d.system) receive \(d.service) for municipality \(d.municipality) (\(state)); the municipality must approve one before data is handed out")
        }
        if date > today {
            throw ExtractError(.invalidDate, "\(date) is in the future (today is \(today)); extracts are produced as of today or earlier")
        }
        let sources = try store.sourceSettings()
        guard let epoch = CivilDate(iso: sources.epoch) else {
            throw ExtractError(.invalidDefinition, "sources.epoch '\(sources.epoch)' is not a date")
        }
        // An initial load stands outside the daily chain: its PRODDTOFORRIG is zeros.
        let previous = d.kind == .initialLoad ? nil
            : try store.lastProducedDate(extract: d.name, before: date.description).flatMap { CivilDate(iso: $0) }
        let template = try FileNameTemplate(d.fileNameTemplate)
        var fileName = try template.render(.init(date: date, taskNumber: d.taskNumber, agreement: agreement.uuid, extract: d.name,
                                             kind: d.kind.rawValue, municipality: d.municipality, compressed: d.gzipLevel != nil))
        if d.kind == .initialLoad { fileName = Self.initialLoadName(fileName) }

        switch d.source {
        case .cpr:
            guard let municipality = CPRMunicipalities.named(d.municipality) else {
                throw ExtractError(.invalidDefinition, "'\(d.municipality)' is not one of the 98 municipality codes")
            }
            var types = Set<CPRRecordType>()
            for t in d.recordTypes {
                guard let type = CPRRecordType(rawValue: t), type.isPersonRecord else {
                    throw ExtractError(.invalidDefinition, "'\(t)' is not a CPR person record type")
                }
                types.insert(type)
            }
            let population: CPRPopulation
            do { population = try CPRPopulation(seed: sources.cprSeed, size: sources.cprPersons, epoch: epoch) } catch {
                throw ExtractError(.invalidDefinition, error.message)
            }
            let kind: CPRExtractKind = d.kind == .status || d.kind == .initialLoad ? .status : .change
            let request = CPRExtractRequest(kind: kind, date: date, municipality: d.municipality,
                                            recordTypes: types.isEmpty ? CPRRecordType.personRecordTypes : types,
                                            taskNumber: d.taskNumber, previousProductionDate: previous)
            // A subscription's file is the municipality's change (or, for an initial load,
            // status) extract thinned to what its filters follow, read as the run starts.
            let filter = d.kind == .subscription || d.kind == .initialLoad
                ? Self.filter(try store.subscriptionFilters(agreement: agreement.uuid), municipality: d.municipality) : nil
            do { try CPRExtractWriter.validate(population: population, request: request) } catch let e as CPRStubError {
                throw ExtractError(e.code == "unknown-municipality" ? .invalidDefinition : .invalidDate, e.message)
            }
            let totalWeight = CPRMunicipalities.all.reduce(0.0) { $0 + Double($1.weight) }
            let expected = d.kind == .status ? Int(Double(sources.cprPersons) * Double(municipality.weight) / totalWeight) : nil
            return Plan(agreement: agreement, fileName: fileName, expectedPersons: expected) { sink, progress in
                let summary = try CPRExtractWriter.write(population: population, request: request, filter: filter, into: &sink) {
                    progress($0.persons, $0.records)
                }
                return (summary.persons, summary.records)
            }
        case .kle:
            let plan = KLEPlan(seed: sources.kleSeed, epoch: epoch)
            do {
                _ = try plan.version(on: date)
                if d.kind == .change { _ = try plan.changes(on: date) }
            } catch {
                throw ExtractError(.invalidDate, "\(error)")
            }
            return Plan(agreement: agreement, fileName: fileName, expectedPersons: nil) { sink, progress in
                let summary = d.kind == .status
                    ? try KLEExtractWriter.writeFull(plan: plan, asOf: date, into: &sink)
                    : try KLEExtractWriter.writeChanges(plan: plan, asOf: date, into: &sink)
                progress(0, summary.nodes)
                return (0, summary.nodes)
            }
        }
    }
}
