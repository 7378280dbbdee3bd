import Foundation
@testable import Gzip
import Runtime
import Testing
import UdtraekTesting

@Suite("ParallelGzipWriter")
struct ParallelGzipWriterTests {
    @Test("one standard member whatever the thread count and pool size",
          arguments: [(1, 1), (1, 2), (2, 1), (3, 2), (4, 8)])
    func threadsAndPool(threads: Int, inFlight: Int) async throws {
        try await offThePool {
            let input = Array(Inputs.text50MB.prefix(5 * 64 * 1024 + 123))
            var out: [UInt8] = []
            let w = try ParallelGzipWriter(level: 6, threads: threads, chunkSize: 64 * 1024, chunksInFlight: inFlight) {
                out.append(contentsOf: $0)
            }
            try w.write(contentsOf: input)
            try w.finish()
            #expect(Array(out.prefix(3)) == [0x1f, 0x8b, 8])
            let reader = try GzipReader { buffer in
                let n = min(buffer.count, out.count)
                out.withUnsafeBytes { buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
                out.removeFirst(n)
                return n
            }
            var decompressed: [UInt8] = []
            try reader.readAll { decompressed.append(contentsOf: $0) }
            #expect(decompressed == input)
            #expect(reader.members == 1)
        }
    }

    @Test("the dictionary keeps compression close to the single-threaded writer")
    func ratioCloseToSingle() async throws {
        try await offThePool {
            let input = Array(Inputs.text50MB.prefix(8 * Inputs.mebibyte))
            let single = try GzipWriter.compress(input, level: 6)
            let parallel = try ParallelGzipWriter.compress(input, level: 6, threads: 2)
            #expect(Double(parallel.count) < Double(single.count) * 1.01)
        }
    }

    @Test("an error thrown by the sink reaches the caller and nothing hangs", .timeLimit(.minutes(10)))
    func sinkError() async throws {
        try await offThePool {
            let input = Inputs.random20MB
            var calls = 0
            let w = try ParallelGzipWriter(level: 1, threads: 2, chunkSize: 64 * 1024) { _ in
                calls += 1
                if calls == 3 { throw SinkFailure() }
            }
            #expect(throws: SinkFailure.self) {
                try input.withUnsafeBytes { all in
                    var offset = 0
                    while offset < all.count {
                        let n = min(100_000, all.count - offset)
                        try w.write(UnsafeRawBufferPointer(rebasing: all[offset..<offset + n]))
                        offset += n
                    }
                    try w.finish()
                }
            }
            // The writer stays failed: later calls throw the same error, promptly.
            #expect(throws: SinkFailure.self) { try w.write(contentsOf: [1, 2, 3]) }
            #expect(throws: SinkFailure.self) { try w.finish() }
        }
    }

    @Test("a writer dropped mid-stream stops its threads", .timeLimit(.minutes(10)))
    func dropMidStream() async throws {
        try await offThePool {
            for _ in 0..<20 {
                let w = try ParallelGzipWriter(level: 9, threads: 2, chunkSize: 64 * 1024) { _ in }
                try w.write(contentsOf: Inputs.random20MB.prefix(1_000_000))
                // deinit runs here with chunks still queued and compressing
            }
        }
    }

    @Test("on an executor with no free thread the caller compresses, byte for byte the same", .timeLimit(.minutes(10)))
    func fullExecutor() async throws {
        try await offThePool {
            let input = Array(Inputs.text50MB.prefix(3 * Inputs.mebibyte + 4321))
            let expected = try ParallelGzipWriter.compress(input, level: 6, threads: 2, chunkSize: 64 * 1024)

            // Both threads of a small executor taken.
            let out = try withBusyExecutor(threads: 2) { executor in
                try Self.compress(input, threads: 2, chunksInFlight: 2, executor: executor, expectingWorkers: 0)
            }
            #expect(out == expected)
            #expect(try GzipReader.decompress(out) == input)
        }
    }

    @Test("with fewer free threads than asked for, the workers that started do it all", .timeLimit(.minutes(10)))
    func partlyFullExecutor() async throws {
        try await offThePool {
            let input = Array(Inputs.text50MB.prefix(2 * Inputs.mebibyte + 99))
            let expected = try ParallelGzipWriter.compress(input, level: 6, threads: 1, chunkSize: 64 * 1024)
            let out = try withBusyExecutor(threads: 3, free: 1) { executor in
                try Self.compress(input, threads: 4, chunksInFlight: nil, executor: executor, expectingWorkers: 1)
            }
            #expect(out == expected)
        }
    }

    /// Level 6 in 64 KiB chunks through a writer on `executor`, checking how many workers got a thread.
    static func compress(_ input: [UInt8], threads: Int, chunksInFlight: Int?, executor: BlockingExecutor,
                         expectingWorkers workers: Int) throws -> [UInt8] {
        var out: [UInt8] = []
        let w = try ParallelGzipWriter(level: 6, threads: threads, chunkSize: 64 * 1024, chunksInFlight: chunksInFlight,
                                       executor: executor) { out.append(contentsOf: $0) }
        #expect(w.workerCount == workers)
        try w.write(contentsOf: input)
        try w.finish()
        return out
    }

    @Test("invalid arguments are refused with a GzipError")
    func invalidArguments() async throws {
        try await offThePool {
            #expect { try ParallelGzipWriter(level: 10) { _ in } } throws: { ($0 as? GzipError)?.code == .invalidArgument }
            #expect { try ParallelGzipWriter(threads: 0) { _ in } } throws: { ($0 as? GzipError)?.code == .invalidArgument }
            #expect { try ParallelGzipWriter(chunkSize: 1000) { _ in } } throws: { ($0 as? GzipError)?.code == .invalidArgument }
        }
    }

    @Test("use after finish is refused")
    func useAfterFinish() async throws {
        try await offThePool {
            let w = try ParallelGzipWriter(level: 1) { _ in }
            try w.finish()
            #expect { try w.write(contentsOf: [1]) } throws: { ($0 as? GzipError)?.code == .closed }
            #expect { try w.finish() } throws: { ($0 as? GzipError)?.code == .closed }
        }
    }
}

@Suite("ParallelGzipWriter worker errors")
struct ParallelGzipWriterWorkerErrorTests {
    @Test("an error on a worker reaches the caller on a later write or finish", .timeLimit(.minutes(10)),
          arguments: [0, 3, 7])
    func workerError(failingChunk: Int) async throws {
        try await offThePool {
            let injected = GzipError(code: .compressionFailed, zlibCode: -2, zlibMessage: "injected", operation: "compressing chunk \(failingChunk)")
            let w = try ParallelGzipWriter(
                level: 1, threads: 2, chunkSize: 64 * 1024, chunksInFlight: 4,
                faultInjection: { $0 == failingChunk ? injected : nil }
            ) { _ in }
            #expect(throws: injected) {
                for _ in 0..<20 { try w.write(contentsOf: Inputs.text50MB.prefix(64 * 1024)) }
                try w.finish()
            }
            #expect(throws: injected) { try w.finish() }
        }
    }
}
