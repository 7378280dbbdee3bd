import Delivery
import FileRouting
import Foundation
import Logging
import SFTPClient
import Store
import UdtraekTesting

/// The demo's file transfer between systems: a local sender system with an approved
/// file-transfer agreement uploads `OUT/NAME` and then `OUT/NAME.trigger` over SFTP with
/// its own key (as a paramiko client does), and one routing pass, the deliveries and a
/// second pass take it to the recipient's `IN/` and write the sender's receipt.
enum DemoTransfer {
    static func run(store: Store, state: String, sshd: LocalSSHD, local: [ReceiverSystem], service: DeliveryService) throws -> [String] {
        let agreements = try store.configuration().agreements.filter { $0.service == "file-transfer" && $0.state == .approved }
        guard let agreement = agreements.first(where: { a in local.contains { $0.name == a.sender && $0.sender != nil } && local.contains { $0.name == a.system } }),
              let senderName = agreement.sender, let infRef = agreement.infRef,
              let sender = local.first(where: { $0.name == senderName }), let settings = sender.sender
        else { return [] }
        var lines: [String] = []
        let name = "dokument-\(Int(Date().timeIntervalSince1970)).xml"
        let body = Array("<dokument><titel>Afgørelse om boligstøtte</titel><kommune>\(agreement.municipality)</kommune></dokument>\n".utf8)
        let trigger = """
            <?xml version="1.0" encoding="UTF-8"?>
            <ns2:Trigger xmlns:ns2="http://serviceplatformen.dk/xml/wsdl/soap11/SFTP/1/types">
            <FileDescriptor><FileName>\(name)</FileName><SizeInBytes>\(body.count)</SizeInBytes><Sender>\(sender.name)</Sender>
            <SendersFileId>\(UUID().uuidString.lowercased())</SendersFileId><Recipients>\(agreement.system)</Recipients></FileDescriptor>
            <FileContentDescriptor><SFTPDynamicRoutingInfo><InfRef>\(infRef)</InfRef>
            <RecipientAuthority>\(agreement.municipality)</RecipientAuthority></SFTPDynamicRoutingInfo></FileContentDescriptor>
            </ns2:Trigger>
            """
        let session = try SSHSession(options: SSHConnectionOptions(host: sender.sftpHost, port: sender.sftpPort, user: sender.sftpUser,
                                                                   hostKeyFingerprints: sender.hostKeyFingerprints,
                                                                   privateKeyPath: sender.privateKeyPath))
        do {
            let sftp = try session.sftp()
            try sftp.writeFile("\(settings.path)/\(name)", contents: body)
            try sftp.writeFile("\(settings.path)/\(name).trigger", contents: Array(trigger.utf8))
            session.close()
        } catch {
            session.close()
            throw error
        }
        lines.append("  \(sender.name) uploaded \(settings.path)/\(name) and then \(settings.path)/\(name).trigger (InfRef \(infRef), for \(agreement.system))")
        let router = FileRouter(store: store, stateDirectory: state, logger: Logger(label: "udtraek.demo"))
        defer { router.close() }
        let first = try router.runPassBlocking()
        let delivered = service.deliverDue()
        _ = try router.runPassBlocking()
        lines.append("  routed: \(first.accepted) accepted, \(first.rejected) refused; \(delivered.filter { $0.outcome == .delivered }.count) delivered")
        let recipient = local.first { $0.name == agreement.system }
        let inbox = sshd.inboxRoot(agreement.system) + "/" + (recipient?.inboxPath ?? "IN")
        lines.append("  the file:     \(inbox)/\(name)")
        lines.append("  its metadata: \(inbox)/\(name).metadata (Sender \(sender.name), the sender's SendersFileId)")
        let receipt = sshd.inboxRoot(sender.name) + "/\(settings.path)/\(name).sftpreceipt"
        lines.append("  the receipt:  \(receipt)")
        lines.append("")
        lines.append((try? String(contentsOfFile: receipt, encoding: .utf8)) ?? "(no receipt)")
        lines.append("  udtraek transfers --state \(state)   (every routed file; `udtraek transfers show ID` for its history)")
        return lines
    }
}
