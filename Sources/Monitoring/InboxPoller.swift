import Foundation
import Runtime
import SFTPClient
import Synchronization

/// Reads inboxes and removes expired files, host by host: each host is handled by one
/// thread that goes through its inboxes one after another over pooled sessions; different
/// hosts proceed in parallel on the calling thread and the executor's free threads.
struct InboxPoller: Sendable {
    let sessions: InboxSessions
    let parallelHosts: Int
    let executor: BlockingExecutor

    static let hostWideCodes: Set<SFTPError.Code> = [.resolve, .connect, .connectTimeout, .handshake, .algorithmMismatch,
                                                      .hostKeyMismatch, .hostKeyNotPinned, .timeout, .disconnected]

    /// Lists every target's folders. Blocking: call from a `BlockingExecutor` job.
    func list(_ targets: [InboxTarget]) -> [String: InboxListing] {
        let byHost = Dictionary(grouping: targets, by: \.host).sorted { $0.key < $1.key }
        let results = ResultBox<InboxListing>()
        executor.forEach(count: byHost.count, width: parallelHosts) { i in
            let (host, targets) = byHost[i]
            let sessions = self.sessions.host(host)
            var hostFailure: InboxError?
            for target in targets {
                if let hostFailure {
                    results.add(InboxListing(system: target.system, folders: [:], error: hostFailure))
                    continue
                }
                do {
                    let folders = try sessions.with(target.login) { sftp in try Self.read(target, sftp) }
                    results.add(InboxListing(system: target.system, folders: folders, error: nil))
                } catch {
                    let failure = Self.classify(error, target)
                    if failure.hostWide { hostFailure = failure }
                    results.add(InboxListing(system: target.system, folders: [:], error: failure))
                }
            }
        }
        return Dictionary(results.values.map { ($0.system, $0) }, uniquingKeysWith: { a, _ in a })
    }

    /// Removes paths (relative to each target's inbox root); returns per path nil or the error.
    func remove(_ work: [(target: InboxTarget, paths: [String])]) -> [String: [String: String?]] {
        let byHost = Dictionary(grouping: work, by: \.target.host).sorted { $0.key < $1.key }
        let results = ResultBox<(String, [String: String?])>()
        executor.forEach(count: byHost.count, width: parallelHosts) { i in
            let sessions = self.sessions.host(byHost[i].key)
            for (target, paths) in byHost[i].value {
                var outcome: [String: String?] = [:]
                for path in paths {
                    do {
                        _ = try sessions.with(target.login) { sftp in try sftp.removeIfPresent(target.rootPrefix + path) }
                        outcome[path] = .some(nil)
                    } catch {
                        outcome[path] = .some("\(error)")
                    }
                }
                results.add((target.system, outcome))
            }
        }
        return Dictionary(results.values, uniquingKeysWith: { a, b in a.merging(b) { x, _ in x } })
    }

    private static func read(_ target: InboxTarget, _ sftp: SFTPSession) throws -> [String: [String: SFTPEntryInfo]] {
        var folders: [String: [String: SFTPEntryInfo]] = [:]
        for (index, folder) in target.directories.enumerated() {
            do {
                var entries: [String: SFTPEntryInfo] = [:]
                for e in try sftp.list(target.rootPrefix + folder) {
                    entries[e.name] = SFTPEntryInfo(accessTime: e.attributes.accessTime, modificationTime: e.attributes.modificationTime,
                                                    isRegularFile: e.attributes.permissions == nil || e.attributes.isRegularFile)
                }
                folders[folder] = entries
            } catch let e as SFTPError where index > 0 && e.sftpStatus == 2 {
                folders[folder] = [:] // a `moved` folder the receiver has not made yet
            }
        }
        return folders
    }

    static func classify(_ error: Error, _ target: InboxTarget) -> InboxError {
        let sftp = error as? SFTPError ?? SFTPError(.localIO, operation: "reading the inbox of \(target.system)", reason: "\(error)")
        var hostWide = hostWideCodes.contains(sftp.code)
        if case .shared = target.login, [.authentication, .passphrase, .keyFile, .keyPermissions, .sftpInit].contains(sftp.code) {
            hostWide = true
        }
        return InboxError(error: sftp, hostWide: hostWide)
    }
}

/// Results gathered from several threads.
final class ResultBox<T: Sendable>: Sendable {
    private let items = Mutex<[T]>([])
    func add(_ item: T) { items.withLock { $0.append(item) } }
    var values: [T] { items.withLock { $0 } }
}
