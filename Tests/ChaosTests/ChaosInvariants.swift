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
