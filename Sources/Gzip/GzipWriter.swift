internal import CUdtraekZlib

/// Streaming gzip compression (RFC 1952) on the caller's thread.
///
/// Extracts are 10-15 GB, so nothing is ever held whole: input is deflated as it is written
/// and compressed bytes go to `sink` through one fixed output buffer that is reused, so
/// memory stays constant whatever the input size. Use ``ParallelGzipWriter`` when the
/// machine has spare cores; use this one when compression must stay on one thread or for
/// small outputs.
///
/// Not thread-safe: one writer is used by one thread at a time (it may move between
/// threads between calls).
public final class GzipWriter {
    /// Receives compressed bytes. The buffer is only valid during the call; copy or write it out.
    public typealias Sink = (UnsafeRawBufferPointer) throws -> Void

    /// The compression level, 0 (stored, still valid gzip) to 9 (smallest).
    public let level: Int
    /// Uncompressed bytes written so far; the trailer records it modulo 2^32 (ISIZE).
    public private(set) var bytesIn: UInt64 = 0
    /// Compressed bytes handed to the sink so far, header and trailer included.
    public private(set) var bytesOut: UInt64 = 0
    /// CRC-32 of the uncompressed bytes written so far, as stored in the trailer.
    public var crc32: UInt32 { UInt32(truncatingIfNeeded: deflater.stream.pointee.adler) }
    /// True once `finish()` has written the trailer.
    public private(set) var isFinished = false

    private let deflater: DeflateStream
    private let output: UnsafeMutableRawBufferPointer
    private let sink: Sink
    private var failure: (any Error)?

    /// - Parameters:
    ///   - level: 0...9; 1 is the fast choice for big extracts, 6 is gzip's default.
    ///   - outputBufferSize: size of the reused output buffer, and the largest piece the sink sees.
    ///   - sink: where compressed bytes go, in order; an error it throws is rethrown by `write`/`finish`.
    public init(level: Int = 6, outputBufferSize: Int = 256 * 1024, sink: @escaping Sink) throws {
        guard outputBufferSize >= 64 else {
            throw GzipError(code: .invalidArgument, operation: "creating a gzip writer: output buffer of \(outputBufferSize) bytes is too small")
        }
        deflater = try DeflateStream(level: level, windowBits: MAX_WBITS + 16, operation: "creating a gzip writer")
        self.level = level
        self.sink = sink
        output = .allocate(byteCount: outputBufferSize, alignment: 16)
        resetOutput()
    }

    deinit {
        output.deallocate()
    }

    /// Compresses `bytes`. Output reaches the sink whenever the output buffer fills.
    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        try checkUsable("writing to a gzip stream")
        guard var base = bytes.baseAddress else { return }
        var remaining = bytes.count
        do {
            while remaining > 0 {
                let slice = min(remaining, maxZlibSlice)
                try deflate(UnsafeRawBufferPointer(start: base, count: slice), flush: Z_NO_FLUSH)
                base += slice
                remaining -= slice
                bytesIn += UInt64(slice)
            }
        } catch {
            failure = error
            throw error
        }
    }

    /// Compresses the bytes of a collection (convenience for `[UInt8]`, `Data`, slices).
    public func write(contentsOf bytes: some Collection<UInt8>) throws {
        try withContiguousBytes(bytes) { try write($0) }
    }

    /// Ends the gzip member: flushes everything and writes the CRC-32/ISIZE trailer.
    /// The writer cannot be used afterwards.
    public func finish() throws {
        try checkUsable("finishing a gzip stream")
        do {
            try deflate(UnsafeRawBufferPointer(start: nil, count: 0), flush: Z_FINISH)
            try emit()
            isFinished = true
        } catch {
            failure = error
            throw error
        }
    }

    /// Compresses a whole buffer in memory; for tests and small payloads.
    public static func compress(_ bytes: some Collection<UInt8>, level: Int = 6) throws -> [UInt8] {
        var result: [UInt8] = []
        let writer = try GzipWriter(level: level) { result.append(contentsOf: $0) }
        try writer.write(contentsOf: bytes)
        try writer.finish()
        return result
    }

    private func checkUsable(_ operation: String) throws {
        if let failure { throw failure }
        if isFinished {
            throw GzipError(code: .closed, operation: "\(operation) after finish()")
        }
    }

    private func deflate(_ input: UnsafeRawBufferPointer, flush: Int32) throws {
        let s = deflater.stream
        s.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
        s.pointee.avail_in = UInt32(input.count)
        defer {
            s.pointee.next_in = nil
            s.pointee.avail_in = 0
        }
        while true {
            if s.pointee.avail_out == 0 { try emit() }
            let ret = CUdtraekZlib.deflate(s, flush)
            switch ret {
            case Z_STREAM_END:
                return
            case Z_OK, Z_BUF_ERROR:
                // Done with this input once zlib has it all and still had room to spare;
                // a full output buffer may mean more output is pending.
                if flush == Z_NO_FLUSH, s.pointee.avail_in == 0, s.pointee.avail_out > 0 { return }
                if ret == Z_BUF_ERROR, s.pointee.avail_out > 0 {
                    throw deflater.error(ret, "compressing (deflate made no progress)")
                }
            default:
                throw deflater.error(ret, flush == Z_FINISH ? "finishing the gzip stream" : "compressing")
            }
        }
    }

    private func emit() throws {
        let produced = output.count - Int(deflater.stream.pointee.avail_out)
        if produced > 0 {
            try sink(UnsafeRawBufferPointer(start: output.baseAddress, count: produced))
            bytesOut += UInt64(produced)
        }
        resetOutput()
    }

    private func resetOutput() {
        deflater.stream.pointee.next_out = output.baseAddress?.assumingMemoryBound(to: Bytef.self)
        deflater.stream.pointee.avail_out = UInt32(output.count)
    }
}
