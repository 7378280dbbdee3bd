import Delivery
import Foundation
import Store
import Testing
import UdtraekTesting

/// A delivery retried after its process died between the rename into IN/ and the delivery
/// row (found by the crash-point harness at `upload.after-rename`): the retry recognises its
/// own file by size and SHA-256, writes only what is missing, and settles as delivered:
/// no "file exists" under `refuse`, no second copy under `replace`.
@Suite struct EarlierUploadTests {
    @Test(arguments: [ExistingTargetPolicy.refuse, .replace])
    func theRetryRecognisesItsOwnFileAndWritesOnlyTheMetadata(policy: ExistingTargetPolicy) async throws {
        try await offThePool {
            let fx = try DeliveryFixture(policies: ["modtager": policy])
            defer { fx.tearDown() }
            let local = try fx.makeFile("D261123.L000021", size: 2_500_000)
            // What the dead attempt left: the complete file under its final name, no .metadata.
            let final = fx.inbox() + "/D261123.L000021"
            try FileManager.default.copyItem(atPath: local, toPath: final)
            let inode = try FileManager.default.attributesOfItem(atPath: final)[.systemFileNumber] as? NSNumber
            let service = fx.service()
            let entry = try service.enqueue(localPath: local, system: "modtager", ownedBySpool: false)
            let record = try service.deliverNow(outboxId: entry.id!)
            #expect(record.outcome == .delivered, "\(record.error ?? "")")
            #expect(try fx.store.outboxEntry(id: entry.id!)?.state == .delivered)
            #expect(fx.inboxNames() == ["D261123.L000021", "D261123.L000021.metadata"])
            // The same file, not a second copy swapped in.
            #expect(try FileManager.default.attributesOfItem(atPath: final)[.systemFileNumber] as? NSNumber == inode)
            let metadata = try MetadataParser.parse(path: final + ".metadata")
            #expect(metadata["SizeInBytes"] == "2500000")
            let text = try String(contentsOfFile: final + ".metadata", encoding: .utf8)
            #expect(text.contains(try sha256sum(local)))
        }
    }

    @Test func aFileOfTheSameSizeButOtherContentIsStillRefused() async throws {
        try await offThePool {
            let fx = try DeliveryFixture()
            defer { fx.tearDown() }
            let local = try fx.makeFile("D261123.L000022", size: 4096)
            let other = Data(repeating: 7, count: 4096)
            FileManager.default.createFile(atPath: fx.inbox() + "/D261123.L000022", contents: other)
            let service = fx.service()
            let record = try service.deliverNow(outboxId: try service.enqueue(localPath: local, system: "modtager", ownedBySpool: false).id!)
            #expect(record.outcome == .failed)
            #expect(record.errorCode == "sftp.targetExists")
            #expect(FileManager.default.contents(atPath: fx.inbox() + "/D261123.L000022") == other)
        }
    }
}
