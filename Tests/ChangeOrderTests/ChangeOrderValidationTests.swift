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
        try Self.rejected(fx, try fx.submit(.inbox, ChangeRequest(path: "../other")), "contains '..'")
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

    /// Issue 11: durations past Int.max seconds trapped the validation; a 10,000-character
    /// BestillingsID was accepted; control characters went into receipts and the audit log.
    @Test func hostileTextIsRejectedWithReasons() throws {
        let fx = try ChangeOrderFixture()
        defer { fx.tearDown() }
        for text in ["200000000000000d", "9223372036854775807s", "99999999999999999999999999m"] {
            try Self.rejected(fx, try fx.submit(.monitoring, ChangeRequest(collectWithin: text)), "collect-within '\(text)' is longer than 3650d (10 years)")
            try Self.rejected(fx, try fx.submit(.monitoring, ChangeRequest(retention: text)), "retention '\(text)' is longer than")
            try Self.rejected(fx, try fx.submit(.sshKey, orderRef: nil, ChangeRequest(privateKey: try fx.newKey("k\(text.count)"), overlap: text)),
                              "overlap '\(text)' is longer than")
        }
        try Self.rejected(fx, try fx.submit(.monitoring, orderRef: String(repeating: "B", count: 10_000), ChangeRequest(collectWithin: "2h")),
                          "the BestillingsID is 10000 characters long; at most 64")
        try Self.rejected(fx, try fx.submit(.monitoring, orderRef: "B-\u{1B}[2J", ChangeRequest(collectWithin: "2h")),
                          "BestillingsID 'B-\\u{1B}[2J' holds the control character U+001B")
        try Self.rejected(fx, try fx.submit(.monitoring, reason: String(repeating: "r", count: 2001), ChangeRequest(collectWithin: "2h")),
                          "the reason is 2001 characters long")
        try Self.rejected(fx, try fx.submit(.monitoring, ChangeRequest(pattern: "D\n*", collectWithin: "2h")), "pattern 'D\\u{A}*' holds the control character")
        try Self.rejected(fx, try fx.submit(.inbox, ChangeRequest(host: String(repeating: "h", count: 2000))), "host is 2000 bytes long; at most 1024")
        try Self.rejected(fx, try fx.submit(.inbox, ChangeRequest(path: "/\u{0}")), "path '/\\u{0}' holds the control character U+0000")
        try Self.rejected(fx, try fx.submit(.monitoring, ChangeRequest(signal: "moved", movedTo: "/abs")), "moved-to '/abs' must be a folder relative")
        try Self.rejected(fx, try fx.submit(.hostKey, ChangeRequest(fingerprints: Array(repeating: "SHA256:x", count: 17))), "at most 16")
        let reasons = try fx.store.changeOrders().flatMap { try fx.store.changeReceipts(orderId: $0.id ?? 0).flatMap(\.reasons) }
        #expect(!reasons.contains { $0.unicodeScalars.contains { $0.value < 0x20 } }, "no reason holds a raw control character")
        #expect(reasons.allSatisfy { $0.count < 1000 }, "no reason echoes a huge value whole")
    }

    /// `--at` in the spring daylight-saving gap was "not a time".
    @Test func requestedTimesInTheGapAreNamedAsSuch() {
        switch RequestedTime.read("2026-03-29 02:30") {
        case .success(let d): Issue.record("accepted as \(d)")
        case .failure(let e):
            #expect(e.description.contains("2026-03-29 02:30 does not exist in Europe/Copenhagen time"))
            #expect(e.description.contains("2026-03-29 03:00") && e.description.contains("2026-03-29T01:00:00Z"))
        }
        // The autumn hour that comes twice is a time (its first occurrence).
        #expect(RequestedTime.parse("2026-10-25 02:30") != nil)
        for text in ["2026-02-30 10:00", "2026-13-01 10:00", "2026-01-01 24:00", "99999999999-01-01 10:00", "2026-1-1 10:00",
                     "", String(repeating: "9", count: 10_000),
                     // Years outside 1970-9999 (the durations fuzz target: year 1 read back two days off).
                     "0-1-24T06:00:00Z", "0001-01-24T06:00:00Z", "1969-12-31T23:59:59Z", "1900-01-01 10:00"] {
            #expect(RequestedTime.parse(text) == nil, "\(text.prefix(40))")
        }
        #expect(RequestedTime.parse("1970-01-01T00:00:00Z") != nil)
        if case .failure(let error) = RequestedTime.read("0001-01-24T06:00:00Z") { #expect(error.description.contains("1970-9999")) }
        #expect(RequestedTime.parse("2026-11-24 07:00") == RequestedTime.parse("2026-11-24T06:00:00Z"))
    }
}
