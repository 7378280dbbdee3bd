import Delivery
import Foundation
import Runtime
import SFTPClient
import Testing
import UdtraekTesting

/// The upload through several SSH sessions at once, against a real sshd.
@Suite struct ParallelUploadTests {
    private func upload(_ fx: DeliveryFixture, local: String, name: String, sessions: Int,
                        deadline: ContinuousClock.Instant? = nil, executor: BlockingExecutor = .shared) throws -> UploadResult {
        let system = fx.systems[0]
        let sftp = try SSHSession(options: SSHConnectionOptions(
            host: "127.0.0.1", port: fx.sshd.port, user: LocalSSHD.loginUser,
            hostKeyFingerprints: system.hostKeyFingerprints, privateKeyPath: system.privateKeyPath,
            connectTimeout: .seconds(5), operationTimeout: .seconds(10))).sftp()
        // Small blocks and no size threshold, so a few MB exercise many blocks per session.
        let request = UploadRequest(localPath: local, fileName: name, inboxPath: "IN", attemptTag: "7",
                                    policy: .refuse, chunkSize: 64 << 10, sessions: sessions, parallelThreshold: 0)
        return try InboxUpload.upload(request, over: sftp, deadline: deadline, executor: executor) { sha, bytes in
            MetadataDocument(fileTransferUUID: UUID().uuidString.lowercased(), fileName: name, sizeInBytes: bytes,
                             sender: "udtraek-test", sendersFileId: name, recipients: [LocalSSHD.loginUser],
                             senderTimestamp: Date(), sha256: sha)
        }
    }

    @Test(arguments: [2, 3])
    func severalSessionsDeliverExactlyTheBytesAndTheirHash(sessions: Int) async throws {
        try await offThePool {
            let fx = try DeliveryFixture()
            defer { fx.tearDown() }
            // Not a multiple of the block size, so the last block is short.
            let local = try fx.makeFile("D261123.L000009", size: 5 * (1 << 20) + 12_345)
            let result = try upload(fx, local: local, name: "D261123.L000009", sessions: sessions)
            let remote = fx.inbox() + "/D261123.L000009"
            let expected = try sha256sum(local)
            #expect(try sha256sum(remote) == expected)
            #expect(result.sha256 == expected)
            #expect(result.bytes == 5 * (1 << 20) + 12_345)
            #expect(fx.inboxNames() == ["D261123.L000009", "D261123.L000009.metadata"])
            // Every session logged in with the system's key.
            #expect(fx.sshd.log.components(separatedBy: "Accepted publickey").count - 1 == sessions)
        }
    }

    /// No executor thread free for any session's writer: the reader streams through the
    /// first session itself instead of waiting for a thread that will not come.
    @Test(.timeLimit(.minutes(10))) func aFullExecutorStillDeliversThroughOneSession() async throws {
        try await offThePool {
            let fx = try DeliveryFixture()
            defer { fx.tearDown() }
            let local = try fx.makeFile("D261123.L000011", size: 3 * (1 << 20) + 77)
            let result = try withBusyExecutor(threads: 2) { executor in
                try upload(fx, local: local, name: "D261123.L000011", sessions: 3, executor: executor)
            }
            let expected = try sha256sum(local)
            #expect(result.sha256 == expected)
            #expect(try sha256sum(fx.inbox() + "/D261123.L000011") == expected)
            #expect(fx.inboxNames() == ["D261123.L000011", "D261123.L000011.metadata"])
        }
    }

    @Test func passedDeadlineFailsAndLeavesNoTemporaryFile() async throws {
        try await offThePool {
            let fx = try DeliveryFixture()
            defer { fx.tearDown() }
            let local = try fx.makeFile("D261123.L000010", size: 3 << 20)
            #expect {
                _ = try upload(fx, local: local, name: "D261123.L000010", sessions: 2, deadline: .now - .seconds(1))
            } throws: { error in
                (error as? DeliveryError)?.description.contains("deadline") == true
            }
            #expect(fx.inboxNames().isEmpty)
        }
    }
}
