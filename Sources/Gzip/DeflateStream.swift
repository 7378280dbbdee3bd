internal import CUdtraekZlib

/// One zlib deflate state, owned by one object and freed in `deinit` (as compress-nio
/// does), so no code path can leak zlib's ~256 KiB of window and hash tables.
///
/// The `z_stream` lives in heap memory of its own because zlib keeps a pointer back to it
/// (`state->strm`) and rejects calls if the struct moves.
final class DeflateStream {
    let stream: UnsafeMutablePointer<z_stream>
    let level: Int32

    /// - Parameter windowBits: 15 + 16 for a gzip member with header and trailer,
    ///   -15 for raw deflate (the parallel writer writes header and trailer itself).
    init(level: Int, windowBits: Int32, operation: String) throws {
        guard (0...9).contains(level) else {
            throw GzipError(code: .invalidArgument, operation: "\(operation): compression level \(level) is not in 0...9")
        }
        self.level = Int32(level)
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        // memLevel 8 is zlib's default and what gzip-compatible tools use; 9 buys <1 %.
        let ret = udtraek_deflate_init2(stream, Int32(level), windowBits, 8, Z_DEFAULT_STRATEGY)
        guard ret == Z_OK else {
            let error = GzipError.zlib(ret, stream: stream, operation: "\(operation): starting zlib deflate", compressing: true)
            stream.deinitialize(count: 1)
            stream.deallocate()
            throw error
        }
    }

    deinit {
        deflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
    }

    func error(_ ret: Int32, _ operation: String) -> GzipError {
        GzipError.zlib(ret, stream: stream, operation: operation, compressing: true)
    }
}

/// zlib's `avail_in`/`avail_out` are 32-bit; larger buffers are fed in slices of this size.
let maxZlibSlice = 1 << 30

/// Runs `body` over the bytes of `bytes`, copying only if the collection is not contiguous.
func withContiguousBytes<R>(_ bytes: some Collection<UInt8>, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
    if let result = try bytes.withContiguousStorageIfAvailable({ try body(UnsafeRawBufferPointer($0)) }) {
        return result
    }
    return try Array(bytes).withUnsafeBytes { try body($0) }
}
