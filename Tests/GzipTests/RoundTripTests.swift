import Foundation
import Gzip
import Testing
import UdtraekTesting

/// Every size that sits on or next to a chunk boundary, plus bulk inputs of both extremes
/// of compressibility, through both writers at the levels operators may configure.
@Suite("Round trips through both writers")
struct RoundTripTests {
    enum Size: String, CaseIterable, CustomTestStringConvertible {
        case empty, oneByte, oneMiBMinusOne, oneMiB, oneMiBPlusOne, random20MB, text50MB
        var testDescription: String { rawValue }

        var bytes: [UInt8] {
            switch self {
            case .empty: return []
            case .oneByte: return [0x41]
            case .oneMiBMinusOne: return Array(Inputs.text50MB.prefix(Inputs.mebibyte - 1))
            case .oneMiB: return Array(Inputs.random20MB.prefix(Inputs.mebibyte))
            case .oneMiBPlusOne: return Array(Inputs.text50MB.prefix(Inputs.mebibyte + 1))
            case .random20MB: return Inputs.random20MB
            case .text50MB: return Inputs.text50MB
            }
        }
    }

    @Test(arguments: WriterKind.allCases, [1, 6, 9])
    func roundTripAllSizes(writer: WriterKind, level: Int) async throws {
        try await offThePool {
            for size in Size.allCases {
                let input = size.bytes
                let compressed = try writer.compress(input, level: level)
                let output = try GzipReader.decompress(compressed)
                #expect(output.count == input.count, "\(size) \(writer) level \(level)")
                #expect(output == input, "\(size) \(writer) level \(level)")
                let (crc, isize) = trailer(of: compressed)
                #expect(isize == UInt32(truncatingIfNeeded: input.count), "\(size)")
                // zlib's own gzip wrapper computes the CRC in the single writer; the parallel
                // writer's combined per-chunk CRCs must agree with it.
                let reference = try GzipWriter(level: 0) { _ in }
                try reference.write(contentsOf: input)
                #expect(crc == reference.crc32, "\(size) \(writer) level \(level)")
                let failure = try SystemGzip.check(compressed: compressed, original: input)
                #expect(failure == nil, "\(size) \(writer) level \(level): \(failure ?? "")")
            }
        }
    }

    @Test("level 0 still produces valid gzip", arguments: WriterKind.allCases)
    func levelZero(writer: WriterKind) async throws {
        try await offThePool {
            let input = Array(Inputs.text50MB.prefix(3 * Inputs.mebibyte + 17))
            let compressed = try writer.compress(input, level: 0)
            #expect(compressed.count > input.count)
            #expect(try GzipReader.decompress(compressed) == input)
            #expect(try SystemGzip.check(compressed: compressed, original: input) == nil)
        }
    }

    @Test("writers count bytes and report the CRC", arguments: WriterKind.allCases)
    func counters(writer: WriterKind) async throws {
        try await offThePool {
            let input = Array(Inputs.text50MB.prefix(2_500_000))
            var sinkBytes = 0
            let (bytesIn, bytesOut, crc): (UInt64, UInt64, UInt32)
            switch writer {
            case .single:
                let w = try GzipWriter(level: 6) { sinkBytes += $0.count }
                try w.write(contentsOf: input)
                try w.finish()
                (bytesIn, bytesOut, crc) = (w.bytesIn, w.bytesOut, w.crc32)
                #expect(w.isFinished)
            case .parallel:
                let w = try ParallelGzipWriter(level: 6, threads: 2) { sinkBytes += $0.count }
                try w.write(contentsOf: input)
                try w.finish()
                (bytesIn, bytesOut, crc) = (w.bytesIn, w.bytesOut, w.crc32)
                #expect(w.isFinished)
            }
            #expect(bytesIn == UInt64(input.count))
            #expect(bytesOut == UInt64(sinkBytes))
            var reference: [UInt8] = []
            let w = try GzipWriter(level: 6) { reference.append(contentsOf: $0) }
            try w.write(contentsOf: input)
            try w.finish()
            #expect(crc == trailer(of: reference).crc)
        }
    }

    @Test("many 1-byte writes give the same bytes as one write", arguments: WriterKind.allCases)
    func smallWrites(writer: WriterKind) async throws {
        try await offThePool {
            // Crosses three 64 KiB chunks in the parallel writer.
            let input = Array(Inputs.text50MB.prefix(200_000))
            func compress(byteByByte: Bool) throws -> [UInt8] {
                var out: [UInt8] = []
                let write: (UnsafeRawBufferPointer) throws -> Void
                let finish: () throws -> Void
                switch writer {
                case .single:
                    let w = try GzipWriter(level: 6, outputBufferSize: 4096) { out.append(contentsOf: $0) }
                    write = w.write
                    finish = w.finish
                case .parallel:
                    let w = try ParallelGzipWriter(level: 6, threads: 2, chunkSize: 64 * 1024) { out.append(contentsOf: $0) }
                    write = w.write
                    finish = w.finish
                }
                try input.withUnsafeBytes { all in
                    if byteByByte {
                        for i in 0..<all.count { try write(UnsafeRawBufferPointer(rebasing: all[i..<i + 1])) }
                    } else {
                        try write(all)
                    }
                }
                try write(UnsafeRawBufferPointer(start: nil, count: 0))
                try finish()
                return out
            }
            let small = try compress(byteByByte: true)
            let big = try compress(byteByByte: false)
            #expect(small == big)
            #expect(try GzipReader.decompress(small) == input)
        }
    }
}
