import Foundation
import Monitoring
import Store
import Testing

/// The state machine and alarm planning, exhaustively, with plain dates (no I/O).
@Suite struct PickupStateMachineTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)
    var times: PickupTimes {
        PickupTimes(warnAt: t0 + 3 * 3600, deadline: t0 + 4 * 3600, expiresAt: t0 + 14 * 86_400)
    }

    @Test func collectedBeforeTheWarningIsOnTime() {
        var m = PickupStateMachine(times: times)
        #expect(m.advance(now: t0 + 60, observation: .present) == [])
        let events = m.advance(now: t0 + 3600, observation: .collected(at: t0 + 3600, detail: "deleted"))
        #expect(events == [.collected(onTime: true, at: t0 + 3600, detail: "deleted")])
        #expect(m.state == .collectedOnTime)
        #expect(m.advance(now: t0 + 5 * 3600, observation: .present) == [], "a final state never moves")
    }

    @Test func warningThenCollectedBeforeDeadlineIsOnTime() {
        var m = PickupStateMachine(times: times)
        #expect(m.advance(now: t0 + 3 * 3600, observation: .present) == [.warned])
        #expect(m.state == .warning)
        #expect(m.advance(now: t0 + 3.5 * 3600, observation: .present) == [], "warned once")
        #expect(m.advance(now: t0 + 3.9 * 3600, observation: .collected(at: t0 + 3.9 * 3600, detail: "x")).first
                == .collected(onTime: true, at: t0 + 3.9 * 3600, detail: "x"))
        #expect(m.state == .collectedOnTime)
    }

    @Test func breachThenLateCollection() {
        var m = PickupStateMachine(times: times)
        #expect(m.advance(now: t0 + 3 * 3600, observation: .present) == [.warned])
        #expect(m.advance(now: t0 + 4 * 3600, observation: .present) == [.breached])
        #expect(m.state == .overdue)
        #expect(m.advance(now: t0 + 5 * 3600, observation: .present) == [], "breached once")
        #expect(m.advance(now: t0 + 6 * 3600, observation: .collected(at: t0 + 6 * 3600, detail: "x"))
                == [.collected(onTime: false, at: t0 + 6 * 3600, detail: "x")])
        #expect(m.state == .collectedLate)
    }

    @Test func aPassAfterTheDeadlineSkipsTheWarning() {
        var m = PickupStateMachine(times: times)
        #expect(m.advance(now: t0 + 5 * 3600, observation: .present) == [.breached])
    }

    @Test func collectionSeenLateButDoneInTimeIsOnTime() {
        // The read signal reports when the file was read (its access time).
        var m = PickupStateMachine(times: times)
        let events = m.advance(now: t0 + 5 * 3600, observation: .collected(at: t0 + 3600, detail: "read"))
        #expect(events == [.collected(onTime: true, at: t0 + 3600, detail: "read")])
    }

    @Test func neverCollectedExpiresOnlyWhenTheFileIsSeen() {
        var m = PickupStateMachine(times: times)
        _ = m.advance(now: t0 + 5 * 3600, observation: .present)
        #expect(m.advance(now: t0 + 15 * 86_400, observation: .unknown) == [], "an unreadable inbox never expires a file")
        #expect(m.state == .overdue)
        #expect(m.advance(now: t0 + 15 * 86_400, observation: .present) == [.expired])
        #expect(m.state == .expired)
    }

    @Test func unknownInboxStillWarnsAndBreachesByTheClock() {
        var m = PickupStateMachine(times: times)
        #expect(m.advance(now: t0 + 3 * 3600, observation: .unknown) == [.warned])
        #expect(m.advance(now: t0 + 4 * 3600, observation: .unknown) == [.breached])
    }

    @Test func withoutARuleOnlyRetentionApplies() {
        var m = PickupStateMachine(times: PickupTimes(warnAt: nil, deadline: nil, expiresAt: t0 + 86_400))
        #expect(m.advance(now: t0 + 3600 * 20, observation: .present) == [])
        #expect(m.advance(now: t0 + 86_400, observation: .present) == [.expired])
        var n = PickupStateMachine(times: PickupTimes(warnAt: nil, deadline: nil, expiresAt: t0 + 86_400))
        #expect(n.advance(now: t0 + 3600, observation: .collected(at: t0 + 3600, detail: "")).first
                == .collected(onTime: true, at: t0 + 3600, detail: ""))
    }

    func pickup(id: Int64 = 7) -> PickupRecord {
        PickupRecord(id: id, deliveryId: 1, system: "sys", fileName: "F", remotePath: "IN/F", rulePattern: "*", signal: .deleted,
                     deliveredAt: t0, warnAt: times.warnAt, deadline: times.deadline, expiresAt: times.expiresAt,
                     repeatEverySeconds: 1800, updatedAt: t0)
    }

    @Test func alarmsForWarningBreachAndRecovery() {
        let p = pickup()
        let warned = AlarmPlanner.changes(for: [.warned], pickup: p, now: t0)
        guard case .raise(let w, _) = warned.first else { Issue.record("no raise"); return }
        #expect(w.kind == .pickupWarning && w.severity == .warning && w.repeatEverySeconds == nil)
        #expect(w.dedupKey == "pickup:7:*:warning")

        let breached = AlarmPlanner.changes(for: [.breached], pickup: p, now: t0)
        #expect(breached.count == 2)
        guard case .resolve(let key, let resolution, _) = breached[0], case .raise(let o, _) = breached[1] else {
            Issue.record("\(breached)"); return
        }
        #expect(key == w.dedupKey && resolution == "escalated")
        #expect(o.kind == .pickupOverdue && o.severity == .critical && o.repeatEverySeconds == 1800 && o.deadline == p.deadline)

        let collected = AlarmPlanner.changes(for: [.collected(onTime: false, at: t0, detail: "d")], pickup: p, now: t0)
        let keys = collected.compactMap { if case .resolve(let k, let r, _) = $0, r == "recovered" { return k } else { return nil } }
        #expect(keys == ["pickup:7:*:warning", "pickup:7:*:overdue"])

        let expired = AlarmPlanner.changes(for: [.expired], pickup: p, now: t0)
        #expect(expired.contains { if case .raise(let a, _) = $0 { return a.kind == .pickupExpired } else { return false } })
    }

    @Test func remindersFollowTheIntervalAndStopWhenAcknowledged() {
        var a = AlarmRecord(id: 1, dedupKey: "k", kind: .pickupOverdue, severity: .critical, summary: "s", raisedAt: t0,
                            repeatEverySeconds: 1800)
        #expect(AlarmPlanner.reminders([a], now: t0 + 1799).isEmpty)
        #expect(AlarmPlanner.reminders([a], now: t0 + 1800).count == 1)
        a.acknowledgedAt = t0 + 100
        #expect(AlarmPlanner.reminders([a], now: t0 + 7200).isEmpty, "acknowledged: no reminders")
        a.acknowledgedAt = nil
        a.resolvedAt = t0 + 100
        #expect(AlarmPlanner.reminders([a], now: t0 + 7200).isEmpty, "resolved: no reminders")
        let once = AlarmRecord(id: 2, dedupKey: "w", kind: .pickupWarning, severity: .warning, summary: "s", raisedAt: t0)
        #expect(AlarmPlanner.reminders([once], now: t0 + 86_400).isEmpty, "no interval: no reminders")
    }
}

