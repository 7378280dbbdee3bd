import ChangeOrders
import Foundation
import SFTPClient
import Store
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Every rejection reason, against a real state database (the sshd is not needed for
/// validation but the fixture has one).
@Suite struct ChangeOrderValidationTests {
    static func rejected(_ fx: ChangeOrderFixture, _ order: ChangeOrder, _ expected: String...) throws {
        #expect(order.state == .rejected)
        let receipts = try fx.store.changeReceipts(orderId: order.id!)
        #expect(receipts.map(\.kind) == [.received, .rejected])
        let reasons = receipts.last?.reasons ?? []
        for text in expected {
            #expect(reasons.contains { $0.contains(text) }, "expected a reason containing '\(text)' in \(reasons)")
        }
    }

    @Test func everyRejectionReason() throws {
        let fx = try ChangeOrderFixture()
        defer { fx.tearDown() }
        let future = fx.now.addingTimeInterval(3600)

        // Several at once: every reason is reported, not only the first.
        let many = try fx.submit(.monitoring, system: "ukendt", orderRef: nil, at: fx.now.addingTimeInterval(-7200), ChangeRequest(collectWithin: "4h"))
        try Self.rejected(fx, many, "unknown system 'ukendt'", "missing BestillingsID", "is in the past")
        #expect(try fx.store.changeReceipts(orderId: many.id!).last?.reasons.count == 3)

        try Self.rejected(fx, try fx.submit(.monitoring, ChangeRequest(collectWithin: "0s")), "deadline at the delivery itself")
        try Self.rejected(fx, try fx.submit(.monitoring, ChangeRequest(deadline: "08:00 -1 business day")), "falls before the delivery")
        try Self.rejected(fx, try fx.submit(.monitoring, ChangeRequest(warningBefore: "-30m")), "after the deadline")
        try Self.rejected(fx, try fx.submit(.monitoring, ChangeRequest(collectWithin: "1h", warningBefore: "2h")), "before the delivery")
        try Self.rejected(fx, try fx.submit(.monitoring, ChangeRequest(collectWithin: "20d")), "retention")
        try Self.rejected(fx, try fx.submit(.monitoring, ChangeRequest(collectWithin: "4h", deadline: "08:00 next business day")), "not both")
        try Self.rejected(fx, try fx.submit(.monitoring, ChangeRequest(collectWithin: "4 hours")), "is not a duration")
        try Self.rejected(fx, try fx.submit(.monitoring, ChangeRequest(pattern: "*.xml", warningBefore: "30m")), "no rule for pattern '*.xml'")
        try Self.rejected(fx, try fx.submit(.monitoring, ChangeRequest(signal: "moved")), "needs moved-to")
        try Self.rejected(fx, try fx.submit(.monitoring, ChangeRequest()), "changes nothing")
        try Self.rejected(fx, try fx.submit(.monitoring, ChangeRequest(collectWithin: "4h", removeMonitoring: true)), "cannot be combined")
        try Self.rejected(fx, try fx.submit(.monitoring, ChangeRequest(collectWithin: "4h", host: "x")), "host does not apply")

        // ssh-key: malformed, loose, missing key files; self-service needs no BestillingsID.
        let garbage = fx.directory + "/keys/garbage"
        try "not a key\n".write(toFile: garbage, atomically: true, encoding: .utf8)
        chmod(garbage, 0o600)
        try Self.rejected(fx, try fx.submit(.sshKey, orderRef: nil, ChangeRequest(privateKey: garbage)), "malformed or unusable private key")
        let loose = try fx.newKey("loose")
        chmod(loose, 0o644)
        try Self.rejected(fx, try fx.submit(.sshKey, orderRef: nil, ChangeRequest(privateKey: loose)), "others than its owner")
        try Self.rejected(fx, try fx.submit(.sshKey, orderRef: nil, ChangeRequest(privateKey: fx.directory + "/keys/none")), "malformed or unusable private key")
        try Self.rejected(fx, try fx.submit(.sshKey, orderRef: nil, ChangeRequest(privateKey: "keys/relative")), "must be absolute")
        try Self.rejected(fx, try fx.submit(.sshKey, orderRef: nil, ChangeRequest(privateKey: fx.system.privateKeyPath)), "already the key")
        try Self.rejected(fx, try fx.submit(.sshKey, orderRef: nil, ChangeRequest(privateKey: try fx.newKey("n1"), overlap: "200d")), "overlap")
        try Self.rejected(fx, try fx.submit(.sshKey, orderRef: nil, ChangeRequest()), "new private key is missing")

        // inbox and host-key.
        try Self.rejected(fx, try fx.submit(.inbox, ChangeRequest(port: 70000)), "outside 1...65535")
        try Self.rejected(fx, try fx.submit(.inbox, ChangeRequest(path: "../other")), "without '..'")
        try Self.rejected(fx, try fx.submit(.inbox, ChangeRequest()), "changes nothing")
        try Self.rejected(fx, try fx.submit(.inbox, orderRef: nil, ChangeRequest(path: "IN2")), "missing BestillingsID")
        try Self.rejected(fx, try fx.submit(.hostKey, ChangeRequest(fingerprints: ["SHA256:kort"])), "is not a SHA-256 fingerprint")
        try Self.rejected(fx, try fx.submit(.hostKey, ChangeRequest(fingerprints: [])), "no fingerprint given")
        try Self.rejected(fx, try fx.submit(.hostKey, ChangeRequest(fingerprints: fx.system.hostKeyFingerprints)), "already pinned")

        // A BestillingsID of an accepted order cannot be used again; of a rejected one it can.
        let accepted = try fx.submit(.monitoring, orderRef: "B-77", at: future, ChangeRequest(collectWithin: "2h"))
        #expect(accepted.state == .accepted)
        try Self.rejected(fx, try fx.submit(.monitoring, orderRef: "B-77", at: future, ChangeRequest(collectWithin: "3h")), "already used by change order \(accepted.id!)")
        #expect(try fx.submit(.monitoring, orderRef: "B-1", at: future, ChangeRequest(collectWithin: "3h")).state == .accepted)

        // Nothing was changed by any of them, and every one is in the audit log with who and why.
        #expect(try fx.store.configuration().monitoring.receiver("modtager")?.rules.first?.collectWithinSeconds == 4 * 3600)
        let audits = try fx.store.auditLog(limit: 1000, action: "change.rejected")
        #expect(audits.count == 28)
        #expect(audits.allSatisfy { $0.actor == "ops-anna" && $0.detail.contains("reason: test") })
    }
}
