import Foundation
import Logging
import Runtime
import SFTPClient
import Store

/// Who a delivered file's metadata says sent it: the platform for extracts, the sender
/// system for a file routed between systems.
struct MetadataOrigin {
    var sender: String
    var senderItSystem: String?
    var senderTimestamp: Date
    var fileTransferUUID: String
}

/// Settings for delivering; the defaults follow the platform's service targets.
public struct DeliverySettings: Sendable {
    public var retry: RetryPolicy
    public var connectTimeout: Duration
    public var operationTimeout: Duration
    /// The whole-transfer deadline is `deadlineBase + bytes / minimumRate`: the
    /// platform's 15 s plus 200 kB/s for large responses, applied to files.
    public var deadlineBase: Duration
    public var minimumRate: Double
    public var chunkSize: Int

    public init(retry: RetryPolicy = RetryPolicy(), connectTimeout: Duration = .seconds(10),
                operationTimeout: Duration = .seconds(30), deadlineBase: Duration = .seconds(15),
                minimumRate: Double = 200_000, chunkSize: Int = 1 << 20) {
        self.retry = retry
        self.connectTimeout = connectTimeout
        self.operationTimeout = operationTimeout
        self.deadlineBase = deadlineBase
        self.minimumRate = minimumRate
        self.chunkSize = chunkSize
    }

    public func transferDeadline(bytes: Int64) -> Duration {
        deadlineBase + .milliseconds(Int64(Double(bytes) / minimumRate * 1000))
    }
}

/// Delivers outbox entries: one attempt per entry, recorded in SQLite, with the entry
/// moved to delivered, back to ready with a backoff, or to error for an operator.
///
/// Blocking (libssh2, SQLite): call from a `BlockingExecutor` job or a command's own
/// thread, never from the cooperative pool.
public final class DeliveryService: Sendable {
    public let store: Store
    public let settings: DeliverySettings
    let logger: Logger
    /// Dates of records and retries, and the durations measured.
    let clock: RuntimeClock
    let random: @Sendable () -> Double
    let environment: [String: String]
    /// Where striped uploads get the threads for their extra sessions.
    let executor: BlockingExecutor

