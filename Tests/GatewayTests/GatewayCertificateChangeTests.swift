import ChangeOrders
import Foundation
import Store
import Testing
import UdtraekTesting

/// An `ssl-certificate` change order against the running gateway, with real TLS
/// handshakes (curl with client certificates) on loopback: during the overlap the old and
/// the new certificate both get answers; after the old one is retired, only the new one.
@Suite struct GatewayCertificateChangeTests {
    @Test func bothCertificatesAreAcceptedDuringTheOverlapAndOnlyTheNewAfterRetirement() async throws {
        try await GatewayFixture.with { f in
            let (kbh, _) = GatewayFaultTests.pnrs()
            let path = "/cpr/persons/\(kbh)"
            let context = GatewayFixture.context()
            #expect(try await f.get(path, cert: "sag-kbh", headers: context).status == 200)

            // The supplier's new certificate for sag-kbh (same subject, new key), issued by
            // the gateway's client CA and valid both at the fixture's time and at the machine's
            // real time, which the TLS handshake checks.
            let (certs, clock) = (f.certs, f.manual.clock)
            let name = "sag-kbh-renewed-\(UUID().uuidString.prefix(8))"
            let pem = try await testClients.run { () throws -> String in
                let issued = try TestCertificates.client(
                    commonName: "sag-kbh", organisation: "udtraek demo",
                    notBefore: min(clock.date, Date()).addingTimeInterval(-86_400), notAfter: max(clock.date, Date()).addingTimeInterval(30 * 86_400),
                    caCertificatePEM: try String(contentsOfFile: "\(certs)/ca.pem", encoding: .utf8),
                    caKeyPEM: try String(contentsOfFile: "\(certs)/ca.key", encoding: .utf8))
                try issued.certificatePEM.write(toFile: "\(certs)/\(name).pem", atomically: true, encoding: .utf8)
                try issued.privateKeyPEM.write(toFile: "\(certs)/\(name).key", atomically: true, encoding: .utf8)
                return issued.certificatePEM
            }
            // Registered by subject only until now, so the new one is accepted by the gateway
            // already; the order pins the new one by fingerprint.
            let store = f.store
            let executor = ChangeExecutor(store: store, clock: clock, executor: testClients)
            let order = try await testClients.run {
                try ChangeDesk(store: store, clock: clock).submit(ChangeSubmission(
                    system: "sag-kbh", kind: .sslCertificate, reason: "renewal", submittedBy: "supplier",
                    request: ChangeRequest(overlap: "1d", certificate: pem)))
            }
            #expect(order.state == .accepted, "\(order)")
            #expect(try await executor.runDue().completed == [order.id!])

            // During the overlap: both.
            await f.housekeepingSettled()
            f.manual.advance(by: .seconds(5))
            #expect(try await eventually { try await f.get(path, cert: name, headers: context).status == 200 })
            #expect(try await f.get(path, cert: "sag-kbh", headers: context).status == 200)

            // The overlap ends; the old certificate is retired and refused from the next reload.
            let overlap = try #require(try store.certificateOverlaps().first)
            await f.housekeepingSettled()
            f.manual.advance(toDate: overlap.retireAt)
            #expect(try await executor.runDue().retiredCertificates == ["sag-kbh"])
            await f.housekeepingSettled()
            f.manual.advance(by: .seconds(5))
            var refused = try await f.get(path, cert: "sag-kbh", headers: context)
            _ = try await eventually {
                refused = try await f.get(path, cert: "sag-kbh", headers: context)
                return refused.status == 403
            }
            #expect(refused.status == 403 && refused.body.contains("not registered"))
            #expect(try await f.get(path, cert: name, headers: context).status == 200)
        }
    }
}
