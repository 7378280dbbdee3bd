import Foundation
import Store

/// What the monitor saw of a file in this pass.
public enum PickupObservation: Sendable, Equatable {
    /// Still in the inbox and not yet collected by the receiver's signal.
    case present
    /// Collected: when, and how that was seen.
    case collected(at: Date, detail: String)
    /// The inbox could not be read: only the clock moves the file on (warning, breach),
    /// never collection or retention.
    case unknown
}

/// A step the state machine took; the monitor turns these into alarms and metrics.
public enum PickupEvent: Sendable, Equatable {
    case warned
    case breached
    case collected(onTime: Bool, at: Date, detail: String)
    /// Retention is due: the file is to be removed (the monitor confirms it removed it).
    case expired
}

/// The life of one delivered file, as a plain value with no I/O: the monitor feeds it
/// the time and what it saw, and persists the result.
///
/// awaiting -> collected_on_time | warning -> overdue -> collected_late | expired.
public struct PickupStateMachine: Sendable, Equatable {
    public private(set) var state: PickupState
    public let times: PickupTimes

    public init(state: PickupState = .awaiting, times: PickupTimes) {
        self.state = state
        self.times = times
    }

    /// Moves the file on to `now`. Collection wins over the clock: a file collected before
    /// its deadline is on time even if the pass that sees it comes after the deadline.
    public mutating func advance(now: Date, observation: PickupObservation) -> [PickupEvent] {
        guard !state.isFinal else { return [] }
        if case .collected(let at, let detail) = observation {
            let onTime = times.deadline.map { at <= $0 } ?? true
            state = onTime ? .collectedOnTime : .collectedLate
            return [.collected(onTime: onTime, at: at, detail: detail)]
        }
        if observation == .present, now >= times.expiresAt {
            state = .expired
            return [.expired]
        }
        if let deadline = times.deadline, now >= deadline, state != .overdue {
            state = .overdue
            return [.breached]
        }
        if let warnAt = times.warnAt, now >= warnAt, state == .awaiting {
            state = .warning
            return [.warned]
        }
        return []
    }
}
