import Delivery
import FileRouting
import Foundation
import SFTPClient
import Store
import UdtraekConfig
import UdtraekTesting

/// A sender system `fagsystem` and recipients `esdh` and `sag` (agreements for InfRef
/// `urn:test:dokument`) and `udenaftale` (no agreement), each with its own key on a private
/// sshd; the configuration applied through the configuration file, as operators do.
final class RoutingFixture: @unchecked Sendable {
    static let infRef = "urn:test:dokument"
    let directory: String
    let store: Store
    let sshd: LocalSSHD
    var state: String { directory + "/state" }

    /// With `sharedLogin`, the platform's monitoring login for the host (bound to every
    /// inbox root) reads the sender's folder instead of the sender's own key.
    init(senderExtra: String = "", sharedLogin: Bool = false) throws {
        directory = NSTemporaryDirectory() + "udtraek-routing-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory + "/keys", withIntermediateDirectories: true)
        sshd = try LocalSSHD(directory: directory + "/sshd")
        for name in ["fagsystem", "esdh", "sag", "udenaftale"] {
            try SSHKeys.generate(.ed25519, at: directory + "/keys/\(name)")
            try sshd.addAccount(.init(system: name, publicKeyPath: directory + "/keys/\(name).pub"))
        }
        if sharedLogin {
            try SSHKeys.generate(.ed25519, at: directory + "/keys/monitor")
            try sshd.addAccount(.init(system: "monitor", publicKeyPath: directory + "/keys/monitor.pub", root: sshd.inboxesRoot))
        }
        try sshd.start()
        let fingerprint = try sshd.hostKeyFingerprint
        let (port, keys) = (sshd.port, directory + "/keys")
        func system(_ name: String, _ extra: String = "") -> String {
            """
              - name: \(name)
                uuid: \(UUID().uuidString.lowercased())
                inbox: { host: 127.0.0.1, port: \(port), user: \(LocalSSHD.loginUser), private_key: \(keys)/\(name), host_key_fingerprints: [\(fingerprint)] }
            \(extra)
            """
        }
        let text = """
            municipalities:
              - { code: "0751", name: Aarhus }
            systems:
            \(system("fagsystem", "    sender: { path: OUT, poll_interval: 1s, untriggered_after: 1m\(senderExtra) }"))
            \(system("esdh"))
            \(system("sag"))
            \(system("udenaftale"))
            agreements:
              - { uuid: \(UUID().uuidString.lowercased()), system: esdh, municipality: "0751", service: file-transfer, sender: fagsystem, infref: "\(Self.infRef)", state: approved }
              - { uuid: \(UUID().uuidString.lowercased()), system: sag, municipality: "0751", service: file-transfer, sender: fagsystem, infref: "\(Self.infRef)", state: approved }
              - { uuid: \(UUID().uuidString.lowercased()), system: udenaftale, municipality: "0751", service: file-transfer, sender: fagsystem, infref: "\(Self.infRef)", state: pending }
            \(sharedLogin ? "monitoring: { logins: [{ host: 127.0.0.1, port: \(port), user: \(LocalSSHD.loginUser), private_key: \(keys)/monitor, host_key_fingerprints: [\(fingerprint)], inbox_root: \"{system}\" }] }" : "")
            """
        store = try Store(stateDirectory: directory + "/state")
        try ConfigurationFile.parse(text, path: directory + "/udtraek.yaml").apply(to: store, actor: "test")
    }

    func tearDown() {
        sshd.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    func router() -> FileRouter {
        FileRouter(store: store, stateDirectory: state,
                   options: RouterOptions(connectTimeout: .seconds(5), operationTimeout: .seconds(10), settleSeconds: 0))
    }

    /// A router pass, the deliveries, and a router pass for the receipts: what `serve` does.
    @discardableResult
    func route() throws -> (RoutingReport, [DeliveryRecord], RoutingReport) {
        let router = router()
        defer { router.close() }
        let first = try router.runPassBlocking()
        let delivered = DeliveryService(store: store).deliverDue()
        let second = try router.runPassBlocking()
        return (first, delivered, second)
    }

    func out(_ name: String = "") -> String { sshd.inboxRoot("fagsystem") + "/OUT" + (name.isEmpty ? "" : "/" + name) }
    func inbox(_ system: String, _ name: String = "") -> String { sshd.inboxRoot(system) + "/IN" + (name.isEmpty ? "" : "/" + name) }

    /// What a paramiko client does: an SFTP session with the sender's own key, `put` of the
    /// file into OUT/, then `put` of the trigger (plain writes, no temporary names).
    func send(_ name: String, contents: [UInt8], trigger: String) throws {
        let session = try SSHSession(options: SSHConnectionOptions(
            host: "127.0.0.1", port: sshd.port, user: LocalSSHD.loginUser, hostKeyFingerprints: [try sshd.hostKeyFingerprint],
            privateKeyPath: directory + "/keys/fagsystem"))
        defer { session.close() }
        let sftp = try session.sftp()
        try sftp.writeFile("OUT/\(name)", contents: contents)
        try sftp.writeFile("OUT/\(name).trigger", contents: Array(trigger.utf8))
    }

    static func trigger(name: String, size: Int, sender: String = "fagsystem", id: String = UUID().uuidString.lowercased(),
                        recipients: [String] = ["esdh", "sag"], infRef: String? = infRef, fileNameField: String? = nil) -> String {
        """
        <?xml version="1.0" encoding="UTF-8"?>
        <ns2:Trigger xmlns:ns2="http://serviceplatformen.dk/xml/wsdl/soap11/SFTP/1/types">
          <FileDescriptor>
            <FileName>\(fileNameField ?? name)</FileName>
            <SizeInBytes>\(size)</SizeInBytes>
            <Sender>\(sender)</Sender>
            <SendersFileId>\(id)</SendersFileId>
        \(recipients.map { "    <Recipients>\($0)</Recipients>" }.joined(separator: "\n"))
          </FileDescriptor>
          <FileContentDescriptor>
            <SFTPDynamicRoutingInfo>
              \(infRef.map { "<InfRef>\($0)</InfRef>" } ?? "")
              <TransactionId>tx-\(id.prefix(8))</TransactionId>
              <SenderTimestamp>2026-12-01T08:15:00.000Z</SenderTimestamp>
            </SFTPDynamicRoutingInfo>
          </FileContentDescriptor>
        </ns2:Trigger>
        """
    }

    func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

    func text(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }

    /// Files a recipient has in IN/ (none of the platform's temporaries either).
    func inboxFiles(_ system: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: inbox(system))) ?? []).sorted()
    }
}

/// The text of each element of a metadata or receipt document, by local name (repeated
/// elements in order), read with Foundation's XML parser.
#if canImport(FoundationXML)
import FoundationXML
#endif
final class ElementTexts: NSObject, XMLParserDelegate {
    var values: [String: [String]] = [:]
    private var text = ""

    static func read(_ xml: String) -> [String: [String]]? {
        let reader = ElementTexts()
        let parser = XMLParser(data: Data(xml.utf8))
        parser.shouldProcessNamespaces = true
        parser.delegate = reader
        return parser.parse() ? reader.values : nil
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) { text = "" }
    func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }
    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        values[name, default: []].append(text.trimmingCharacters(in: .whitespacesAndNewlines))
        text = ""
    }
}
