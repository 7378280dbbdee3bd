import Foundation
import Store
import UdtraekTesting

/// A piece of work a crash point lies on: how to set it up, the `udtraek` command that is
/// killed, the commands that resume the work afterwards, and what must hold at the end.
struct ChaosScenario: Sendable {
    var name: String
    /// Added under the `kbh-status` extract in the configuration (already indented).
    var configExtra: String = ""
    /// Whether the fixture has a sender system and a second recipient (file transfer).
    var routing = false
    /// Commands (and database moves) before the crash; they must succeed.
    var setup: @Sendable (ChaosFixture) async throws -> Void = { _ in }
    /// The command killed at the crash point; `{dir}` stands for the fixture's directory.
    var crashing: [String]
    /// One round of resuming the work, repeated (bounded) until the invariants hold.
    var resume: @Sendable (ChaosFixture) async throws -> Void
    /// The invariants of the finished work.
    var check: @Sendable (ChaosFixture) throws -> ChaosVerdict
}

extension ChaosScenario {
    static let extractDate = ["--date", ChaosFixture.date]

    /// `extract run` produces a CPR extract and delivers it in the same process.
    static let extract = ChaosScenario(
        name: "extract", crashing: ["extract", "run", "kbh-status"] + extractDate,
        resume: { fx in
            // Start-up recovery and delivery of what was produced...
            try await fx.udtraek(["serve", "--once"])
            // ...and the run again if the crash came before the file was committed.
            if try fx.store().runs(extract: "kbh-status", state: .produced).isEmpty {
                try await fx.udtraek(["extract", "run", "kbh-status"] + extractDate)
            }
            try await fx.udtraek(["outbox", "deliver"])
        },
        check: { fx in try ChaosInvariants.extractsDelivered(fx, extracts: ["kbh-status"], spoolSettled: true) })

    /// `outbox deliver` delivers a backlog of two produced extracts over one session.
    static let backlog = ChaosScenario(
        name: "backlog",
        setup: { fx in
            try await fx.setup(["extract", "run", "kbh-status", "--no-deliver"] + extractDate)
            try await fx.setup(["extract", "run", "kle-full", "--no-deliver"] + extractDate)
        },
        crashing: ["outbox", "deliver"],
        resume: { fx in try await fx.udtraek(["outbox", "deliver"]) },
        check: { fx in try ChaosInvariants.extractsDelivered(fx, extracts: ["kbh-status", "kle-full"]) })

    /// `udtraek deliver` uploads a 3 MiB file in 1 MiB chunks (points in the middle of a transfer).
    static let largeFile = ChaosScenario(
        name: "large-file",
        setup: { fx in try ChaosFiles.make(fx.directory + "/D261120.L000099", size: 3 << 20 | 12_345) },
        crashing: ["deliver", "{dir}/D261120.L000099", "--to", "modtager"],
        resume: { fx in try await fx.udtraek(["outbox", "deliver"]) },
        check: { fx in try ChaosInvariants.extractsDelivered(fx, extracts: []) })

    /// `serve --once` decides today's due slot of a daily schedule, produces and delivers it.
    static let schedule = ChaosScenario(
        name: "schedule",
        configExtra: #"    schedule: { cron: "0 0 * * *", time_zone: UTC, calendar: every-day, catch_up: run-once }"#,
        setup: { fx in
            // Created two days ago: today's 00:00 slot is due now.
            try fx.sql("UPDATE extract_schedule SET created_at = datetime('now', '-1 day', 'start of day', '+1 minute'), last_handled_slot = NULL")
        },
        crashing: ["serve", "--once"],
        resume: { fx in try await fx.udtraek(["serve", "--once"]) },
        check: { fx in try ChaosInvariants.extractsDelivered(fx, extracts: ["kbh-status"], scheduled: true,
                                                                  spoolSettled: true) })

    /// `serve --once` starting over a leftover temporary in Spool/ (start-up recovery).
    static let recovery = ChaosScenario(
        name: "recovery",
        setup: { fx in
            let killed = try await fx.udtraek(["extract", "run", "kbh-status"] + extractDate,
                                              environment: ["UDTRAEK_CRASH_AT": "spool.after-fsync"])
            guard killed.killed else { throw HarnessError("the setup crash at spool.after-fsync did not happen: \(killed.output)") }
        },
        crashing: ["serve", "--once"],
        resume: ChaosScenario.extract.resume,
        check: { fx in try ChaosInvariants.extractsDelivered(fx, extracts: ["kbh-status"], spoolSettled: true) })

