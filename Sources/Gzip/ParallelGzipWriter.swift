internal import CUdtraekZlib
import Foundation
import Runtime

/// Streaming gzip compression on several threads, producing ONE ordinary gzip member that
/// any gunzip reads (pigz's method).
///
/// Deflate is the slowest step of an extract; one core manages well under the disk's speed.
/// Input is cut into chunks (1 MiB by default). Each chunk is raw-deflated on a worker
/// (a companion thread of the `BlockingExecutor`; when the executor has no free thread,
/// on the caller's thread) with the 32 KiB before it as preset dictionary, so compression barely suffers
/// from the cuts, and ends in a sync flush so the outputs simply concatenate. CRC-32s are
/// computed per chunk and joined with `crc32_combine`.
///
/// Memory is bounded: a fixed pool of chunks (2 x threads by default) is in flight; when all
/// are busy, `write` blocks until the oldest is compressed and handed to the sink.
///
/// The sink is always called on the caller's thread, inside `write` or `finish`, in order,
/// so it need not be thread-safe and its errors are thrown straight to the caller. A worker
/// error is thrown by the next `write` or `finish`. Not thread-safe: one caller at a time.
public final class ParallelGzipWriter {
    /// Receives compressed bytes, on the caller's thread. The buffer is valid only during the call.
    public typealias Sink = (UnsafeRawBufferPointer) throws -> Void

    /// The compression level, 0...9.
    public let level: Int
    /// Number of compressing threads asked for.
    public let threadCount: Int
    /// Number of workers that got an executor thread (0: the caller compresses every chunk).
    public var workerCount: Int { pool.workerCount }
    /// Uncompressed bytes per chunk.
    public let chunkSize: Int
    /// Uncompressed bytes written so far.
    public private(set) var bytesIn: UInt64 = 0
    /// Compressed bytes handed to the sink so far, header and trailer included.
    public private(set) var bytesOut: UInt64 = 0
    /// CRC-32 of the uncompressed bytes handed out so far; after `finish()`, of everything.
    public private(set) var crc32: UInt32 = 0
    /// True once `finish()` has written the trailer.
    public private(set) var isFinished = false

    private let sink: Sink
    private let pool: WorkerPool
    private var free: [ChunkJob]
    /// Dispatched jobs in input order; only the oldest may be handed to the sink.
    private var inFlight: [ChunkJob] = []
    private var inFlightHead = 0
    private var current: ChunkJob?
    /// The last 32 KiB of input dispatched: the next chunk's dictionary.
    private let window: UnsafeMutableRawBufferPointer
    private var windowCount = 0
    private var nextSequence = 0
    private var headerWritten = false
    private var failure: (any Error)?

    /// - Parameters:
    ///   - level: 0...9.
    ///   - threads: compressing threads; by default one per active processor.
    ///   - chunkSize: uncompressed bytes per chunk, 64 KiB...1 GiB. 1 MiB (pigz uses 128 KiB)
    ///     makes the per-chunk sync flush and lost context cost about 0.01 % in size, while
    ///     keeping memory small and threads busy.
    ///   - chunksInFlight: size of the chunk pool, default 2 x threads; bounds memory at about
    ///     `chunksInFlight x 2 x chunkSize`.
    ///   - executor: where the workers run; fewer (or none) start when it has no free thread.
    ///   - sink: where compressed bytes go, in order, on the caller's thread.
    public convenience init(
        level: Int = 6,
        threads: Int = ProcessInfo.processInfo.activeProcessorCount,
        chunkSize: Int = 1 << 20,
        chunksInFlight: Int? = nil,
        executor: BlockingExecutor = .shared,
        sink: @escaping Sink
    ) throws {
        try self.init(level: level, threads: threads, chunkSize: chunkSize, chunksInFlight: chunksInFlight,
                      executor: executor, faultInjection: nil, sink: sink)
    }

