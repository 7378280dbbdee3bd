#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Synchronization

/// Named places where the crash-point harness (`make chaos`) kills the process with
/// SIGKILL, to prove that a crash at that exact step loses nothing, delivers nothing twice
/// and leaves nothing partial under a final name.
///
/// Armed only in debug builds (the ones tests run) and only through the environment:
/// `UDTRAEK_CRASH_AT=delivery.after-rename` kills at the first time that point is reached,
/// `UDTRAEK_CRASH_AT=delivery.after-rename#3` at the third. With `UDTRAEK_CRASH_TRACE=FILE`
/// every point reached is appended to FILE, so the harness can list the points a scenario
/// passes through. In release builds `reach` compiles to nothing.
public enum CrashPoint {
    #if DEBUG
    struct Armed: Sendable {
        var name: String
        var occurrence: Int
    }

    static let armed: Armed? = {
        guard let spec = ProcessInfo.processInfo.environment["UDTRAEK_CRASH_AT"], !spec.isEmpty else { return nil }
        let parts = spec.split(separator: "#", maxSplits: 1)
        let occurrence = parts.count == 2 ? Int(parts[1]) ?? 1 : 1
        return Armed(name: String(parts[0]), occurrence: max(1, occurrence))
    }()

    static let trace: Int32? = {
        guard let path = ProcessInfo.processInfo.environment["UDTRAEK_CRASH_TRACE"], !path.isEmpty else { return nil }
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        return fd >= 0 ? fd : nil
    }()

    static let reached = Atomic<Int>(0)
    #endif

    /// Marks the point `name`; kills the process here when the harness armed it.
    @inline(__always)
    public static func reach(_ name: StaticString) {
        #if DEBUG
        if let trace {
            let line = "\(name)\n"
            _ = line.withCString { write(trace, $0, strlen($0)) }
        }
        guard let armed, armed.name == "\(name)" else { return }
        if reached.add(1, ordering: .relaxed).newValue == armed.occurrence {
            kill(getpid(), SIGKILL)
            // SIGKILL cannot be caught; nothing runs after it.
        }
        #endif
    }
}
