import Foundation
import GRDB

extension Store {
    /// Commits an accepted transfer: its row, one outbox entry per recipient (all reading the
    /// one copy in Spool/, which the router removes once every recipient has it), its first
    /// steps and the audit row, in one transaction. This is the point after which the file
    /// is the platform's: a crash before it leaves nothing (the sender's file is still
    /// there and is routed again), a crash after it leaves work the outbox finishes.
    ///
    /// When the SendersFileId was routed meanwhile (another process, a replayed pass), the
    /// transfer that holds it is returned and nothing is written.
    public func acceptTransfer(_ transfer: TransferRecord, deliveries: [(system: String, agreementUUID: String)],
                               events: [(event: String, detail: String)], actor: String) throws -> (TransferRecord, created: Bool) {
        try write("recording the transfer of \(transfer.fileName) from \(transfer.sender)") { db in
            if let id = transfer.sendersFileId, let existing = try Self.routedTransfer(db, sender: transfer.sender, sendersFileId: id) {
                return (existing, false)
            }
            var row = transfer
            try row.insert(db)
            guard let transferId = row.id, let localPath = row.localPath, let bytes = row.bytes else {
                throw StoreError("recording the transfer", reason: "an accepted transfer needs its Spool/ copy and size")
            }
            for d in deliveries {
                var entry = OutboxEntry(system: d.system, fileName: row.fileName, localPath: localPath, bytes: bytes,
                                        sha256: row.sha256, nextAttemptAt: row.receivedAt, createdAt: row.receivedAt,
                                        updatedAt: row.receivedAt, ownedBySpool: false, routing: row.routing,
                                        agreementUUID: d.agreementUUID, sendersFileId: row.sendersFileId ?? UUID().uuidString.lowercased(),
                                        transferId: transferId)
                try entry.insert(db)
            }
            for e in events {
                var event = TransferEvent(transferId: transferId, at: row.receivedAt, event: e.event, detail: e.detail)
                try event.insert(db)
            }
            var audit = AuditEntry(at: row.receivedAt, actor: actor, action: "transfer.accepted", subject: "\(row.sender) \(row.fileName)",
                                   detail: "transfer \(transferId) (SendersFileId \(row.sendersFileId ?? "-"), \(bytes) bytes, SHA-256 \(row.sha256 ?? "-")) to \(deliveries.map(\.system).joined(separator: ", "))")
            try audit.insert(db)
            return (row, true)
        }
    }

    /// Records a refusal with its steps and the audit row.
    public func rejectTransfer(_ transfer: TransferRecord, events: [(event: String, detail: String)], actor: String) throws -> TransferRecord {
        try write("recording the refusal of \(transfer.fileName) from \(transfer.sender)") { db in
            var row = transfer
            row.state = .rejected
            try row.insert(db)
            for e in events {
                var event = TransferEvent(transferId: row.id ?? 0, at: row.receivedAt, event: e.event, detail: e.detail)
                try event.insert(db)
            }
            var audit = AuditEntry(at: row.receivedAt, actor: actor, action: "transfer.rejected", subject: "\(row.sender) \(row.fileName)",
                                   detail: "transfer \(row.id ?? 0): " + row.reasons.joined(separator: "; "))
            try audit.insert(db)
            return row
        }
    }

    static func routedTransfer(_ db: Database, sender: String, sendersFileId: String) throws -> TransferRecord? {
        try TransferRecord
            .filter(Column("sender") == sender && Column("senders_file_id") == sendersFileId
                    && Column("state") != TransferState.rejected.rawValue)
            .fetchOne(db)
    }

    /// The transfer (accepted or delivered) that routed this SendersFileId of `sender`.
    public func routedTransfer(sender: String, sendersFileId: String) throws -> TransferRecord? {
        try read("reading transfers") { db in try Self.routedTransfer(db, sender: sender, sendersFileId: sendersFileId) }
    }

