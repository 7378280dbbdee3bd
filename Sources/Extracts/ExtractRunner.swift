import BusinessCalendar
import Foundation
import Logging
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
public final class ExtractRunner: @unchecked Sendable {
    public let store: Store
    public let spoolDirectory: String
    let logger: Logger
    let now: @Sendable () -> Date
    let timeZone: TimeZone

    public init(store: Store, stateDirectory: String, logger: Logger = Logger(label: "udtraek.extract"),
                timeZone: TimeZone = TimeZone(identifier: "Europe/Copenhagen")!,
                now: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.spoolDirectory = (stateDirectory as NSString).appendingPathComponent("outbox")
        self.logger = logger
        self.timeZone = timeZone
        self.now = now
    }

    /// Today in the platform's time zone.
    public var today: CivilDate {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let c = calendar.dateComponents([.year, .month, .day], from: now())
        return CivilDate(year: c.year!, month: c.month!, day: c.day!)!
    }

    /// Runs extract `name` for `date` (default today). Returns the finished run; throws
    /// `ExtractError` when refused or failed (the run row and audit say the same).
    @discardableResult
    public func run(_ name: String, date: CivilDate? = nil, trigger: String = "manual", actor: String = "udtraek",
                    progress: ((ExtractProgress) -> Void)? = nil) throws -> ExtractRun {
        let date = date ?? today
        guard let definition = try store.extractDefinition(named: name) else {
            throw ExtractError(.unknownExtract, "there is no extract named '\(name)'; see `udtraek extract list`")
        }
        let plan: Plan
        do {
            plan = try prepare(definition, date: date)
        } catch let error as ExtractError {
            try refuse(definition, date: date, trigger: trigger, actor: actor, error)
            throw error
        }
        var run = try store.startRun(ExtractRun(extract: name, trigger: trigger, productionDate: date.description, startedAt: now()))
        let started = ContinuousClock.now
        do {
            var counts = (persons: 0, records: 0)
            let file = try ExtractPipeline.write(directory: spoolDirectory, name: plan.fileName, tag: run.id!,
                                                 gzipLevel: definition.gzipLevel) { output in
                var sink = output
                counts = try plan.produce(&sink) { persons, records in
                    progress?(ExtractProgress(persons: persons, records: records, textBytes: output.textBytes,
                                              fileBytes: output.file.bytes, elapsed: ContinuousClock.now - started,
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
                                    routing: RoutingInfo(infRef: definition.source.service, recipientAuthority: definition.municipality,
                                                         transactionId: "\(name)/\(run.id!)"),
                                    agreementUUID: plan.agreement.uuid)
            (run, _) = try store.commitProduced(run: run, entry: entry)
            logger.info("extract produced", metadata: [
                "extract.name": "\(name)", "extract.run": "\(run.id!)", "extract.file": "\(plan.fileName)",
                "extract.bytes": "\(file.fileBytes)", "extract.records": "\(counts.records)",
            ])
            return run
        } catch {
            let failure = (error as? ExtractError) ?? ExtractError(.source, "producing \(name) failed: \(error)")
            run.state = .failed
            run.finishedAt = now()
            run.error = failure.message
            try? store.updateRun(run)
            throw failure
        }
    }

    /// Removes what a crash can leave in Spool/outbox (temporary files, complete files no
    /// outbox entry points at) and marks interrupted runs failed. Returns what it did.
    public func recoverAtStartup() throws -> [String] {
        var report: [String] = []
        for run in try store.failInterruptedRuns(now: now()) {
            report.append("run \(run.id ?? 0) of \(run.extract) was interrupted; marked failed")
        }
        let referenced = try store.referencedSpoolPaths()
        let names = (try? FileManager.default.contentsOfDirectory(atPath: spoolDirectory)) ?? []
        for name in names {
            let path = (spoolDirectory as NSString).appendingPathComponent(name)
            if name.hasPrefix(".tmp-") || !referenced.contains(path) {
                try? FileManager.default.removeItem(atPath: path)
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

    func prepare(_ d: ExtractDefinition, date: CivilDate) throws -> Plan {
        guard try store.system(named: d.system) != nil else {
            throw ExtractError(.unknownSystem, "the receiver system '\(d.system)' of extract \(d.name) is not configured")
        }
        guard let agreement = try store.approvedAgreement(system: d.system, municipality: d.municipality, service: d.source.service) else {
            let others = try store.agreements(system: d.system, municipality: d.municipality, service: d.source.service)
            let state = others.isEmpty ? "there is none" : "it is \(others.map(\.state.rawValue).joined(separator: ", "))"
            throw ExtractError(.noAgreement, "no approved service agreement lets \(d.system) receive \(d.source.service) for municipality \(d.municipality) (\(state)); the municipality must approve one before data is handed out")
        }
        if date > today {
            throw ExtractError(.invalidDate, "\(date) is in the future (today is \(today)); extracts are produced as of today or earlier")
        }
        let sources = try store.sourceSettings()
        guard let epoch = CivilDate(iso: sources.epoch) else {
            throw ExtractError(.invalidDefinition, "sources.epoch '\(sources.epoch)' is not a date")
        }
        let previous = try store.lastProducedDate(extract: d.name, before: date.description).flatMap { CivilDate(iso: $0) }
        let template = try FileNameTemplate(d.fileNameTemplate)
        let fileName = template.render(.init(date: date, taskNumber: d.taskNumber, agreement: agreement.uuid, extract: d.name,
                                             kind: d.kind.rawValue, municipality: d.municipality, compressed: d.gzipLevel != nil))

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
            let population = CPRPopulation(seed: sources.cprSeed, size: sources.cprPersons, epoch: epoch)
            let request = CPRExtractRequest(kind: d.kind == .status ? .status : .change, date: date, municipality: d.municipality,
                                            recordTypes: types.isEmpty ? CPRRecordType.personRecordTypes : types,
                                            taskNumber: d.taskNumber, previousProductionDate: previous)
            do { try CPRExtractWriter.validate(population: population, request: request) } catch let e as CPRStubError {
                throw ExtractError(e.code == "unknown-municipality" ? .invalidDefinition : .invalidDate, e.message)
            }
            let totalWeight = CPRMunicipalities.all.reduce(0.0) { $0 + Double($1.weight) }
            let expected = d.kind == .status ? Int(Double(sources.cprPersons) * Double(municipality.weight) / totalWeight) : nil
            return Plan(agreement: agreement, fileName: fileName, expectedPersons: expected) { sink, progress in
                let summary = try CPRExtractWriter.write(population: population, request: request, into: &sink) {
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

    private func refuse(_ d: ExtractDefinition, date: CivilDate, trigger: String, actor: String, _ error: ExtractError) throws {
        var run = try store.startRun(ExtractRun(extract: d.name, trigger: trigger, productionDate: date.description, startedAt: now()))
        run.state = .refused
        run.finishedAt = now()
        run.error = error.message
        try store.updateRun(run)
        try store.audit(AuditEntry(at: now(), actor: actor, action: "extract.refused", subject: d.name,
                                   detail: "\(date): \(error.message)"))
        logger.warning("extract refused", metadata: ["extract.name": "\(d.name)", "error": "\(error.message)"])
    }
}
