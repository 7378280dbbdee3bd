import Foundation
import GRDB

/// What kind of organisation acts on the platform.
public enum OrganisationKind: String, Codable, Sendable, CaseIterable {
    /// The platform itself: its helpdesk operators.
    case platform
    /// A supplier (leverandør) of IT systems, identified by its CVR number.
    case supplier
    /// A municipality (aftager), identified by its municipality code.
    case municipality
}

/// An organisation users belong to. Its id says its kind and number (`cvr:12345678`,
/// `kommune:0101`, `platform`), so an id read in a log or a URL says whose it is.
public struct Organisation: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "organisation"
    public var id: String
    public var kind: OrganisationKind
    public var name: String
    /// Eight digits, for a supplier.
    public var cvr: String?
    /// The municipality code (four digits), for a municipality.
    public var municipality: String?
    /// Where notices to the organisation go (an email address).
    public var noticeAddress: String?
    /// The municipality's monthly usage ceiling (forbrugsloft): lookups. Notifies, never blocks.
    public var ceilingLookups: Int?
    /// The municipality's monthly usage ceiling: bytes of extract files.
    public var ceilingBytes: Int64?
    public var createdAt: Date

    public init(id: String, kind: OrganisationKind, name: String, cvr: String? = nil, municipality: String? = nil,
                noticeAddress: String? = nil, ceilingLookups: Int? = nil, ceilingBytes: Int64? = nil, createdAt: Date) {
        self.id = id
        self.kind = kind
        self.name = name
        self.cvr = cvr
        self.municipality = municipality
        self.noticeAddress = noticeAddress
        self.ceilingLookups = ceilingLookups
        self.ceilingBytes = ceilingBytes
        self.createdAt = createdAt
    }

    /// The id of a supplier with this CVR number.
    public static func supplierID(cvr: String) -> String { "cvr:\(cvr)" }
    /// The id of the municipality with this code.
    public static func municipalityID(code: String) -> String { "kommune:\(code)" }
    /// The platform's own organisation, which the operators belong to.
    public static let platformID = "platform"

    enum CodingKeys: String, CodingKey {
        case id, kind, name, cvr, municipality
        case noticeAddress = "notice_address"
        case ceilingLookups = "ceiling_lookups"
        case ceilingBytes = "ceiling_bytes"
        case createdAt = "created_at"
    }
}

/// A user's role. Roles add up: a municipality's administrator is often its signatory too.
public enum Role: String, Codable, Sendable, CaseIterable, Comparable {
    /// The platform's helpdesk: sees everything, approves nothing on a municipality's behalf.
    case `operator`
    /// An organisation's administrator: its users, roles, tokens and notice address.
    case admin
    /// Registers systems, requests agreements, sees usage, for its own organisation.
    case user
    /// A municipality's signatory (underskriftsberettiget): approves and rejects its agreements.
    case signatory

    public static func < (a: Role, b: Role) -> Bool {
        (allCases.firstIndex(of: a) ?? 0) < (allCases.firstIndex(of: b) ?? 0)
    }
}

/// A person (or a script acting for one) who signs in with personal API tokens.
public struct User: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "app_user"
    public var id: Int64?
    public var organisation: String
    public var name: String
    public var email: String?
    /// Sorted, no repeats; JSON array text in the database.
    public var roles: [Role]
    public var createdAt: Date
    /// Set when the user was disabled: its tokens stop working.
    public var disabledAt: Date?

    public init(id: Int64? = nil, organisation: String, name: String, email: String? = nil, roles: [Role], createdAt: Date,
                disabledAt: Date? = nil) {
        self.id = id
        self.organisation = organisation
        self.name = name
        self.email = email
        self.roles = Array(Set(roles)).sorted()
        self.createdAt = createdAt
        self.disabledAt = disabledAt
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    enum CodingKeys: String, CodingKey {
        case id, organisation, name, email, roles
        case createdAt = "created_at"
        case disabledAt = "disabled_at"
    }
}

/// A personal API token. Only the SHA-256 of the secret is kept: the secret is shown once,
/// when the token is made, and cannot be read back from the database.
public struct APITokenRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "api_token"
    public var id: Int64?
    public var userId: Int64
    public var name: String
    /// Lowercase hexadecimal SHA-256 of the whole token text.
    public var digest: String
    /// The first characters of the token (`udt_1a2b`), so a person can tell their tokens apart.
    public var prefix: String
    public var createdAt: Date
    public var expiresAt: Date?
    public var revokedAt: Date?
    public var lastUsedAt: Date?

    public init(id: Int64? = nil, userId: Int64, name: String, digest: String, prefix: String, createdAt: Date,
                expiresAt: Date? = nil, revokedAt: Date? = nil, lastUsedAt: Date? = nil) {
        self.id = id
        self.userId = userId
        self.name = name
        self.digest = digest
        self.prefix = prefix
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.revokedAt = revokedAt
        self.lastUsedAt = lastUsedAt
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    /// Whether the token lets its user in at `now`.
    public func isUsable(at now: Date) -> Bool {
        revokedAt == nil && (expiresAt.map { now < $0 } ?? true)
    }

    enum CodingKeys: String, CodingKey {
        case id, name, digest, prefix
        case userId = "user_id"
        case createdAt = "created_at"
        case expiresAt = "expires_at"
        case revokedAt = "revoked_at"
        case lastUsedAt = "last_used_at"
    }
}