@Suite struct PickupScheduleTests {
    let schedule = PickupSchedule()

    func copenhagen(_ y: Int, _ mo: Int, _ d: Int, _ h: Int, _ mi: Int = 0) -> Date {
        var c = Calendar(identifier: .gregorian)
        c.timeZone = TimeZone(identifier: "Europe/Copenhagen")!
        return c.date(from: DateComponents(year: y, month: mo, day: d, hour: h, minute: mi))!
    }

    @Test func collectWithinIsADurationAfterDelivery() {
        let t = copenhagen(2026, 11, 23, 6)
        let times = schedule.times(rule: PickupRule(collectWithinSeconds: 4 * 3600, warningBeforeSeconds: 3600), deliveredAt: t,
                                   retentionSeconds: 14 * 86_400)
        #expect(times.deadline == t + 4 * 3600)
        #expect(times.warnAt == t + 3 * 3600)
        #expect(times.expiresAt == t + 14 * 86_400)
    }

    @Test func nextBusinessDaySkipsWeekendsAndHolidays() {
        let rule = PickupRule(deadline: WallClockDeadline(hour: 8, minute: 0, businessDaysAfter: 1))
        // Friday 2026-11-27 -> Monday 2026-11-30 08:00.
        #expect(schedule.deadline(rule, deliveredAt: copenhagen(2026, 11, 27, 22)) == copenhagen(2026, 11, 30, 8))
        // Wednesday 2026-12-23 -> 24, 25, 26 closed, 27 Sunday -> Monday 28th.
        #expect(schedule.deadline(rule, deliveredAt: copenhagen(2026, 12, 23, 2)) == copenhagen(2026, 12, 28, 8))
        // Maundy Thursday 2026-04-02 -> Easter closes until Tuesday 2026-04-07.
        #expect(schedule.deadline(rule, deliveredAt: copenhagen(2026, 4, 1, 23)) == copenhagen(2026, 4, 7, 8))
    }

