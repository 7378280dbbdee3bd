import ChangeOrders
import Foundation
import Gateway
import Store
import Testing
import UdtraekTesting

/// The `infref` and `ssl-certificate` kinds: validation with every reason, carrying out at
/// the requested time, verification, rollback, and the certificate overlap's retirement.
/// Time is the fixture's manual clock; certificates are made in-process with validity
/// around it.
@Suite struct ChangeOrderKindTests {
    static let day: TimeInterval = 86_400

    // MARK: infref

    @Test func infRefIsSetAtTheRequestedTimeAndTravelsInExtractMetadata() async throws {
        let fx = try ChangeOrderFixture()
        defer { fx.tearDown() }
        _ = try fx.deliver("F0")
        #expect(try !metadata(fx, "F0").contains("<InfRef>"))

        let at = fx.now.addingTimeInterval(3600)
        let order = try fx.submit(.infRef, orderRef: "B-500", at: at, reason: "receiver sorts by data type",
                                  ChangeRequest(infRef: "urn:oio:kle:emneplan"))
        #expect(order.state == .accepted)
        fx.manual.advance(toDate: at.addingTimeInterval(-60))
        #expect(try await fx.executor.runDue() == ExecutionReport())
        #expect(try fx.store.system(named: "modtager")?.infRef == nil)

        fx.manual.advance(toDate: at)
        #expect(try await fx.executor.runDue().completed == [order.id!])
        #expect(try fx.receipts(order) == [.received, .accepted, .carriedOut, .verified, .completed])
        #expect(try fx.store.changeReceipts(orderId: order.id!).first { $0.kind == .verified }?.detail.contains("reads back") == true)
        #expect(try fx.store.system(named: "modtager")?.infRef == "urn:oio:kle:emneplan")
        #expect(try fx.store.auditLog(action: "change.completed").first?.detail.contains("data type") == true)

        // Files delivered from now on carry it.
        #expect(try fx.deliver("F1").outcome == .delivered)
        #expect(try metadata(fx, "F1").contains("<InfRef>urn:oio:kle:emneplan</InfRef>"))
    }

    @Test func infRefRejectionsAndRollback() async throws {
        let fx = try ChangeOrderFixture()
        defer { fx.tearDown() }
        try ChangeOrderValidationTests.rejected(fx, try fx.submit(.infRef, orderRef: nil, ChangeRequest(infRef: "KLE")), "missing BestillingsID")
        try ChangeOrderValidationTests.rejected(fx, try fx.submit(.infRef, ChangeRequest(infRef: " ")), "infref is empty")
        try ChangeOrderValidationTests.rejected(fx, try fx.submit(.infRef, ChangeRequest(infRef: "KLE\u{1B}[2J")), "control character")
        try ChangeOrderValidationTests.rejected(fx, try fx.submit(.infRef, ChangeRequest(infRef: String(repeating: "x", count: 300))),
                                                "at most")
        try ChangeOrderValidationTests.rejected(fx, try fx.submit(.infRef, ChangeRequest()), "changes nothing")
        try ChangeOrderValidationTests.rejected(fx, try fx.submit(.infRef, ChangeRequest(host: "x", infRef: "KLE")), "host does not apply")
        try ChangeOrderValidationTests.rejected(fx, try fx.submit(.monitoring, ChangeRequest(collectWithin: "4h", infRef: "KLE")),
                                                "infref does not apply")

        fx.system.infRef = "KLE"
        try fx.apply()
        try ChangeOrderValidationTests.rejected(fx, try fx.submit(.infRef, ChangeRequest(infRef: "KLE")), "already 'KLE'")

        // Verification fails: the previous value is back, and the incident is raised.
        let order = try fx.submit(.infRef, orderRef: "B-501", ChangeRequest(infRef: "CPR"))
        #expect(try await fx.refusingExecutor.runDue().failed == [order.id!])
        #expect(try fx.receipts(order) == [.received, .accepted, .carriedOut, .failed, .rolledBack])
        #expect(try fx.store.system(named: "modtager")?.infRef == "KLE")
        #expect(try fx.store.alarms(openOnly: true, system: "modtager").contains { $0.kind == .changeFailed && $0.rule == "infref" })
    }

    // MARK: ssl-certificate

