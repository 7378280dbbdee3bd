import Foundation
import Store
import UdtraekTesting

/// What the finished work looked like: counts of what was lost, duplicated or partial,
/// and the findings behind them.
struct ChaosVerdict: Sendable {
    var lost = 0
    var duplicated = 0
    var partial = 0
    var findings: [String] = []
    var holds: Bool { lost == 0 && duplicated == 0 && partial == 0 && findings.isEmpty }

    mutating func noteLost(_ what: String) { lost += 1; findings.append("lost: " + what) }
    mutating func noteDuplicated(_ what: String) { duplicated += 1; findings.append("duplicated: " + what) }
    mutating func notePartial(_ what: String) { partial += 1; findings.append("partial: " + what) }
    mutating func noteWrong(_ what: String) { findings.append(what) }
}

/// The invariants of issue 15 item 3, read from the state database and the inbox.
enum ChaosInvariants {
    /// Every extract in `extracts` produced exactly once, every outbox row delivered
    /// exactly once, and the inbox holding each final name once, complete, with its
    /// .metadata; nothing else under a final name. With `spoolSettled` (the work resumed
    /// through `serve --once`, whose start-up cleans Spool/), no file is left in Spool/.
    static func extractsDelivered(_ fx: ChaosFixture, extracts: [String], scheduled: Bool = false,
                                  spoolSettled: Bool = false) throws -> ChaosVerdict {
        var v = ChaosVerdict()
        let store = try fx.store()
        let runs = try store.runs(limit: 1000)
        for extract in extracts {
            let produced = runs.filter { $0.extract == extract && $0.state == .produced }
            if produced.isEmpty { v.noteLost("no produced run of \(extract) (runs: \(runs.map { "\($0.id ?? 0) \($0.state.rawValue)" }))") }
            let byDate = Dictionary(grouping: produced, by: \.productionDate)
            for (date, same) in byDate where same.count > 1 { v.noteDuplicated("\(same.count) produced runs of \(extract) for \(date)") }
            if scheduled, runs.contains(where: { $0.extract == extract && [.queued, .running].contains($0.state) }) {
                v.noteWrong("a run of \(extract) is still queued or running")
            }
        }
        let outbox = try store.outbox(limit: 1000)
        let expectedRows = extracts.isEmpty ? 1 : extracts.count
        if outbox.count < expectedRows { v.noteLost("\(outbox.count) outbox rows, expected \(expectedRows)") }
        if outbox.count > expectedRows { v.noteDuplicated("\(outbox.count) outbox rows, expected \(expectedRows)") }
        for (name, rows) in Dictionary(grouping: outbox, by: \.fileName) where rows.count > 1 {
            v.noteDuplicated("\(rows.count) outbox rows for \(name)")
        }
        for row in produced(runs) where row.outboxId == nil { v.noteLost("run \(row.id ?? 0) produced without an outbox row") }
        let deliveries = try store.deliveries(limit: 1000)
        for entry in outbox {
            if entry.state != .delivered { v.noteLost("outbox \(entry.id ?? 0) \(entry.fileName) is \(entry.state.rawValue): \(entry.lastError ?? "")") }
            let delivered = deliveries.filter { $0.outboxId == entry.id && $0.outcome == .delivered }
            if delivered.isEmpty { v.noteLost("no delivered delivery row for outbox \(entry.id ?? 0)") }
            if delivered.count > 1 { v.noteDuplicated("\(delivered.count) delivered rows for outbox \(entry.id ?? 0)") }
            if deliveries.contains(where: { $0.outboxId == entry.id && $0.outcome == .running }) {
                v.noteWrong("a delivery row of outbox \(entry.id ?? 0) is still running")
            }
        }
        v.merge(inbox(fx, holds: outbox))
        let spool = ((try? FileManager.default.contentsOfDirectory(atPath: fx.state + "/outbox")) ?? []).sorted()
        if spoolSettled, !spool.isEmpty { v.noteWrong("Spool/ still holds \(spool) after recovery") }
        return v
    }

    private static func produced(_ runs: [ExtractRun]) -> [ExtractRun] { runs.filter { $0.state == .produced } }

