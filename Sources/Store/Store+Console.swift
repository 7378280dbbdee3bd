import Foundation
import GRDB

/// Counts for the operator console's overview (README "The operator console").
public struct DeliveryDayCounts: Sendable, Equatable {
    public var delivered: Int
    public var failed: Int

    public init(delivered: Int, failed: Int) {
        self.delivered = delivered
        self.failed = failed
    }
}

extension Store {
    /// How many of `system`'s delivery attempts started at or after `since` were delivered
    /// and how many failed (attempts still running are in neither).
    public func deliveryCounts(system: String, since: Date) throws -> DeliveryDayCounts {
        try read("counting the deliveries of \(system)") { db in
            let base = DeliveryRecord.filter(Column("system") == system && Column("started_at") >= since)
            return DeliveryDayCounts(delivered: try base.filter(Column("outcome") == DeliveryOutcome.delivered.rawValue).fetchCount(db),
                                     failed: try base.filter(Column("outcome") == DeliveryOutcome.failed.rawValue).fetchCount(db))
        }
    }
}
