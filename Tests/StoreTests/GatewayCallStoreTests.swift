import Foundation
import GRDB
@testable import Store
import Testing

/// The gateway's audit rows as written in batches: the hand-written timestamps must be
/// exactly what GRDB writes and reads for a `Date`, and every column must come back.
@Suite struct GatewayCallStoreTests {
    @Test func timestampsAreGRDBsOwnFormat() throws {
        var dates: [Date] = [
            Date(timeIntervalSince1970: 0), Date(timeIntervalSince1970: -0.001), Date(timeIntervalSince1970: -86_400.5),
            Date(timeIntervalSince1970: 951_868_799.999),  // 2000-02-29 23:59:59.999
            Date(timeIntervalSince1970: 4_102_444_800),  // 2100-01-01
            Date(timeIntervalSince1970: 1_798_761_599.9999),  // sub-millisecond part
            Date(),
        ]
        var random = SystemRandomNumberGenerator()
        for _ in 0..<2_000 { dates.append(Date(timeIntervalSince1970: Double.random(in: -2_208_988_800...4_102_444_800, using: &random))) }
        for d in dates {
            let grdb = try #require(String.fromDatabaseValue(d.databaseValue))
            #expect(DatabaseTimestamp.text(d) == grdb, "\(d.timeIntervalSince1970)")
        }
    }

    @Test func callRowsRoundTrip() throws {
        let dir = NSTemporaryDirectory() + "udtraek-store-gateway-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try Store(stateDirectory: dir)
        let at = Date(timeIntervalSince1970: 1_795_000_000.125)
        let full = GatewayCall(at: at, requestID: "r-1", operation: "cpr.person", system: "sag-kbh", certificate: nil,
                               municipality: "0101", agreementUUID: "a", service: "cpr-lookup", onBehalfOfUser: "u",
                               callersCallID: "c", accountingInfo: "i", status: 200, outcome: "ok", durationMs: 1.5,
                               firstByteMs: 0.25, bytes: 812, breach: "server")
        let bare = GatewayCall(at: at.addingTimeInterval(1), requestID: "r-2", operation: "cpr.person",
                               certificate: "CN=x sha256:00", status: 403, outcome: "forbidden", durationMs: 0.1, bytes: 90)
        try store.recordGatewayCalls([full, bare])
        let rows = try store.gatewayCalls(limit: 10)
        #expect(rows.count == 2)
        var expectedFull = full, expectedBare = bare
        expectedBare.id = rows[0].id
        expectedFull.id = rows[1].id
        #expect(rows[0] == expectedBare)
        #expect(rows[1] == expectedFull)
        #expect(try store.gatewayCalls(system: "sag-kbh").map(\.requestID) == ["r-1"])
    }
}
