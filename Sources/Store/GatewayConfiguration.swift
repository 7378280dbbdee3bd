import Foundation
import GRDB

/// How the lookup gateway listens and what it tolerates; the `gateway:` section of the
/// configuration file. Stored as one JSON value in `platform_setting` (key `gateway`):
/// it is read once at start and changes rarely, so a table of its own buys nothing.
public struct GatewaySettings: Codable, Sendable, Equatable {
    public var host: String
    public var port: Int
    /// The server's certificate chain (PEM).
    public var certificatePath: String?
    /// The server's private key (PEM).
    public var privateKeyPath: String?
    /// The CA (PEM) whose signature a client certificate must carry.
    public var clientCAPath: String?
    /// Serve plain HTTP with no client certificates. For local experiments only: callers are
    /// then identified by nothing but their headers. Never the default.
    public var plainHTTP: Bool
    /// Calls one system may have in flight; beyond it the gateway answers 429.
    public var maxConcurrentCallsPerSystem: Int
    /// Share of a service's calls (0...1) that may breach their target before an alarm.
    public var breachAlarmShare: Double
    /// How long a client may read a large response slower than the minimum rate.
    public var slowClientGraceSeconds: Double
    /// Days the call audit (`gateway_call`) is kept; older rows are removed hourly. At the
    /// platform's call rates the table would otherwise grow by the million every day.
    public var auditRetentionDays: Int

    public init(host: String = "127.0.0.1", port: Int = 8443, certificatePath: String? = nil,
                privateKeyPath: String? = nil, clientCAPath: String? = nil, plainHTTP: Bool = false,
                maxConcurrentCallsPerSystem: Int = 64, breachAlarmShare: Double = 0.01,
                slowClientGraceSeconds: Double = 5, auditRetentionDays: Int = 180) {
        self.host = host
        self.port = port
        self.certificatePath = certificatePath
        self.privateKeyPath = privateKeyPath
        self.clientCAPath = clientCAPath
        self.plainHTTP = plainHTTP
        self.maxConcurrentCallsPerSystem = maxConcurrentCallsPerSystem
        self.breachAlarmShare = breachAlarmShare
        self.slowClientGraceSeconds = slowClientGraceSeconds
        self.auditRetentionDays = auditRetentionDays
    }

    /// Settings stored before a field existed read as its default.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = GatewaySettings()
        host = try c.decodeIfPresent(String.self, forKey: .host) ?? d.host
        port = try c.decodeIfPresent(Int.self, forKey: .port) ?? d.port
        certificatePath = try c.decodeIfPresent(String.self, forKey: .certificatePath)
        privateKeyPath = try c.decodeIfPresent(String.self, forKey: .privateKeyPath)
        clientCAPath = try c.decodeIfPresent(String.self, forKey: .clientCAPath)
        plainHTTP = try c.decodeIfPresent(Bool.self, forKey: .plainHTTP) ?? d.plainHTTP
        maxConcurrentCallsPerSystem = try c.decodeIfPresent(Int.self, forKey: .maxConcurrentCallsPerSystem) ?? d.maxConcurrentCallsPerSystem
        breachAlarmShare = try c.decodeIfPresent(Double.self, forKey: .breachAlarmShare) ?? d.breachAlarmShare
        slowClientGraceSeconds = try c.decodeIfPresent(Double.self, forKey: .slowClientGraceSeconds) ?? d.slowClientGraceSeconds
        auditRetentionDays = try c.decodeIfPresent(Int.self, forKey: .auditRetentionDays) ?? d.auditRetentionDays
    }

    enum CodingKeys: String, CodingKey {
        case host, port
        case certificatePath = "certificate_path"
        case privateKeyPath = "private_key_path"
        case clientCAPath = "client_ca_path"
        case plainHTTP = "plain_http"
        case maxConcurrentCallsPerSystem = "max_concurrent_calls_per_system"
        case breachAlarmShare = "breach_alarm_share"
        case slowClientGraceSeconds = "slow_client_grace_seconds"
        case auditRetentionDays = "audit_retention_days"
    }
}

