import Crypto
import Foundation
import Runtime
import SFTPClient

/// Recognises an earlier attempt of the same delivery that finished on the receiver's side
/// (its file renamed into place, perhaps its .metadata too) but died before the outbox and
/// delivery rows said so: a kill -9 between the rename and the delivery row.
///
/// Why: retrying such a delivery must not fail on "file exists" under `refuse`, nor send a
/// second copy under `replace`. The file under the final name is ours when it has the size
/// and SHA-256 of the local file; then only a missing .metadata is written, and the attempt
/// settles as delivered.
enum EarlierUpload {
    /// The result of the earlier attempt, completed; nil when `existing` is another file.
    static func recognise(_ request: UploadRequest, existing: SFTPFileAttributes, over sftp: SFTPSession,
                          metadata: (_ sha256: String, _ bytes: Int64) -> MetadataDocument) throws -> UploadResult? {
        guard existing.isRegularFile, let size = existing.size else { return nil }
        let local = try LocalFileReader(path: request.localPath)
        guard local.size >= 0, UInt64(local.size) == size else { return nil }
        let localSHA = try request.expectedSHA256?.lowercased() ?? hash(local)
        guard try remoteSHA256(request.finalPath, over: sftp) == localSHA else { return nil }
        if try sftp.stat(request.metadataPath) == nil {
            try InboxUpload.writeMetadata(metadata(localSHA, Int64(size)), request: request, sftp: sftp)
        }
        // What this earlier attempt's own temporaries left (its crash may have come first).
        try sftp.removeIfPresent(request.temporaryPath)
        try sftp.removeIfPresent(request.temporaryMetadataPath)
        return UploadResult(remotePath: request.finalPath, bytes: Int64(size), sha256: localSHA, fsynced: false)
    }

    private static func hash(_ reader: LocalFileReader) throws -> String {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 64)
        defer { buffer.deallocate() }
        while try reader.read(into: buffer) > 0 {}
        return reader.sha256Hex
    }

    /// The SHA-256 (hex) of a remote file, streamed in 1 MiB reads.
    static func remoteSHA256(_ path: String, over sftp: SFTPSession) throws -> String {
        let file = try sftp.open(path, write: false)
        defer { try? file.close() }
        var hasher = SHA256()
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 64)
        defer { buffer.deallocate() }
        while true {
            let n = try file.read(into: buffer)
            if n == 0 { break }
            hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
        }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }
}
