import Foundation
import Testing
import UdtraekTesting

/// The clients the issue names, for real: Debian's paramiko (python3-paramiko) as the
/// sender, uploading `OUT/NAME` and then `OUT/NAME.trigger` and polling its receipt, and as
/// each recipient, reading `IN/NAME.metadata` the way receiver scripts do (the
/// `ns2:Trigger` shape, its own user among Recipients, Sender as expected) and collecting the file.
@Suite(.serialized) struct ParamikoClientTests {
    static let python = "/usr/bin/python3"

    static let script = #"""
        import hashlib, sys, time, xml.etree.ElementTree as ET
        import paramiko

        mode, port, user, key, known_hosts = sys.argv[1:6]
        client = paramiko.SSHClient()
        client.load_host_keys(known_hosts)
        client.set_missing_host_key_policy(paramiko.RejectPolicy())
        client.connect("127.0.0.1", port=int(port), username=user, key_filename=key, allow_agent=False, look_for_keys=False)
        sftp = client.open_sftp()
        if mode == "send":
            name, local, trigger = sys.argv[6:9]
            sftp.put(local, "OUT/" + name)
            sftp.put(trigger, "OUT/" + name + ".trigger")
            print("sent")
        elif mode == "receipt":
            name = sys.argv[6]
            with sftp.open("OUT/" + name + ".sftpreceipt") as f:
                doc = ET.fromstring(f.read())
            print("status=" + doc.findtext("Status"))
            for r in doc.findall("Recipient"):
                print("recipient=%s:%s" % (r.findtext("Name"), r.findtext("Status")))
        elif mode == "collect":
            name, expected_sender = sys.argv[6:8]
            with sftp.open("IN/" + name + ".metadata") as f:
                doc = ET.fromstring(f.read())
            ns = "{http://serviceplatformen.dk/xml/wsdl/soap11/SFTP/1/types}"
            assert doc.tag == ns + "Trigger", doc.tag
            fd = doc.find("FileDescriptor")
            assert fd.findtext("Sender") == expected_sender, fd.findtext("Sender")
            assert user in [r.text for r in fd.findall("Recipients")], "not a recipient"
            size = int(fd.findtext("SizeInBytes"))
            with sftp.open("IN/" + name) as f:
                data = f.read()
            assert len(data) == size, (len(data), size)
            sha = doc.find("{urn:udtraek:sftp:metadata:1}SHA256").text
            assert hashlib.sha256(data).hexdigest() == sha
            print("infref=" + doc.findtext("FileContentDescriptor/SFTPDynamicRoutingInfo/InfRef"))
            print("senders_file_id=" + fd.findtext("SendersFileId"))
            sftp.remove("IN/" + name)
            sftp.remove("IN/" + name + ".metadata")
            print("collected")
        client.close()
        """#

    @Test
    func aParamikoSenderReachesTwoParamikoReceivers() async throws {
        try await offThePool {
            let fx = try RoutingFixture()
            defer { fx.tearDown() }
            let scriptPath = fx.directory + "/client.py"
            try Self.script.write(toFile: scriptPath, atomically: true, encoding: .utf8)
            let hostKey = try String(contentsOfFile: fx.sshd.hostKeyPath + ".pub", encoding: .utf8).split(separator: " ").prefix(2).joined(separator: " ")
            try "[127.0.0.1]:\(fx.sshd.port) \(hostKey)\n".write(toFile: fx.directory + "/known_hosts", atomically: true, encoding: .utf8)
            func client(_ system: String, _ arguments: [String]) throws -> String {
                let run = try ChildProcess.run(Self.python, [scriptPath, arguments[0], "\(fx.sshd.port)", LocalSSHD.loginUser,
                                                             fx.directory + "/keys/\(system)", fx.directory + "/known_hosts"] + arguments.dropFirst())
                #expect(run.status == 0, "paramiko as \(system) \(arguments): \(run.output)")
                return run.output
            }
            let body = Data((0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 13) })
            try body.write(to: URL(fileURLWithPath: fx.directory + "/brev.pdf"))
            let id = UUID().uuidString.lowercased()
            try RoutingFixture.trigger(name: "brev.pdf", size: body.count, id: id)
                .write(toFile: fx.directory + "/brev.pdf.trigger", atomically: true, encoding: .utf8)

            #expect(try client("fagsystem", ["send", "brev.pdf", fx.directory + "/brev.pdf", fx.directory + "/brev.pdf.trigger"]).contains("sent"))
            try fx.route()
            let receipt = try client("fagsystem", ["receipt", "brev.pdf"])
            #expect(receipt.contains("status=delivered") && receipt.contains("recipient=esdh:delivered")
                    && receipt.contains("recipient=sag:delivered"), "\(receipt)")
            for system in ["esdh", "sag"] {
                let collected = try client(system, ["collect", "brev.pdf", "fagsystem"])
                #expect(collected.contains("collected") && collected.contains("senders_file_id=\(id)")
                        && collected.contains("infref=\(RoutingFixture.infRef)"), "\(collected)")
                #expect(fx.inboxFiles(system).isEmpty)
            }
        }
    }
}
