import Foundation
import Store

/// The checks a trigger and its file pass before the platform takes the file: pure, so
/// every refusal is tested without a server. Each failed check is one reason; all are
/// reported at once, so the sender corrects everything in one go.
public struct RoutingDecision: Sendable, Equatable {
    /// The recipients with the agreement each is delivered under, when every check passed.
    public var deliveries: [Delivery]
    public var reasons: [RoutingReason]

    public struct Delivery: Sendable, Equatable {
        public var system: String
        public var agreementUUID: String
    }

    public var accepted: Bool { reasons.isEmpty && !deliveries.isEmpty }

    /// What the router saw in the sender's folder for one trigger.
    public struct Seen: Sendable {
        /// `NAME`, from the trigger's own name (`NAME.trigger`).
        public var name: String
        /// The size of `OUT/NAME` in the listing; nil when it is not there.
        public var fileSize: Int64?

        public init(name: String, fileSize: Int64?) {
            self.name = name
            self.fileSize = fileSize
        }
    }

    /// Decides on a well-formed trigger.
    /// - Parameters:
    ///   - systems: every configured system, by name.
    ///   - agreements: every agreement (only approved `file-transfer` ones count).
    ///   - routedBefore: the transfer that already routed this SendersFileId of the sender.
    public static func decide(trigger: TriggerDocument, seen: Seen, sender: ReceiverSystem, systems: [String: ReceiverSystem],
                              agreements: [ServiceAgreement], routedBefore: TransferRecord?) -> RoutingDecision {
        var reasons: [RoutingReason] = []
        if let problem = DeliveredFileName.problem(seen.name) {
            reasons.append(RoutingReason("file-name", "the name \(seen.name.displaySafe(limit: 80)) cannot be delivered: \(problem); rename the file"))
        } else if trigger.fileName != seen.name {
            reasons.append(RoutingReason("file-name", "FileName in the trigger is '\(trigger.fileName.displaySafe(limit: 80))' but the trigger is \(seen.name.displaySafe(limit: 80)).trigger; they must name the same file"))
        }
        if trigger.sender != sender.name && trigger.sender != sender.uuid {
            reasons.append(RoutingReason("wrong-sender", "Sender is '\(trigger.sender.displaySafe(limit: 80))' but the file is in the folder of \(sender.name); Sender must be the sending system's name (\(sender.name))" + (sender.uuid.map { " or its UUID (\($0))" } ?? "")))
        }
        if let size = seen.fileSize {
            if size != trigger.sizeInBytes {
                reasons.append(RoutingReason("size-mismatch", "SizeInBytes is \(trigger.sizeInBytes) but \(seen.name.displaySafe(limit: 80)) is \(size) bytes; upload the whole file, then the trigger"))
            }
        } else {
            reasons.append(RoutingReason("missing-file", "the trigger names \(seen.name.displaySafe(limit: 80)), which is not in the folder; upload the file first, then its trigger"))
        }
        if let earlier = routedBefore {
            reasons.append(RoutingReason("duplicate-senders-file-id", "SendersFileId \(trigger.sendersFileId) was routed already (transfer \(earlier.id ?? 0), \(earlier.fileName.displaySafe(limit: 80)), received \(ReceiptDocument.timestamp(earlier.receivedAt))); give every file its own SendersFileId"))
        }
        let infRef = trigger.routing.infRef
        if infRef == nil {
            reasons.append(RoutingReason("no-infref", "the trigger names no InfRef (FileContentDescriptor/SFTPDynamicRoutingInfo/InfRef); file-transfer agreements are for a data type, so name it"))
        }
        var deliveries: [Delivery] = []
        for name in trigger.recipients {
            guard let recipient = resolve(name, systems) else {
                reasons.append(RoutingReason("unknown-recipient", "no system on the platform is called '\(name.displaySafe(limit: 80))'; name recipients by their system name"))
                continue
            }
            if recipient.name == sender.name {
                reasons.append(RoutingReason("unknown-recipient", "\(sender.name) names itself as a recipient; the platform routes files to other systems"))
                continue
            }
            guard let infRef else { continue }
            let fitting = agreements.filter {
                $0.service == "file-transfer" && $0.state == .approved && $0.system == recipient.name && $0.sender == sender.name
                    && $0.infRef == infRef
            }
            // On behalf of the authority the trigger names, when an agreement is for it.
            let chosen = fitting.first { $0.municipality == trigger.routing.recipientAuthority } ?? fitting.first
            guard let agreement = chosen else {
                reasons.append(RoutingReason("no-agreement", "no agreement in force lets \(sender.name) send \(infRef.displaySafe(limit: 80)) to \(recipient.name); the municipality approves a file-transfer agreement for it first"))
                continue
            }
            if !deliveries.contains(where: { $0.system == recipient.name }) {
                deliveries.append(Delivery(system: recipient.name, agreementUUID: agreement.uuid))
            }
        }
        return RoutingDecision(deliveries: reasons.isEmpty ? deliveries : [], reasons: reasons)
    }

    /// A recipient by system name, or by SFTP user when exactly one system has that user.
    static func resolve(_ name: String, _ systems: [String: ReceiverSystem]) -> ReceiverSystem? {
        if let s = systems[name] { return s }
        let byUser = systems.values.filter { $0.sftpUser == name }
        return byUser.count == 1 ? byUser[0] : nil
    }
}