    @Test func sameBusinessDayRollsOverWhenTheTimeHasPassed() {
        let rule = PickupRule(deadline: WallClockDeadline(hour: 16, minute: 0, businessDaysAfter: 0))
        #expect(schedule.deadline(rule, deliveredAt: copenhagen(2026, 11, 24, 9)) == copenhagen(2026, 11, 24, 16))
        #expect(schedule.deadline(rule, deliveredAt: copenhagen(2026, 11, 24, 17)) == copenhagen(2026, 11, 25, 16))
        #expect(schedule.deadline(rule, deliveredAt: copenhagen(2026, 11, 28, 9)) == copenhagen(2026, 11, 30, 16), "Saturday")
    }

    @Test func wallClockFollowsDaylightSaving() {
        let rule = PickupRule(deadline: WallClockDeadline(hour: 8, minute: 0, businessDaysAfter: 1))
        // Friday 2026-10-23 (CEST) -> Monday 2026-10-26 08:00 CET: 08:00 local both sides.
        let deadline = schedule.deadline(rule, deliveredAt: copenhagen(2026, 10, 23, 12))!
        #expect(deadline == copenhagen(2026, 10, 26, 8))
        #expect(deadline == ISO8601DateFormatter().date(from: "2026-10-26T07:00:00Z"), "08:00 CET is 07:00 UTC")
    }

    @Test func warningNeverBeforeDelivery() {
        let t = copenhagen(2026, 11, 23, 6)
        let times = schedule.times(rule: PickupRule(collectWithinSeconds: 600, warningBeforeSeconds: 3600), deliveredAt: t,
                                   retentionSeconds: 86_400)
        #expect(times.warnAt == t)
    }

    @Test func patterns() {
        #expect(FileNamePattern.matches("*", "anything"))
        #expect(FileNamePattern.matches("D*.L000101*", "D261123.L000101.abc.gz"))
        #expect(!FileNamePattern.matches("D*.L000101*", "D261123.L000102.gz"))
        #expect(FileNamePattern.matches("KLE_??.xml", "KLE_01.xml"))
        #expect(!FileNamePattern.matches("KLE_??.xml", "KLE_1.xml"))
        let rules = [PickupRule(pattern: "*.xml", collectWithinSeconds: 60), PickupRule(pattern: "*", collectWithinSeconds: 120)]
        #expect(FileNamePattern.firstRule(rules, pattern: \.pattern, for: "a.xml")?.collectWithinSeconds == 60)
        #expect(FileNamePattern.firstRule(rules, pattern: \.pattern, for: "a.gz")?.collectWithinSeconds == 120)
    }
}
