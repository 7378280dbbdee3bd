import FileRouting
import Foundation
import Store
import Testing

/// The checks as a pure function: each failed check is one reason, all at once.
@Suite struct RoutingDecisionTests {
    static func system(_ name: String, user: String = "u") -> ReceiverSystem {
        ReceiverSystem(name: name, uuid: "00000000-0000-4000-8000-\(String(repeating: "0", count: 12 - min(12, name.count)))\(name.prefix(12))",
                       sftpHost: "h", sftpUser: user, privateKeyPath: "/k", hostKeyFingerprints: [])
    }

    static let sender = system("afsender", user: "afs")
    static let systems = Dictionary(uniqueKeysWithValues: [sender, system("esdh", user: "esdhuser"), system("sag", user: "shared"),
                                                           system("sag2", user: "shared")].map { ($0.name, $0) })
    static func agreement(_ recipient: String, municipality: String = "0751", state: AgreementState = .approved) -> ServiceAgreement {
        ServiceAgreement(uuid: "\(recipient)-\(municipality)", system: recipient, municipality: municipality, service: "file-transfer",
                         state: state, sender: "afsender", infRef: "urn:x")
    }

    static func trigger(_ recipients: [String], sender: String = "afsender", size: Int64 = 10, authority: String? = nil) -> TriggerDocument {
        TriggerDocument(fileName: "f", sizeInBytes: size, sender: sender, sendersFileId: "id", recipients: recipients,
                        routing: RoutingInfo(infRef: "urn:x", recipientAuthority: authority))
    }

    @Test func acceptedWithTheAgreementOfTheNamedAuthority() {
        let d = RoutingDecision.decide(trigger: Self.trigger(["esdh", "esdhuser"], authority: "0101"), seen: .init(name: "f", fileSize: 10),
                                       sender: Self.sender, systems: Self.systems,
                                       agreements: [Self.agreement("esdh"), Self.agreement("esdh", municipality: "0101")], routedBefore: nil)
        #expect(d.accepted)
        // Named twice (by name and by its unique SFTP user): delivered once, under 0101's agreement.
        #expect(d.deliveries.map(\.system) == ["esdh"] && d.deliveries.map(\.agreementUUID) == ["esdh-0101"])
    }

    @Test func everyFailedCheckIsAReasonAndNothingIsDelivered() {
        let d = RoutingDecision.decide(trigger: Self.trigger(["esdh", "shared", "sag", "afsender"], sender: "sag", size: 11),
                                       seen: .init(name: "f", fileSize: 10), sender: Self.sender, systems: Self.systems,
                                       agreements: [Self.agreement("esdh"), Self.agreement("sag", state: .terminated)],
                                       routedBefore: TransferRecord(sender: "afsender", fileName: "g", sendersFileId: "id", state: .delivered,
                                                                    receivedAt: Date(), updatedAt: Date()))
        #expect(!d.accepted && d.deliveries.isEmpty)
        #expect(d.reasons.map(\.code).sorted() == ["duplicate-senders-file-id", "no-agreement", "size-mismatch", "unknown-recipient",
                                                   "unknown-recipient", "wrong-sender"])
    }

    @Test func theSendersUUIDCountsAsItsNameButNotItsSharedUser() {
        let byUUID = RoutingDecision.decide(trigger: Self.trigger(["esdh"], sender: Self.sender.uuid ?? ""), seen: .init(name: "f", fileSize: 10),
                                            sender: Self.sender, systems: Self.systems, agreements: [Self.agreement("esdh")], routedBefore: nil)
        #expect(byUUID.accepted)
        let byUser = RoutingDecision.decide(trigger: Self.trigger(["esdh"], sender: "afs"), seen: .init(name: "f", fileSize: 10),
                                            sender: Self.sender, systems: Self.systems, agreements: [Self.agreement("esdh")], routedBefore: nil)
        #expect(byUser.reasons.map(\.code) == ["wrong-sender"])
    }
}
