import Delivery
import Foundation
import Runtime
import SFTPClient
import Store
import Synchronization
import Testing
import UdtraekTesting

@Suite struct DeliveryTests {
    @Test func deliversContentSizeAndChecksumWithMetadata() async throws {
        try await offThePool {
            let fx = try DeliveryFixture()
            defer { fx.tearDown() }
            let local = try fx.makeFile("D261123.L000001", size: 3_000_017)
            let service = fx.service()
            let entry = try service.enqueue(localPath: local, system: "modtager", ownedBySpool: false,
                                            routing: RoutingInfo(infRef: "cpr-udtraek"))
            let record = try service.deliverNow(outboxId: entry.id!)
            #expect(record.outcome == .delivered, "\(record.error ?? "")")

            let remote = fx.inbox() + "/D261123.L000001"
            let expected = try sha256sum(local)
            #expect(try sha256sum(remote) == expected)
            #expect(record.sha256 == expected)
            #expect(record.bytes == 3_000_017)
            #expect((record.throughput ?? 0) > 0)
            #expect(fx.inboxNames() == ["D261123.L000001", "D261123.L000001.metadata"])

            let metadata = try MetadataParser.parse(path: remote + ".metadata")
            #expect(metadata.rootName == "ns2:Trigger")
            #expect(metadata.rootNamespace == MetadataDocument.namespace)
            #expect(metadata["FileName"] == "D261123.L000001")
            #expect(metadata["SizeInBytes"] == "3000017")
            #expect(metadata["Sender"] == "udtraek-test")
            #expect(metadata.all("Recipients") == [LocalSSHD.loginUser])
            #expect(metadata["FileTransferUUID"] == record.transferUUID)
            #expect(metadata["SendersFileId"] == entry.sendersFileId)
            #expect(metadata["InfRef"] == "cpr-udtraek")
            #expect(metadata["udtraek:SHA256"] == expected)

            let stored = try #require(try fx.store.outboxEntry(id: entry.id!))
            #expect(stored.state == .delivered)
            #expect(try fx.store.deliveries().first?.outcome == .delivered)
        }
    }

    @Test func namesWithSpacesAndDanishLetters() async throws {
        try await offThePool {
            let fx = try DeliveryFixture()
            defer { fx.tearDown() }
            let local = try fx.makeFile("source", size: 1000)
            let service = fx.service()
            let name = "Udtræk for Århus Øst – æøå ÆØÅ é ü.txt"
            let entry = try service.enqueue(localPath: local, system: "modtager", fileName: name, ownedBySpool: false)
            let record = try service.deliverNow(outboxId: entry.id!)
            #expect(record.outcome == .delivered, "\(record.error ?? "")")
            #expect(fx.inboxNames() == [name, name + ".metadata"])
            #expect(try MetadataParser.parse(path: fx.inbox() + "/" + name + ".metadata")["FileName"] == name)
        }
    }

