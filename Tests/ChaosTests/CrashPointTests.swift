import Foundation
import Testing
import UdtraekTesting

/// Issue 15 item 3: kill -9 of the real `udtraek` process at named crash points, restart
/// the work, and require that every extract ends delivered exactly once, that nothing
/// partial is visible under a final name in the inbox, and that nothing is lost or
/// duplicated in the state database.
///
/// The short version (one or two points per area) runs with every `make test`; `make chaos`
/// runs every point (`UDTRAEK_CHAOS=all`) and prints the table.
@Suite(.serialized) struct CrashPointTests {
    @Test(arguments: CrashPointCatalog.short)
    func aCrashAtThisPointLosesNothing(_ id: String) async throws {
        let c = try #require(CrashPointCatalog.named(id), "no crash case \(id)")
        let outcome = await ChaosHarness.run(c)
        let passed = outcome.passed
        #expect(passed, "\(ChaosHarness.table([outcome]))\n\(outcome.transcript)")
    }

    /// `UDTRAEK_CHAOS=all` runs every point; `UDTRAEK_CHAOS=routing,refusal` the points of
    /// those scenarios only.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["UDTRAEK_CHAOS"] != nil))
    func everyCrashPoint() async throws {
        #expect(CrashPointCatalog.distinctPoints.count >= 50)
        let chosen = ProcessInfo.processInfo.environment["UDTRAEK_CHAOS"] ?? "all"
        let scenarios = Set(chosen.split(separator: ",").map(String.init))
        var outcomes: [ChaosOutcome] = []
        for c in CrashPointCatalog.all where chosen == "all" || scenarios.contains(c.scenario.name) {
            let outcome = await ChaosHarness.run(c)
            print("chaos: \(c.id): \(outcome.passed ? "pass" : "FAIL \(outcome.note)")")
            if !outcome.passed, ProcessInfo.processInfo.environment["UDTRAEK_CHAOS_VERBOSE"] != nil {
                print(outcome.transcript)
            }
            outcomes.append(outcome)
        }
        let table = ChaosHarness.table(outcomes)
        if let path = ProcessInfo.processInfo.environment["UDTRAEK_CHAOS_TABLE"] {
            try table.write(toFile: path, atomically: true, encoding: .utf8)
        }
        print(table)
        #expect(outcomes.allSatisfy { $0.passed }, "\(table)")
    }
}
