import Foundation
import GRDB

/// What carrying out (or rolling back) an order writes, all in one transaction.
public struct ChangeApplication: Sendable {
    /// The system's new row (nil: unchanged).
    public var system: ReceiverSystem?
    /// The monitoring row: `.some(nil)` removes it, nil leaves it alone.
    public var monitoring: ReceiverMonitoring??
    /// The key overlap row: `.some(nil)` removes it, nil leaves it alone.
    public var overlap: KeyOverlap??
    /// The gateway client certificate row: `.some(nil)` removes it, nil leaves it alone.
    public var certificate: SystemCertificate??
    /// The certificate overlap row: `.some(nil)` removes it, nil leaves it alone.
    public var certificateOverlap: CertificateOverlap??

    public init(system: ReceiverSystem? = nil, monitoring: ReceiverMonitoring?? = nil, overlap: KeyOverlap?? = nil,
                certificate: SystemCertificate?? = nil, certificateOverlap: CertificateOverlap?? = nil) {
        self.system = system
        self.monitoring = monitoring
        self.overlap = overlap
        self.certificate = certificate
        self.certificateOverlap = certificateOverlap
    }

    /// Puts a snapshot back as it was.
    public static func restoring(_ s: ChangeSnapshot) -> ChangeApplication {
        ChangeApplication(system: s.system, monitoring: .some(s.monitoring), overlap: .some(s.overlap),
                          certificate: .some(s.certificate), certificateOverlap: .some(s.certificateOverlap))
    }

    func apply(_ db: Database, systemName: String, now: Date) throws {
        if let system {
            let previous = try ReceiverSystem.fetchOne(db, key: systemName)
            try system.update(db)
            try Store.releaseHostKeyHolds(db, previous: previous, current: system, now: now, actor: "change order")
        }
        if let monitoring {
            if let m = monitoring { try m.save(db) } else {
                try ReceiverMonitoring.filter(Column("system") == systemName).deleteAll(db)
            }
        }
        if let overlap {
            if let o = overlap { try o.save(db) } else {
                try KeyOverlap.filter(Column("system") == systemName).deleteAll(db)
            }
        }
        if let certificate {
            if let c = certificate { try c.save(db) } else {
                try SystemCertificate.filter(Column("system") == systemName).deleteAll(db)
            }
        }
        if let certificateOverlap {
            if let o = certificateOverlap { try o.save(db) } else {
                try CertificateOverlap.filter(Column("system") == systemName).deleteAll(db)
            }
        }
    }
}

extension ChangeSnapshot {
    /// The settings of `system` as they are in `db`; nil when there is no such system.
    static func fetch(_ db: Database, system: String) throws -> ChangeSnapshot? {
        guard let s = try ReceiverSystem.fetchOne(db, key: system) else { return nil }
        return ChangeSnapshot(system: s, monitoring: try ReceiverMonitoring.fetchOne(db, key: system),
                              overlap: try KeyOverlap.fetchOne(db, key: system),
                              certificate: try SystemCertificate.fetchOne(db, key: system),
                              certificateOverlap: try CertificateOverlap.fetchOne(db, key: system))
    }
}

extension Store {
    /// Records a new order with its first receipts and audit rows in one transaction.
    public func submitChangeOrder(_ order: ChangeOrder, receipts: [ChangeReceipt], audits: [AuditEntry]) throws -> ChangeOrder {
        try write("recording change order for \(order.system)") { db in
            var row = order
            try row.insert(db)
            for var r in receipts {
                r.orderId = row.id!
                try r.insert(db)
            }
            for var a in audits {
                a.subject = "change \(row.id!) \(a.subject)"
                try a.insert(db)
            }
            return row
        }
    }

    public func changeOrder(id: Int64) throws -> ChangeOrder? {
        try read("reading change order \(id)") { db in try ChangeOrder.fetchOne(db, key: id) }
    }

    public func changeReceipts(orderId: Int64) throws -> [ChangeReceipt] {
        try read("reading the receipts of change order \(orderId)") { db in
            try ChangeReceipt.filter(Column("order_id") == orderId).order(Column("id")).fetchAll(db)
        }
    }

    /// Orders, newest first.
    public func changeOrders(system: String? = nil, orderRef: String? = nil, states: [ChangeOrderState]? = nil,
                             limit: Int = 200) throws -> [ChangeOrder] {
        try read("reading change orders") { db in
            var request = ChangeOrder.order(Column("id").desc).limit(limit)
            if let system { request = request.filter(Column("system") == system) }
            if let orderRef { request = request.filter(Column("order_ref") == orderRef) }
            if let states { request = request.filter(states.map(\.rawValue).contains(Column("state"))) }
            return try request.fetchAll(db)
        }
    }