    @Test func badFileNamesAreRefusedBeforeQueueing() async throws {
        try await offThePool {
            let fx = try DeliveryFixture()
            defer { fx.tearDown() }
            let local = try fx.makeFile("source", size: 10)
            for bad in ["", ".hidden", "a/b", "x.metadata", "tab\there"] {
                #expect(throws: DeliveryError.self) {
                    _ = try fx.service().enqueue(localPath: local, system: "modtager", fileName: bad, ownedBySpool: false)
                }
            }
            #expect(try fx.store.outbox().isEmpty)
        }
    }

    @Test func existingTargetIsRefusedAndLeftAlone() async throws {
        try await offThePool {
            let fx = try DeliveryFixture()
            defer { fx.tearDown() }
            let old = Data("the receiver's unread file".utf8)
            FileManager.default.createFile(atPath: fx.inbox() + "/D261123.L000002", contents: old)
            let local = try fx.makeFile("D261123.L000002", size: 5000)
            let service = fx.service()
            let entry = try service.enqueue(localPath: local, system: "modtager", ownedBySpool: false)
            let record = try service.deliverNow(outboxId: entry.id!)
            #expect(record.outcome == .failed)
            #expect(record.errorCode == "sftp.targetExists")
            #expect(FileManager.default.contents(atPath: fx.inbox() + "/D261123.L000002") == old)
            #expect(fx.inboxNames() == ["D261123.L000002"])
            // Permanent: an operator decides; no automatic retry.
            #expect(try fx.store.outboxEntry(id: entry.id!)?.state == .error)
        }
    }

    @Test func replacePolicySwapsOnlyWhenTheNewFileIsComplete() async throws {
        try await offThePool {
            let fx = try DeliveryFixture(policies: ["modtager": .replace])
            defer { fx.tearDown() }
            FileManager.default.createFile(atPath: fx.inbox() + "/D261123.L000003", contents: Data("old".utf8))
            FileManager.default.createFile(atPath: fx.inbox() + "/D261123.L000003.metadata", contents: Data("old".utf8))
            let local = try fx.makeFile("D261123.L000003", size: 70_000)
            let service = fx.service()
            let record = try service.deliverNow(outboxId: try service.enqueue(localPath: local, system: "modtager", ownedBySpool: false).id!)
            #expect(record.outcome == .delivered, "\(record.error ?? "")")
            #expect(try sha256sum(fx.inbox() + "/D261123.L000003") == (try sha256sum(local)))
            #expect(try MetadataParser.parse(path: fx.inbox() + "/D261123.L000003.metadata")["SizeInBytes"] == "70000")
            #expect(fx.inboxNames() == ["D261123.L000003", "D261123.L000003.metadata"])
        }
    }

    @Test func spoolFilesAreRemovedAfterDelivery() async throws {
        try await offThePool {
            let fx = try DeliveryFixture()
            defer { fx.tearDown() }
            let local = try fx.makeFile("D261124.L000001", size: 100)
            let service = fx.service()
            _ = try service.enqueue(localPath: local, system: "modtager", ownedBySpool: true)
            let records = service.deliverDue()
            #expect(records.map(\.outcome) == [.delivered])
            #expect(!FileManager.default.fileExists(atPath: local))
        }
    }

    @Test func serverDownIsRetriedWithBackoff() async throws {
        try await offThePool {
            let fx = try DeliveryFixture()
            defer { fx.tearDown() }
            fx.sshd.stop()
            let local = try fx.makeFile("D261123.L000004", size: 100)
            let start = Date(timeIntervalSince1970: 1_800_000_000)
            let service = fx.service(settings: DeliverySettings(connectTimeout: .seconds(2)), clock: ManualClock(start: start).clock)
            let entry = try service.enqueue(localPath: local, system: "modtager", ownedBySpool: false)
            let record = try service.deliverNow(outboxId: entry.id!)
            #expect(record.outcome == .failed)
            #expect(record.errorCode == "sftp.connect")
            let after = try #require(try fx.store.outboxEntry(id: entry.id!))
            #expect(after.state == .ready)
            // First retry after the initial 30 s (jitter fixed at the midpoint by the fixture).
            #expect(after.nextAttemptAt == start.addingTimeInterval(30))
            #expect(after.lastError?.contains("Nothing listens") == true)
            // Not due yet: a pass delivers nothing.
            #expect(service.deliverDue().isEmpty)
        }
    }

    @Test func hostKeyMismatchIsPermanentAndSendsNothing() async throws {
        try await offThePool {
            let fx = try DeliveryFixture()
            defer { fx.tearDown() }
            fx.systems[0].hostKeyFingerprints = ["SHA256:" + String(repeating: "B", count: 43)]
            try fx.apply()
            let local = try fx.makeFile("D261123.L000005", size: 100)
            let service = fx.service()
            let entry = try service.enqueue(localPath: local, system: "modtager", ownedBySpool: false)
            let record = try service.deliverNow(outboxId: entry.id!)
            #expect(record.errorCode == "sftp.hostKeyMismatch")
            #expect(record.error?.contains(try fx.sshd.hostKeyFingerprint) == true)
            #expect(try fx.store.outboxEntry(id: entry.id!)?.state == .error)
            #expect(fx.inboxNames().isEmpty)
        }
    }

    @Test func terminatedAgreementStopsDelivery() async throws {
        try await offThePool {
            let fx = try DeliveryFixture()
            defer { fx.tearDown() }
            let uuid = "11111111-2222-4333-8444-555555555555"
            fx.agreements = [ServiceAgreement(uuid: uuid, system: "modtager", municipality: "0101", service: "cpr-extract", state: .terminated)]
            try fx.apply()
            let local = try fx.makeFile("D261123.L000006", size: 100)
            let service = fx.service()
            let entry = try service.enqueue(localPath: local, system: "modtager", ownedBySpool: false, agreementUUID: uuid)
            let record = try service.deliverNow(outboxId: entry.id!)
            #expect(record.errorCode == "noAgreement")
            #expect(fx.inboxNames().isEmpty)
            #expect(try fx.store.outboxEntry(id: entry.id!)?.state == .error)
        }
    }

    @Test func changedSpoolFileIsCaughtByItsChecksum() async throws {
        try await offThePool {
            let fx = try DeliveryFixture()
            defer { fx.tearDown() }
            let local = try fx.makeFile("D261123.L000007", size: 4096)
            let service = fx.service()
            let entry = try service.enqueue(localPath: local, system: "modtager", sha256: String(repeating: "0", count: 64), ownedBySpool: false)
            let record = try service.deliverNow(outboxId: entry.id!)
            #expect(record.errorCode == "integrity")
            #expect(fx.inboxNames().isEmpty)
        }
    }

    @Test func aBacklogToOneReceiverGoesOverOneSession() async throws {
        try await offThePool {
            let fx = try DeliveryFixture()
            defer { fx.tearDown() }
            let service = fx.service()
            let names = (1...6).map { "D261123.L00010\($0)" }
            for name in names {
                _ = try service.enqueue(localPath: try fx.makeFile(name, size: 20_000 + name.count), system: "modtager", ownedBySpool: false)
            }
            let records = service.deliverDue()
            #expect(records.map(\.outcome) == Array(repeating: .delivered, count: 6), "\(records.map { $0.error ?? "" })")
            #expect(fx.inboxNames() == names.flatMap { [$0, $0 + ".metadata"] }.sorted())
            #expect(fx.acceptedLogins == 1, "\(fx.sshd.log)")
        }
    }

    @Test func aStopBetweenEntriesLeavesTheRestQueued() async throws {
        try await offThePool {
            let fx = try DeliveryFixture()
            defer { fx.tearDown() }
            let service = fx.service()
            for name in ["D261123.L000201", "D261123.L000202", "D261123.L000203"] {
                _ = try service.enqueue(localPath: try fx.makeFile(name, size: 1000), system: "modtager", ownedBySpool: false)
            }
            let asked = Counter()
            // Stop is asked for once the first entry has been delivered.
            let records = service.deliverDue(shouldStop: { asked.next() > 1 })
            #expect(records.map(\.outcome) == [.delivered])
            #expect(try fx.store.outbox().filter { $0.state == .ready }.count == 2)
        }
    }

    @Test func interruptedDeliveriesAreRecoveredAtStartup() async throws {
        try await offThePool {
            let fx = try DeliveryFixture()
            defer { fx.tearDown() }
            let local = try fx.makeFile("D261123.L000008", size: 100)
            let entry = try fx.service().enqueue(localPath: local, system: "modtager", ownedBySpool: false)
            let deadOwner = "\(ProcessOwner.current.split(separator: ":")[0]):999999:1"
            _ = try fx.store.claim(id: entry.id!, now: Date(), owner: deadOwner, isAlive: { _ in true })
            #expect(try fx.store.outboxEntry(id: entry.id!)?.state == .delivering)
            let recovered = try fx.store.recoverInterruptedDeliveries(now: Date(), isAlive: ProcessOwner.isAlive)
            #expect(recovered.map(\.id) == [entry.id])
            #expect(fx.service().deliverDue().map(\.outcome) == [.delivered])
        }
    }

    @Test func aDeliveryOfALiveProcessIsNotTakenOver() async throws {
        try await offThePool {
            let fx = try DeliveryFixture()
            defer { fx.tearDown() }
            let local = try fx.makeFile("D261123.L000009", size: 100)
            let entry = try fx.service().enqueue(localPath: local, system: "modtager", ownedBySpool: false)
            // This very process holds it: neither a recovery nor another worker may take it.
            _ = try #require(try fx.store.claim(id: entry.id!, now: Date(), owner: ProcessOwner.current, isAlive: ProcessOwner.isAlive))
            #expect(try fx.store.recoverInterruptedDeliveries(now: Date(), isAlive: ProcessOwner.isAlive).isEmpty)
            #expect(fx.service().deliverDue().isEmpty)
            guard case .notRetryable(let held) = try fx.store.retry(outboxId: entry.id!, now: Date(), isAlive: ProcessOwner.isAlive) else {
                Issue.record("a delivery in flight was retried")
                return
            }
            #expect(held.state == .delivering && held.owner == ProcessOwner.current)
            #expect(try fx.store.retry(outboxId: 999_999, now: Date(), isAlive: ProcessOwner.isAlive) == .notFound)
        }
    }
}

/// Counts calls, from whichever thread.
final class Counter: Sendable {
    private let value = Mutex(0)
    /// The count including this call.
    func next() -> Int { value.withLock { $0 += 1; return $0 } }
}
