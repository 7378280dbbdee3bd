internal import CUdtraekZlib

/// The one error type of the `Gzip` module: what went wrong (`code`), what zlib said
/// (`zlibCode`, `zlibMessage`) and what the module was doing (`operation`), so a log line
/// or an alarm can tell an operator whether the data, the machine or the caller is at fault.
///
/// Errors thrown by a caller's own sink or source closure are rethrown unchanged, not
/// wrapped, so the caller can still match on its own I/O errors.
public struct GzipError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The kind of failure, chosen so that callers can decide between retrying,
    /// alarming about the input and fixing their code.
    public enum Code: String, Sendable, Equatable {
        /// A parameter was out of range (level outside 0...9, zero threads, tiny buffers).
        case invalidArgument
        /// zlib could not allocate its state (Z_MEM_ERROR) or a thread could not start.
        case outOfResources
        /// zlib refused the request while compressing: a bug in this module or a damaged stream state.
        case compressionFailed
        /// The compressed data is not valid gzip/deflate or its CRC-32 or length check failed.
        case corruptData
        /// The compressed data ended before the end of a gzip member.
        case truncated
        /// The writer or reader was used after `finish()` or after an earlier error.
        case closed
        /// The header of this zlib does not match the library linked at run time.
        case versionMismatch
    }

    /// What failed.
    public let code: Code
    /// zlib's return code (`Z_DATA_ERROR` = -3, ...), or nil when zlib was not involved.
    public let zlibCode: Int32?
    /// zlib's own explanation (`z_stream.msg`), e.g. "incorrect data check".
    public let zlibMessage: String?
    /// What the module was doing, e.g. "compressing chunk 12 on a worker thread".
    public let operation: String

    public init(code: Code, zlibCode: Int32? = nil, zlibMessage: String? = nil, operation: String) {
        self.code = code
        self.zlibCode = zlibCode
        self.zlibMessage = zlibMessage
        self.operation = operation
    }

    /// A sentence for a person: what failed, zlib's reason, and what to do about it.
    public var description: String {
        var text = "gzip: \(operation) failed"
        if let zlibCode {
            text += " (zlib \(GzipError.name(of: zlibCode))"
            if let zlibMessage, !zlibMessage.isEmpty { text += ": \(zlibMessage)" }
            text += ")"
        } else if let zlibMessage, !zlibMessage.isEmpty {
            text += " (\(zlibMessage))"
        }
        text += ". " + advice
        return text
    }

    private var advice: String {
        switch code {
        case .invalidArgument:
            return "Check the configured compression level (0-9), thread count and buffer sizes."
        case .outOfResources:
            return "The machine is short of memory or threads; lower the compression thread count or free memory, then run the extract again."
        case .compressionFailed:
            return "This is a bug in udtraek's gzip module; keep the log and report it. The partial output file must not be delivered."
        case .corruptData:
            return "The file is damaged or is not gzip; produce or fetch it again, and check the disk and the transfer."
        case .truncated:
            return "The file is incomplete; it was probably cut short while writing or transferring. Produce or fetch it again."
        case .closed:
            return "The stream was already finished or failed earlier; create a new writer or reader for a new file."
        case .versionMismatch:
            return "The zlib library installed does not match the one udtraek was built against; reinstall zlib1g or rebuild."
        }
    }

    static func name(of code: Int32) -> String {
        switch code {
        case Z_OK: return "Z_OK"
        case Z_STREAM_END: return "Z_STREAM_END"
        case Z_NEED_DICT: return "Z_NEED_DICT"
        case Z_ERRNO: return "Z_ERRNO"
        case Z_STREAM_ERROR: return "Z_STREAM_ERROR"
        case Z_DATA_ERROR: return "Z_DATA_ERROR"
        case Z_MEM_ERROR: return "Z_MEM_ERROR"
        case Z_BUF_ERROR: return "Z_BUF_ERROR"
        case Z_VERSION_ERROR: return "Z_VERSION_ERROR"
        default: return "code \(code)"
        }
    }

    /// Builds the error for a failed zlib call, classifying the return code.
    static func zlib(_ ret: Int32, stream: UnsafePointer<z_stream>?, operation: String, compressing: Bool) -> GzipError {
        let message = stream.flatMap { $0.pointee.msg.map { String(cString: $0) } }
        let code: Code
        switch ret {
        case Z_MEM_ERROR: code = .outOfResources
        case Z_VERSION_ERROR: code = .versionMismatch
        case Z_DATA_ERROR, Z_NEED_DICT: code = compressing ? .compressionFailed : .corruptData
        case Z_BUF_ERROR: code = compressing ? .compressionFailed : .truncated
        default: code = compressing ? .compressionFailed : .corruptData
        }
        return GzipError(code: code, zlibCode: ret, zlibMessage: message, operation: operation)
    }
}
