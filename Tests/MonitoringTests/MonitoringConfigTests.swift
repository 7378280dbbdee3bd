import UdtraekConfig
import Foundation
import Store
import Testing

/// `monitoring:` in the configuration file: reading, the mistakes it reports, and export.
@Suite struct MonitoringConfigTests {
    static let fingerprint = "SHA256:ejZ8rvFj5DXUER/CTAATDDWKCkMlK5Qo/v9h6xG+3KE"

    static func yaml(system monitoring: String, top: String = "") -> String {
        """
        municipalities: []
        systems:
          - name: modtager
            inbox:
              host: 127.0.0.1
              port: 2222
              user: u
              private_key: /keys/modtager
              host_key_fingerprints: [\(fingerprint)]
        \(monitoring)
        \(top)
        """
    }

    @Test func readsRulesSignalRetentionAndSettings() throws {
        let text = Self.yaml(system: """
            monitoring:
              signal: moved
              moved_to: IN/processed
              retention: 7d
              rules:
                - pattern: "D*"
                  collect_within: 4h
                  warning_before: 1h
                  repeat_every: 30m
                - deadline: "08:00 next business day"
        """, top: """
        monitoring:
          poll_interval: 30s
          unreachable_after: 10m
          delivery_failures: 2
          logins:
            - host: 127.0.0.1
              port: 2222
              user: monitor
              private_key: /keys/monitor
              host_key_fingerprints: [\(Self.fingerprint)]
              inbox_root: "inboxes/{system}"
          webhooks:
            - name: oncall
              url: http://127.0.0.1:9/alarms
              secret_env: HOOK_SECRET
        """)
        let file = try ConfigurationFile.parse(text, path: "/tmp/udtraek.yaml")
        let m = file.snapshot.monitoring
        #expect(m.settings.pollIntervalSeconds == 30 && m.settings.unreachableAfterSeconds == 600)
        #expect(m.settings.deliveryFailureThreshold == 2)
        #expect(m.settings.logins.first?.inboxRoot == "inboxes/{system}")
        #expect(m.settings.webhooks == [WebhookTarget(name: "oncall", url: "http://127.0.0.1:9/alarms", secretEnv: "HOOK_SECRET")])
        let r = try #require(m.receiver("modtager"))
        #expect(r.signal == .moved && r.movedTo == "IN/processed" && r.retentionSeconds == 7 * 86_400)
        #expect(r.rules == [
            PickupRule(pattern: "D*", collectWithinSeconds: 4 * 3600, warningBeforeSeconds: 3600, repeatEverySeconds: 1800),
            PickupRule(pattern: "*", deadline: WallClockDeadline(hour: 8, minute: 0, businessDaysAfter: 1)),
        ])

        // Export and read back: the same snapshot.
        let exported = ConfigurationExport.yaml(file.snapshot)
        let again = try ConfigurationFile.parse(exported, path: "/tmp/exported.yaml")
        #expect(again.snapshot.monitoring == m, "\(exported)")
    }

    @Test func storedAndDiffed() throws {
        let dir = NSTemporaryDirectory() + "udtraek-moncfg-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try Store(stateDirectory: dir)
        let file = try ConfigurationFile.parse(Self.yaml(system: """
            monitoring:
              rules: [{ collect_within: 2h }]
        """), path: "/tmp/udtraek.yaml")
        let diff = try file.apply(to: store, actor: "test")
        #expect(diff.changes.contains { $0.subject == "monitoring of modtager" })
        #expect(try store.configuration().monitoring == file.snapshot.monitoring)
        #expect(try file.apply(to: store, actor: "test").isEmpty, "applying again changes nothing")
    }

    func issues(_ text: String) -> [String] {
        do { _ = try ConfigurationFile.parse(text, path: "/tmp/udtraek.yaml"); return [] } catch let e as ConfigurationError {
            return e.issues.map { "\($0.line): \($0.key): \($0.message)" }
        } catch { return ["\(error)"] }
    }

    @Test func reportsWhatIsWrongAndWhere() {
        let bad = issues(Self.yaml(system: """
            monitoring:
              signal: moved
              rules:
                - collect_within: 20d
                - pattern: x
                - collect_within: 1h
                  warning_before: 2h
                - deadline: "8 o'clock"
        """, top: """
        monitoring:
          webhooks:
            - name: w
              url: ftp://x
              secret: hunter2
        """))
        let all = bad.joined(separator: "\n")
        #expect(all.contains("signal: moved needs moved_to"), "\(all)")
        #expect(all.contains("cannot be met: retention"), "\(all)")
        #expect(all.contains("needs collect_within"), "\(all)")
        #expect(all.contains("would come before the delivery"), "\(all)")
        #expect(all.contains("is not a deadline like"), "\(all)")
        #expect(all.contains("never goes in the configuration file"), "\(all)")
        #expect(all.contains("not an http:// or https:// URL"), "\(all)")
        #expect(bad.allSatisfy { !$0.hasPrefix("0:") && !$0.hasPrefix("1: :") }, "every issue has its line: \(all)")
    }

    /// A monitoring login's pinned host keys are read as a system's inbox's are, each
    /// mistake at its own line and key.
    @Test func loginFingerprintsAreCheckedLikeAnInboxs() {
        let bad = issues(Self.yaml(system: "", top: """
        monitoring:
          logins:
            - { host: a, user: m, private_key: /k, host_key_fingerprints: [MD5:aa:bb] }
            - { host: b, user: m, private_key: /k, host_key_fingerprints: [] }
            - { host: c, user: m, private_key: /k }
        """))
        #expect(bad == [
            "13: monitoring.logins[0].host_key_fingerprints[0]: 'MD5:aa:bb' is not a SHA-256 fingerprint like SHA256:<43 base64 characters>",
            "14: monitoring.logins[1].host_key_fingerprints: at least one host-key fingerprint is required (strict host-key checking); run `udtraek keys fingerprint --host H --port P`",
            "15: monitoring.logins[2].host_key_fingerprints: the key 'host_key_fingerprints' is missing; pin the server's key: run `udtraek keys fingerprint --host H --port P` and confirm it with the server's operator",
        ])
    }

    @Test func durationsAndDeadlinesBothWays() {
        #expect(DurationText.parse("1h30m") == 5400)
        #expect(DurationText.parse("14d") == 14 * 86_400)
        #expect(DurationText.parse("90") == nil)
        #expect(DurationText.parse("1x") == nil)
        #expect(DurationText.format(5400) == "1h30m")
        for text in ["08:00 next business day", "16:30 same business day", "07:05 +3 business days"] {
            #expect(DurationText.parseDeadline(text).map(DurationText.formatDeadline) == text)
        }
    }

    /// Issue 11, item 1: `total += n * unit` trapped on any duration past Int.max seconds;
    /// now every duration key reports it at its line, with the bound.
    @Test func overflowingDurationsAreReportedAtTheirKey() {
        let bad = issues(Self.yaml(system: """
            monitoring:
              retention: 9223372036854775807d
              rules:
                - { collect_within: 200000000000000d, warning_before: 99999999999999999999999s, repeat_every: 3651d }
        """, top: """
        monitoring:
          poll_interval: 9223372036854775807d
          unreachable_after: 106751991167301d
        """))
        for key in ["systems[0].monitoring.retention", "systems[0].monitoring.rules[0].collect_within",
                    "systems[0].monitoring.rules[0].warning_before", "systems[0].monitoring.rules[0].repeat_every",
                    "monitoring.poll_interval", "monitoring.unreachable_after"] {
            #expect(bad.contains { $0.contains(": \(key): the duration") && $0.contains("longer than 3650d (10 years)") }, "\(key) in \(bad)")
        }
    }
}