    /// The designated initializer; `faultInjection` lets tests fail chunk N on its worker.
    init(
        level: Int, threads: Int, chunkSize: Int, chunksInFlight: Int?,
        executor: BlockingExecutor = .shared,
        faultInjection: (@Sendable (Int) -> GzipError?)?,
        sink: @escaping Sink
    ) throws {
        let operation = "creating a parallel gzip writer"
        guard threads >= 1 else {
            throw GzipError(code: .invalidArgument, operation: "\(operation): \(threads) threads")
        }
        guard (64 * 1024 ... 1 << 30).contains(chunkSize) else {
            throw GzipError(code: .invalidArgument, operation: "\(operation): chunk size \(chunkSize) is not in 64 KiB...1 GiB")
        }
        let poolSize = chunksInFlight ?? 2 * threads
        guard poolSize >= 1 else {
            throw GzipError(code: .invalidArgument, operation: "\(operation): \(poolSize) chunks in flight")
        }
        let deflaters = try (0..<threads).map { _ in
            try DeflateStream(level: level, windowBits: -MAX_WBITS, operation: operation)
        }
        let bound = Int(deflateBound(deflaters[0].stream, UInt(chunkSize))) + 1024
        self.level = level
        self.threadCount = threads
        self.chunkSize = chunkSize
        self.sink = sink
        free = (0..<poolSize).map { _ in ChunkJob(chunkSize: chunkSize, outputCapacity: bound) }
        window = .allocate(byteCount: ChunkJob.windowSize, alignment: 16)
        pool = WorkerPool(deflaters: deflaters, executor: executor, faultInjection: faultInjection)
    }

    deinit {
        pool.stop()
        window.deallocate()
    }

