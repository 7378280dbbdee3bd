import BusinessCalendar
import Foundation
import Gzip
import SourceStubs

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

/// Runs a source stub's writer on a thread of its own, feeding a `ChunkPipe`, optionally
/// through gzip. Dedicated threads because the writers block (on the pipe when the client
/// is slow); Swift's cooperative pool must never be blocked.
enum LargeResponseProducer {
    struct PipeSink: ByteSink {
        let pipe: ChunkPipe
        func write(_ bytes: UnsafeRawBufferPointer) throws { try pipe.push(Array(bytes)) }
    }

    struct GzipSink: ByteSink {
        let gzip: GzipWriter
        func write(_ bytes: UnsafeRawBufferPointer) throws { try gzip.write(bytes) }
    }

    static func start(pipe: ChunkPipe, gzip: Bool, name: String,
                      _ produce: @escaping @Sendable (inout any ByteSink) throws -> Void) {
        let thread = Thread {
            do {
                if gzip {
                    // Level 1: the stream must keep ahead of 100 MB/s on loopback; at
                    // level 6 one core manages a third of that.
                    let gz = try GzipWriter(level: 1) { bytes in try pipe.push(Array(bytes)) }
                    var sink: any ByteSink = GzipSink(gzip: gz)
                    try produce(&sink)
                    try gz.finish()
                } else {
                    var sink: any ByteSink = PipeSink(pipe: pipe)
                    try produce(&sink)
                }
                pipe.finish()
            } catch {
                pipe.finish(error: error)
            }
        }
        thread.name = name
        thread.start()
    }

    static func cprPopulation(_ population: CPRPopulation, municipality: String, date: CivilDate,
                              format: PopulationFormat) -> @Sendable (inout any ByteSink) throws -> Void {
        switch format {
        case .cpr:
            return { sink in
                let request = CPRExtractRequest(kind: .status, date: date, municipality: municipality, taskNumber: 0)
                try CPRExtractWriter.write(population: population, request: request, into: &sink)
            }
        case .ndjson:
            return { sink in
                // One writer for the whole stream: lines are appended to its buffer and
                // handed on in chunks of about 256 kB.
                var w = JSONWriter(capacity: 300 * 1024)
                try population.forEachPerson(on: date, municipality: municipality) { p in
                    CPRService.render(p, into: &w)
                    w.raw(0x0A)
                    if w.bytes.count >= 256 * 1024 {
                        try w.bytes.withUnsafeBytes { try sink.write($0) }
                        w.reset()
                    }
                }
                if !w.bytes.isEmpty { try w.bytes.withUnsafeBytes { try sink.write($0) } }
            }
        }
    }

    static func klePlan(_ plan: KLEPlan, date: CivilDate) -> @Sendable (inout any ByteSink) throws -> Void {
        { sink in _ = try KLEExtractWriter.writeFull(plan: plan, asOf: date, into: &sink) }
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