    public init(store: Store, settings: DeliverySettings = DeliverySettings(), logger: Logger = Logger(label: "udtraek.delivery"),
                environment: [String: String] = ProcessInfo.processInfo.environment,
                clock: RuntimeClock = .system, executor: BlockingExecutor = .shared,
                random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }) {
        self.store = store
        self.settings = settings
        self.logger = logger
        self.environment = environment
        self.clock = clock
        self.executor = executor
        self.random = random
    }

    /// Puts a complete local file in the outbox for `system`.
    public func enqueue(localPath: String, system: String, fileName: String? = nil, sha256: String? = nil,
                        ownedBySpool: Bool, routing: RoutingInfo = RoutingInfo(), agreementUUID: String? = nil) throws -> OutboxEntry {
        guard try store.system(named: system) != nil else {
            throw DeliveryError(.unknownSystem, operation: "queueing \(localPath) for \(system)",
                                reason: "no system named '\(system)'", hint: "See `udtraek systems` for the configured systems")
        }
        let name = fileName ?? (localPath as NSString).lastPathComponent
        try Self.checkFileName(name)
        if let problem = MetadataDocument.routingProblem(routing) {
            throw DeliveryError(.localFile, operation: "queueing \(localPath) for \(system)", reason: problem,
                                hint: "Give the value as printable text on one line")
        }
        let attributes: [FileAttributeKey: Any]
        do { attributes = try FileManager.default.attributesOfItem(atPath: localPath) } catch {
            throw DeliveryError(.localFile, operation: "queueing \(localPath)", reason: "the file cannot be read",
                                hint: "Check the path")
        }
        guard (attributes[.type] as? FileAttributeType) == .typeRegular else {
            throw DeliveryError(.localFile, operation: "queueing \(localPath)", reason: "not a regular file")
        }
        let size = (attributes[.size] as? NSNumber)?.int64Value ?? 0
        let t = clock.date
        return try store.enqueue(OutboxEntry(system: system, fileName: name, localPath: localPath, bytes: size, sha256: sha256,
                                             nextAttemptAt: t, createdAt: t, updatedAt: t, ownedBySpool: ownedBySpool,
                                             routing: routing, agreementUUID: agreementUUID))
    }

    /// A file name a receiver can be given: the rule extract file-name templates follow too.
    static func checkFileName(_ name: String) throws {
        if let problem = DeliveredFileName.problem(name) {
            throw DeliveryError(.localFile, operation: "naming the file \(name.displaySafe(limit: 80))", reason: "the name cannot be used: \(problem)",
                                hint: "Choose another name with --name")
        }
    }

    /// Delivers every due entry (oldest first), up to `limit`, over one SSH session per
    /// system for the whole pass: a backlog of many files to one receiver costs one
    /// handshake, not one per file. `shouldStop` is asked before each entry, so a stop
    /// lets the delivery in flight finish and starts no other.
    @discardableResult
    public func deliverDue(limit: Int = .max, system: String? = nil,
                           shouldStop: () -> Bool = { false }) -> [DeliveryRecord] {
        var sessions = SessionCache()
        var records: [DeliveryRecord] = []
        while records.count < limit, !shouldStop() {
            // Crash (loop, `#n`): n-1 entries attempted, the next not yet claimed.
            CrashPoint.reach("outbox.before-claim")
            let claimed: OutboxEntry?
            do { claimed = try store.claimNextDue(now: clock.date, system: system, owner: ProcessOwner.current,
                                                  isAlive: ProcessOwner.isAlive) } catch {
                logger.error("cannot read the outbox: \(error)")
                break
            }
            guard let entry = claimed else { break }
            records.append(attempt(entry, sessions: &sessions))
        }
        return records
    }

    /// Delivers one entry now (it must be ready); used by `udtraek deliver`.
    public func deliverNow(outboxId: Int64) throws -> DeliveryRecord {
        guard let entry = try store.claim(id: outboxId, now: clock.date, owner: ProcessOwner.current, isAlive: ProcessOwner.isAlive) else {
            throw DeliveryError(.localFile, operation: "delivering outbox entry \(outboxId)", reason: "it is not ready")
        }
        var sessions = SessionCache()
        return attempt(entry, sessions: &sessions)
    }

    /// One attempt for a claimed entry; never throws, the outcome is in the record.
    func attempt(_ claimed: OutboxEntry, sessions: inout SessionCache) -> DeliveryRecord {
        // Crash: the outbox row is `delivering` with this (now dead) process as its owner.
        CrashPoint.reach("delivery.claimed")
        var entry = claimed
        let started = clock.date
        let clockStart = clock.now
        let transferUUID = UUID().uuidString.lowercased()
        var log = logger
        log[metadataKey: "delivery.outbox"] = "\(entry.id ?? 0)"
        log[metadataKey: "delivery.system"] = "\(entry.system)"
        log[metadataKey: "delivery.file"] = "\(entry.fileName)"
        var record = DeliveryRecord(outboxId: entry.id, system: entry.system, fileName: entry.fileName,
                                    remotePath: entry.fileName, bytes: entry.bytes, sha256: entry.sha256,
                                    transferUUID: transferUUID, startedAt: started)
        do {
            record = try store.startDelivery(record)
            // Crash: a `running` delivery row, which the next process settles as failed.
            CrashPoint.reach("delivery.row-started")
            guard let system = try store.system(named: entry.system) else {
                throw DeliveryError(.unknownSystem, operation: "delivering \(entry.fileName)",
                                    reason: "the system '\(entry.system)' is no longer configured")
            }
            record.remotePath = "\(system.inboxPath)/\(entry.fileName)"
            log[metadataKey: "sftp.host"] = "\(system.sftpHost):\(system.sftpPort)"
            if let uuid = entry.agreementUUID {
                let agreement = try store.agreement(uuid: uuid)
                guard let agreement, agreement.state == .approved else {
                    throw DeliveryError(.noAgreement, operation: "delivering \(entry.fileName) to \(system.name)",
                                        reason: "the service agreement \(uuid) is \(agreement?.state.rawValue ?? "gone"), so the data may not be handed over",
                                        hint: "Have the municipality approve the agreement, then retry; or discard the file")
                }
            }
            let settings = self.settings
            let sftp = try sessions.session(for: system) { try self.openSession(system) }
            // Crash: logged in to the receiver, nothing written.
            CrashPoint.reach("delivery.session-open")
            let platform = try store.platformSettings()
            // A file routed from a sender system travels under the sender's fields and the
            // transfer's one FileTransferUUID (the same for every recipient and attempt).
            var origin = MetadataOrigin(sender: platform.sender, senderItSystem: platform.senderItSystem,
                                        senderTimestamp: entry.createdAt, fileTransferUUID: transferUUID)
            if let transferId = entry.transferId {
                guard let routed = try store.transfer(id: transferId), let uuid = routed.fileTransferUUID else {
                    throw DeliveryError(.integrity, operation: "delivering \(entry.fileName) to \(system.name)",
                                        reason: "the transfer \(transferId) this file belongs to is not recorded, so its sender's metadata is unknown",
                                        hint: "See `udtraek transfers show \(transferId)`; the sender can send the file again")
                }
                origin = MetadataOrigin(sender: routed.sender, senderItSystem: routed.senderItSystem,
                                        senderTimestamp: routed.senderTimestamp ?? routed.receivedAt, fileTransferUUID: uuid)
                record.transferUUID = uuid
            }
            let request = UploadRequest(localPath: entry.localPath, fileName: entry.fileName, inboxPath: system.inboxPath,
                                        attemptTag: "\(entry.id ?? 0)", policy: system.existingTarget,
                                        expectedSHA256: entry.sha256, chunkSize: settings.chunkSize)
            let deadline = Self.socketDeadline(after: settings.transferDeadline(bytes: entry.bytes))
            let result: UploadResult
            do {
                result = try InboxUpload.upload(request, over: sftp, deadline: deadline, executor: executor) { sha, bytes in
                    MetadataDocument(fileTransferUUID: origin.fileTransferUUID, fileName: entry.fileName, sizeInBytes: bytes,
                                     sender: origin.sender, sendersFileId: entry.sendersFileId, recipients: [system.sftpUser],
                                     routing: MetadataDocument.routing(of: entry, to: system), senderItSystem: origin.senderItSystem,
                                     recipientItSystem: system.uuid, senderTimestamp: origin.senderTimestamp, sha256: sha)
                }
            } catch {
                sessions.drop(system.name)
                throw error
            }
            let seconds = clockStart.duration(to: clock.now).inSeconds
            record.finishedAt = clock.date
            record.durationMs = Int64(seconds * 1000)
            record.bytes = result.bytes
            record.sha256 = result.sha256
            record.throughput = seconds > 0 ? Double(result.bytes) / seconds : nil
            record.outcome = .delivered
            entry.state = .delivered
            entry.sha256 = result.sha256
            entry.lastError = nil
            entry.updatedAt = clock.date
            // Crash: the file and its .metadata are in place; the rows still say `delivering`/`running`.
            CrashPoint.reach("delivery.before-record")
            // The file is in the inbox: its outcome waits out another process's lock.
            try store.persisting { try store.finishAttempt(entry: entry, delivery: record) }
            // Crash: the outbox and delivery rows say delivered; the Spool/ file is still there.
            CrashPoint.reach("delivery.after-record")
            DeliveryMetrics.record(record)
            if entry.ownedBySpool { try? FileManager.default.removeItem(atPath: entry.localPath) }
            // Crash: delivered and the Spool/ file removed (loop, `#n` for the n-th file).
            CrashPoint.reach("delivery.spool-removed")
            log.info("delivered", metadata: ["delivery.bytes": "\(result.bytes)", "delivery.ms": "\(record.durationMs ?? 0)"])
        } catch {
            let failure = error as? DeliveryError ?? (error as? SFTPError).map(DeliveryError.init)
                ?? DeliveryError(.localFile, operation: "delivering \(entry.fileName)", reason: "\(error)")
            record.finishedAt = clock.date
            record.durationMs = clockStart.duration(to: clock.now).milliseconds
            record.outcome = .failed
            record.errorCode = failure.kind
            record.error = failure.description
            entry.lastError = failure.description
            entry.updatedAt = clock.date
            if !failure.isPermanent, let delay = settings.retry.delay(afterAttempt: entry.attempts, unit: random()) {
                entry.state = .ready
                entry.nextAttemptAt = clock.date.addingTimeInterval(Double(delay.milliseconds) / 1000)
                log.warning("delivery failed, will retry", metadata: ["error": "\(failure)", "retry.at": "\(entry.nextAttemptAt)"])
            } else {
                entry.state = .error
                log.error("delivery failed, needs an operator", metadata: ["error": "\(failure)"])
            }
            do { try store.persisting { try store.finishAttempt(entry: entry, delivery: record) } } catch {
                log.critical("cannot record the delivery outcome: \(error)")
            }
            DeliveryMetrics.record(record)
        }
        return record
    }

    /// The transfer deadline for the SFTP layer. libssh2 waits on the socket in real time,
    /// so the SFTP layer bounds those waits on the machine's monotonic clock, not on the
    /// injected one: a manual clock cannot make a stalled socket time out.
    static func socketDeadline(after limit: Duration) -> ContinuousClock.Instant {
        ContinuousClock.now.advanced(by: limit)
    }

    func openSession(_ system: ReceiverSystem) throws -> SFTPSession {
        let passphrase = try keyPassphrase(system.passphraseSource, of: "the key passphrase of \(system.name)")
        var options = SSHConnectionOptions(host: system.sftpHost, port: system.sftpPort, user: system.sftpUser,
                                           hostKeyFingerprints: system.hostKeyFingerprints,
                                           privateKeyPath: system.privateKeyPath, passphrase: passphrase,
                                           connectTimeout: settings.connectTimeout, operationTimeout: settings.operationTimeout)
        // During an SSH key overlap (a key change order) the previous key is the fallback.
        if let overlap = try store.keyOverlap(system: system.name), overlap.newPrivateKeyPath == system.privateKeyPath {
            options.fallbackPrivateKeyPath = overlap.oldPrivateKeyPath
            options.fallbackPassphrase = try? keyPassphrase(overlap.oldPassphraseSource, of: "the previous key passphrase of \(system.name)")
        }
        do {
            return try SSHSession(options: options, logger: logger).sftp()
        } catch var mismatch as SFTPError where mismatch.code == .hostKeyMismatch {
            // Said in the receiver's terms: which system, which key was pinned, which came.
            mismatch.reason = "the host key for \(system.name) changed: pinned \(system.hostKeyFingerprints.joined(separator: ", ")), got \(mismatch.offeredHostKey ?? "(none)")"
            mismatch.hint = "Nothing was sent. If the receiver changed its key on purpose, confirm the new fingerprint with its operator, pin it in host_key_fingerprints and run `udtraek config apply`: the files held back go out by themselves. Otherwise treat this as a possible interception"
            throw mismatch
        }
    }

    /// A key passphrase; a missing one is permanent (`.passphrase`): retrying will not set it.
    private func keyPassphrase(_ source: SecretSource, of what: String) throws(DeliveryError) -> String? {
        do { return try source.read(environment: environment) } catch {
            throw DeliveryError(.passphrase, operation: "reading \(what)", reason: error.reason, hint: error.hint)
        }
    }
}

/// Open SFTP sessions by system, for the length of one pass over the outbox.
///
/// A system whose session could not be opened (server down, host key changed) is not
/// dialled again in the same pass: the rest of its backlog gets the same error as its
/// attempt (and its own backoff, or `error`), so a backlog of 100 files to a dead server
/// is one connection attempt per pass, not 100.
struct SessionCache {
    private var sessions: [String: SFTPSession] = [:]
    private var failures: [String: any Error] = [:]

    mutating func session(for system: ReceiverSystem, open: () throws -> SFTPSession) throws -> SFTPSession {
        if let s = sessions[system.name] { return s }
        if let failure = failures[system.name] { throw failure }
        do {
            let s = try open()
            sessions[system.name] = s
            return s
        } catch {
            failures[system.name] = error
            throw error
        }
    }

    mutating func drop(_ name: String) { sessions[name] = nil }
}

extension Duration {
    var milliseconds: Int64 {
        components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000
    }
}
