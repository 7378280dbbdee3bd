import Foundation
import Gzip
import Testing
import UdtraekTesting

@Suite("GzipWriter")
struct GzipWriterTests {
    @Test("an error thrown by the sink reaches the caller", .timeLimit(.minutes(10)))
    func sinkError() async throws {
        try await offThePool {
            var calls = 0
            let w = try GzipWriter(level: 1, outputBufferSize: 64 * 1024) { _ in
                calls += 1
                if calls == 2 { throw SinkFailure() }
            }
            #expect(throws: SinkFailure.self) {
                try w.write(contentsOf: Inputs.random20MB.prefix(1_000_000))
                try w.finish()
            }
            #expect(throws: SinkFailure.self) { try w.finish() }
        }
    }

    @Test("output reaches the sink in pieces no larger than the buffer")
    func boundedChunks() async throws {
        try await offThePool {
            var largest = 0
            let w = try GzipWriter(level: 1, outputBufferSize: 10_000) { largest = max(largest, $0.count) }
            try w.write(contentsOf: Inputs.random20MB.prefix(1_000_000))
            try w.finish()
            #expect(largest == 10_000)
        }
    }

    @Test("invalid level and use after finish are refused")
    func refusals() async throws {
        try await offThePool {
            #expect { try GzipWriter(level: -1) { _ in } } throws: { ($0 as? GzipError)?.code == .invalidArgument }
            let w = try GzipWriter { _ in }
            try w.finish()
            #expect { try w.write(contentsOf: [1]) } throws: { ($0 as? GzipError)?.code == .closed }
        }
    }
}
