import Foundation

/// Another process holding a SQLite database's write lock, for fault tests: the sqlite3
/// shell begins an IMMEDIATE transaction, creates `flag` once it holds the lock (so a test
/// waits on that, not on time), keeps the lock for `seconds`, and commits.
public enum DatabaseLockHolder {
    public static let shell = "/usr/bin/sqlite3"

    /// Whether the sqlite3 shell is installed (tests without it are skipped, with the reason).
    public static var isAvailable: Bool { FileManager.default.isExecutableFile(atPath: shell) }

    /// Starts the holder; stop it (or let it end) within the test's scope.
    public static func start(database: String, seconds: Int, flag: String, logPath: String) throws -> ChildProcess {
        try ChildProcess(executable: shell,
                         arguments: [database, "BEGIN IMMEDIATE;", ".shell touch '\(flag)'", ".shell sleep \(seconds)", "COMMIT;"],
                         logPath: logPath)
    }
}
