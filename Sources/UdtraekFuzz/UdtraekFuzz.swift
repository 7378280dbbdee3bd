import FuzzTargets
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// The fuzz harness. Built with libFuzzer (`make fuzz-build` defines UDTRAEK_LIBFUZZER), it is
// libFuzzer's program and runs the target named by UDTRAEK_FUZZ_TARGET; a property that does
// not hold stops it like a crash, so libFuzzer writes the input as crash-<sha1>. Built
// normally, it replays files: `UdtraekFuzz <target> FILE...` (how to look at a crash input
// without the fuzzer).

#if UDTRAEK_LIBFUZZER
import CUdtraekFuzzer

/// The target, read once from the environment; the run stops at once on a wrong name.
let selectedTarget: FuzzTarget = {
    let name = getenv("UDTRAEK_FUZZ_TARGET").map { String(cString: $0) } ?? ""
    guard let target = FuzzTarget(rawValue: name) else {
        let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")
        complain("UDTRAEK_FUZZ_TARGET='\(name)' is not a fuzz target; set it to one of: \(names)")
        exit(2)
    }
    return target
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func udtraekFuzzOneInput(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = start.map { Array(UnsafeBufferPointer(start: $0, count: count)) } ?? []
    do { try selectedTarget.check(bytes) } catch { fatalError("property violated: \(error)") }
    return 0
}

/// The program's entry: SwiftPM links `main` to `UdtraekFuzz_main` (see CUdtraekFuzzer.h),
/// so this starts libFuzzer with the command line.
@_cdecl("UdtraekFuzz_main")
public func udtraekFuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv) { udtraekFuzzOneInput($0, $1) }
}
#else
@main
struct UdtraekFuzz {
    static func main() {
        let args = CommandLine.arguments.dropFirst()
        guard let name = args.first, let target = FuzzTarget(rawValue: name), args.count > 1 else {
            let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: "|")
            complain("usage: UdtraekFuzz <\(names)> FILE...  (replays inputs; `make fuzz` runs libFuzzer)")
            exit(2)
        }
        var failed = 0
        for path in args.dropFirst() {
            guard let file = fopen(path, "rb") else { complain("\(path): cannot open"); failed += 1; continue }
            var bytes: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while case let n = fread(&buffer, 1, buffer.count, file), n > 0 { bytes += buffer[0..<n] }
            fclose(file)
            do { try target.check(bytes); print("\(path): ok") } catch { print("\(path): \(error)"); failed += 1 }
        }
        exit(failed == 0 ? 0 : 1)
    }
}
#endif

/// One line on standard error (Swift 6 refuses the C global `stderr`).
func complain(_ line: String) {
    var text = line + "\n"
    text.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
}