/// The client certificate a calling system presents: by subject, by SHA-256 fingerprint,
/// or both (then both must match).
public struct SystemCertificate: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "gateway_system_certificate"
    public var system: String
    /// Distinguished name, e.g. `CN=sag-kbh,O=Københavns Kommune`.
    public var subject: String?
    /// `sha256:` and 64 lowercase hexadecimal digits of the DER certificate.
    public var fingerprint: String?
    /// The certificate's serial number (hex), known when an `ssl-certificate` change order
    /// registered it: shown in receipts so operators can match it with the issuer's records.
    /// The gateway does not compare it.
    public var serial: String?

    public init(system: String, subject: String? = nil, fingerprint: String? = nil, serial: String? = nil) {
        self.system = system
        self.subject = subject
        self.fingerprint = fingerprint
        self.serial = serial
    }

    /// Subject, fingerprint and serial as one line for receipts and the audit log.
    public var summary: String {
        [subject.map { "subject \($0)" }, fingerprint, serial.map { "serial \($0)" }].compactMap(\.self).joined(separator: ", ")
    }

    /// A fingerprint as operators copy it (`sha256:` or `SHA256:` prefix or none, hex
    /// digits with or without colons, any case) in the one form the gateway compares:
    /// `sha256:` and 64 lowercase hexadecimal digits. Nil when it is not one.
    public static func normaliseFingerprint(_ text: String) -> String? {
        var t = text.trimmingCharacters(in: .whitespaces).lowercased()
        if t.hasPrefix("sha256:") { t.removeFirst(7) }
        let hex = t.filter { $0 != ":" }
        guard hex.count == 64, hex.allSatisfy(\.isHexDigit) else { return nil }
        return "sha256:" + hex
    }
}

/// The gateway's part of the configuration: nil settings means no `gateway:` section.
public struct GatewayConfiguration: Sendable, Equatable {
    public var settings: GatewaySettings?
    public var certificates: [SystemCertificate]
    /// Systems' previous certificates still accepted during an `ssl-certificate` change
    /// order's overlap (from `gateway_certificate_overlap`). Not part of the configuration
    /// file: `config apply` leaves overlaps alone, and the change executor retires them.
    public var retiring: [SystemCertificate]

    public init(settings: GatewaySettings? = nil, certificates: [SystemCertificate] = [], retiring: [SystemCertificate] = []) {
        self.settings = settings
        self.certificates = certificates
        self.retiring = retiring
    }

    static func fetch(_ db: Database) throws -> GatewayConfiguration {
        var settings: GatewaySettings?
        if let json = try String.fetchOne(db, sql: "SELECT value FROM platform_setting WHERE key = 'gateway'") {
            settings = try JSONDecoder().decode(GatewaySettings.self, from: Data(json.utf8))
        }
        return GatewayConfiguration(settings: settings,
                                    certificates: try SystemCertificate.order(Column("system")).fetchAll(db),
                                    retiring: try CertificateOverlap.order(Column("system")).fetchAll(db).map(\.oldCertificate))
    }

    /// Called inside `replaceConfiguration`'s transaction, after the systems are saved.
    func save(_ db: Database) throws {
        try db.execute(sql: "DELETE FROM platform_setting WHERE key = 'gateway'")
        if let settings {
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            let json = String(decoding: try encoder.encode(settings), as: UTF8.self)
            try db.execute(sql: "INSERT INTO platform_setting (key, value) VALUES ('gateway', ?)", arguments: [json])
        }
        // The certificates of systems registered through the administration module are
        // theirs, not the file's (the file cannot name those systems).
        try db.execute(sql: """
            DELETE FROM gateway_system_certificate
            WHERE system NOT IN (SELECT name FROM receiver_system WHERE origin = 'admin')
            """)
        for c in certificates { try c.insert(db) }
    }
}