    /// Accepted orders whose time has come, and orders carried out but not yet verified
    /// (a stop between the two), in the order they are due.
    public func dueChangeOrders(now: Date) throws -> [ChangeOrder] {
        try read("reading due change orders") { db in
            try ChangeOrder.filter(Column("state") == ChangeOrderState.carriedOut.rawValue
                                   || (Column("state") == ChangeOrderState.accepted.rawValue && Column("execute_at") <= now))
                .order(Column("execute_at"), Column("id")).fetchAll(db)
        }
    }

    /// The system's settings now, for a snapshot before a change.
    public func changeSnapshot(system: String) throws -> ChangeSnapshot? {
        try read("reading the settings of \(system)") { db in try ChangeSnapshot.fetch(db, system: system) }
    }

    /// Carries out an accepted order: claims it (only one executor wins), checks the
    /// system still looks as `previous` says, writes the change, the snapshot, a receipt
    /// and an audit row together. Returns false when another executor claimed it first.
    public func carryOutChange(orderId: Int64, previous: ChangeSnapshot, application: ChangeApplication,
                               receipt: ChangeReceipt, audit: AuditEntry, now: Date) throws -> Bool {
        try write("carrying out change order \(orderId)") { db in
            guard var order = try ChangeOrder.fetchOne(db, key: orderId), order.state == .accepted else { return false }
            guard try ChangeSnapshot.fetch(db, system: order.system) == previous else {
                throw StoreError("carrying out change order \(orderId)", reason: "the settings of \(order.system) changed while the order was being prepared",
                                 hint: "It is tried again at the next pass")
            }
            try application.apply(db, systemName: order.system, now: now)
            order.state = .carriedOut
            order.previous = previous
            order.updatedAt = now
            try order.update(db)
            var r = receipt
            r.orderId = orderId
            try r.insert(db)
            var a = audit
            try a.insert(db)
            return true
        }
    }

    /// Ends an order (completed, failed, or rejected at carry-out time), optionally
    /// writing settings (a rollback) in the same transaction.
    public func finishChangeOrder(orderId: Int64, state: ChangeOrderState, application: ChangeApplication? = nil,
                                  receipts: [ChangeReceipt], audits: [AuditEntry], now: Date) throws {
        try write("finishing change order \(orderId)") { db in
            guard var order = try ChangeOrder.fetchOne(db, key: orderId) else {
                throw StoreError("finishing change order \(orderId)", reason: "there is no change order \(orderId)")
            }
            try application?.apply(db, systemName: order.system, now: now)
            order.state = state
            order.updatedAt = now
            try order.update(db)
            for var r in receipts {
                r.orderId = orderId
                try r.insert(db)
            }
            for var a in audits { try a.insert(db) }
        }
    }

    // MARK: SSH key overlaps

    public func keyOverlap(system: String) throws -> KeyOverlap? {
        try read("reading the key overlap of \(system)") { db in try KeyOverlap.fetchOne(db, key: system) }
    }

    public func keyOverlaps() throws -> [KeyOverlap] {
        try read("reading key overlaps") { db in try KeyOverlap.order(Column("retire_at")).fetchAll(db) }
    }

    /// Ends an overlap: the old key reference is removed, with a receipt on the order that
    /// started it and an audit row. False when it was gone already.
    public func retireKeyOverlap(system: String, receipt: ChangeReceipt, audit: AuditEntry) throws -> Bool {
        try retireOverlap(KeyOverlap.self, system: system, what: "the old key", receipt: receipt, audit: audit)
    }

    /// Removes the overlap row of `system` and records the receipt (on the order named by
    /// the row) and the audit row with it.
    private func retireOverlap<Overlap: FetchableRecord & PersistableRecord & OverlapRow>(
        _ type: Overlap.Type, system: String, what: String, receipt: ChangeReceipt, audit: AuditEntry) throws -> Bool {
        try write("retiring \(what) of \(system)") { db in
            guard let overlap = try Overlap.fetchOne(db, key: system) else { return false }
            try overlap.delete(db)
            var r = receipt
            r.orderId = overlap.orderId
            if try ChangeOrder.fetchOne(db, key: overlap.orderId) != nil { try r.insert(db) }
            var a = audit
            try a.insert(db)
            return true
        }
    }

    // MARK: SSL certificate overlaps

    public func certificateOverlaps() throws -> [CertificateOverlap] {
        try read("reading certificate overlaps") { db in try CertificateOverlap.order(Column("retire_at")).fetchAll(db) }
    }

    /// Ends a certificate overlap: the gateway stops accepting the old certificate at its
    /// next directory reload. A receipt on the order that started it and an audit row go
    /// with it; false when it was gone already.
    public func retireCertificateOverlap(system: String, receipt: ChangeReceipt, audit: AuditEntry) throws -> Bool {
        try retireOverlap(CertificateOverlap.self, system: system, what: "the old certificate", receipt: receipt, audit: audit)
    }
}

/// An overlap row (old SSH key, old certificate), keyed by system, started by an order.
protocol OverlapRow { var orderId: Int64 { get } }
extension KeyOverlap: OverlapRow {}
extension CertificateOverlap: OverlapRow {}
