import Foundation
import Runtime
import SFTPClient
import Store

/// What to put where, and how.
public struct UploadRequest: Sendable {
    public var localPath: String
    /// The final name in the inbox.
    public var fileName: String
    /// The inbox folder, relative to the SFTP user's home (`IN`) or absolute.
    public var inboxPath: String
    /// Makes the temporary names unique to this delivery, so a retry finds and removes
    /// what an interrupted attempt of the same delivery left.
    public var attemptTag: String
    public var policy: ExistingTargetPolicy
    /// When known in advance (files from Spool/), the upload is checked against it.
    public var expectedSHA256: String?
    public var chunkSize: Int
    /// SSH sessions that write the file at once when it is at least `parallelThreshold`
    /// bytes (see `StripedUpload`); 1 streams through the given session only.
    public var sessions: Int
    public var parallelThreshold: Int64

    public init(localPath: String, fileName: String, inboxPath: String, attemptTag: String,
                policy: ExistingTargetPolicy, expectedSHA256: String? = nil, chunkSize: Int = 1 << 20,
                sessions: Int = 2, parallelThreshold: Int64 = 64 << 20) {
        self.localPath = localPath
        self.fileName = fileName
        self.inboxPath = inboxPath
        self.attemptTag = attemptTag
        self.policy = policy
        self.expectedSHA256 = expectedSHA256
        self.chunkSize = chunkSize
        self.sessions = sessions
        self.parallelThreshold = parallelThreshold
    }

    var directory: String { inboxPath.hasSuffix("/") ? String(inboxPath.dropLast()) : inboxPath }
    var finalPath: String { "\(directory)/\(fileName)" }
    var metadataPath: String { "\(directory)/\(fileName).metadata" }
    /// Dot-prefixed, so receivers' clients (which skip hidden names and keep names that
    /// look like extracts) never pick it up.
    var temporaryPath: String { "\(directory)/.\(fileName).\(attemptTag).part" }
    var temporaryMetadataPath: String { "\(directory)/.\(fileName).metadata.\(attemptTag).part" }
    var displacedPath: String { "\(directory)/.\(fileName).\(attemptTag).old" }
    var displacedMetadataPath: String { "\(directory)/.\(fileName).metadata.\(attemptTag).old" }
}

public struct UploadResult: Sendable {
    public var remotePath: String
    public var bytes: Int64
    public var sha256: String
    /// Whether the server flushed the file to disk (fsync@openssh.com).
    public var fsynced: Bool
}