    /// A CA written where the fixture's gateway section names it, and the system's current
    /// certificate (registered by fingerprint), both valid around the fixture's time.
    static func gatewayPKI(_ fx: ChangeOrderFixture) throws -> (ca: TestCertificates.Issued, old: ClientCertificate) {
        let ca = try TestCertificates.authority(commonName: "test CA", notBefore: fx.now.addingTimeInterval(-day),
                                                notAfter: fx.now.addingTimeInterval(400 * day))
        let caPath = fx.directory + "/ca.pem"
        try ca.certificatePEM.write(toFile: caPath, atomically: true, encoding: .utf8)
        let old = try ClientCertificate(pem: try issue(fx, ca, from: -day, to: 30 * day).certificatePEM)
        fx.gateway = GatewayConfiguration(
            settings: GatewaySettings(certificatePath: fx.directory + "/server.pem", privateKeyPath: fx.directory + "/server.key",
                                      clientCAPath: caPath),
            certificates: [SystemCertificate(system: "modtager", fingerprint: old.identity.fingerprint)])
        try fx.apply()
        return (ca, old)
    }

    static func issue(_ fx: ChangeOrderFixture, _ ca: TestCertificates.Issued, from: TimeInterval, to: TimeInterval) throws -> TestCertificates.Issued {
        try TestCertificates.client(commonName: "modtager", organisation: "test", notBefore: fx.now.addingTimeInterval(from),
                                    notAfter: fx.now.addingTimeInterval(to), caCertificatePEM: ca.certificatePEM, caKeyPEM: ca.privateKeyPEM)
    }

    @Test func sslCertificateRejections() throws {
        let fx = try ChangeOrderFixture()
        defer { fx.tearDown() }
        let (ca, _) = try Self.gatewayPKI(fx)
        func submit(_ pem: String?, at: Date? = nil, overlap: String? = nil) throws -> ChangeOrder {
            try fx.submit(.sslCertificate, orderRef: nil, at: at, ChangeRequest(overlap: overlap, certificate: pem))
        }
        let good = try Self.issue(fx, ca, from: -Self.day, to: 30 * Self.day)
        try ChangeOrderValidationTests.rejected(fx, try submit(try Self.issue(fx, ca, from: -Self.day, to: 10 * Self.day).certificatePEM,
                                                               at: fx.now.addingTimeInterval(20 * Self.day)), "has expired")
        try ChangeOrderValidationTests.rejected(fx, try submit(try Self.issue(fx, ca, from: 5 * Self.day, to: 30 * Self.day).certificatePEM),
                                                "not valid yet")
        let rogue = try TestCertificates.authority(commonName: "rogue CA", notBefore: fx.now.addingTimeInterval(-Self.day),
                                                   notAfter: fx.now.addingTimeInterval(30 * Self.day))
        try ChangeOrderValidationTests.rejected(fx, try submit(try Self.issue(fx, rogue, from: -Self.day, to: 30 * Self.day).certificatePEM),
                                                "not signed by the gateway's client CA")
        try ChangeOrderValidationTests.rejected(fx, try submit(good.certificatePEM + good.privateKeyPEM), "private key")
        try ChangeOrderValidationTests.rejected(fx, try submit("hello"), "not a PEM certificate")
        try ChangeOrderValidationTests.rejected(fx, try submit(good.certificatePEM + ca.certificatePEM), "2 certificates")
        try ChangeOrderValidationTests.rejected(fx, try submit(good.certificatePEM, overlap: "200d"), "overlap")
        try ChangeOrderValidationTests.rejected(fx, try submit(nil), "certificate is missing")
        try ChangeOrderValidationTests.rejected(fx, try fx.submit(.sshKey, orderRef: nil, ChangeRequest(certificate: good.certificatePEM)),
                                                "certificate does not apply")
        // Several at once: every reason.
        let many = try submit(try Self.issue(fx, rogue, from: -Self.day, to: Self.day).certificatePEM,
                              at: fx.now.addingTimeInterval(2 * Self.day), overlap: "forever")
        try ChangeOrderValidationTests.rejected(fx, many, "overlap", "not signed", "has expired")
        #expect(try fx.store.changeReceipts(orderId: many.id!).last?.reasons.count == 3)

        // Self-service: no BestillingsID needed; accepted.
        #expect(try submit(good.certificatePEM).state == .accepted)
        // One certificate change at a time.
        try ChangeOrderValidationTests.rejected(fx, try submit(try Self.issue(fx, ca, from: -Self.day, to: 30 * Self.day).certificatePEM),
                                                "one certificate change at a time")
    }

