import Store

/// How the monitor logs in to read one receiver's inbox.
public enum InboxLogin: Sendable, Equatable {
    /// The platform's monitoring login for the host: one session sees every inbox root on it.
    case shared(MonitorLogin)
    /// The receiver's own key (as deliveries use it): one session per receiver.
    case own(ReceiverSystem)

    /// Sessions are pooled under this key.
    var sessionKey: String {
        switch self {
        case .shared(let l): return "login:\(l.user)@\(l.host):\(l.port)"
        case .own(let s): return "system:\(s.name)"
        }
    }
}

/// One receiver's inbox as the monitor reads it.
public struct InboxTarget: Sendable, Equatable {
    public var system: String
    /// `host:port`: the unit of "one session per inbox host at a time".
    public var host: String
    public var login: InboxLogin
    /// Prefix from the login's start directory to the system's inbox root
    /// ("" for the system's own login, `inboxes/NAME/` for a shared one).
    public var rootPrefix: String
    /// Folders to list, relative to the inbox root (`IN`, and `IN/processed` for `moved`).
    public var directories: [String]

    /// Builds the target for a system, using the host's monitoring login when there is one.
    public static func make(system: ReceiverSystem, logins: [MonitorLogin], directories: [String]) -> InboxTarget {
        let host = "\(system.sftpHost):\(system.sftpPort)"
        if let login = logins.first(where: { $0.host == system.sftpHost && $0.port == system.sftpPort }) {
            var root = login.inboxRoot.replacingOccurrences(of: "{system}", with: system.name)
                .replacingOccurrences(of: "{user}", with: system.sftpUser)
            if !root.isEmpty && !root.hasSuffix("/") { root += "/" }
            return InboxTarget(system: system.name, host: host, login: .shared(login), rootPrefix: root, directories: directories)
        }
        return InboxTarget(system: system.name, host: host, login: .own(system), rootPrefix: "", directories: directories)
    }
}

/// What one pass read of one inbox.
public struct InboxListing: Sendable {
    public var system: String
    /// Entries by folder (relative to the inbox root), then by name. A folder that does not
    /// exist (a `moved` folder not made yet) is an empty listing.
    public var folders: [String: [String: SFTPEntryInfo]]
    /// Set when the inbox could not be read; then `folders` is empty.
    public var error: InboxError?
}

/// The attributes the monitor uses, copied out of the SFTP listing.
public struct SFTPEntryInfo: Sendable, Equatable {
    public var accessTime: UInt?
    public var modificationTime: UInt?
    public var isRegularFile: Bool

    public init(accessTime: UInt?, modificationTime: UInt?, isRegularFile: Bool = true) {
        self.accessTime = accessTime
        self.modificationTime = modificationTime
        self.isRegularFile = isRegularFile
    }
}
