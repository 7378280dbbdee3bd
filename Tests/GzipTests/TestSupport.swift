import Foundation
import Gzip
import Testing

/// The two writers behind one shape, so every round trip runs against both.
enum WriterKind: String, CaseIterable, CustomTestStringConvertible {
    case single, parallel
    var testDescription: String { rawValue }

    func compress(_ bytes: [UInt8], level: Int) throws -> [UInt8] {
        switch self {
        case .single: return try GzipWriter.compress(bytes, level: level)
        case .parallel: return try ParallelGzipWriter.compress(bytes, level: level, threads: 2)
        }
    }
}

/// Test inputs, generated once and shared (building 50 MB in a debug build is not free).
enum Inputs {
    static let mebibyte = 1 << 20

    /// Deterministic pseudo-random bytes (splitmix64), effectively incompressible.
    static func random(count: Int, seed: UInt64 = 7) -> [UInt8] {
        var state = seed
        var bytes = [UInt8](repeating: 0, count: count)
        bytes.withUnsafeMutableBytes { raw in
            let words = raw.count / 8
            let p = raw.baseAddress!
            for i in 0..<words {
                state &+= 0x9E37_79B9_7F4A_7C15
                var z = state
                z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
                z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
                p.storeBytes(of: z ^ (z >> 31), toByteOffset: i * 8, as: UInt64.self)
            }
            for i in (words * 8)..<raw.count { raw[i] = UInt8(truncatingIfNeeded: i &* 31) }
        }
        return bytes
    }

    /// Fixed-width, space- and zero-padded ISO-8859-1 lines like a CPR extract.
    /// 3,333 distinct 300-byte lines (just under 1 MiB, so repeats do not line up with
    /// chunk boundaries) are tiled up to `count` bytes.
    static func fixedWidthText(count: Int) -> [UInt8] {
        let names = ["Søren", "Mette", "Jørgen", "Anne", "Ærø", "Åse", "Lars", "Kirsten"]
        let streets = ["Vestergade", "Østergade", "Nørregade", "Åboulevard", "Skolevej"]
        var block: [UInt8] = []
        block.reserveCapacity(3333 * 300)
        for i in 0..<3333 {
            var line = String(format: "001%010d%04d", (i &* 7919) % 10_000_000_000, i % 9999)
            line += names[i % names.count].padding(toLength: 50, withPad: " ", startingAt: 0)
            line += streets[(i / 3) % streets.count].padding(toLength: 40, withPad: " ", startingAt: 0)
            line += String(format: "%03d%04d", i % 250, 1000 + (i * 13) % 8999)
            var bytes = line.unicodeScalars.map { UInt8(truncatingIfNeeded: $0.value) }
            bytes += [UInt8](repeating: 0x20, count: 299 - bytes.count)
            bytes.append(0x0A)
            block += bytes
        }
        var result: [UInt8] = []
        result.reserveCapacity(count)
        while result.count < count {
            result += block.prefix(count - result.count)
        }
        return result
    }

    static let random20MB = random(count: 20_000_000)
    static let text50MB = fixedWidthText(count: 50_000_000)
}

/// Temporary files and the system `gzip` tool, so our output is judged by someone else's reader.
enum SystemGzip {
    static func temporaryURL(_ name: String) -> URL {
        FileManager.default.temporaryDirectory
            .appendingPathComponent("udtraek-gzip-tests-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString)-\(name)")
    }

    /// Writes both files, runs `gzip -t` and `gzip -dc | cmp`, and removes the files.
    /// Returns nil on success, or what failed.
    static func check(compressed: [UInt8], original: [UInt8]) throws -> String? {
        let gz = temporaryURL("out.gz")
        let raw = temporaryURL("in.txt")
        defer {
            try? FileManager.default.removeItem(at: gz)
            try? FileManager.default.removeItem(at: raw)
        }
        try Data(compressed).write(to: gz)
        try Data(original).write(to: raw)
        if let failure = try run("gzip -t '\(gz.path)'") { return "gzip -t: \(failure)" }
        if let failure = try run("gzip -dc '\(gz.path)' | cmp - '\(raw.path)'") { return "gzip -dc | cmp: \(failure)" }
        return nil
    }

    static func run(_ command: String) throws -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["-o", "pipefail", "-c", command]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = errors
        try process.run()
        let output = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        if process.terminationStatus == 0 { return nil }
        return "exit \(process.terminationStatus): \(String(decoding: output, as: UTF8.self))"
    }
}

/// Reads the CRC-32 and ISIZE fields of a gzip trailer (little-endian, RFC 1952).
func trailer(of gzip: [UInt8]) -> (crc: UInt32, isize: UInt32) {
    let t = gzip.suffix(8).map(UInt32.init)
    let crc = t[t.startIndex] | t[t.startIndex + 1] << 8 | t[t.startIndex + 2] << 16 | t[t.startIndex + 3] << 24
    let isize = t[t.startIndex + 4] | t[t.startIndex + 5] << 8 | t[t.startIndex + 6] << 16 | t[t.startIndex + 7] << 24
    return (crc, isize)
}

struct SinkFailure: Error, Equatable {}