    @Test func sslCertificateOverlapThenRetirement() async throws {
        let fx = try ChangeOrderFixture()
        defer { fx.tearDown() }
        let (ca, old) = try Self.gatewayPKI(fx)
        let pem = try Self.issue(fx, ca, from: -Self.day, to: 60 * Self.day).certificatePEM
        let next = try ClientCertificate(pem: pem)

        let order = try fx.submit(.sslCertificate, orderRef: nil, reason: "yearly renewal", ChangeRequest(overlap: "2d", certificate: pem))
        #expect(order.state == .accepted)
        #expect(try await fx.executor.runDue().completed == [order.id!])
        #expect(try fx.receipts(order) == [.received, .accepted, .carriedOut, .verified, .completed])
        let receipts = try fx.store.changeReceipts(orderId: order.id!)
        #expect(receipts.first { $0.kind == .verified }?.detail.contains("resolves the new certificate") == true)
        #expect(receipts.first { $0.kind == .completed }?.detail.contains("stays accepted until") == true)
        let registered = try #require(try fx.store.configuration().gateway.certificates.first { $0.system == "modtager" })
        #expect(registered.fingerprint == next.identity.fingerprint && registered.serial == next.serial)
        #expect(registered.subject.map { DistinguishedNameText.same($0, "CN=modtager,O=test") } == true)

        // During the overlap the gateway's directory takes both.
        var directory = GatewayDirectory(try fx.store.configuration())
        #expect(directory.systemNames(for: old.identity) == ["modtager"])
        #expect(directory.systemNames(for: next.identity) == ["modtager"])

        let overlap = try #require(try fx.store.certificateOverlaps().first)
        #expect(overlap.retireAt == fx.now.addingTimeInterval(2 * Self.day))
        fx.manual.advance(toDate: overlap.retireAt.addingTimeInterval(-1))
        #expect(try await fx.executor.runDue().retiredCertificates.isEmpty)
        fx.manual.advance(toDate: overlap.retireAt)
        #expect(try await fx.executor.runDue().retiredCertificates == ["modtager"])
        #expect(try fx.receipts(order).last == .certificateRetired)
        #expect(try fx.store.auditLog(action: "ssl-certificate.retired").count == 1)
        directory = GatewayDirectory(try fx.store.configuration())
        #expect(directory.systemNames(for: old.identity).isEmpty)
        #expect(directory.systemNames(for: next.identity) == ["modtager"])
    }

    @Test func sslCertificateRollsBackWhenVerificationFails() async throws {
        let fx = try ChangeOrderFixture()
        defer { fx.tearDown() }
        let (ca, old) = try Self.gatewayPKI(fx)
        let before = try fx.store.changeSnapshot(system: "modtager")
        let order = try fx.submit(.sslCertificate, orderRef: nil,
                                  ChangeRequest(certificate: try Self.issue(fx, ca, from: -Self.day, to: 30 * Self.day).certificatePEM))
        #expect(try await fx.refusingExecutor.runDue().failed == [order.id!])
        #expect(try fx.receipts(order) == [.received, .accepted, .carriedOut, .failed, .rolledBack])
        #expect(try fx.store.changeSnapshot(system: "modtager") == before)
        #expect(try fx.store.certificateOverlaps().isEmpty)
        #expect(GatewayDirectory(try fx.store.configuration()).systemNames(for: old.identity) == ["modtager"])
        #expect(try fx.store.alarms(openOnly: true, system: "modtager").contains { $0.kind == .changeFailed && $0.rule == "ssl-certificate" })
    }

    func metadata(_ fx: ChangeOrderFixture, _ name: String) throws -> String {
        try String(contentsOfFile: fx.sshd.inboxRoot("modtager") + "/IN/\(name).metadata", encoding: .utf8)
    }
}

/// Subjects compared as the gateway does: the same parts in any order and spacing.
enum DistinguishedNameText {
    static func same(_ a: String, _ b: String) -> Bool { parts(a) == parts(b) }
    static func parts(_ dn: String) -> [String] {
        dn.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.sorted()
    }
}
