#if canImport(Glibc)
import Glibc
#endif
import Crypto
import Foundation
import Gzip
import Runtime
import SourceStubs

/// A file being written into Spool/: under a temporary dot-name until `commit` has
/// fsynced it and renamed it, so a crash leaves either a leftover temporary (removed at
/// start-up) or a complete file. Everything written is hashed on the way.
final class SpoolFile {
    let finalPath: String
    let temporaryPath: String
    private var fd: Int32
    private var hasher = SHA256()
    private(set) var bytes: Int64 = 0

    init(directory: String, name: String, runId: Int64) throws(ExtractError) {
        finalPath = (directory as NSString).appendingPathComponent("\(runId)-\(name)")
        temporaryPath = (directory as NSString).appendingPathComponent(".tmp-\(runId)-\(name)")
        fd = open(temporaryPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o640)
        guard fd >= 0 else {
            throw ExtractError(.spool, "cannot create \(temporaryPath): \(String(cString: strerror(errno))); check that the state directory is writable")
        }
        // Crash: an empty temporary name in Spool/, removed at start-up.
        CrashPoint.reach("spool.temp-created")
    }

    deinit {
        if fd >= 0 {
            close(fd)
            unlink(temporaryPath)
        }
    }

    func write(_ chunk: UnsafeRawBufferPointer) throws(ExtractError) {
        guard let base = chunk.baseAddress, chunk.count > 0 else { return }
        // Crash (loop, `#n`): a temporary holding n-1 compressed chunks.
        CrashPoint.reach("spool.chunk-write")
        hasher.update(bufferPointer: chunk)
        var done = 0
        while done < chunk.count {
            let n = Glibc.write(fd, base + done, chunk.count - done)
            if n < 0 {
                let err = errno
                if err == EINTR { continue }
                throw failure(err, "writing \(temporaryPath)", written: bytes + Int64(done))
            }
            done += n
        }
        bytes += Int64(chunk.count)
    }

    /// A failed write or flush, said so an operator knows what to do. A full volume names
    /// the directory and its free space: the extract cannot know its final size before it
    /// is written, so it says how far it came. The temporary file is removed (deinit), so
    /// nothing partial stays behind and no outbox entry is made.
    private func failure(_ err: Int32, _ doing: String, written: Int64) -> ExtractError {
        guard err == ENOSPC || err == EDQUOT else {
            return ExtractError(.spool, "\(doing) failed: \(String(cString: strerror(err)))")
        }
        let directory = (finalPath as NSString).deletingLastPathComponent
        var volume = statvfs()
        let free = statvfs(directory, &volume) == 0 ? "\(UInt64(volume.f_bavail) * UInt64(volume.f_frsize)) bytes" : "unknown"
        return ExtractError(.spool, "no space left in \(directory): free \(free), and the extract needs more (\(written) bytes of the file were written); nothing was queued. Free space there or give Spool/ a larger volume, then run the extract again (`udtraek extract run`) or let its next slot produce it")
    }

    /// fsync the file, rename it into place, fsync the directory; returns the SHA-256.
    func commit() throws(ExtractError) -> String {
        // Crash: the whole file written but not flushed, still under its temporary name.
        CrashPoint.reach("spool.before-fsync")
        guard fsync(fd) == 0 else {
            throw failure(errno, "flushing \(temporaryPath)", written: bytes)
        }
        // Crash: flushed, still temporary.
        CrashPoint.reach("spool.after-fsync")
        close(fd)
        fd = -1
        guard rename(temporaryPath, finalPath) == 0 else {
            let why = String(cString: strerror(errno))
            unlink(temporaryPath)
            throw ExtractError(.spool, "renaming \(temporaryPath) failed: \(why)")
        }
        // Crash: a complete file under its final Spool/ name that no outbox row points at.
        CrashPoint.reach("spool.after-rename")
        let dir = open((finalPath as NSString).deletingLastPathComponent, O_RDONLY | O_DIRECTORY)
        if dir >= 0 { fsync(dir); close(dir) }
        // Crash: the rename is durable; still no outbox row.
        CrashPoint.reach("spool.after-dir-fsync")
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }
}

/// The byte path of an extract: generator -> (gzip) -> spool file. Counts the text
/// before compression for the run record and the progress line.
public final class ExtractOutput: ByteSink {
    let file: SpoolFile
    private let gzip: ParallelGzipWriter?
    private(set) var textBytes: Int64 = 0
    /// Asked before each chunk; true stops the extract (the service is shutting down).
    private let isCancelled: @Sendable () -> Bool

    init(file: SpoolFile, gzipLevel: Int?, isCancelled: @escaping @Sendable () -> Bool) throws(ExtractError) {
        self.file = file
        self.isCancelled = isCancelled
        if let level = gzipLevel {
            do {
                gzip = try ParallelGzipWriter(level: level) { chunk in try file.write(chunk) }
            } catch {
                throw ExtractError(.compression, "starting gzip failed: \(error)")
            }
        } else {
            gzip = nil
        }
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        if isCancelled() { throw ExtractError(.cancelled, "the extract was stopped before it was complete") }
        // Crash (loop, `#1` the start of the source read, `#n` its middle).
        CrashPoint.reach("extract.source-chunk")
        textBytes += Int64(bytes.count)
        if let gzip { try gzip.write(bytes) } else { try file.write(bytes) }
    }

    func finish() throws {
        try gzip?.finish()
    }
}

/// A finished file in Spool/.
public struct ExtractFile: Sendable {
    public var path: String
    public var sha256: String
    public var textBytes: Int64
    public var fileBytes: Int64
}

/// The production path shared by extract runs and `udtraek bench extract`: stream what
/// `produce` writes through gzip (when `gzipLevel` is set) into a temporary file in
/// `directory`, fsync it and rename it to `<tag>-<name>`.
public enum ExtractPipeline {
    public static func write(directory: String, name: String, tag: Int64, gzipLevel: Int?,
                             isCancelled: @escaping @Sendable () -> Bool = { false },
                             produce: (ExtractOutput) throws -> Void) throws -> ExtractFile {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw ExtractError(.spool, "cannot create \(directory): \(error)")
        }
        let file = try SpoolFile(directory: directory, name: name, runId: tag)
        let output = try ExtractOutput(file: file, gzipLevel: gzipLevel, isCancelled: isCancelled)
        try produce(output)
        // Crash: the source is read to its end; gzip still holds its last block.
        CrashPoint.reach("extract.source-done")
        try output.finish()
        // Crash: gzip finished (trailer written) into the temporary.
        CrashPoint.reach("extract.gzip-finished")
        let sha = try file.commit()
        return ExtractFile(path: file.finalPath, sha256: sha, textBytes: output.textBytes, fileBytes: file.bytes)
    }
}