/// The upload protocol that keeps a receiver from ever seeing a partial file:
/// temporary dot-name -> stream -> fsync -> verify size -> rename into place -> metadata.
///
/// An existing target is never removed before the new file is complete. Under `refuse`
/// the rename is the check (OpenSSH renames with link(), which fails when the target
/// exists, so there is no check-then-act race); under `replace` the old file is moved
/// aside, the new one renamed in, and only then the old one removed.
public enum InboxUpload {
    /// - Parameters:
    ///   - deadline: the whole transfer's deadline, on the monotonic clock the SFTP layer
    ///     bounds its socket waits with.
    ///   - executor: where the extra sessions of a striped upload get their threads.
    public static func upload(_ request: UploadRequest, over sftp: SFTPSession,
                              deadline: ContinuousClock.Instant?, executor: BlockingExecutor = .shared,
                              metadata: (_ sha256: String, _ bytes: Int64) -> MetadataDocument,
                              progress: ((UInt64) -> Void)? = nil) throws -> UploadResult {
        let reader = try LocalFileReader(path: request.localPath)
        let expectedSize = reader.size
        do {
            guard let inbox = try sftp.stat(request.directory), inbox.isDirectory else {
                throw SFTPError(.stat, operation: "checking the inbox \(request.directory) on \(sftp.endpoint)",
                                reason: "the folder does not exist", hint: "Check the system's inbox path")
            }
            // Crash: the inbox is checked, nothing written.
            CrashPoint.reach("upload.inbox-checked")
            if let existing = try sftp.stat(request.finalPath) {
                // An earlier attempt of this delivery that died after its rename finished
                // the receiver's side already: settle it, never upload a second copy.
                if let earlier = try EarlierUpload.recognise(request, existing: existing, over: sftp, metadata: metadata) {
                    return earlier
                }
                if request.policy == .refuse { throw targetExists(request, sftp) }
            }
            // Leftovers of an interrupted attempt of this same delivery.
            try sftp.removeIfPresent(request.temporaryPath)
            try sftp.removeIfPresent(request.temporaryMetadataPath)

            let file = try sftp.open(request.temporaryPath, write: true, exclusive: true)
            // Crash: an empty temporary (dot-name, hidden from receivers) in the inbox.
            CrashPoint.reach("upload.temp-opened")
            // Crash (loop, `#n`): after the n-th chunk was acknowledged; the last `#n` is
            // after the last byte.
            let chunkSent: (UInt64) -> Void = { sent in
                CrashPoint.reach("upload.chunk-sent")
                progress?(sent)
            }
            let sent: UInt64
            let fsynced: Bool
            do {
                let helpers = request.sessions > 1 && expectedSize >= request.parallelThreshold
                    ? siblings(of: sftp, count: request.sessions - 1, path: request.temporaryPath) : []
                if helpers.isEmpty {
                    sent = try file.upload(chunkSize: request.chunkSize, deadline: deadline, progress: chunkSent) {
                        try reader.read(into: $0)
                    }
                } else {
                    defer { helpers.forEach { try? $0.file.close(); $0.sftp.close() } }
                    sent = try StripedUpload.run(reader: reader, files: [file] + helpers.map(\.file), executor: executor,
                                                 blockSize: request.chunkSize, deadline: deadline, progress: chunkSent)
                    // Every helper's writes are acknowledged; closing their handles before the
                    // fsync below means the server has no write of this file outstanding.
                    for helper in helpers { try helper.file.close() }
                }
                // Crash: every byte sent, not flushed on the server.
                CrashPoint.reach("upload.before-fsync")
                fsynced = try file.fsyncIfSupported()
                // Crash: flushed, the handle still open.
                CrashPoint.reach("upload.after-fsync")
                try file.close()
                // Crash: the temporary is complete and closed.
                CrashPoint.reach("upload.closed")
            } catch {
                try? file.close()
                throw error
            }
            let sha = reader.sha256Hex
            try verify(request, sftp: sftp, sent: sent, expectedSize: expectedSize, sha: sha)
            // Crash: the size on the server is verified; still under the temporary name.
            CrashPoint.reach("upload.verified")

            try moveIntoPlace(from: request.temporaryPath, to: request.finalPath, displaced: request.displacedPath,
                              request: request, sftp: sftp)
            // Crash: the file is under its final name without its .metadata; the retry
            // recognises it (`EarlierUpload`).
            CrashPoint.reach("upload.after-rename")
            try writeMetadata(metadata(sha, Int64(sent)), request: request, sftp: sftp)
            return UploadResult(remotePath: request.finalPath, bytes: Int64(sent), sha256: sha, fsynced: fsynced)
        } catch {
            // Best effort: the connection may be gone, in which case the next attempt of
            // this delivery removes the same names before it starts.
            try? sftp.removeIfPresent(request.temporaryPath)
            try? sftp.removeIfPresent(request.temporaryMetadataPath)
            if let e = error as? SFTPError { throw DeliveryError(e) }
            throw error
        }
    }

    /// Writes the .metadata under its temporary name and renames it into place.
    static func writeMetadata(_ document: MetadataDocument, request: UploadRequest, sftp: SFTPSession) throws {
        try sftp.removeIfPresent(request.temporaryMetadataPath)
        try sftp.writeFile(request.temporaryMetadataPath, contents: Array(document.xml.utf8), exclusive: true)
        // Crash: the .metadata is complete under its temporary (hidden) name.
        CrashPoint.reach("upload.metadata-written")
        try moveIntoPlace(from: request.temporaryMetadataPath, to: request.metadataPath,
                          displaced: request.displacedMetadataPath, request: request, sftp: sftp)
        // Crash: file and .metadata both in place; the rows not yet recorded.
        CrashPoint.reach("upload.metadata-renamed")
    }

