#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// An advisory lock on the state directory. Commands that produce or deliver hold it
/// shared; start-up recovery holds it exclusively, so it never removes the temporary file
/// of a run that another process is still writing.
final class StateLock {
    private let fd: Int32

    init(stateDirectory: String, exclusive: Bool) throws {
        try FileManager.default.createDirectory(atPath: stateDirectory, withIntermediateDirectories: true)
        let path = (stateDirectory as NSString).appendingPathComponent(".lock")
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw Failure("cannot open \(path): \(String(cString: strerror(errno)))") }
        if flock(fd, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB) != 0 {
            FileHandle.standardError.write(Data("Waiting for other udtraek processes on \(stateDirectory)...\n".utf8))
            flock(fd, exclusive ? LOCK_EX : LOCK_SH)
        }
    }

    /// Exclusive -> shared, keeping the lock throughout.
    func downgrade() { flock(fd, LOCK_SH) }

    deinit { close(fd) }
}
