import BusinessCalendar
import Foundation
import Gzip
import SourceStubs
import Synchronization

/// The formats the CPR population stream comes in.
public enum PopulationFormat: String, Sendable, CaseIterable {
    /// One JSON person per line, as the person lookup renders them.
    case ndjson
    /// The CPR office's fixed-width ISO-8859-1 format: exactly the status extract of the
    /// municipality on the day (`CPRExtractWriter`, task number 0).
    case cpr

    var contentType: String {
        switch self {
        case .ndjson: "application/x-ndjson; charset=utf-8"
        case .cpr: "text/plain; charset=iso-8859-1"
        }
    }
}

/// Makes a large response one chunk (about 256 kB) per call, resuming where the last call
/// stopped; nil at the end. Blocking work: called on the executor.
protocol ChunkProducer {
    mutating func next() throws -> [UInt8]?
}

/// The municipality's status extract, as the file `udtraek extract run` would write.
struct CPRExtractChunks: ChunkProducer {
    var cursor: CPRExtractCursor

    init(_ population: CPRPopulation, municipality: String, date: CivilDate) throws {
        cursor = try CPRExtractCursor(population: population, request: CPRExtractRequest(
            kind: .status, date: date, municipality: municipality, taskNumber: 0))
    }

    mutating func next() throws -> [UInt8]? {
        var chunk = MemorySink()
        while try cursor.next(into: &chunk) {
            if !chunk.bytes.isEmpty { return chunk.bytes }
        }
        return nil
    }
}

/// The municipality's residents as NDJSON: one person a line, as the lookup renders them
/// (`CPRNDJSONCursor` writes the very bytes `CPRService.render` writes, without making a
/// `CPRPerson`).
struct NDJSONChunks: ChunkProducer {
    var persons: CPRNDJSONCursor
    var chunk: [UInt8] = []

    init(_ population: CPRPopulation, municipality: String, date: CivilDate) {
        persons = CPRNDJSONCursor(population: population, on: date, municipality: municipality)
        chunk.reserveCapacity(300 * 1024)
    }

    mutating func next() -> [UInt8]? {
        chunk.removeAll(keepingCapacity: true)
        while chunk.count < 256 * 1024, persons.next(into: &chunk) {}
        return chunk.isEmpty ? nil : chunk
    }
}

/// The KLE plan in force as the full extract's XML.
struct KLEPlanChunks: ChunkProducer {
    var cursor: KLEDocumentCursor<IndexingIterator<[KLENode]>>

    init(_ version: KLEVersion) { cursor = KLEDocumentCursor(full: version) }

    mutating func next() throws -> [UInt8]? {
        var chunk = MemorySink()
        while try cursor.next(into: &chunk) {
            if !chunk.bytes.isEmpty { return chunk.bytes }
        }
        return nil
    }
}

/// One large response's source, pulled by its writer: the producer (made on the first
/// pull, on the executor) and, when the client accepts it, a gzip stream in front of it.
/// Each `next()` produces one chunk and returns, so no thread waits for a slow client;
/// the lock is only ever contended by a `cancel()`.
final class LargeResponseSource: Sendable {
    struct Cancelled: Error, CustomStringConvertible {
        var description: String { "the response was cancelled (client gone, too slow, or timed out)" }
    }

    /// Compressed bytes as zlib hands them over, taken out a chunk at a time.
    final class Compressed {
        var bytes: [UInt8] = []
        func take() -> [UInt8] {
            defer { bytes.removeAll(keepingCapacity: true) }
            return bytes
        }
    }

    struct State {
        var make: (@Sendable () throws -> any ChunkProducer)?
        var producer: (any ChunkProducer)?
        var gzip: GzipWriter?
        var compressed = Compressed()
        var done = false
    }

    let state: Mutex<State>
    let useGzip: Bool
    let cancelled = Atomic<Bool>(false)

    init(gzip: Bool, make: @escaping @Sendable () throws -> any ChunkProducer) {
        useGzip = gzip
        state = Mutex(State(make: make))
    }

    /// Stops the response: the next pull throws.
    func cancel() { cancelled.store(true, ordering: .relaxed) }

    /// The next chunk of the body, nil at its end. Blocking: call it on the executor.
    func next() throws -> [UInt8]? {
        guard !cancelled.load(ordering: .relaxed) else { throw Cancelled() }
        let useGzip = useGzip
        return try state.withLock { s throws -> [UInt8]? in
            if s.done { return nil }
            if s.producer == nil, let make = s.make {
                s.producer = try make()
                s.make = nil
                if useGzip {
                    let sink = s.compressed
                    // Level 1: the stream must keep ahead of 100 MB/s on loopback; at level
                    // 6 one core manages a third of that.
                    s.gzip = try GzipWriter(level: 1, outputBufferSize: 64 * 1024) { sink.bytes.append(contentsOf: $0) }
                }
            }
            // Out of the state while it works, so its buffers are not copied on write.
            guard var producer = s.producer else { return nil }
            s.producer = nil
            defer { s.producer = producer }
            guard let gzip = s.gzip else {
                let chunk = try producer.next()
                s.done = chunk == nil
                return chunk
            }
            // Raw chunks go into gzip until it hands something out (about every 64 kB of
            // compressed output) or the input ends.
            while s.compressed.bytes.isEmpty {
                guard let raw = try producer.next() else {
                    try gzip.finish()
                    s.done = true
                    break
                }
                try gzip.write(contentsOf: raw)
            }
            let chunk = s.compressed.take()
            return chunk.isEmpty ? nil : chunk
        }
    }
}

/// `Accept-Encoding` allows gzip unless it names it with q=0 (or refuses `*`).
func acceptsGzip(_ header: String?) -> Bool {
    guard let header else { return false }
    for part in header.split(separator: ",") {
        let fields = part.split(separator: ";").map { String($0).trimmingSpaces.lowercased() }
        guard let coding = fields.first, coding == "gzip" || coding == "x-gzip" else { continue }
        let q = fields.dropFirst().first { $0.hasPrefix("q=") }.flatMap { Double($0.dropFirst(2)) } ?? 1
        return q > 0
    }
    return false
}