    /// `monitor pass` removes a delivered, uncollected file whose retention ended.
    static let retention = ChaosScenario(
        name: "retention",
        setup: { fx in
            try await fx.setup(["extract", "run", "kbh-status"] + extractDate)
            try await fx.setup(["monitor", "pass"])
            try fx.sql("UPDATE pickup SET warn_at = NULL, deadline = NULL, expires_at = datetime('now', '-1 hour')")
        },
        crashing: ["monitor", "pass"],
        resume: { fx in try await fx.udtraek(["monitor", "pass"]) },
        check: { fx in try ChaosInvariants.retentionRemovedOnce(fx) })

    /// `serve --once` carries out a change order (monitoring of the receiver) and verifies it.
    static let change = ChaosScenario(
        name: "change",
        setup: { fx in
            try await fx.setup(["change", "submit", "--system", "modtager", "--kind", "monitoring", "--order-id", "CH-1",
                                "--collect-within", "6h", "--actor", "chaos"])
        },
        crashing: ["serve", "--once"],
        resume: { fx in try await fx.udtraek(["serve", "--once"]) },
        check: { fx in try ChaosInvariants.changeCarriedOutOnce(fx) })

    /// `serve --once` routes a 3 MiB file from `afsender`'s OUT/ to `modtager` and `modtager2`.
    static let routing = ChaosScenario(
        name: "routing", routing: true,
        setup: { fx in try ChaosFiles.sendTransfer(fx, sender: "afsender") },
        crashing: ["serve", "--once"],
        resume: { fx in try await fx.udtraek(["serve", "--once"]) },
        check: { fx in try ChaosInvariants.transferRoutedOnce(fx) })

    /// `serve --once` refuses a file whose trigger names another Sender.
    static let refusal = ChaosScenario(
        name: "refusal", routing: true,
        setup: { fx in try ChaosFiles.sendTransfer(fx, sender: "modtager") },
        crashing: ["serve", "--once"],
        resume: { fx in try await fx.udtraek(["serve", "--once"]) },
        check: { fx in try ChaosInvariants.transferRefusedOnce(fx) })

    static let all = [extract, backlog, largeFile, schedule, recovery, retention, change, routing, refusal]
}

enum ChaosFiles {
    /// The routed file's name, and where the harness keeps the original to compare with.
    static let transferName = "R261120.dat"
    static func original(_ fx: ChaosFixture) -> String { fx.directory + "/" + transferName + ".orig" }

    /// A 3 MiB file and its trigger in the sender's OUT/ (written as a paramiko client
    /// would, the trigger last), for `modtager` and `modtager2`, naming `sender` as Sender.
    static func sendTransfer(_ fx: ChaosFixture, sender: String) throws {
        let size = 3 << 20 | 4321
        try make(original(fx), size: size)
        try FileManager.default.copyItem(atPath: original(fx), toPath: fx.senderOut + "/" + transferName)
        try """
            <?xml version="1.0" encoding="UTF-8"?>
            <ns2:Trigger xmlns:ns2="http://serviceplatformen.dk/xml/wsdl/soap11/SFTP/1/types">
            <FileDescriptor><FileName>\(transferName)</FileName><SizeInBytes>\(size)</SizeInBytes><Sender>\(sender)</Sender>
            <SendersFileId>0e5c2f4a-9b1d-4c3e-8f7a-6b5d4c3e2f1a</SendersFileId>
            <Recipients>modtager</Recipients><Recipients>modtager2</Recipients></FileDescriptor>
            <FileContentDescriptor><SFTPDynamicRoutingInfo><InfRef>\(ChaosFixture.infRef)</InfRef></SFTPDynamicRoutingInfo></FileContentDescriptor>
            </ns2:Trigger>
            """.write(toFile: fx.senderOut + "/" + transferName + ".trigger", atomically: false, encoding: .utf8)
    }

    /// A local file of `size` bytes of varied content.
    static func make(_ path: String, size: Int) throws {
        var bytes = [UInt8](repeating: 0, count: size)
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for i in 0..<size {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            bytes[i] = UInt8(truncatingIfNeeded: state >> 33)
        }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }
}
