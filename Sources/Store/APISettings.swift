import Foundation
import GRDB

/// An operator token of the admin API: its name is who the audit log says acted.
public struct APIToken: Codable, Sendable, Equatable {
    public var name: String
    public var secret: SecretSource

    public init(name: String, secret: SecretSource) {
        self.name = name
        self.secret = secret
    }
}

/// The admin API (`api:` in the configuration): where `udtraek serve` listens for
/// operators and schedulers, and which tokens it accepts.
public struct APISettings: Codable, Sendable, Equatable {
    /// host:port; nil means the API is off.
    public var listen: String?
    public var tokens: [APIToken]

    public init(listen: String? = nil, tokens: [APIToken] = []) {
        self.listen = listen
        self.tokens = tokens
    }

    static func fetch(_ db: Database) throws -> APISettings {
        guard let text = try String.fetchOne(db, sql: "SELECT value FROM platform_setting WHERE key = 'api'") else {
            return APISettings()
        }
        return (try? JSONDecoder().decode(APISettings.self, from: Data(text.utf8))) ?? APISettings()
    }

    func save(_ db: Database) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let text = String(decoding: try encoder.encode(self), as: UTF8.self)
        try db.execute(sql: "INSERT OR REPLACE INTO platform_setting (key, value) VALUES ('api', ?)", arguments: [text])
    }
}

extension Store {
    public func apiSettings() throws -> APISettings {
        try read("reading the API settings") { db in try APISettings.fetch(db) }
    }
}