    /// Up to `count` more sessions with `path` open for writing; fewer (or none) when the
    /// server refuses more connections, since one session still delivers, only slower.
    private static func siblings(of sftp: SFTPSession, count: Int, path: String) -> [(sftp: SFTPSession, file: SFTPFile)] {
        var result: [(sftp: SFTPSession, file: SFTPFile)] = []
        for _ in 0..<count {
            guard let sibling = try? sftp.openSibling() else { break }
            guard let file = try? sibling.open(path, write: true, existing: true) else {
                sibling.close()
                break
            }
            result.append((sibling, file))
        }
        return result
    }

    private static func verify(_ request: UploadRequest, sftp: SFTPSession, sent: UInt64, expectedSize: Int64, sha: String) throws {
        let operation = "verifying \(request.temporaryPath) on \(sftp.endpoint)"
        if expectedSize >= 0 && Int64(sent) != expectedSize {
            throw DeliveryError(.integrity, operation: operation,
                                reason: "read \(sent) bytes from \(request.localPath) but it is \(expectedSize) bytes long; the file changed while it was sent",
                                hint: "Files must not change once they are in the outbox")
        }
        if let expected = request.expectedSHA256, expected.lowercased() != sha {
            throw DeliveryError(.integrity, operation: operation,
                                reason: "the SHA-256 of \(request.localPath) is \(sha), the outbox recorded \(expected)",
                                hint: "The spool file was damaged or replaced; produce the extract again")
        }
        let remote = try sftp.stat(request.temporaryPath)
        guard let size = remote?.size, size == sent else {
            throw SFTPError(.sizeMismatch, operation: operation,
                            reason: "the server holds \(remote?.size.map(String.init) ?? "no") bytes, \(sent) were sent",
                            hint: "The server's disk may be full; the delivery will be retried")
        }
    }

    private static func moveIntoPlace(from temporary: String, to final: String, displaced: String,
                                      request: UploadRequest, sftp: SFTPSession) throws {
        do {
            try sftp.rename(temporary, to: final)
            return
        } catch let error as SFTPError where error.code == .rename {
            guard try sftp.stat(final) != nil else { throw error }
            guard request.policy == .replace else { throw targetExists(request, sftp, path: final) }
        }
        try sftp.removeIfPresent(displaced)
        try sftp.rename(final, to: displaced)
        do {
            try sftp.rename(temporary, to: final)
        } catch {
            try? sftp.rename(displaced, to: final)
            throw error
        }
        try sftp.removeIfPresent(displaced)
    }

    private static func targetExists(_ request: UploadRequest, _ sftp: SFTPSession, path: String? = nil) -> SFTPError {
        SFTPError(.targetExists, operation: "delivering \(request.fileName) to \(sftp.endpoint)",
                  reason: "\(path ?? request.finalPath) already exists and the system's policy is to refuse",
                  hint: "Ask the receiver to collect or remove it, or set existing_target: replace for this system, then retry with `udtraek outbox retry ID`")
    }
}

/// Streams one local file through several SFTP sessions at once, each writing its own
/// blocks of the same remote file at their offsets.
///
/// Why: libssh2 1.10 encrypts 16 bytes per OpenSSL call and MACs every packet on the
/// calling thread, so one session is CPU-bound in the client, and each 1 MiB write waits
/// for its last acknowledgement before the next begins. With two sessions on two threads,
/// one sends while the other waits, and both machines' cores stay busy.
///
/// The calling thread reads the file in order and hashes every block before handing it
/// to a session (block k to session k mod n), so the SHA-256 is of exactly the bytes sent.
/// Each session writes on a companion thread of the `BlockingExecutor`; the blocks are
/// striped over the sessions that got a thread, so the reader never waits for a companion
/// that could not start, and with none it streams through the first session itself.
/// Buffers come from a pool of 2n+1 blocks, so memory is bounded whatever the file size.
/// The first failure stops every session after its current write and is rethrown.
enum StripedUpload {
    static func run(reader: LocalFileReader, files: [SFTPFile], executor: BlockingExecutor, blockSize: Int,
                    deadline: ContinuousClock.Instant?, progress: ((UInt64) -> Void)?) throws -> UInt64 {
        guard let first = files.first else { return 0 }
        let state = State(sessions: files.count, blockSize: blockSize)
        defer { state.deallocate() }
        let boxes = files.map(UncheckedFile.init)
        let writers = executor.startCompanions(upTo: files.count) { index in
            state.work(index, boxes[index].file, deadline: deadline)
        }
        guard writers > 0 else {
            return try first.upload(chunkSize: blockSize, deadline: deadline, progress: progress) { try reader.read(into: $0) }
        }
        var offset: UInt64 = 0
        var block = 0
        do {
            while let buffer = state.freeBuffer() {
                let n = try reader.read(into: buffer)
                guard n > 0 else {
                    state.recycle(buffer)
                    break
                }
                state.enqueue(Item(offset: offset, buffer: buffer, count: n), to: block % writers)
                offset += UInt64(n)
                block += 1
                progress?(state.acknowledged)
            }
        } catch {
            state.fail(error)
        }
        try state.finish(writers: writers)
        return offset
    }