    /// Every name in IN/ that is not a hidden temporary is complete: a file of the outbox
    /// with its size and SHA-256, or the .metadata of one (naming that size and hash).
    /// Each outbox row's file is there once, with its .metadata.
    static func inbox(_ fx: ChaosFixture, holds outbox: [OutboxEntry]) -> ChaosVerdict {
        var v = ChaosVerdict()
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: fx.inbox)) ?? []).sorted()
        let byName = Dictionary(outbox.map { ($0.fileName, $0) }, uniquingKeysWith: { a, _ in a })
        for name in names where !isTemporary(name) {
            let path = fx.inbox + "/" + name
            if name.hasSuffix(".metadata") {
                let base = String(name.dropLast(".metadata".count))
                guard let entry = byName[base] else { v.noteDuplicated("\(name) belongs to no outbox row"); continue }
                let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
                if !text.contains("<SizeInBytes>\(entry.bytes)</SizeInBytes>") || !text.contains(entry.sha256 ?? "?")
                    || !text.hasSuffix("</ns2:Trigger>\n") && !text.hasSuffix("</ns2:Trigger>") {
                    v.notePartial("\(name) does not describe \(base) (\(entry.bytes) bytes, \(entry.sha256 ?? "?")): \(text.suffix(200))")
                }
                continue
            }
            guard let entry = byName[name] else { v.noteDuplicated("\(name) in IN/ belongs to no outbox row"); continue }
            let size = ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.int64Value ?? -1
            let sha = (try? sha256sum(path)) ?? "?"
            if size != entry.bytes || sha != entry.sha256 {
                v.notePartial("IN/\(name) is \(size) bytes, sha256 \(sha); the outbox has \(entry.bytes) bytes, \(entry.sha256 ?? "?")")
            }
        }
        for entry in outbox {
            if !names.contains(entry.fileName) { v.noteLost("IN/\(entry.fileName) is missing") }
            if !names.contains(entry.fileName + ".metadata") { v.noteLost("IN/\(entry.fileName).metadata is missing") }
        }
        return v
    }

    /// Upload temporaries: dot-names ending in `.part`, which receivers never collect
    /// (they act on NAME.metadata, written last).
    static func isTemporary(_ name: String) -> Bool { name.hasPrefix(".") && name.hasSuffix(".part") }

    /// The delivered file removed by retention exactly once: the pickup expired, one audit
    /// row, one alarm, nothing of it left in IN/.
    static func retentionRemovedOnce(_ fx: ChaosFixture) throws -> ChaosVerdict {
        var v = ChaosVerdict()
        let store = try fx.store()
        let pickups = try store.pickups()
        if pickups.count != 1 { v.noteWrong("\(pickups.count) pickup rows, expected 1") }
        for p in pickups where p.state != .expired {
            v.noteLost("pickup \(p.fileName) is \(p.state.rawValue) (\(p.collectionDetail ?? "")), not expired by retention")
        }
        let audits = try store.auditLog(limit: 1000, action: "pickup.retention")
        if audits.isEmpty { v.noteLost("no pickup.retention audit row") }
        if audits.count > 1 { v.noteDuplicated("\(audits.count) pickup.retention audit rows") }
        let alarms = try store.alarms(limit: 1000).filter { $0.kind == .pickupExpired }
        if alarms.isEmpty { v.noteLost("no pickup.expired alarm") }
        if alarms.count > 1 { v.noteDuplicated("\(alarms.count) pickup.expired alarms") }
        let left = ((try? FileManager.default.contentsOfDirectory(atPath: fx.inbox)) ?? []).filter { !isTemporary($0) }
        if !left.isEmpty { v.noteWrong("IN/ still holds \(left) after retention") }
        let outbox = try store.outbox(limit: 1000)
        if outbox.count != 1 || outbox.contains(where: { $0.state != .delivered }) { v.noteWrong("outbox changed: \(outbox.map(\.state))") }
        return v
    }

    /// The change order carried out, verified and completed exactly once, and in effect.
    static func changeCarriedOutOnce(_ fx: ChaosFixture) throws -> ChaosVerdict {
        var v = ChaosVerdict()
        let store = try fx.store()
        let orders = try store.changeOrders()
        guard orders.count == 1, let order = orders.first, let id = order.id else {
            v.noteWrong("\(orders.count) change orders, expected 1")
            return v
        }
        if order.state != .completed { v.noteLost("change order \(id) is \(order.state.rawValue)") }
        let receipts = try store.changeReceipts(orderId: id)
        for kind in [ChangeReceiptKind.carriedOut, .verified, .completed] {
            let n = receipts.filter { $0.kind == kind }.count
            if n == 0 { v.noteLost("no \(kind.rawValue) receipt") }
            if n > 1 { v.noteDuplicated("\(n) \(kind.rawValue) receipts") }
        }
        if receipts.contains(where: { $0.kind == .failed }) { v.noteWrong("a failed receipt: \(receipts.map(\.detail))") }
        for action in ["change.carried-out", "change.completed"] {
            let n = try store.auditLog(limit: 1000, action: action).count
            if n == 0 { v.noteLost("no \(action) audit row") }
            if n > 1 { v.noteDuplicated("\(n) \(action) audit rows") }
        }
        let within = try store.configuration().monitoring.receiver("modtager")?.rules.first?.collectWithinSeconds
        if within != 6 * 3600 { v.noteLost("the change is not in effect: collect within \(within.map(String.init) ?? "none")") }
        return v
    }
}

