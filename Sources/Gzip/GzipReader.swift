internal import CUdtraekZlib

/// Streaming gzip decompression, to verify an extract before it is delivered and to read
/// files back in tests.
///
/// Reads from a source closure through a fixed input buffer and hands decompressed bytes out
/// through a fixed output buffer, so memory does not grow with the file. Concatenated gzip
/// members are read as one stream (as `gzip -d` does). zlib checks each member's CRC-32 and
/// length (ISIZE); a mismatch, a bad header, trailing garbage or a stream cut short is thrown
/// as a ``GzipError``. Not thread-safe: one reader is used by one thread at a time.
public final class GzipReader {
    /// Fills the buffer with compressed bytes and returns how many; 0 means end of input.
    public typealias Source = (UnsafeMutableRawBufferPointer) throws -> Int

    /// Compressed bytes consumed so far.
    public private(set) var bytesIn: UInt64 = 0
    /// Decompressed bytes handed out so far.
    public private(set) var bytesOut: UInt64 = 0
    /// Complete gzip members read so far.
    public private(set) var members = 0
    /// True once the whole input has been read and checked.
    public private(set) var isFinished = false

    private let stream: UnsafeMutablePointer<z_stream>
    private let input: UnsafeMutableRawBufferPointer
    private let output: UnsafeMutableRawBufferPointer
    private let source: Source
    private var sourceEnded = false
    private var atMemberEnd = false
    private var failure: (any Error)?

    /// - Parameters:
    ///   - bufferSize: size of each of the input and output buffers.
    ///   - source: supplies compressed bytes; an error it throws is rethrown by `read`.
    public init(bufferSize: Int = 256 * 1024, source: @escaping Source) throws {
        guard bufferSize >= 64 else {
            throw GzipError(code: .invalidArgument, operation: "creating a gzip reader: buffer of \(bufferSize) bytes is too small")
        }
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        // 15 + 32: any window size, gzip or zlib header detected automatically, trailer checked.
        let ret = udtraek_inflate_init2(stream, MAX_WBITS + 32)
        guard ret == Z_OK else {
            let error = GzipError.zlib(ret, stream: stream, operation: "creating a gzip reader: starting zlib inflate", compressing: false)
            stream.deinitialize(count: 1)
            stream.deallocate()
            throw error
        }
        self.source = source
        input = .allocate(byteCount: min(bufferSize, maxZlibSlice), alignment: 16)
        output = .allocate(byteCount: min(bufferSize, maxZlibSlice), alignment: 16)
    }

    deinit {
        inflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
        input.deallocate()
        output.deallocate()
    }

    /// Decompresses the next piece and passes it to `body` (valid only during the call).
    /// Returns false, without calling `body`, once the input is fully read and checked.
    public func read(_ body: (UnsafeRawBufferPointer) throws -> Void) throws -> Bool {
        if let failure { throw failure }
        if isFinished { return false }
        do {
            while true {
                if stream.pointee.avail_in == 0 && !sourceEnded { try refill() }
                if stream.pointee.avail_in == 0 && sourceEnded {
                    if atMemberEnd {
                        isFinished = true
                        return false
                    }
                    throw GzipError(
                        code: .truncated, zlibMessage: members == 0 && bytesIn == 0 ? "no input" : "input ended inside a gzip member",
                        operation: "decompressing gzip data at compressed byte \(bytesIn)")
                }
                if atMemberEnd {
                    // Another member follows (concatenated gzip files are one stream).
                    let ret = inflateReset(stream)
                    guard ret == Z_OK else { throw error(ret, "starting gzip member \(members + 1)") }
                    atMemberEnd = false
                }
                stream.pointee.next_out = output.baseAddress!.assumingMemoryBound(to: Bytef.self)
                stream.pointee.avail_out = UInt32(output.count)
                let before = stream.pointee.avail_in
                let ret = inflate(stream, Z_NO_FLUSH)
                bytesIn += UInt64(before - stream.pointee.avail_in)
                switch ret {
                case Z_OK, Z_BUF_ERROR:
                    break
                case Z_STREAM_END:
                    members += 1
                    atMemberEnd = true
                default:
                    throw error(ret, "decompressing gzip member \(members + 1) at compressed byte \(bytesIn)")
                }
                let produced = output.count - Int(stream.pointee.avail_out)
                if produced > 0 {
                    bytesOut += UInt64(produced)
                    try body(UnsafeRawBufferPointer(start: output.baseAddress, count: produced))
                    return true
                }
            }
        } catch {
            failure = error
            throw error
        }
    }

    /// Decompresses everything, passing each piece to `body`.
    public func readAll(_ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        while try read(body) {}
    }

    /// Decompresses a whole buffer in memory; for tests and small payloads.
    public static func decompress(_ bytes: some Collection<UInt8>) throws -> [UInt8] {
        try withContiguousBytes(bytes) { compressed in
            var offset = 0
            let reader = try GzipReader { buffer in
                let n = min(buffer.count, compressed.count - offset)
                if n > 0 {
                    buffer.baseAddress!.copyMemory(from: compressed.baseAddress! + offset, byteCount: n)
                }
                offset += n
                return n
            }
            var result: [UInt8] = []
            try reader.readAll { result.append(contentsOf: $0) }
            return result
        }
    }

    private func refill() throws {
        let n = try source(input)
        guard n >= 0 && n <= input.count else {
            throw GzipError(code: .invalidArgument, operation: "reading compressed input: the source returned \(n) for a buffer of \(input.count) bytes")
        }
        if n == 0 {
            sourceEnded = true
        }
        stream.pointee.next_in = input.baseAddress!.assumingMemoryBound(to: Bytef.self)
        stream.pointee.avail_in = UInt32(n)
    }

    private func error(_ ret: Int32, _ operation: String) -> GzipError {
        GzipError.zlib(ret, stream: stream, operation: operation, compressing: false)
    }
}
