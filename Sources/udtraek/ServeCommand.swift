import ArgumentParser
import Delivery
import Dispatch
import Extracts
import Foundation
import Logging
import Store
#if canImport(Glibc)
import Glibc
#endif

/// The long-running service: recovers what a crash left, then delivers due outbox
/// entries (with their retries) until SIGTERM or SIGINT, finishing the delivery in flight.
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the delivery worker: recover at start-up, then deliver and retry until stopped.")
    @OptionGroup var global: GlobalOptions
    @Option(help: "Seconds between outbox passes when nothing is due.") var poll: Double = 5
    @Flag(help: "Recover, do one pass, and exit (for cron).") var once = false

    func run() throws {
        var options = global
        if options.logLevel == .warning { options.logLevel = .info }
        options.bootstrapLogging()
        let logger = Logger(label: "udtraek.serve")
        let store = try Store(stateDirectory: global.stateDirectory)

        let lock = try StateLock(stateDirectory: global.stateDirectory, exclusive: true)
        let runner = ExtractRunner(store: store, stateDirectory: global.stateDirectory, logger: logger)
        for line in try runner.recoverAtStartup() { logger.notice("\(line)") }
        for entry in try store.recoverInterruptedDeliveries(now: Date()) {
            logger.notice("delivery of \(entry.fileName) to \(entry.system) was interrupted; queued again")
        }
        lock.downgrade()

        let stop = StopFlag()
        let sources = [SIGTERM, SIGINT].map { sig -> DispatchSourceSignal in
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { stop.set(); logger.notice("stopping after the delivery in flight") }
            source.resume()
            return source
        }
        defer { sources.forEach { $0.cancel() } }

        let service = DeliveryService(store: store, logger: logger)
        logger.notice("serving \(global.stateDirectory)")
        repeat {
            // One entry per pass step, so a stop request is seen between deliveries.
            while !stop.isSet, !service.deliverDue(limit: 1).isEmpty {}
            if once || stop.isSet { break }
            stop.wait(seconds: poll)
        } while !stop.isSet
        logger.notice("stopped")
    }
}

/// Set once by a signal handler; waited on by the worker loop.
final class StopFlag: @unchecked Sendable {
    private let condition = NSCondition()
    private var stopped = false

    var isSet: Bool { condition.withLock { stopped } }

    func set() {
        condition.withLock { stopped = true; condition.broadcast() }
    }

    func wait(seconds: Double) {
        condition.withLock {
            if !stopped { _ = condition.wait(until: Date().addingTimeInterval(seconds)) }
        }
    }
}