    /// Whether this exact file and trigger of `sender` (by `fingerprint`) were refused already.
    public func refusalExists(sender: String, fileName: String, fingerprint: String) throws -> Bool {
        try read("reading transfers") { db in
            try TransferRecord.filter(Column("sender") == sender && Column("file_name") == fileName
                                      && Column("fingerprint") == fingerprint && Column("state") == TransferState.rejected.rawValue)
                .fetchCount(db) > 0
        }
    }

    /// Accepted transfers whose file and trigger are still in the sender's folder (a pass
    /// ended between acceptance and the clean-up), by file name.
    public func transfersAwaitingCleanup(sender: String) throws -> [String: TransferRecord] {
        try read("reading transfers") { db in
            let rows = try TransferRecord
                .filter(Column("sender") == sender && Column("state") != TransferState.rejected.rawValue && Column("source_removed_at") == nil)
                .order(Column("id")).fetchAll(db)
            return Dictionary(rows.map { ($0.fileName, $0) }, uniquingKeysWith: { _, b in b })
        }
    }

    /// Transfers of `sender` still on their way (accepted, not yet delivered to all).
    public func openTransfers(sender: String? = nil) throws -> [TransferRecord] {
        try read("reading transfers") { db in
            var request = TransferRecord.filter(Column("state") == TransferState.accepted.rawValue).order(Column("id"))
            if let sender { request = request.filter(Column("sender") == sender) }
            return try request.fetchAll(db)
        }
    }

    /// The transfers of `sender` whose receipt may have to be (re)written: those on their
    /// way, and refusals whose receipt a crash kept from being written.
    public func transfersNeedingReceipts(sender: String) throws -> [TransferRecord] {
        try read("reading transfers") { db in
            try TransferRecord
                .filter(Column("sender") == sender && (Column("state") == TransferState.accepted.rawValue
                        || (Column("state") == TransferState.rejected.rawValue && Column("receipt_status") == nil)))
                .order(Column("id")).fetchAll(db)
        }
    }

    /// The outbox entries delivering a transfer, one per recipient.
    public func transferEntries(transferId: Int64) throws -> [OutboxEntry] {
        try read("reading the outbox of transfer \(transferId)") { db in
            try OutboxEntry.filter(Column("transfer_id") == transferId).order(Column("system")).fetchAll(db)
        }
    }

    /// Updates a transfer and adds its new steps, in one transaction.
    public func updateTransfer(_ transfer: TransferRecord, events: [(event: String, detail: String)] = [], at: Date) throws {
        try write("updating transfer \(transfer.id ?? 0)") { db in
            var row = transfer
            row.updatedAt = at
            try row.update(db)
            for e in events {
                var event = TransferEvent(transferId: row.id ?? 0, at: at, event: e.event, detail: e.detail)
                try event.insert(db)
            }
        }
    }

    public func transfer(id: Int64) throws -> TransferRecord? {
        try read("reading transfer \(id)") { db in try TransferRecord.fetchOne(db, key: id) }
    }

    /// The Spool/ copies open transfers still need (start-up removes the others).
    public func transferSpoolPaths() throws -> Set<String> {
        try read("reading transfers") { db in
            Set(try String.fetchAll(db, sql: "SELECT local_path FROM transfer WHERE state = 'accepted' AND local_path IS NOT NULL"))
        }
    }

    /// Transfers newest first, each with its recipients end to end. `recipient` keeps those
    /// with an entry for that system; `states` filters by the transfer's state.
    public func transfers(sender: String? = nil, recipient: String? = nil, states: [TransferState]? = nil,
                          limit: Int = 100) throws -> [TransferSummary] {
        try read("reading transfers") { db in
            var request = TransferRecord.order(Column("id").desc).limit(limit)
            if let sender { request = request.filter(Column("sender") == sender) }
            if let states { request = request.filter(states.map(\.rawValue).contains(Column("state"))) }
            if let recipient {
                request = request.filter(sql: "id IN (SELECT transfer_id FROM outbox WHERE system = ? AND transfer_id IS NOT NULL) OR (state = 'rejected' AND recipients LIKE ?)",
                                         arguments: [recipient, "%\"\(recipient)\"%"])
            }
            return try request.fetchAll(db).map { try Self.summary(db, $0) }
        }
    }