    /// Copies `bytes` into chunks and hands full chunks to the workers. Blocks while all
    /// chunks are in flight; hands finished chunks to the sink as they come.
    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        try checkUsable("writing to a parallel gzip stream")
        guard let base = bytes.baseAddress else { return }
        do {
            var offset = 0
            while offset < bytes.count {
                let job: ChunkJob
                if let current {
                    job = current
                } else {
                    job = try acquire()
                    current = job
                }
                if job.inputCount == chunkSize {
                    // Dispatched only once more input arrives, so that the chunk `finish()`
                    // sends as the last one is never empty unless the whole input is.
                    dispatch(job, last: false)
                    current = nil
                    continue
                }
                let n = min(chunkSize - job.inputCount, bytes.count - offset)
                (job.input.baseAddress! + job.inputCount).copyMemory(from: base + offset, byteCount: n)
                job.inputCount += n
                offset += n
                bytesIn += UInt64(n)
            }
            try drain(waitForOldest: false)
        } catch {
            fail(error)
            throw error
        }
    }

    /// Compresses the bytes of a collection (convenience for `[UInt8]`, `Data`, slices).
    public func write(contentsOf bytes: some Collection<UInt8>) throws {
        try withContiguousBytes(bytes) { try write($0) }
    }

    /// Compresses the last chunk, waits for all chunks, hands everything and the
    /// CRC-32/ISIZE trailer to the sink, and stops the threads.
    public func finish() throws {
        try checkUsable("finishing a parallel gzip stream")
        do {
            let job: ChunkJob
            if let current {
                job = current
            } else {
                job = try acquire()
            }
            current = nil
            dispatch(job, last: true)
            while inFlightHead < inFlight.count {
                try drain(waitForOldest: true)
            }
            try writeHeaderIfNeeded()
            var trailer = [UInt8](repeating: 0, count: 8)
            let isize = UInt32(truncatingIfNeeded: bytesIn)
            for i in 0..<4 {
                trailer[i] = UInt8(truncatingIfNeeded: crc32 >> (8 * UInt32(i)))
                trailer[4 + i] = UInt8(truncatingIfNeeded: isize >> (8 * UInt32(i)))
            }
            try trailer.withUnsafeBytes { try sink($0) }
            bytesOut += 8
            isFinished = true
            pool.stop()
        } catch {
            fail(error)
            throw error
        }
    }

    /// Compresses a whole buffer in memory; for tests and small payloads.
    public static func compress(
        _ bytes: some Collection<UInt8>, level: Int = 6,
        threads: Int = ProcessInfo.processInfo.activeProcessorCount, chunkSize: Int = 1 << 20,
        executor: BlockingExecutor = .shared
    ) throws -> [UInt8] {
        var result: [UInt8] = []
        let writer = try ParallelGzipWriter(level: level, threads: threads, chunkSize: chunkSize, executor: executor) {
            result.append(contentsOf: $0)
        }
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

    private func fail(_ error: any Error) {
        if failure == nil { failure = error }
        pool.stop()
    }

    /// A free chunk with the previous 32 KiB of input as its dictionary; blocks (handing
    /// finished chunks to the sink) while none is free.
    private func acquire() throws -> ChunkJob {
        try drain(waitForOldest: false)
        while free.isEmpty {
            try drain(waitForOldest: true)
        }
        let job = free.removeLast()
        job.inputCount = 0
        job.dictionaryCount = windowCount
        if windowCount > 0 {
            job.dictionary.baseAddress!.copyMemory(from: window.baseAddress!, byteCount: windowCount)
        }
        return job
    }

    private func dispatch(_ job: ChunkJob, last: Bool) {
        rememberWindow(of: job)
        job.isLast = last
        job.sequence = nextSequence
        nextSequence += 1
        job.error = nil
        if inFlightHead > 0 && inFlightHead == inFlight.count {
            inFlight.removeAll(keepingCapacity: true)
            inFlightHead = 0
        }
        inFlight.append(job)
        pool.submit(job)
    }

    /// Keeps the last 32 KiB of everything dispatched, for the next chunk's dictionary.
    private func rememberWindow(of job: ChunkJob) {
        let size = ChunkJob.windowSize
        let w = window.baseAddress!
        let input = job.input.baseAddress!
        if job.inputCount >= size {
            w.copyMemory(from: input + (job.inputCount - size), byteCount: size)
            windowCount = size
        } else {
            let keep = min(windowCount, size - job.inputCount)
            if keep > 0 && keep < windowCount {
                (w).copyMemory(from: w + (windowCount - keep), byteCount: keep)
            }
            (w + keep).copyMemory(from: input, byteCount: job.inputCount)
            windowCount = keep + job.inputCount
        }
    }

    /// Hands finished chunks to the sink in input order; with `waitForOldest`, first waits
    /// for the oldest one to finish.
    private func drain(waitForOldest: Bool) throws {
        if let error = pool.workerError { throw error }
        var wait = waitForOldest
        while inFlightHead < inFlight.count {
            let job = inFlight[inFlightHead]
            guard pool.isDone(job, wait: wait) else {
                if wait {
                    throw GzipError(code: .closed, operation: "waiting for chunk \(job.sequence): the compression threads were stopped")
                }
                return
            }
            wait = false
            inFlightHead += 1
            if let error = job.error { throw error }
            try writeHeaderIfNeeded()
            if job.outputCount > 0 {
                try sink(UnsafeRawBufferPointer(start: job.output, count: job.outputCount))
                bytesOut += UInt64(job.outputCount)
            }
            crc32 = UInt32(truncatingIfNeeded: udtraek_crc32_combine(UInt(crc32), UInt(job.crc), Int64(job.inputCount)))
            free.append(job)
        }
    }

    /// The 10-byte gzip header (RFC 1952): no name, no time, OS Unix, as zlib writes it.
    private func writeHeaderIfNeeded() throws {
        guard !headerWritten else { return }
        let extraFlags: UInt8 = level == 9 ? 2 : (level == 1 ? 4 : 0)
        let header: [UInt8] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, extraFlags, 3]
        try header.withUnsafeBytes { try sink($0) }
        headerWritten = true
        bytesOut += UInt64(header.count)
    }
}
