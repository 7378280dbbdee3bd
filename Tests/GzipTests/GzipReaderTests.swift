import Foundation
import Gzip
import Testing
import UdtraekTesting

@Suite("GzipReader")
struct GzipReaderTests {
    static let input = Array(Inputs.text50MB.prefix(300_000))

    @Test("a flipped byte in the data or the trailer is rejected", arguments: WriterKind.allCases)
    func corruption(writer: WriterKind) async throws {
        try await offThePool {
            let good = try writer.compress(Self.input, level: 6)
            for position in [good.count / 2, good.count - 6, good.count - 2] {
                var bad = good
                bad[position] ^= 0x55
                #expect(throws: GzipError.self, "flipped byte \(position) of \(good.count)") {
                    _ = try GzipReader.decompress(bad)
                }
            }
            var bad = good
            bad[bad.count - 8] ^= 1  // CRC
            #expect { _ = try GzipReader.decompress(bad) } throws: { error in
                let e = error as? GzipError
                return e?.code == .corruptData && e?.zlibCode == -3 && e?.zlibMessage == "incorrect data check"
            }
        }
    }

    @Test("a stream cut short is reported as truncated")
    func truncated() async throws {
        try await offThePool {
            let good = try GzipWriter.compress(Self.input)
            for length in [0, 5, good.count / 2, good.count - 1] {
                #expect { _ = try GzipReader.decompress(good.prefix(length)) } throws: {
                    ($0 as? GzipError)?.code == .truncated
                }
            }
        }
    }

    @Test("concatenated members read as one stream, trailing garbage is refused")
    func members() async throws {
        try await offThePool {
            let a = try GzipWriter.compress(Self.input.prefix(1000), level: 1)
            let b = try ParallelGzipWriter.compress(Self.input, level: 9, threads: 2)
            var out: [UInt8] = []
            var joined = a + b
            let reader = try GzipReader(bufferSize: 4096) { buffer in
                let n = min(buffer.count, joined.count)
                joined.withUnsafeBytes { buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
                joined.removeFirst(n)
                return n
            }
            try reader.readAll { out.append(contentsOf: $0) }
            #expect(out == Array(Self.input.prefix(1000)) + Self.input)
            #expect(reader.members == 2)
            #expect(try reader.read { _ in } == false)
            #expect(throws: GzipError.self) { _ = try GzipReader.decompress(a + [0x00, 0x01, 0x02]) }
        }
    }

    @Test("a source error is rethrown unchanged")
    func sourceError() async throws {
        try await offThePool {
            let reader = try GzipReader { _ in throw SinkFailure() }
            #expect(throws: SinkFailure.self) { try reader.readAll { _ in } }
        }
    }

    @Test("error descriptions say what failed and what to do")
    func descriptions() async throws {
        try await offThePool {
            var bad = try GzipWriter.compress(Self.input)
            bad[bad.count - 8] ^= 1
            do {
                _ = try GzipReader.decompress(bad)
                Issue.record("corrupt stream accepted")
            } catch let error as GzipError {
                #expect(error.description.contains("decompressing gzip member 1"))
                #expect(error.description.contains("Z_DATA_ERROR: incorrect data check"))
                #expect(error.description.contains("damaged"))
            }
        }
    }
}
