#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Runtime

/// A process started with posix_spawn, output to a log file, stoppable with everything
/// it forked. Foundation's `Process` cannot redirect to a file descriptor we own and
/// leaves children behind, which matters for sshd (its per-connection children call
/// setsid and would keep a transfer alive after the listener is killed).
public final class ChildProcess: @unchecked Sendable {
    public let pid: pid_t
    private let lock = NSLock()
    private var reaped = false
    private var status: Int32?

    /// - Parameter environment: variables set for the child on top of this process's own
    ///   (the chaos harness arms crash points this way).
    public init(executable: String, arguments: [String], logPath: String, environment: [String: String] = [:]) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, logPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        var variables = ProcessInfo.processInfo.environment
        variables.merge(environment) { _, new in new }
        let envp: [UnsafeMutablePointer<CChar>?] = variables.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { envp.forEach { free($0) } }
        let rc = posix_spawn(&pid, executable, &actions, nil, argv, envp)
        guard rc == 0 else {
            throw HarnessError("starting \(executable) failed: \(String(cString: strerror(rc)))")
        }
        self.pid = pid
    }

    deinit { stop(signal: SIGKILL) }

    /// Runs a tool (`mount`, `sqlite3`) to its end; returns its exit status and output.
    public static func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let log = NSTemporaryDirectory() + "udtraek-tool-\(UUID().uuidString).log"
        defer { try? FileManager.default.removeItem(atPath: log) }
        let child = try ChildProcess(executable: executable, arguments: arguments, logPath: log)
        var status: Int32 = 0
        waitpid(child.pid, &status, 0)
        child.markReaped()
        return ((status >> 8) & 0xFF, (try? String(contentsOfFile: log, encoding: .utf8)) ?? "")
    }

    /// For callers that reaped the process themselves (with wait4, to read its rusage).
    public func markReaped() {
        lock.lock(); defer { lock.unlock() }
        reaped = true
    }

    /// Leaves the process running on its own: `stop` and `deinit` no longer signal it.
    /// When this process exits, the child is re-parented and keeps running.
    public func detach() {
        lock.lock(); defer { lock.unlock() }
        reaped = true
    }

    /// Whether the process has exited (reaps it if so).
    public var hasExited: Bool {
        lock.lock(); defer { lock.unlock() }
        if reaped { return true }
        var raw: Int32 = 0
        if waitpid(pid, &raw, WNOHANG) == pid {
            reaped = true
            status = raw
        }
        return reaped
    }

    /// The exit status once the process has exited and was reaped here: its exit code, or
    /// 128 + the signal that ended it (as a shell reports it); nil before.
    public var exitStatus: Int32? {
        guard hasExited else { return nil }
        lock.lock(); defer { lock.unlock() }
        guard let raw = status else { return nil }
        let signal = raw & 0x7F
        return signal == 0 ? (raw >> 8) & 0xFF : 128 + signal
    }

    /// Sends `signal` to the process and all its descendants, then reaps it.
    public func stop(signal: Int32 = SIGTERM) {
        lock.lock(); defer { lock.unlock() }
        guard !reaped else { return }
        for child in Self.descendants(of: pid) { kill(child, signal) }
        kill(pid, signal)
        var raw: Int32 = 0
        defer { status = raw }
        for _ in 0..<200 {
            if waitpid(pid, &raw, WNOHANG) == pid { reaped = true; return }
            usleep(10_000)
        }
        kill(pid, SIGKILL)
        waitpid(pid, &raw, 0)
        reaped = true
    }

    /// Waits (as a job on the blocking executor, checking every millisecond) until the
    /// process exits, and returns when it did on the monotonic clock, so a test can time a
    /// child without its own task's delays counted in; nil if it still runs after `limit`.
    public func waitForExit(within limit: Duration = .seconds(120)) async -> ContinuousClock.Instant? {
        try? await BlockingExecutor.shared.run { [self] () -> ContinuousClock.Instant? in
            let clock = ContinuousClock()
            let deadline = clock.now + limit
            while clock.now < deadline {
                if hasExited { return clock.now }
                usleep(1000)
            }
            return hasExited ? clock.now : nil
        }
    }

    /// Sends `signal` to the process only, and returns at once (see `hasExited`).
    public func send(_ signal: Int32) {
        lock.lock(); defer { lock.unlock() }
        guard !reaped else { return }
        kill(pid, signal)
    }

    /// Kills only the descendants (the per-connection children), leaving the parent.
    public func killDescendants(signal: Int32 = SIGKILL) {
        for child in Self.descendants(of: pid) { kill(child, signal) }
    }

    /// All transitive children of `root`, read from /proc.
    static func descendants(of root: pid_t) -> [pid_t] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        var parents: [pid_t: [pid_t]] = [:]
        for entry in entries {
            guard let pid = pid_t(entry),
                  let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { continue }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            if fields.count > 1, let ppid = pid_t(fields[1]) { parents[ppid, default: []].append(pid) }
        }
        var result: [pid_t] = []
        var queue = parents[root] ?? []
        while let next = queue.popLast() {
            result.append(next)
            queue.append(contentsOf: parents[next] ?? [])
        }
        return result
    }
}

/// A failure of the test harness itself (not of the code under test).
public struct HarnessError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