/// A system registered by its supplier through the administration module: who owns it,
/// the client certificate it calls the gateway with, where notices go, and its connection
/// agreement (tilslutningsaftale). Systems of the configuration file have none.
public struct SystemRegistration: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "system_registration"
    public var system: String
    /// The supplier organisation's id.
    public var supplier: String
    public var certificateSubject: String?
    /// `sha256:` and 64 lowercase hexadecimal digits.
    public var certificateFingerprint: String?
    public var certificateSerial: String?
    public var noticeAddress: String?
    /// A trial connection (prøvetilslutning): agreements come into force without a
    /// municipality's approval, for the synthetic test data only.
    public var trial: Bool
    /// The public half of the key the platform logs in to the system's inbox with, for
    /// the supplier to put in the inbox's `authorized_keys`.
    public var publicKey: String
    public var registeredBy: String
    public var registeredAt: Date

    public init(system: String, supplier: String, certificateSubject: String? = nil, certificateFingerprint: String? = nil,
                certificateSerial: String? = nil, noticeAddress: String? = nil, trial: Bool, publicKey: String,
                registeredBy: String, registeredAt: Date) {
        self.system = system
        self.supplier = supplier
        self.certificateSubject = certificateSubject
        self.certificateFingerprint = certificateFingerprint
        self.certificateSerial = certificateSerial
        self.noticeAddress = noticeAddress
        self.trial = trial
        self.publicKey = publicKey
        self.registeredBy = registeredBy
        self.registeredAt = registeredAt
    }

    enum CodingKeys: String, CodingKey {
        case system, supplier, trial
        case certificateSubject = "certificate_subject"
        case certificateFingerprint = "certificate_fingerprint"
        case certificateSerial = "certificate_serial"
        case noticeAddress = "notice_address"
        case publicKey = "public_key"
        case registeredBy = "registered_by"
        case registeredAt = "registered_at"
    }
}

/// Where an agreement's row came from: the configuration file (which `config apply`
/// replaces) or the administration module (which the file never touches).
public enum RecordOrigin: String, Codable, Sendable, CaseIterable {
    case config, admin
}

/// One step in an agreement's life, kept after the agreement itself is gone.
public struct AgreementEvent: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "agreement_event"
    public var id: Int64?
    public var agreementUUID: String
    public var at: Date
    public var actor: String
    /// `requested`, `approved`, `rejected`, `in-force`, `terminated`, `seeded`.
    public var event: String
    public var reason: String?

    public init(id: Int64? = nil, agreementUUID: String, at: Date, actor: String, event: String, reason: String? = nil) {
        self.id = id
        self.agreementUUID = agreementUUID
        self.at = at
        self.actor = actor
        self.event = event
        self.reason = reason
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    enum CodingKeys: String, CodingKey {
        case id, at, actor, event, reason
        case agreementUUID = "agreement_uuid"
    }
}

/// A notice to an organisation, queued in the same transaction as what it tells of. This
/// is the email outbox: a mail relay (or an operator's script) sends the pending rows and
/// marks them sent; nothing is lost while none runs.
public struct Notice: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "notice"
    public var id: Int64?
    public var at: Date
    public var organisation: String
    /// The address at the time; nil when the organisation has none (the row still records it).
    public var address: String?
    /// `agreement.requested`, `agreement.approved`, `usage.ceiling`, ...
    public var kind: String
    public var subject: String
    public var body: String
    public var sentAt: Date?

    public init(id: Int64? = nil, at: Date, organisation: String, address: String?, kind: String, subject: String, body: String,
                sentAt: Date? = nil) {
        self.id = id
        self.at = at
        self.organisation = organisation
        self.address = address
        self.kind = kind
        self.subject = subject
        self.body = body
        self.sentAt = sentAt
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    enum CodingKeys: String, CodingKey {
        case id, at, organisation, address, kind, subject, body
        case sentAt = "sent_at"
    }
}

/// One agreement's use in one calendar month (Copenhagen time): what "Se forbrug" shows.
public struct AgreementUsage: Codable, Sendable, Equatable {
    public var agreement: String
    public var system: String
    public var municipality: String
    public var service: String
    /// `YYYY-MM`.
    public var month: String
    public var lookups: Int
    public var extractFiles: Int
    public var extractBytes: Int64
    public var subscriptionFiles: Int

    public init(agreement: String, system: String, municipality: String, service: String, month: String, lookups: Int = 0,
                extractFiles: Int = 0, extractBytes: Int64 = 0, subscriptionFiles: Int = 0) {
        self.agreement = agreement
        self.system = system
        self.municipality = municipality
        self.service = service
        self.month = month
        self.lookups = lookups
        self.extractFiles = extractFiles
        self.extractBytes = extractBytes
        self.subscriptionFiles = subscriptionFiles
    }

    enum CodingKeys: String, CodingKey {
        case agreement, system, municipality, service, month, lookups
        case extractFiles = "extract_files"
        case extractBytes = "extract_bytes"
        case subscriptionFiles = "subscription_files"
    }
}
