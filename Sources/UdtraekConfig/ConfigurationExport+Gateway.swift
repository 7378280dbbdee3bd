import Store

extension ConfigurationExport {
    static func gatewayCertificate(_ c: SystemCertificate) -> [String] {
        var out = ["    certificate:"]
        if let s = c.subject { out.append("      subject: \(quote(s))") }
        if let f = c.fingerprint { out.append("      fingerprint: \(quote(f))") }
        return out
    }

    static func gatewaySection(_ settings: GatewaySettings?) -> [String] {
        guard let s = settings else { return [] }
        var out = ["gateway:", "  listen: { host: \(quote(s.host)), port: \(s.port) }"]
        if s.certificatePath != nil || s.privateKeyPath != nil || s.clientCAPath != nil {
            out.append("  tls:")
            if let p = s.certificatePath { out.append("    certificate: \(quote(p))") }
            if let p = s.privateKeyPath { out.append("    private_key: \(quote(p))") }
            if let p = s.clientCAPath { out.append("    client_ca: \(quote(p))") }
        }
        out.append("  plain_http: \(s.plainHTTP)")
        out.append("  max_concurrent_calls_per_system: \(s.maxConcurrentCallsPerSystem)")
        out.append("  breach_alarm_share: \(s.breachAlarmShare)")
        out.append("  slow_client_grace_seconds: \(s.slowClientGraceSeconds)")
        out.append("  audit_retention_days: \(s.auditRetentionDays)")
        return out
    }
}
