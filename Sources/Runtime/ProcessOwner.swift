#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// Names a process ("host:pid:start-time") and tells whether that process still exists, so
/// work a crashed process left claimed (a run left `running`, an outbox entry left
/// `delivering`) is told from work in flight in another live process (serve, `udtraek
/// extract run` and `udtraek deliver` share the database). The start time (from /proc)
/// guards against a reused pid.
public enum ProcessOwner {
    /// This process.
    public static let current: String = {
        let pid = getpid()
        return "\(hostName):\(pid):\(startTime(of: pid) ?? 0)"
    }()

    /// Whether `owner` is a live process. Owners on another host cannot be checked and
    /// count as alive: a shared store across hosts needs leases, not pids.
    public static func isAlive(_ owner: String) -> Bool {
        let parts = owner.split(separator: ":")
        guard parts.count == 3, let pid = Int32(parts[1]), let started = UInt64(parts[2]) else { return false }
        guard parts[0] == hostName else { return true }
        if kill(pid, 0) != 0 && errno != EPERM { return false }
        guard let actual = startTime(of: pid) else { return true }
        return actual == started
    }

    static let hostName: String = {
        var buffer = [CChar](repeating: 0, count: 256)
        gethostname(&buffer, buffer.count)
        return String(cString: buffer).replacingOccurrences(of: ":", with: "_")
    }()

    /// Field 22 of /proc/PID/stat: the start time in clock ticks since boot.
    static func startTime(of pid: Int32) -> UInt64? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // After the command name: state is field 3, so start time (22) is index 19.
        return fields.count > 19 ? UInt64(fields[19]) : nil
    }
}