extension ChaosVerdict {
    mutating func merge(_ other: ChaosVerdict) {
        lost += other.lost
        duplicated += other.duplicated
        partial += other.partial
        findings += other.findings
    }
}

extension ChaosInvariants {
    static let recipients = ["modtager", "modtager2"]

    /// The sender's file routed exactly once: one transfer, delivered; one outbox entry per
    /// recipient, each delivered by exactly one delivery; each recipient's IN/ holding the
    /// file complete (the original's size and SHA-256) with metadata naming the transfer,
    /// and nothing else; the sender's OUT/ holding only the `delivered` receipt; nothing left
    /// in STATE/transfers.
    static func transferRoutedOnce(_ fx: ChaosFixture) throws -> ChaosVerdict {
        var v = ChaosVerdict()
        let store = try fx.store()
        let name = ChaosFiles.transferName
        let transfers = try store.transfers(limit: 100)
        let routed = transfers.filter { $0.transfer.state != .rejected }
        if routed.isEmpty { v.noteLost("no transfer of \(name) (transfers: \(transfers.map { "\($0.transfer.state.rawValue) \($0.transfer.reasons)" }))") }
        if routed.count > 1 { v.noteDuplicated("\(routed.count) transfers of \(name)") }
        if transfers.count > routed.count { v.noteWrong("refused: \(transfers.filter { $0.transfer.state == .rejected }.map(\.transfer.reasons))") }
        guard let transfer = routed.first?.transfer else { return v }
        if transfer.state != .delivered { v.noteLost("transfer \(transfer.id ?? 0) is \(transfer.state.rawValue), not delivered") }
        let entries = try store.transferEntries(transferId: transfer.id ?? 0)
        if entries.map(\.system).sorted() != recipients { v.noteWrong("outbox entries for \(entries.map(\.system)), expected \(recipients)") }
        let deliveries = try store.deliveries(limit: 1000)
        for entry in entries {
            if entry.state != .delivered { v.noteLost("outbox \(entry.id ?? 0) to \(entry.system) is \(entry.state.rawValue): \(entry.lastError ?? "")") }
            let delivered = deliveries.filter { $0.outboxId == entry.id && $0.outcome == .delivered }
            if delivered.isEmpty { v.noteLost("no delivered row for \(entry.system)") }
            if delivered.count > 1 { v.noteDuplicated("\(delivered.count) delivered rows for \(entry.system)") }
        }
        let accepted = try store.auditLog(limit: 1000, action: "transfer.accepted").count
        if accepted != 1 { v.noteWrong("\(accepted) transfer.accepted audit rows, expected 1") }
        let sha = (try? sha256sum(ChaosFiles.original(fx))) ?? "?"
        let size = ((try? FileManager.default.attributesOfItem(atPath: ChaosFiles.original(fx)))?[.size] as? NSNumber)?.int64Value ?? -1
        for system in recipients {
            let inbox = fx.inbox(of: system)
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: inbox)) ?? []).filter { !isTemporary($0) }.sorted()
            if !names.contains(name) { v.noteLost("\(system) IN/\(name) is missing") }
            if !names.contains(name + ".metadata") { v.noteLost("\(system) IN/\(name).metadata is missing") }
            for other in names where ![name, name + ".metadata"].contains(other) { v.noteDuplicated("\(system) IN/ holds \(other)") }
            if names.contains(name) {
                let got = (try? sha256sum(inbox + "/" + name)) ?? "-"
                let bytes = ((try? FileManager.default.attributesOfItem(atPath: inbox + "/" + name))?[.size] as? NSNumber)?.int64Value ?? -2
                if got != sha || bytes != size { v.notePartial("\(system) IN/\(name) is \(bytes) bytes, \(got); the sender's is \(size), \(sha)") }
            }
            let metadata = (try? String(contentsOfFile: inbox + "/" + name + ".metadata", encoding: .utf8)) ?? ""
            if names.contains(name + ".metadata"), !metadata.contains("<FileTransferUUID>\(transfer.fileTransferUUID ?? "?")</FileTransferUUID>")
                || !metadata.contains("<Sender>afsender</Sender>") || !metadata.contains(sha) {
                v.notePartial("\(system) IN/\(name).metadata does not name the transfer: \(metadata.prefix(300))")
            }
        }
        let out = ((try? FileManager.default.contentsOfDirectory(atPath: fx.senderOut)) ?? []).sorted()
        if out != [name + ".sftpreceipt"] { v.noteWrong("the sender's OUT/ holds \(out), expected only the receipt") }
        let receipt = (try? String(contentsOfFile: fx.senderOut + "/" + name + ".sftpreceipt", encoding: .utf8)) ?? ""
        if !receipt.contains("<Status>delivered</Status>") { v.noteWrong("the receipt does not say delivered: \(receipt.prefix(300))") }
        let spool = ((try? FileManager.default.contentsOfDirectory(atPath: fx.state + "/transfers")) ?? [])
        if !spool.isEmpty { v.noteWrong("STATE/transfers still holds \(spool)") }
        return v
    }

    /// A file with a wrong Sender refused exactly once: one rejected transfer, one alarm, the
    /// file still with the sender, a `rejected` receipt, nothing delivered anywhere.
    static func transferRefusedOnce(_ fx: ChaosFixture) throws -> ChaosVerdict {
        var v = ChaosVerdict()
        let store = try fx.store()
        let name = ChaosFiles.transferName
        let transfers = try store.transfers(limit: 100)
        let refused = transfers.filter { $0.transfer.state == .rejected }
        if refused.isEmpty { v.noteLost("no refusal recorded") }
        if refused.count > 1 { v.noteDuplicated("\(refused.count) refusals of the same file") }
        if transfers.count > refused.count { v.noteWrong("a wrong Sender was routed") }
        let alarms = try store.alarms(limit: 100).filter { $0.kind == .transferRejected }
        if alarms.count != 1 { v.noteWrong("\(alarms.count) transfer.rejected alarms, expected 1") }
        if !(try store.outbox(limit: 100)).isEmpty { v.noteDuplicated("the refused file has outbox entries") }
        for system in recipients {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: fx.inbox(of: system))) ?? []
            if !names.isEmpty { v.noteDuplicated("\(system) IN/ holds \(names)") }
        }
        let out = ((try? FileManager.default.contentsOfDirectory(atPath: fx.senderOut)) ?? []).sorted()
        if out != [name, name + ".sftpreceipt", name + ".trigger"] { v.noteWrong("the sender's OUT/ holds \(out)") }
        let receipt = (try? String(contentsOfFile: fx.senderOut + "/" + name + ".sftpreceipt", encoding: .utf8)) ?? ""
        if !receipt.contains("<Status>rejected</Status>") || !receipt.contains("wrong-sender") {
            v.noteWrong("the receipt does not refuse it: \(receipt.prefix(300))")
        }
        return v
    }
}