    struct Item {
        var offset: UInt64
        var buffer: UnsafeMutableRawBufferPointer
        var count: Int
    }

    /// An `SFTPFile` handed to the one thread that uses it until `finish(writers:)` joins it.
    struct UncheckedFile: @unchecked Sendable { let file: SFTPFile }

    /// Queues, buffer pool and failure, all guarded by one condition.
    final class State: @unchecked Sendable {
        private let condition = NSCondition()
        private let buffers: [UnsafeMutableRawBufferPointer]
        private var free: [UnsafeMutableRawBufferPointer]
        private var queues: [[Item]]
        private var readingDone = false
        private var failure: Error?
        /// Sessions whose writer has returned.
        private var finished = 0
        private var acknowledgedBytes: UInt64 = 0

        /// Bytes the server has acknowledged so far, for progress reports.
        var acknowledged: UInt64 {
            condition.lock()
            defer { condition.unlock() }
            return acknowledgedBytes
        }

        init(sessions: Int, blockSize: Int) {
            buffers = (0..<(2 * sessions + 1)).map { _ in
                UnsafeMutableRawBufferPointer.allocate(byteCount: blockSize, alignment: 64)
            }
            free = buffers
            queues = Array(repeating: [], count: sessions)
        }

        func deallocate() { buffers.forEach { $0.deallocate() } }

        /// A buffer to read into, or nil once a session has failed.
        func freeBuffer() -> UnsafeMutableRawBufferPointer? {
            condition.lock()
            defer { condition.unlock() }
            while free.isEmpty && failure == nil { condition.wait() }
            return failure == nil ? free.removeLast() : nil
        }

        func recycle(_ buffer: UnsafeMutableRawBufferPointer) {
            condition.lock()
            free.append(buffer)
            condition.unlock()
        }

        func enqueue(_ item: Item, to session: Int) {
            condition.lock()
            queues[session].append(item)
            condition.broadcast()
            condition.unlock()
        }

        func fail(_ error: Error) {
            condition.lock()
            if failure == nil { failure = error }
            condition.broadcast()
            condition.unlock()
        }

        /// Says there is nothing more to read, waits for the `writers` sessions that got a
        /// thread, rethrows a failure.
        func finish(writers: Int) throws {
            condition.lock()
            readingDone = true
            condition.broadcast()
            while finished < writers { condition.wait() }
            let failure = self.failure
            condition.unlock()
            if let failure { throw failure }
        }

        /// One session's thread: writes its blocks until the reading is done or anything failed.
        func work(_ session: Int, _ file: SFTPFile, deadline: ContinuousClock.Instant?) {
            condition.lock()
            defer {
                finished += 1
                condition.broadcast()
                condition.unlock()
            }
            while true {
                while queues[session].isEmpty && !readingDone && failure == nil { condition.wait() }
                if failure != nil || queues[session].isEmpty { return }
                let item = queues[session].removeFirst()
                condition.unlock()
                let result = Result {
                    try file.write(UnsafeRawBufferPointer(rebasing: item.buffer[0..<item.count]), at: item.offset,
                                   deadline: deadline)
                }
                condition.lock()
                free.append(item.buffer)
                condition.broadcast()
                switch result {
                case .success: acknowledgedBytes += UInt64(item.count)
                case .failure(let error):
                    if failure == nil { failure = error }
                    return
                }
            }
        }
    }
}
