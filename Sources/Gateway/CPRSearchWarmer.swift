import Logging
import Runtime
import ServiceLifecycle
import SourceStubs

/// Keeps the register's search table on today's date, on the executor: built once at start
/// (seconds for a national register, which no search could pay for inside its 1.5 s) and
/// moved on when the day changes, so searches only ever read it.
final class CPRSearchWarmer: Service, Sendable {
    let population: CPRPopulation
    let today: CopenhagenDay
    let executor: BlockingExecutor
    let refresh: Duration
    let logger: Logger

    init(population: CPRPopulation, today: CopenhagenDay, executor: BlockingExecutor, refresh: Duration = .seconds(30), logger: Logger) {
        self.population = population
        self.today = today
        self.executor = executor
        self.refresh = refresh
        self.logger = logger
    }

    func run() async throws {
        let (refresh, executor, population, today) = (refresh, executor, population, today)
        try await PeriodicService(name: "gateway cpr search table", clock: today.clock, logger: logger, pass: {
            let day = today.today()
            _ = try? await executor.run { population.prepareSearch(on: day) }
            return refresh
        }).run()
    }
}
