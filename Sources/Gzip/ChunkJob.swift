internal import CUdtraekZlib

/// One slot of the parallel writer's fixed pool: an input chunk, the 32 KiB of input before
/// it (the preset dictionary), and the raw deflate output a worker made of it.
///
/// `@unchecked Sendable` because the job moves between the producer and one worker thread.
/// It is safe because ownership is handed over, never shared: the producer writes the
/// buffers only while the job is not queued; a worker touches it only between taking it off
/// the queue and setting `done`; the producer reads the results only after seeing `done`.
/// Both hand-overs happen while holding `WorkerPool.condition`, whose lock orders the memory.
final class ChunkJob: @unchecked Sendable {
    static let windowSize = 32 * 1024

    let input: UnsafeMutableRawBufferPointer
    var inputCount = 0
    let dictionary: UnsafeMutableRawBufferPointer
    var dictionaryCount = 0
    private(set) var output: UnsafeMutableRawPointer
    private(set) var outputCapacity: Int
    var outputCount = 0
    var sequence = 0
    var isLast = false
    var crc: UInt32 = 0
    var error: GzipError?
    /// Guarded by `WorkerPool.condition`.
    var done = false

    init(chunkSize: Int, outputCapacity: Int) {
        input = .allocate(byteCount: chunkSize, alignment: 16)
        dictionary = .allocate(byteCount: ChunkJob.windowSize, alignment: 16)
        self.outputCapacity = outputCapacity
        output = .allocate(byteCount: outputCapacity, alignment: 16)
    }

    deinit {
        input.deallocate()
        dictionary.deallocate()
        output.deallocate()
    }

    /// Grows the output buffer, keeping what is in it. deflateBound makes this all but
    /// unreachable; it is here so an odd input can never overflow the buffer.
    func growOutput() {
        let newCapacity = outputCapacity * 2
        let newOutput = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: 16)
        newOutput.copyMemory(from: output, byteCount: outputCount)
        output.deallocate()
        output = newOutput
        outputCapacity = newCapacity
    }

    /// Raw-deflates the input with the dictionary; runs on a worker thread.
    /// Every chunk but the last ends in a sync flush (byte-aligned, not final), so the
    /// outputs concatenated in order form one deflate stream, as pigz does.
    func compress(with deflater: DeflateStream) {
        let s = deflater.stream
        let operation = "compressing chunk \(sequence) on a worker thread"
        var ret = deflateReset(s)
        guard ret == Z_OK else { error = deflater.error(ret, operation); return }
        if dictionaryCount > 0 {
            ret = deflateSetDictionary(s, dictionary.baseAddress!.assumingMemoryBound(to: Bytef.self), UInt32(dictionaryCount))
            guard ret == Z_OK else { error = deflater.error(ret, "setting the preset dictionary of chunk \(sequence)"); return }
        }
        s.pointee.next_in = input.baseAddress!.assumingMemoryBound(to: Bytef.self)
        s.pointee.avail_in = UInt32(inputCount)
        outputCount = 0
        let flush = isLast ? Z_FINISH : Z_SYNC_FLUSH
        while true {
            // zlib asks for more than six bytes free on a sync flush to avoid repeated markers.
            if outputCapacity - outputCount < 64 { growOutput() }
            s.pointee.next_out = (output + outputCount).assumingMemoryBound(to: Bytef.self)
            let room = min(outputCapacity - outputCount, maxZlibSlice)
            s.pointee.avail_out = UInt32(room)
            ret = deflate(s, flush)
            outputCount += room - Int(s.pointee.avail_out)
            if ret == Z_STREAM_END { break }
            guard ret == Z_OK || ret == Z_BUF_ERROR else { error = deflater.error(ret, operation); break }
            if s.pointee.avail_out > 0 {
                if !isLast && s.pointee.avail_in == 0 { break }
                if ret == Z_BUF_ERROR { error = deflater.error(ret, operation + " (deflate made no progress)"); break }
            }
        }
        s.pointee.next_in = nil
        s.pointee.avail_in = 0
        s.pointee.next_out = nil
        s.pointee.avail_out = 0
        crc = UInt32(truncatingIfNeeded: udtraek_crc32(0, input.baseAddress, inputCount))
    }
}
