import ArgumentParser
import Foundation
import Store

/// `udtraek transfers`: files routed between systems, end to end.
struct TransfersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transfers",
        abstract: "Files sender systems dropped for other systems: received, checked, delivered and collected per recipient.",
        subcommands: [List.self, Show.self],
        defaultSubcommand: List.self)

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "Transfers, newest first.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Only files from this sender system.") var sender: String?
        @Option(help: "Only files for this recipient system.") var recipient: String?
        /// `--status`, since `--state` names the state directory on every command.
        @Option(help: "Only transfers in this state: accepted (on its way), delivered (every recipient has it), rejected.")
        var status: String?
        @Option(help: "How many rows.") var limit = 100
        @Flag(help: "JSON for scripts.") var json = false

        func validate() throws {
            try Arguments.checkLimit(limit)
            if let status, TransferState(rawValue: status) == nil {
                throw ValidationError("--status must be one of \(TransferState.allCases.map(\.rawValue).joined(separator: ", ")), not '\(status.displaySafe(limit: 40))'")
            }
        }

        func run() throws {
            let store = try global.openStore()
            let rows = try store.transfers(sender: sender, recipient: recipient, states: status.flatMap(TransferState.init).map { [$0] },
                                           limit: limit)
            try Output(json: json).emit(rows, columns: [
                ("ID", { "\($0.transfer.id ?? 0)" }), ("RECEIVED", { Format.time($0.transfer.receivedAt) }),
                ("SENDER", \.transfer.sender), ("FILE", \.transfer.fileName),
                ("BYTES", { $0.transfer.bytes.map(String.init) ?? "-" }), ("STATE", \.transfer.state.rawValue),
                ("PROGRESS", \.progress),
                ("RECIPIENTS", { s in
                    s.recipients.isEmpty ? s.transfer.recipients.joined(separator: ",")
                        : s.recipients.map { "\($0.system)=\(TransfersCommand.word($0))" }.joined(separator: ",")
                }),
                ("WHY", { String($0.transfer.reasons.joined(separator: "; ").prefix(120)) }),
            ], empty: "No transfers yet (senders drop OUT/NAME and OUT/NAME.trigger; see README \"Sender systems\").")
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "One transfer with its recipients and its history.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The transfer id (see `udtraek transfers`).") var id: Int64
        @Flag(help: "JSON for scripts.") var json = false

        struct View: Encodable {
            var transfer: TransferRecord
            var progress: String
            var recipients: [TransferRecipient]
            var history: [TransferHistoryLine]
        }

        func run() throws {
            let store = try global.openStore()
            guard let summary = try store.transferSummary(id: id) else {
                throw Failure("There is no transfer \(id); see `udtraek transfers`.")
            }
            let history = try store.transferHistory(id: id)
            if json {
                try Output(json: true).emit([View(transfer: summary.transfer, progress: summary.progress, recipients: summary.recipients,
                                                  history: history)], columns: [], empty: "")
                return
            }
            let t = summary.transfer
            print("Transfer \(id): \(t.fileName.displaySafe(limit: 200)) from \(t.sender), \(t.state.rawValue) (\(summary.progress))")
            if let sfid = t.sendersFileId { print("  SendersFileId \(sfid)") }
            if let uuid = t.fileTransferUUID { print("  FileTransferUUID \(uuid)") }
            if let bytes = t.bytes { print("  \(bytes) bytes, SHA-256 \(t.sha256 ?? "-")") }
            if let infRef = t.routing.infRef { print("  InfRef \(infRef.displaySafe(limit: 200))") }
            for reason in t.reasons { print("  refused: \(reason.displaySafe(limit: 400))") }
            print("")
            if !summary.recipients.isEmpty {
                try Output(json: false).emit(summary.recipients, columns: [
                    ("RECIPIENT", \.system), ("OUTBOX", { "\($0.outboxId ?? 0)" }), ("DELIVERY", \.outboxState),
                    ("ATTEMPTS", { "\($0.attempts)" }), ("DELIVERED", { Format.time($0.deliveredAt) }),
                    ("PICKUP", { $0.pickupState ?? "-" }), ("COLLECTED", { Format.time($0.collectedAt) }),
                    ("NOTE", { $0.lastError ?? $0.collectionDetail ?? "" }),
                ], empty: "")
                print("")
            }
            try Output(json: false).emit(history, columns: [
                ("AT", { Format.time($0.at) }), ("STEP", \.event), ("DETAIL", { String($0.detail.prefix(160)) }),
            ], empty: "No history.")
        }
    }

    /// One word per recipient for the list: collected, delivered, queued or failing.
    static func word(_ r: TransferRecipient) -> String {
        if r.collectedAt != nil { return "collected" }
        switch r.outboxState {
        case OutboxState.delivered.rawValue: return "delivered"
        case OutboxState.error.rawValue: return "failing"
        default: return "queued"
        }
    }
}
