#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Runtime

/// The built `udtraek` executable, run as a child process by tests that need a real
/// process: to kill it mid-run, or to read its peak memory (a child's rusage is not
/// disturbed by tests running in parallel in the test process).
public enum UdtraekCLI {
    /// `.build/<config>/udtraek` beside the test bundle, else the debug build.
    public static var executable: String {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("udtraek").path
        if FileManager.default.isExecutableFile(atPath: beside) { return beside }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/udtraek").path
    }

    /// Starts the CLI with its output going to `logPath`.
    public static func start(_ arguments: [String], logPath: String, environment: [String: String] = [:]) throws -> ChildProcess {
        try ChildProcess(executable: executable, arguments: arguments, logPath: logPath, environment: environment)
    }

    /// `run` as a job on the blocking executor, for async tests: waiting for the child must
    /// not hold one of the cooperative pool's few threads (other suites' tasks would starve).
    public static func runDetached(_ arguments: [String], environment: [String: String] = [:]) async throws -> (status: Int32, output: String, maxRSSKiB: Int) {
        try await BlockingExecutor.shared.run { try run(arguments, environment: environment) }
    }

    /// Runs the CLI to its end; returns (exit status, output, peak RSS in KiB).
    public static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, output: String, maxRSSKiB: Int) {
        let ended = try runReportingSignal(arguments, environment: environment)
        return (ended.status, ended.output, ended.maxRSSKiB)
    }

    /// How a CLI process ended: its exit status, or the signal that killed it.
    public struct Ended: Sendable {
        public var status: Int32
        /// The signal that ended the process (SIGKILL from a crash point), or nil after a normal exit.
        public var signal: Int32?
        public var output: String
        public var maxRSSKiB: Int
    }

    /// Runs the CLI to its end and says whether a signal ended it.
    public static func runReportingSignal(_ arguments: [String], environment: [String: String] = [:]) throws -> Ended {
        let log = NSTemporaryDirectory() + "udtraek-cli-\(UUID().uuidString).log"
        defer { try? FileManager.default.removeItem(atPath: log) }
        let child = try start(arguments, logPath: log, environment: environment)
        var status: Int32 = 0
        var usage = rusage()
        wait4(child.pid, &status, 0, &usage)
        child.markReaped()
        let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        let signalled = (status & 0x7F) != 0 && (status & 0x7F) != 0x7F
        return Ended(status: (status >> 8) & 0xFF, signal: signalled ? status & 0x7F : nil, output: output, maxRSSKiB: usage.ru_maxrss)
    }
}
