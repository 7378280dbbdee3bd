#if canImport(Glibc)
import Glibc
#endif
import Crypto

/// Reads a local file sequentially for upload and hashes what it reads, so the SHA-256
/// in the metadata is of exactly the bytes that were sent.
final class LocalFileReader {
    let path: String
    private let fd: Int32
    private(set) var hasher = SHA256()
    private(set) var bytesRead: Int64 = 0

    init(path: String) throws {
        self.path = path
        fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw DeliveryError(.localFile, operation: "opening \(path)", reason: String(cString: strerror(errno)),
                                hint: "Check that the file exists and is readable")
        }
        posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL)
    }

    deinit { close(fd) }

    var size: Int64 {
        var st = stat()
        return fstat(fd, &st) == 0 ? Int64(st.st_size) : -1
    }

    /// Fills as much of `buffer` as the file has left; 0 at the end.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        var filled = 0
        while filled < buffer.count {
            let n = Glibc.read(fd, buffer.baseAddress! + filled, buffer.count - filled)
            if n < 0 {
                if errno == EINTR { continue }
                throw DeliveryError(.localFile, operation: "reading \(path)", reason: String(cString: strerror(errno)))
            }
            if n == 0 { break }
            filled += n
        }
        if filled > 0 {
            hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: buffer[0..<filled]))
            bytesRead += Int64(filled)
        }
        return filled
    }

    var sha256Hex: String {
        hasher.finalize().map { byte in
            let s = String(byte, radix: 16)
            return byte < 16 ? "0" + s : s
        }.joined()
    }
}
