import Foundation
import SFTPClient
import Store

/// What to put where, and how.
public struct UploadRequest: Sendable {
    public var localPath: String
    /// The final name in the inbox.
    public var fileName: String
    /// The inbox folder, relative to the SFTP user's home (`IN`) or absolute.
    public var inboxPath: String
    /// Makes the temporary names unique to this delivery, so a retry finds and removes
    /// what an interrupted attempt of the same delivery left.
    public var attemptTag: String
    public var policy: ExistingTargetPolicy
    /// When known in advance (files from Spool/), the upload is checked against it.
    public var expectedSHA256: String?
    public var chunkSize: Int

    public init(localPath: String, fileName: String, inboxPath: String, attemptTag: String,
                policy: ExistingTargetPolicy, expectedSHA256: String? = nil, chunkSize: Int = 1 << 20) {
        self.localPath = localPath
        self.fileName = fileName
        self.inboxPath = inboxPath
        self.attemptTag = attemptTag
        self.policy = policy
        self.expectedSHA256 = expectedSHA256
        self.chunkSize = chunkSize
    }

    var directory: String { inboxPath.hasSuffix("/") ? String(inboxPath.dropLast()) : inboxPath }
    var finalPath: String { "\(directory)/\(fileName)" }
    var metadataPath: String { "\(directory)/\(fileName).metadata" }
    /// Dot-prefixed, so receivers' clients (which skip hidden names and keep names that
    /// look like extracts) never pick it up.
    var temporaryPath: String { "\(directory)/.\(fileName).\(attemptTag).part" }
    var temporaryMetadataPath: String { "\(directory)/.\(fileName).metadata.\(attemptTag).part" }
    var displacedPath: String { "\(directory)/.\(fileName).\(attemptTag).old" }
    var displacedMetadataPath: String { "\(directory)/.\(fileName).metadata.\(attemptTag).old" }
}

public struct UploadResult: Sendable {
    public var remotePath: String
    public var bytes: Int64
    public var sha256: String
    /// Whether the server flushed the file to disk (fsync@openssh.com).
    public var fsynced: Bool
}

/// The upload protocol that keeps a receiver from ever seeing a partial file:
/// temporary dot-name -> stream -> fsync -> verify size -> rename into place -> metadata.
///
/// An existing target is never removed before the new file is complete. Under `refuse`
/// the rename is the check (OpenSSH renames with link(), which fails when the target
/// exists, so there is no check-then-act race); under `replace` the old file is moved
/// aside, the new one renamed in, and only then the old one removed.
public enum InboxUpload {
    public static func upload(_ request: UploadRequest, over sftp: SFTPSession,
                              deadline: ContinuousClock.Instant?,
                              metadata: (_ sha256: String, _ bytes: Int64) -> MetadataDocument,
                              progress: ((UInt64) -> Void)? = nil) throws -> UploadResult {
        let reader = try LocalFileReader(path: request.localPath)
        let expectedSize = reader.size
        do {
            guard let inbox = try sftp.stat(request.directory), inbox.isDirectory else {
                throw SFTPError(.stat, operation: "checking the inbox \(request.directory) on \(sftp.endpoint)",
                                reason: "the folder does not exist", hint: "Check the system's inbox path")
            }
            if request.policy == .refuse, try sftp.stat(request.finalPath) != nil {
                throw targetExists(request, sftp)
            }
            // Leftovers of an interrupted attempt of this same delivery.
            try sftp.removeIfPresent(request.temporaryPath)
            try sftp.removeIfPresent(request.temporaryMetadataPath)

            let file = try sftp.open(request.temporaryPath, write: true, exclusive: true)
            let sent: UInt64
            let fsynced: Bool
            do {
                sent = try file.upload(chunkSize: request.chunkSize, deadline: deadline, progress: progress) {
                    try reader.read(into: $0)
                }
                fsynced = try file.fsyncIfSupported()
                try file.close()
            } catch {
                try? file.close()
                throw error
            }
            let sha = reader.sha256Hex
            try verify(request, sftp: sftp, sent: sent, expectedSize: expectedSize, sha: sha)

            try moveIntoPlace(from: request.temporaryPath, to: request.finalPath, displaced: request.displacedPath,
                              request: request, sftp: sftp)
            let document = metadata(sha, Int64(sent))
            try sftp.writeFile(request.temporaryMetadataPath, contents: Array(document.xml.utf8), exclusive: true)
            try moveIntoPlace(from: request.temporaryMetadataPath, to: request.metadataPath,
                              displaced: request.displacedMetadataPath, request: request, sftp: sftp)
            return UploadResult(remotePath: request.finalPath, bytes: Int64(sent), sha256: sha, fsynced: fsynced)
        } catch {
            // Best effort: the connection may be gone, in which case the next attempt of
            // this delivery removes the same names before it starts.
            try? sftp.removeIfPresent(request.temporaryPath)
            try? sftp.removeIfPresent(request.temporaryMetadataPath)
            if let e = error as? SFTPError { throw DeliveryError(e) }
            throw error
        }
    }

    private static func verify(_ request: UploadRequest, sftp: SFTPSession, sent: UInt64, expectedSize: Int64, sha: String) throws {
        let operation = "verifying \(request.temporaryPath) on \(sftp.endpoint)"
        if expectedSize >= 0 && Int64(sent) != expectedSize {
            throw DeliveryError(.integrity, operation: operation,
                                reason: "read \(sent) bytes from \(request.localPath) but it is \(expectedSize) bytes long; the file changed while it was sent",
                                hint: "Files must not change once they are in the outbox")
        }
        if let expected = request.expectedSHA256, expected.lowercased() != sha {
            throw DeliveryError(.integrity, operation: operation,
                                reason: "the SHA-256 of \(request.localPath) is \(sha), the outbox recorded \(expected)",
                                hint: "The spool file was damaged or replaced; produce the extract again")
        }
        let remote = try sftp.stat(request.temporaryPath)
        guard let size = remote?.size, size == sent else {
            throw SFTPError(.sizeMismatch, operation: operation,
                            reason: "the server holds \(remote?.size.map(String.init) ?? "no") bytes, \(sent) were sent",
                            hint: "The server's disk may be full; the delivery will be retried")
        }
    }

    private static func moveIntoPlace(from temporary: String, to final: String, displaced: String,
                                      request: UploadRequest, sftp: SFTPSession) throws {
        do {
            try sftp.rename(temporary, to: final)
            return
        } catch let error as SFTPError where error.code == .rename {
            guard try sftp.stat(final) != nil else { throw error }
            guard request.policy == .replace else { throw targetExists(request, sftp, path: final) }
        }
        try sftp.removeIfPresent(displaced)
        try sftp.rename(final, to: displaced)
        do {
            try sftp.rename(temporary, to: final)
        } catch {
            try? sftp.rename(displaced, to: final)
            throw error
        }
        try sftp.removeIfPresent(displaced)
    }

    private static func targetExists(_ request: UploadRequest, _ sftp: SFTPSession, path: String? = nil) -> SFTPError {
        SFTPError(.targetExists, operation: "delivering \(request.fileName) to \(sftp.endpoint)",
                  reason: "\(path ?? request.finalPath) already exists and the system's policy is to refuse",
                  hint: "Ask the receiver to collect or remove it, or set existing_target: replace for this system, then retry with `udtraek outbox retry ID`")
    }
}
