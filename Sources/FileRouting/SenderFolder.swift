import Foundation
import SFTPClient
import Store

/// A sender's folder (`OUT/` below its login root) over one SFTP session: what the router
/// lists, reads, writes (receipts) and removes there.
struct SenderFolder {
    static let triggerSuffix = ".trigger"

    let sftp: SFTPSession
    /// From the login's start directory to the sender's login root ("" for its own key).
    let root: String
    let settings: SenderSettings

    /// A name as the sender sees it, for receipts, messages and history (`OUT/NAME`).
    func path(_ name: String) -> String { settings.path + "/" + name }

    func remote(_ name: String) -> String { root + settings.path + "/" + name }

    /// The regular, visible files in the folder, by name. Hidden names (a client's
    /// temporary upload, our own receipt temporaries) are never taken.
    func list() throws -> [String: SFTPFileAttributes] {
        var files: [String: SFTPFileAttributes] = [:]
        for entry in try sftp.list(root + settings.path) where !entry.name.hasPrefix(".") {
            guard entry.attributes.permissions == nil || entry.attributes.isRegularFile else { continue }
            files[entry.name] = entry.attributes
        }
        return files
    }

    func read(_ name: String, limit: Int) throws -> [UInt8] {
        try sftp.readFile(remote(name), limit: limit)
    }

    func open(_ name: String) throws -> SFTPFile {
        try sftp.open(remote(name), write: false)
    }

    /// Writes `NAME.sftpreceipt` under a hidden temporary name and renames it into place,
    /// so a client polling for it never reads half a receipt.
    func writeReceipt(_ receipt: ReceiptDocument) throws {
        let name = receipt.fileName + ReceiptDocument.suffix
        let temporary = remote(".\(name).tmp")
        try sftp.writeFile(temporary, contents: Array(receipt.xml.utf8))
        do {
            try sftp.rename(temporary, to: remote(name))
        } catch let error as SFTPError where error.code == .rename {
            // The server does not rename over an existing file: replace the earlier receipt.
            _ = try sftp.removeIfPresent(remote(name))
            try sftp.rename(temporary, to: remote(name))
        }
    }

    /// Takes a routed file or its trigger out of the folder as configured: removed, or moved
    /// to `move_to` (replacing an earlier file of that name there). Gone already is fine:
    /// the step is repeated after a crash.
    func dispose(_ name: String) throws {
        guard settings.processed == .moveTo, let moveTo = settings.moveTo else {
            _ = try sftp.removeIfPresent(remote(name))
            return
        }
        guard try sftp.stat(remote(name)) != nil else { return }
        let folder = root + moveTo
        if try sftp.stat(folder) == nil { try sftp.makeDirectory(folder) }
        let target = folder + "/" + name
        _ = try sftp.removeIfPresent(target)
        try sftp.rename(remote(name), to: target)
    }
}
