import Crypto
import Delivery
import FileRouting
import Foundation
import Monitoring
import Store
import Testing
import UdtraekTesting

/// Issue 14 against a real loopback sshd: a paramiko-style sender reaches two recipients;
/// each check refuses with a receipt and an alarm, and nothing reaches any recipient.
@Suite(.serialized) struct RoutingTests {
    static func sha256(_ bytes: [UInt8]) -> String { SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined() }

    static func payload(_ size: Int) -> [UInt8] { (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) } }

    @Test func aSendersFileReachesBothRecipientsWithTheSendersMetadata() async throws {
        try await offThePool {
            let fx = try RoutingFixture()
            defer { fx.tearDown() }
            let body = Self.payload(300_000)
            let id = UUID().uuidString.lowercased()
            try fx.send("D261201.dokumenter.xml", contents: body, trigger: RoutingFixture.trigger(name: "D261201.dokumenter.xml", size: body.count, id: id))

            let (first, delivered, second) = try fx.route()
            #expect(first.accepted == 1 && first.rejected == 0)
            #expect(delivered.map(\.outcome) == [.delivered, .delivered])
            #expect(second.finished == 1)

            let transfer = try #require(try fx.store.routedTransfer(sender: "fagsystem", sendersFileId: id))
            for system in ["esdh", "sag"] {
                let file = try #require(FileManager.default.contents(atPath: fx.inbox(system, "D261201.dokumenter.xml")))
                #expect(Self.sha256(Array(file)) == Self.sha256(body))
                let metadata = try #require(ElementTexts.read(fx.text(fx.inbox(system, "D261201.dokumenter.xml.metadata"))))
                #expect(metadata["Sender"] == ["fagsystem"])
                #expect(metadata["SendersFileId"] == [id])
                #expect(metadata["FileName"] == ["D261201.dokumenter.xml"])
                #expect(metadata["SizeInBytes"] == ["\(body.count)"])
                #expect(metadata["FileTransferUUID"] == [transfer.fileTransferUUID ?? "?"])
                #expect(metadata["InfRef"] == [RoutingFixture.infRef])
                #expect(metadata["TransactionId"] == ["tx-\(id.prefix(8))"])
                #expect(metadata["SenderTimestamp"] == ["2026-12-01T08:15:00.000Z"])
                #expect(metadata["Recipients"] == [LocalSSHD.loginUser])
                #expect(metadata["SHA256"] == [Self.sha256(body)])
                #expect(fx.inboxFiles(system) == ["D261201.dokumenter.xml", "D261201.dokumenter.xml.metadata"])
            }
            // The sender's folder holds only the receipt, which says delivered to both.
            #expect(try FileManager.default.contentsOfDirectory(atPath: fx.out()) == ["D261201.dokumenter.xml.sftpreceipt"])
            let receipt = try #require(ElementTexts.read(fx.text(fx.out("D261201.dokumenter.xml.sftpreceipt"))))
            #expect(receipt["Status"]?.first == "delivered")
            #expect(receipt["Name"] == ["esdh", "sag"])
            #expect(receipt["Status"]?.dropFirst().allSatisfy { $0 == "delivered" } == true)
            #expect(receipt["FileTransferUUID"] == [transfer.fileTransferUUID ?? "?"])

            let summary = try #require(try fx.store.transferSummary(id: transfer.id ?? 0))
            #expect(summary.transfer.state == .delivered)
            #expect(summary.progress == "delivered")
            // The platform's copy is gone once every recipient has the file.
            #expect(!fx.exists(transfer.localPath ?? "/"))
            let steps = try fx.store.transferHistory(id: transfer.id ?? 0).map(\.event)
            for step in ["received", "checked", "accepted", "source.removed", "delivered", "finished"] {
                #expect(steps.contains(step), "history \(steps) lacks \(step)")
            }
            #expect(steps.filter { $0 == "delivered" }.count == 2)

            // Pickup monitoring watches routed files as it watches extracts: esdh collects
            // (deletes) its copy, and the transfer shows it end to end.
            let monitor = PickupMonitor(store: fx.store)
            defer { monitor.close() }
            try monitor.runPassBlocking()
            try FileManager.default.removeItem(atPath: fx.inbox("esdh", "D261201.dokumenter.xml"))
            try monitor.runPassBlocking()
            let collected = try #require(try fx.store.transferSummary(id: transfer.id ?? 0))
            #expect(collected.recipients.map { $0.collectedAt != nil } == [true, false])
            #expect(collected.recipients.map(\.pickupState) == ["collected_on_time", "awaiting"])
            #expect(collected.progress == "collected 1/2")

            // The whole path in `udtraek transfers show`, the real process.
            let shown = try UdtraekCLI.run(["transfers", "show", "\(transfer.id ?? 0)", "--state", fx.state])
            #expect(shown.status == 0, "\(shown.output)")
            for line in ["received", "checked", "accepted", "source.removed", "delivered", "to esdh", "to sag", "collected",
                         "by esdh: deleted from IN", "finished", "receipt", "collected 1/2"] {
                #expect(shown.output.contains(line), "`transfers show` lacks \(line):\n\(shown.output)")
            }
            let listed = try UdtraekCLI.run(["transfers", "--recipient", "sag", "--status", "delivered", "--json", "--state", fx.state])
            #expect(listed.status == 0 && listed.output.contains("\"file_name\" : \"D261201.dokumenter.xml\""), "\(listed.output)")
        }
    }

    /// Each refusal: the file stays in OUT/, a receipt says why (its code), an alarm is
    /// raised, and no recipient gets anything. The same refused pair is not judged again.
    @Test(arguments: [
        ("wrong-sender", "sender"), ("unknown-recipient", "recipient"), ("no-agreement", "agreement"),
        ("size-mismatch", "size"), ("file-name", "name"), ("malformed-trigger", "malformed"), ("missing-file", "nofile"),
    ])
    func aFailedCheckIsRefusedWithAReceipt(_ code: String, _ variant: String) async throws {
        try await offThePool {
            let fx = try RoutingFixture()
            defer { fx.tearDown() }
            let body = Self.payload(5_000)
            let name = "F\(variant).dat"
            var trigger = RoutingFixture.trigger(name: name, size: body.count)
            switch variant {
            case "sender": trigger = RoutingFixture.trigger(name: name, size: body.count, sender: "esdh")
            case "recipient": trigger = RoutingFixture.trigger(name: name, size: body.count, recipients: ["esdh", "ukendt-system"])
            case "agreement": trigger = RoutingFixture.trigger(name: name, size: body.count, recipients: ["esdh", "udenaftale"])
            case "size": trigger = RoutingFixture.trigger(name: name, size: body.count + 1)
            case "name": trigger = RoutingFixture.trigger(name: name, size: body.count, fileNameField: "andet.dat")
            case "malformed": trigger = "<ns2:Trigger xmlns:ns2=\"http://serviceplatformen.dk/xml/wsdl/soap11/SFTP/1/types\"><FileDescriptor>"
            default: break
            }
            try fx.send(name, contents: body, trigger: trigger)
            if variant == "nofile" { try FileManager.default.removeItem(atPath: fx.out(name)) }

            let (first, delivered, second) = try fx.route()
            #expect(first.rejected == 1 && first.accepted == 0)
            #expect(delivered.isEmpty && second.rejected == 0)
            for system in ["esdh", "sag", "udenaftale"] { #expect(fx.inboxFiles(system).isEmpty) }
            if variant != "nofile" { #expect(fx.exists(fx.out(name)), "the refused file stays with the sender") }
            #expect(fx.exists(fx.out(name + ".trigger")))
            let receipt = try #require(ElementTexts.read(fx.text(fx.out(name + ".sftpreceipt"))))
            #expect(receipt["Status"] == ["rejected"])
            let reasons = try fx.store.transfers(sender: "fagsystem").first?.transfer.reasons ?? []
            #expect(reasons.contains { $0.hasPrefix(code + ":") }, "reasons \(reasons)")
            let alarms = try fx.store.alarms(openOnly: true, system: "fagsystem")
            #expect(alarms.map(\.kind) == [.transferRejected])
            #expect(alarms.first?.fileName == name)

            // Judged once: a later pass neither refuses again nor raises another alarm.
            let (again, _, _) = try fx.route()
            #expect(again.rejected == 0)
            #expect(try fx.store.alarms(system: "fagsystem").count == 1)
        }
    }

    /// A file without its trigger is left alone, then refused once (receipt, alarm) after
    /// `untriggered_after`; its trigger arriving routes it and resolves the alarm.
    @Test func aFileWithoutItsTriggerWaitsThenIsReportedThenRoutedWhenTriggered() async throws {
        try await offThePool {
            let fx = try RoutingFixture()
            defer { fx.tearDown() }
            let body = Self.payload(2_000)
            try fx.send("late.dat", contents: body, trigger: "")
            try FileManager.default.removeItem(atPath: fx.out("late.dat.trigger"))
            var (first, _, _) = try fx.route()
            #expect(first.rejected == 0 && !fx.exists(fx.out("late.dat.sftpreceipt")), "a fresh file without a trigger is left alone")

            try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-120)], ofItemAtPath: fx.out("late.dat"))
            (first, _, _) = try fx.route()
            #expect(first.rejected == 1)
            let receipt = try #require(ElementTexts.read(fx.text(fx.out("late.dat.sftpreceipt"))))
            #expect(receipt["Status"] == ["rejected"])
            #expect(try fx.store.alarms(openOnly: true, system: "fagsystem").map(\.kind) == [.transferUntriggered])
            #expect(fx.inboxFiles("esdh").isEmpty)

            try Data(RoutingFixture.trigger(name: "late.dat", size: body.count).utf8).write(to: URL(fileURLWithPath: fx.out("late.dat.trigger")))
            let (routed, delivered, _) = try fx.route()
            #expect(routed.accepted == 1 && delivered.count == 2)
            #expect(fx.inboxFiles("esdh") == ["late.dat", "late.dat.metadata"])
            #expect(try fx.store.alarms(openOnly: true, system: "fagsystem").isEmpty, "the untriggered alarm resolves")
        }
    }

    /// A SendersFileId is routed once: the same id on another file is refused, and nothing
    /// more reaches the recipients.
    @Test func aReusedSendersFileIdIsRefused() async throws {
        try await offThePool {
            let fx = try RoutingFixture()
            defer { fx.tearDown() }
            let id = UUID().uuidString.lowercased()
            let body = Self.payload(1_000)
            try fx.send("first.dat", contents: body, trigger: RoutingFixture.trigger(name: "first.dat", size: body.count, id: id))
            _ = try fx.route()
            try fx.send("second.dat", contents: body, trigger: RoutingFixture.trigger(name: "second.dat", size: body.count, id: id.uppercased()))
            let (again, delivered, _) = try fx.route()
            #expect(again.rejected == 1 && delivered.isEmpty)
            #expect(fx.inboxFiles("esdh") == ["first.dat", "first.dat.metadata"])
            #expect(fx.exists(fx.out("second.dat")))
            let reasons = try fx.store.transfers(sender: "fagsystem", states: [.rejected]).first?.transfer.reasons ?? []
            #expect(reasons.first?.hasPrefix("duplicate-senders-file-id:") == true, "\(reasons)")
        }
    }

    /// With a monitoring login for the host, the router reads and cleans the sender's folder
    /// through it (one login for every sender on the host), not with the sender's key.
    @Test func theHostsMonitoringLoginReadsTheSendersFolder() async throws {
        try await offThePool {
            let fx = try RoutingFixture(sharedLogin: true)
            defer { fx.tearDown() }
            // The sender's own key is gone from the server: only the monitoring login can read OUT/.
            let body = Self.payload(10_000)
            try fx.send("s.dat", contents: body, trigger: RoutingFixture.trigger(name: "s.dat", size: body.count))
            try fx.sshd.removeAccount(system: "fagsystem")
            let (first, delivered, _) = try fx.route()
            #expect(first.accepted == 1 && first.unreachable.isEmpty, "\(first)")
            #expect(delivered.count == 2)
            #expect(try FileManager.default.contentsOfDirectory(atPath: fx.out()) == ["s.dat.sftpreceipt"])
            #expect(fx.inboxFiles("esdh") == ["s.dat", "s.dat.metadata"])
        }
    }

    /// A sender's server that cannot be reached raises the monitor's `inbox.unreachable`
    /// alarm (after `unreachable_after`), as a receiver's inbox does; it resolves when the
    /// folder can be read again.
    @Test func anUnreachableSendersFolderRaisesTheInboxAlarm() async throws {
        try await offThePool {
            let fx = try RoutingFixture()
            defer { fx.tearDown() }
            var config = try fx.store.configuration()
            config.monitoring.settings.unreachableAfterSeconds = 0
            try fx.store.replaceConfiguration(with: config, audit: AuditEntry(at: Date(), actor: "test", action: "config.apply", subject: "", detail: ""))
            let monitor = PickupMonitor(store: fx.store, options: MonitorOptions(connectTimeout: .seconds(3), operationTimeout: .seconds(5)))
            defer { monitor.close() }
            try monitor.runPassBlocking()
            #expect(try fx.store.alarms(openOnly: true).isEmpty)
            try fx.sshd.removeAccount(system: "fagsystem")
            monitor.close()
            let report = try monitor.runPassBlocking()
            #expect(report.unreachable.contains("fagsystem"), "\(report.unreachable)")
            #expect(try fx.store.alarms(openOnly: true, system: "fagsystem").map(\.kind) == [.inboxUnreachable])
        }
    }

    /// `processed: move-to` keeps the routed file and trigger in the sender's processed folder.
    @Test func movedToTheProcessedFolder() async throws {
        try await offThePool {
            let fx = try RoutingFixture(senderExtra: ", processed: move-to, move_to: OUT/processed")
            defer { fx.tearDown() }
            let body = Self.payload(4_096)
            try fx.send("m.dat", contents: body, trigger: RoutingFixture.trigger(name: "m.dat", size: body.count))
            _ = try fx.route()
            #expect(fx.exists(fx.out("processed/m.dat")) && fx.exists(fx.out("processed/m.dat.trigger")))
            #expect(!fx.exists(fx.out("m.dat")))
            #expect(fx.inboxFiles("sag") == ["m.dat", "m.dat.metadata"])
        }
    }
}
