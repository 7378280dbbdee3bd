import GRDB

/// Who this platform is towards receivers: the sender named in every metadata document.
public struct PlatformSettings: Sendable, Equatable, Codable {
    /// `Sender` in metadata: the sending SFTP user or system. Receiver clients that
    /// validate metadata compare it with the sender they expect.
    public var sender: String
    /// `SenderItSystem` in the routing info (the platform's IT-system UUID), if set.
    public var senderItSystem: String?

    public init(sender: String = "udtraek", senderItSystem: String? = nil) {
        self.sender = sender
        self.senderItSystem = senderItSystem
    }

    static func fetch(_ db: Database) throws -> PlatformSettings {
        let rows = try Row.fetchAll(db, sql: "SELECT key, value FROM platform_setting")
        var values: [String: String] = [:]
        for row in rows { values[row["key"]] = row["value"] }
        return PlatformSettings(sender: values["sender"] ?? "udtraek", senderItSystem: values["sender_it_system"])
    }

    func save(_ db: Database) throws {
        try db.execute(sql: "DELETE FROM platform_setting WHERE key IN ('sender', 'sender_it_system')")
        try db.execute(sql: "INSERT INTO platform_setting (key, value) VALUES ('sender', ?)", arguments: [sender])
        if let senderItSystem {
            try db.execute(sql: "INSERT INTO platform_setting (key, value) VALUES ('sender_it_system', ?)", arguments: [senderItSystem])
        }
    }
}
