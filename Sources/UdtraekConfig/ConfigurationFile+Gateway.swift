import Foundation
import Store

/// The gateway's parts of the configuration file:
///
/// ```yaml
/// municipalities:
///   - { code: "0101", name: København, uuid: <UserUUID callers send> }
/// systems:
///   - name: sag-kbh
///     certificate: { subject: "CN=sag-kbh,O=Københavns Kommune", fingerprint: "sha256:<64 hex>" }
/// gateway:
///   listen: { host: 127.0.0.1, port: 8443 }
///   tls: { certificate: gateway.pem, private_key: gateway.key, client_ca: ca.pem }
///   plain_http: false                    # true only for local experiments
///   max_concurrent_calls_per_system: 64  # beyond it: 429 with Retry-After
///   breach_alarm_share: 0.01             # alarm when more of a service's calls miss their target
///   slow_client_grace_seconds: 5         # a large response read slower than 200 kB/s this long is cut
///   audit_retention_days: 180            # call audit rows older than this are removed
/// ```
extension SnapshotReader {
    static let gatewayKeys = ["listen", "tls", "plain_http", "max_concurrent_calls_per_system",
                              "breach_alarm_share", "slow_client_grace_seconds", "audit_retention_days"]

    func readGateway(_ value: YAMLValue) -> GatewaySettings? {
        guard let map = value.mapping(allowed: Self.gatewayKeys) else { return nil }
        var s = GatewaySettings()
        if let listen = map["listen"]?.mapping(allowed: ["host", "port"]) {
            if let host = listen["host"]?.line() { s.host = host }
            if let port = listen["port"]?.int(in: 0...65535) { s.port = port }
        }
        s.plainHTTP = map["plain_http"]?.bool() ?? false
        if let tlsValue = map["tls"], let tls = tlsValue.mapping(allowed: ["certificate", "private_key", "client_ca"]) {
            s.certificatePath = tls["certificate"]?.string().map(resolve)
            s.privateKeyPath = tls["private_key"]?.string().map(resolve)
            s.clientCAPath = tls["client_ca"]?.string().map(resolve)
            if !s.plainHTTP, s.certificatePath == nil || s.privateKeyPath == nil || s.clientCAPath == nil {
                tlsValue.report("tls needs certificate, private_key and client_ca (PEM files): the gateway requires client certificates signed by client_ca")
            }
        } else if !s.plainHTTP {
            value.report("the gateway needs a tls section (certificate, private_key, client_ca); plain HTTP only with plain_http: true, for local use")
        }
        if let cap = map["max_concurrent_calls_per_system"]?.int(in: 1...100_000) { s.maxConcurrentCallsPerSystem = cap }
        if let shareValue = map["breach_alarm_share"] {
            if let share = shareValue.string().flatMap(Double.init), (0...1).contains(share) { s.breachAlarmShare = share } else {
                shareValue.report("breach_alarm_share is a share from 0 to 1, e.g. 0.01 for 1%")
            }
        }
        if let graceValue = map["slow_client_grace_seconds"] {
            if let grace = graceValue.string().flatMap(Double.init), grace > 0, grace <= 600 { s.slowClientGraceSeconds = grace } else {
                graceValue.report("slow_client_grace_seconds is a number of seconds from 0 (exclusive) to 600")
            }
        }
        if let days = map["audit_retention_days"]?.int(in: 1...3650) { s.auditRetentionDays = days }
        return s
    }

    /// A system's `certificate: {subject, fingerprint}`; at least one of the two.
    func readSystemCertificate(_ value: YAMLValue, system: String) -> SystemCertificate? {
        guard let map = value.mapping(allowed: ["subject", "fingerprint"]) else { return nil }
        let subject = map["subject"]?.line()
        var fingerprint: String?
        if let f = map["fingerprint"], let text = f.string() {
            fingerprint = SystemCertificate.normaliseFingerprint(text)
            if fingerprint == nil {
                f.report("'\(text.displaySafe(limit: 60))' is not a SHA-256 certificate fingerprint like sha256:<64 hexadecimal digits>; get it with `openssl x509 -in CERT -noout -fingerprint -sha256`")
            }
        }
        if subject == nil && map["fingerprint"] == nil {
            value.report("give the certificate's subject, its fingerprint, or both")
            return nil
        }
        return SystemCertificate(system: system, subject: subject, fingerprint: fingerprint)
    }

    /// The certificates of the systems section, read from its items directly so a system
    /// left out for another error does not also lose its certificate's report.
    func readSystemCertificates(_ systems: [YAMLValue]?) -> [SystemCertificate] {
        (systems ?? []).compactMap { item in
            guard let name = item.node.mapping?["name"]?.string,
                  let node = item.node.mapping?["certificate"] else { return nil }
            return readSystemCertificate(item.child(node, "\(item.key).certificate"), system: name)
        }
    }

    func readMunicipalityUUID(_ map: [String: YAMLValue]) -> String? {
        guard let value = map["uuid"], let uuid = value.string() else { return nil }
        if !isLowercaseUUID(uuid) { value.report("'\(uuid.displaySafe(limit: 40))' is not a lowercase UUID"); return nil }
        return uuid
    }
}
