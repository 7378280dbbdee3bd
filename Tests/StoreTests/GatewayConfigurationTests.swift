import Foundation
import Store
import Testing
import UdtraekConfig

/// The `gateway:` section and the gateway's parts of `municipalities:` and `systems:`:
/// read, exported and read back unchanged; every mistake reported at its line and key.
@Suite struct GatewayConfigurationTests {
    static let valid = """
    municipalities:
      - { code: "0101", name: København, uuid: 1f0a2b3c-4d5e-4f60-8a7b-9c0d1e2f3a4b }
    systems:
      - name: sag-kbh
        uuid: 240164c6-3999-4b65-b20d-8a3c7f4a25d3
        inbox: { host: h, port: 22, user: u, private_key: /k, host_key_fingerprints: [SHA256:ejZ8rvFj5DXUER/CTAATDDWKCkMlK5Qo/v9h6xG+3KE] }
        certificate: { subject: "CN=sag-kbh,O=Kommune", fingerprint: "SHA256:\(Array(repeating: "AB", count: 32).joined(separator: ":"))" }
    gateway:
      listen: { host: 127.0.0.1, port: 8443 }
      tls: { certificate: tls/gateway.pem, private_key: tls/gateway.key, client_ca: tls/ca.pem }
      max_concurrent_calls_per_system: 32
      breach_alarm_share: 0.05
      slow_client_grace_seconds: 2.5
      audit_retention_days: 90
    """

    @Test func validSectionReadsAndRoundTrips() throws {
        let file = try ConfigurationFile.parse(Self.valid, path: "/etc/udtraek/udtraek.yaml")
        let s = try #require(file.snapshot.gateway.settings)
        #expect(s.port == 8443 && !s.plainHTTP && s.maxConcurrentCallsPerSystem == 32)
        #expect(s.breachAlarmShare == 0.05 && s.slowClientGraceSeconds == 2.5 && s.auditRetentionDays == 90)
        #expect(s.certificatePath == "/etc/udtraek/tls/gateway.pem" && s.clientCAPath == "/etc/udtraek/tls/ca.pem")
        let cert = try #require(file.snapshot.gateway.certificates.first)
        #expect(cert.fingerprint == "sha256:" + String(repeating: "ab", count: 32))
        #expect(file.snapshot.municipalities.first?.uuid == "1f0a2b3c-4d5e-4f60-8a7b-9c0d1e2f3a4b")
        let again = try ConfigurationFile.parse(ConfigurationExport.yaml(file.snapshot), path: "/elsewhere/udtraek.yaml")
        #expect(again.snapshot == file.snapshot)
    }

    @Test func defaultsWhenLeftOut() throws {
        let text = Self.valid.components(separatedBy: "\n").filter {
            !$0.contains("max_concurrent") && !$0.contains("breach_alarm") && !$0.contains("slow_client") && !$0.contains("audit_retention")
        }.joined(separator: "\n")
        let s = try #require(try ConfigurationFile.parse(text, path: "/c/u.yaml").snapshot.gateway.settings)
        #expect(s == GatewaySettings(host: "127.0.0.1", port: 8443, certificatePath: "/c/tls/gateway.pem",
                                     privateKeyPath: "/c/tls/gateway.key", clientCAPath: "/c/tls/ca.pem"))
        #expect(s.auditRetentionDays == 180 && s.maxConcurrentCallsPerSystem == 64)
    }

    /// Settings stored by an earlier version, before a field existed, still load.
    @Test func storedSettingsWithoutNewerFieldsDecode() throws {
        let old = #"{"breach_alarm_share":0.01,"host":"127.0.0.1","max_concurrent_calls_per_system":64,"plain_http":false,"port":8443,"slow_client_grace_seconds":5}"#
        let s = try JSONDecoder().decode(GatewaySettings.self, from: Data(old.utf8))
        #expect(s.auditRetentionDays == 180 && s.port == 8443)
    }

    @Test func everyMistakeNamesItsLineAndKey() throws {
        let text = """
        municipalities:
          - { code: "0101", name: København, uuid: 1F0A2B3C-4D5E-4F60-8A7B-9C0D1E2F3A4B }
        systems:
          - name: sag-kbh
            inbox: { host: h, port: 22, user: u, private_key: /k, host_key_fingerprints: [SHA256:ejZ8rvFj5DXUER/CTAATDDWKCkMlK5Qo/v9h6xG+3KE] }
            certificate: { fingerprint: "sha256:abc" }
          - name: esdh
            inbox: { host: h, port: 22, user: u, private_key: /k, host_key_fingerprints: [SHA256:ejZ8rvFj5DXUER/CTAATDDWKCkMlK5Qo/v9h6xG+3KE] }
            certificate: {}
        gateway:
          listen: { host: 127.0.0.1, port: 99999 }
          tls: { certificate: a.pem }
          max_concurrent_calls_per_system: 0
          breach_alarm_share: 5%
          slow_client_grace_seconds: 0
          audit_retention_days: 0
          client_certs: required
        """
        #expect {
            _ = try ConfigurationFile.parse(text, path: "Config/udtraek.yaml")
        } throws: { error in
            let text = (error as? ConfigurationError)?.description ?? "\(error)"
            let expectations = [
                "Config/udtraek.yaml:2:", "municipalities[0].uuid", "not a lowercase UUID",
                "Config/udtraek.yaml:6:", "'sha256:abc' is not a SHA-256 certificate fingerprint",
                "Config/udtraek.yaml:9:", "give the certificate's subject, its fingerprint, or both",
                "Config/udtraek.yaml:11:", "gateway.listen.port", "0...65535",
                "Config/udtraek.yaml:12:", "tls needs certificate, private_key and client_ca",
                "gateway.max_concurrent_calls_per_system", "1...100000",
                "gateway.breach_alarm_share", "a share from 0 to 1",
                "gateway.slow_client_grace_seconds", "from 0 (exclusive) to 600",
                "gateway.audit_retention_days", "1...3650",
                "unknown key 'client_certs'",
            ]
            let missing = expectations.filter { !text.contains($0) }
            if !missing.isEmpty { Issue.record("missing in:\n\(text)\n-> \(missing)") }
            return missing.isEmpty && text.contains("nothing was changed")
        }
    }

    @Test func withoutTLSOnlyWithPlainHTTP() throws {
        let noTLS = "gateway:\n  listen: { host: 127.0.0.1, port: 8443 }\n"
        #expect {
            _ = try ConfigurationFile.parse(noTLS, path: "Config/udtraek.yaml")
        } throws: { ($0 as? ConfigurationError)?.description.contains("plain HTTP only with plain_http: true") == true }
        let plain = try ConfigurationFile.parse(noTLS + "  plain_http: true\n", path: "Config/udtraek.yaml")
        #expect(plain.snapshot.gateway.settings?.plainHTTP == true)
    }
}
