import Delivery
import Foundation
import Logging
import Runtime
import ServiceLifecycle
import Store
import Testing
import UdtraekTesting
#if canImport(Glibc)
import Glibc
#endif

/// serve's delivery worker: one session per receiver across a backlog, and a stop that lets
/// the delivery in flight finish and starts no other.
@Suite struct DeliveryWorkerTests {
    /// A backlog where the first (large) file's upload is held still by stopping the sshd's
    /// connection process once it has begun, so a test can stop the worker while exactly
    /// that delivery is in flight.
    struct Backlog {
        let fx: DeliveryFixture
        let large: OutboxEntry
        let small: [OutboxEntry]

        init(_ fx: DeliveryFixture, service: DeliveryService) throws {
            self.fx = fx
            large = try service.enqueue(localPath: try fx.makeFile("D261124.L000300", size: 48 << 20), system: "modtager",
                                        ownedBySpool: false)
            small = try ["D261124.L000301", "D261124.L000302"].map {
                try service.enqueue(localPath: try fx.makeFile($0, size: 1000), system: "modtager", ownedBySpool: false)
            }
        }

        /// Stalls the large file's upload the instant it has begun; start it before the
        /// worker, and wait for it with `seen()`.
        func stallTheFirstUpload() throws -> ConditionWatch {
            let (sshd, inbox) = (fx.sshd, fx.inbox())
            return try ConditionWatch({ DeliveryFailureTests.uploadHasReached(1, in: inbox) },
                                      then: { sshd.signalConnections(SIGSTOP) })
        }

        /// Resumes the stalled upload.
        func resume() { fx.sshd.signalConnections(SIGCONT) }

        /// The large file delivered, the others untouched and still queued.
        func expectOnlyTheFlightDelivered() throws {
            #expect(try fx.store.outboxEntry(id: large.id!)?.state == .delivered)
            for entry in small {
                #expect(try fx.store.outboxEntry(id: entry.id!)?.state == .ready)
            }
            #expect(fx.inboxNames() == ["D261124.L000300", "D261124.L000300.metadata"])
        }
    }

    @Test func aPassDeliversTheBacklogOverOneSessionPerReceiver() async throws {
        let fx = try DeliveryFixture(systems: ["modtager", "anden"])
        defer { fx.tearDown() }
        let service = fx.service()
        for i in 1...4 {
            for system in ["modtager", "anden"] {
                _ = try service.enqueue(localPath: try fx.makeFile("\(system)-\(i)", size: 5000), system: system,
                                        fileName: "D261124.L00040\(i)", ownedBySpool: false)
            }
        }
        let worker = DeliveryWorker(delivery: service, poll: .seconds(3600))
        let records = try await worker.deliverDue()
        #expect(records.count == 8)
        #expect(records.allSatisfy { $0.outcome == .delivered }, "\(records.map { $0.error ?? "" })")
        #expect(fx.acceptedLogins == 2, "one login per receiver: \(fx.sshd.log)")
    }

    @Test(.timeLimit(.minutes(10))) func aGracefulShutdownLetsTheDeliveryInFlightFinishAndStartsNoOther() async throws {
        let fx = try DeliveryFixture()
        defer { fx.tearDown() }
        let service = fx.service()
        let backlog = try Backlog(fx, service: service)
        let worker = DeliveryWorker(delivery: service, poll: .seconds(3600))
        let group = ServiceGroup(configuration: .init(services: [.init(service: worker)], logger: Logger(label: "test.delivery")))
        let stall = try backlog.stallTheFirstUpload()
        let running = Task { try await group.run() }
        try #require(await stall.seen(), "the first upload never started")
        await group.triggerGracefulShutdown()
        // The group hands the shutdown to the worker in a task of its own: resume only once
        // the delivery in flight has seen it.
        try #require(await eventually { worker.isStopping }, "the worker never saw the shutdown")
        backlog.resume()
        try await running.value
        try backlog.expectOnlyTheFlightDelivered()
    }

    @Test(.timeLimit(.minutes(10))) func cancellationLetsTheDeliveryInFlightFinishAndStartsNoOther() async throws {
        let fx = try DeliveryFixture()
        defer { fx.tearDown() }
        let service = fx.service()
        let backlog = try Backlog(fx, service: service)
        let worker = DeliveryWorker(delivery: service, poll: .seconds(3600))
        let stall = try backlog.stallTheFirstUpload()
        let running = Task { try await worker.run() }
        try #require(await stall.seen(), "the first upload never started")
        running.cancel()
        #expect(worker.isStopping)
        backlog.resume()
        try await running.value
        try backlog.expectOnlyTheFlightDelivered()
    }

    @Test func theWorkerSleepsOnItsClockAndANudgeWakesIt() async throws {
        let fx = try DeliveryFixture()
        defer { fx.tearDown() }
        let time = ManualClock()
        let service = fx.service(clock: time.clock)
        let worker = DeliveryWorker(delivery: service, poll: .seconds(3600), clock: time.clock)
        let running = Task { try await worker.run() }
        await time.waitForSleepers(atLeast: 1)
        let entry = try service.enqueue(localPath: try fx.makeFile("D261124.L000500", size: 100), system: "modtager",
                                        ownedBySpool: false)
        worker.nudge()
        let delivered = try await eventually { try fx.store.outboxEntry(id: entry.id!)?.state == .delivered }
        #expect(delivered)
        running.cancel()
        try await running.value
    }
}