    public func transferSummary(id: Int64) throws -> TransferSummary? {
        try read("reading transfer \(id)") { db in
            try TransferRecord.fetchOne(db, key: id).map { try Self.summary(db, $0) }
        }
    }

    static func summary(_ db: Database, _ transfer: TransferRecord) throws -> TransferSummary {
        let entries = try OutboxEntry.filter(Column("transfer_id") == transfer.id).order(Column("system")).fetchAll(db)
        let recipients = try entries.map { entry -> TransferRecipient in
            let delivered = try DeliveryRecord
                .filter(Column("outbox_id") == entry.id && Column("outcome") == DeliveryOutcome.delivered.rawValue)
                .order(Column("id").desc).fetchOne(db)
            let pickup = try delivered.flatMap { d in try PickupRecord.filter(Column("delivery_id") == d.id).fetchOne(db) }
            return TransferRecipient(system: entry.system, outboxId: entry.id, outboxState: entry.state.rawValue,
                                     attempts: entry.attempts, deliveredAt: delivered?.finishedAt,
                                     lastError: entry.state == .delivered ? nil : entry.lastError,
                                     pickupState: pickup?.state.rawValue, collectedAt: pickup?.collectedAt,
                                     collectionDetail: pickup?.collectionDetail)
        }
        return TransferSummary(transfer: transfer, recipients: recipients)
    }

    /// A transfer's history: the router's steps, every delivery attempt per recipient, and
    /// the pickups, in time order.
    public func transferHistory(id: Int64) throws -> [TransferHistoryLine] {
        try read("reading the history of transfer \(id)") { db in
            var lines = try TransferEvent.filter(Column("transfer_id") == id).order(Column("id")).fetchAll(db)
                .map { TransferHistoryLine(at: $0.at, event: $0.event, detail: $0.detail) }
            let entries = try OutboxEntry.filter(Column("transfer_id") == id).fetchAll(db)
            for entry in entries {
                let attempts = try DeliveryRecord.filter(Column("outbox_id") == entry.id).order(Column("id")).fetchAll(db)
                for d in attempts {
                    lines.append(TransferHistoryLine(at: d.startedAt, event: "delivery.started",
                                                     detail: "to \(d.system): \(d.remotePath)"))
                    switch d.outcome {
                    case .delivered:
                        lines.append(TransferHistoryLine(at: d.finishedAt ?? d.startedAt, event: "delivered",
                                                         detail: "to \(d.system): \(d.remotePath) and .metadata, \(d.bytes) bytes, FileTransferUUID \(d.transferUUID)"))
                        if let p = try PickupRecord.filter(Column("delivery_id") == d.id).fetchOne(db) {
                            lines.append(TransferHistoryLine(at: p.deliveredAt, event: "pickup.watched",
                                                             detail: "\(d.system): deadline \(p.deadline.map { $0.formatted(.iso8601) } ?? "none (retention only)"), retention until \(p.expiresAt.formatted(.iso8601))"))
                            if let at = p.collectedAt {
                                lines.append(TransferHistoryLine(at: at, event: "collected",
                                                                 detail: "by \(d.system): \(p.collectionDetail ?? p.state.rawValue) (\(p.state.rawValue))"))
                            } else if p.state == .expired {
                                lines.append(TransferHistoryLine(at: p.removedAt ?? p.updatedAt, event: "expired",
                                                                 detail: "\(d.system) did not collect it; retention removed it"))
                            }
                        }
                    case .failed:
                        lines.append(TransferHistoryLine(at: d.finishedAt ?? d.startedAt, event: "delivery.failed",
                                                         detail: "to \(d.system): \(d.error ?? "?")"))
                    case .running:
                        break
                    }
                }
            }
            return lines.enumerated().sorted { ($0.element.at, $0.offset) < ($1.element.at, $1.offset) }.map(\.element)
        }
    }
}
