#if canImport(Glibc)
import Glibc
#endif
import Crypto
import Foundation
import Runtime
import SFTPClient

/// The platform's own copy of a routed file in `STATE/transfers`, read once from the
/// sender's folder and hashed on the way, then read by every recipient's delivery. Written
/// under a hidden temporary name, fsynced and renamed, so a crash leaves a temporary that
/// start-up removes, never a short file under a final name.
struct SpoolCopy {
    let path: String
    let bytes: Int64
    let sha256: String

    static let chunkSize = 1 << 20

    /// Copies `name` from the folder. Stops once more than `limit` bytes came (the file is
    /// larger than its trigger says, and the refusal needs no more of it).
    static func take(from folder: SenderFolder, name: String, into directory: String, limit: Int64) throws -> SpoolCopy {
        do { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) } catch {
            throw RoutingError("creating \(directory)", "\(error.localizedDescription)", hint: "Check that the state directory is writable")
        }
        let id = UUID().uuidString.lowercased()
        let temporary = (directory as NSString).appendingPathComponent(".tmp-\(id)")
        let final = (directory as NSString).appendingPathComponent(id)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o640)
        guard fd >= 0 else { throw RoutingError.io("creating \(temporary)", errno, directory: directory) }
        var committed = false
        defer {
            if !committed { close(fd); unlink(temporary) }
        }
        let remote = try folder.open(name)
        defer { try? remote.close() }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 64)
        defer { buffer.deallocate() }
        var hasher = SHA256()
        var total: Int64 = 0
        while total <= limit {
            let n = try remote.read(into: buffer)
            if n == 0 { break }
            let chunk = UnsafeRawBufferPointer(rebasing: buffer[0..<n])
            hasher.update(bufferPointer: chunk)
            var done = 0
            while done < n {
                let w = write(fd, chunk.baseAddress! + done, n - done)
                if w < 0 {
                    if errno == EINTR { continue }
                    throw RoutingError.io("writing \(temporary)", errno, directory: directory)
                }
                done += w
            }
            total += Int64(n)
            // Crash (loop, `#n`): a temporary copy holding n chunks of the sender's file.
            CrashPoint.reach("routing.copy-chunk")
        }
        guard fsync(fd) == 0 else { throw RoutingError.io("flushing \(temporary)", errno, directory: directory) }
        close(fd)
        committed = true
        guard rename(temporary, final) == 0 else {
            let err = errno
            unlink(temporary)
            throw RoutingError.io("renaming \(temporary)", err, directory: directory)
        }
        let dir = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dir >= 0 { fsync(dir); close(dir) }
        let sha = hasher.finalize().map { String(format: "%02x", $0) }.joined()
        return SpoolCopy(path: final, bytes: total, sha256: sha)
    }
}

/// A failure of the router outside SFTP (Spool/ is full or not writable).
public struct RoutingError: Error, CustomStringConvertible, Sendable {
    public var operation: String
    public var reason: String
    public var hint: String

    init(_ operation: String, _ reason: String, hint: String = "") {
        self.operation = operation
        self.reason = reason
        self.hint = hint
    }

    static func io(_ operation: String, _ err: Int32, directory: String) -> RoutingError {
        if err == ENOSPC || err == EDQUOT {
            var volume = statvfs()
            let free = statvfs(directory, &volume) == 0 ? "\(UInt64(volume.f_bavail) * UInt64(volume.f_frsize)) bytes free" : "free space unknown"
            return RoutingError(operation, "no space left in \(directory) (\(free))",
                                hint: "Nothing was taken from the sender; free space there or give Spool/ a larger volume, and the next pass routes the file")
        }
        return RoutingError(operation, String(cString: strerror(err)), hint: "Nothing was taken from the sender; the next pass tries again")
    }

    public var description: String { "\(operation) failed: \(reason)" + (hint.isEmpty ? "" : ". \(hint)") }
}
