import Foundation
import UdtraekTesting

/// What happened at one crash point.
struct ChaosOutcome: Sendable {
    var chaosCase: ChaosCase
    /// The armed process died by SIGKILL (the point was reached).
    var killed = false
    /// The invariants held after resuming, and after how many rounds.
    var recovered = false
    var rounds = 0
    var verdict = ChaosVerdict()
    /// Why it failed, when it did: the point not reached, a setup error, the findings.
    var note = ""
    var transcript = ""
    var passed: Bool { killed && recovered && verdict.holds && note.isEmpty }
}

/// Kills the real `udtraek` at a crash point, resumes the work and checks the invariants.
enum ChaosHarness {
    /// How many rounds of resuming a crash may need (a crash during recovery itself is not
    /// armed again, so one should do; more would hide a slow convergence).
    static let maxRounds = 3

    static func run(_ c: ChaosCase) async -> ChaosOutcome {
        var outcome = ChaosOutcome(chaosCase: c)
        do {
            try await withChaosFixture(configExtra: c.scenario.configExtra, routing: c.scenario.routing) { fx in
                defer { outcome.transcript = fx.transcriptText }
                try await c.scenario.setup(fx)
                let trace = fx.directory + "/crash-trace"
                let arguments = c.scenario.crashing.map { $0.replacingOccurrences(of: "{dir}", with: fx.directory) }
                let crashed = try await fx.udtraek(arguments, environment: ["UDTRAEK_CRASH_AT": c.point, "UDTRAEK_CRASH_TRACE": trace])
                outcome.killed = crashed.killed
                guard crashed.killed else {
                    outcome.note = "not reached (exit \(crashed.status.map(String.init) ?? "timed out")); points reached: \(reached(trace))"
                    return
                }
                for round in 1...maxRounds {
                    outcome.rounds = round
                    try await c.scenario.resume(fx)
                    outcome.verdict = try c.scenario.check(fx)
                    if outcome.verdict.holds { break }
                }
                outcome.recovered = outcome.verdict.holds
                if !outcome.recovered { outcome.note = outcome.verdict.findings.joined(separator: "; ") }
            }
        } catch {
            outcome.note = "harness error: \(error)"
        }
        return outcome
    }

    /// The distinct points a traced process passed, in the order first reached.
    static func reached(_ trace: String) -> String {
        let lines = ((try? String(contentsOfFile: trace, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
        var seen: [String: Int] = [:]
        var order: [String] = []
        for line in lines {
            if seen[line] == nil { order.append(line) }
            seen[line, default: 0] += 1
        }
        return order.isEmpty ? "none" : order.map { seen[$0]! > 1 ? "\($0) x\(seen[$0]!)" : $0 }.joined(separator: ", ")
    }

    /// point | scenario | killed | recovered | lost | duplicated | partial | result, then totals.
    static func table(_ outcomes: [ChaosOutcome]) -> String {
        let header = ["point", "scenario", "killed", "recovered", "lost", "duplicated", "partial", "result"]
        var rows = outcomes.map { o in
            [o.chaosCase.point, o.chaosCase.scenario.name, o.killed ? "yes" : "NO", o.recovered ? "yes" : "NO",
             "\(o.verdict.lost)", "\(o.verdict.duplicated)", "\(o.verdict.partial)", o.passed ? "pass" : "FAIL"]
        }
        let failed = outcomes.filter { !$0.passed }
        let distinct = Set(outcomes.map { String($0.chaosCase.point.split(separator: "#")[0]) }).count
        rows.append(["TOTAL \(outcomes.count) (\(distinct) distinct points)", "", "\(outcomes.filter(\.killed).count)",
                     "\(outcomes.filter(\.recovered).count)", "\(outcomes.map(\.verdict.lost).reduce(0, +))",
                     "\(outcomes.map(\.verdict.duplicated).reduce(0, +))", "\(outcomes.map(\.verdict.partial).reduce(0, +))",
                     failed.isEmpty ? "pass" : "\(failed.count) FAIL"])
        let widths = header.indices.map { i in ([header] + rows).map { $0[i].count }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(separator: " | ")
        }
        var text = [line(header), widths.map { String(repeating: "-", count: $0) }.joined(separator: "-|-")]
        text += rows.dropLast().map(line)
        text.append(text[1])
        text.append(line(rows.last!))
        for o in failed { text.append("FAIL \(o.chaosCase.id): \(o.note)") }
        return text.joined(separator: "\n") + "\n"
    }
}
