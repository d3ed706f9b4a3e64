import Foundation
import OutboundCore

/// The dry-run channel: accepts every action and predicts what a real audience would do, from
/// the campaign's `simulation` rates, reporting only what a real channel could observe (opens
/// only with open tracking on). Deterministic: the same seed, contact and step always
/// give the same outcome and the same signal times.
public struct SimulatorChannel: OutreachChannel {
    let clock: any TimeSource

    public init(clock: any TimeSource) {
        self.clock = clock
    }

    /// Draws from a seed: nothing to wait for.
    public var answersAtOnce: Bool { true }

    public func send(_ action: OutboundAction) async -> SendResult {
        let simulation = action.simulation ?? Simulation()
        // Keyed on the recipient, not on IDs, so the same audience behaves the same in every run.
        var draw = SplitMix64(seed: simulation.seed, contact: action.recipient, node: action.nodeID)
        let now = clock.now
        let delays = simulation.signalDelayMinutes.count == 2 ? simulation.signalDelayMinutes : [5, 2880]
        func later(after base: Date = now) -> Date {
            let span = max(0, delays[1] - delays[0])
            let minutes = delays[0] + (span == 0 ? 0 : Int(draw.next() % UInt64(span + 1)))
            return base.addingTimeInterval(Double(minutes) * 60)
        }
        var signals: [ScheduledSignal] = []
        switch action.kind {
        case .email:
            if draw.chance(simulation.bounceRate) {
                return .permanent("550 5.1.1 simulated: no such mailbox", bounced: true)
            }
            // An open is observable only through the tracking pixel. The draws are made either way,
            // so turning tracking on or off changes no other outcome of the same audience.
            if draw.chance(simulation.openRate) {
                let opened = later()
                if action.openTracking { signals.append(ScheduledSignal(type: .opened, at: opened)) }
            }
            if draw.chance(simulation.replyRate) { signals.append(ScheduledSignal(type: .replied, at: later())) }
        case .connectionRequest:
            if draw.chance(simulation.acceptRate) {
                let accepted = later()
                signals.append(ScheduledSignal(type: .accepted, at: accepted))
                if draw.chance(simulation.replyRate) { signals.append(ScheduledSignal(type: .replied, at: later(after: accepted))) }
            }
        case .message, .inmail, .sms:
            if draw.chance(simulation.replyRate) { signals.append(ScheduledSignal(type: .replied, at: later())) }
        case .profileVisit, .follow, .likePost:
            break
        }
        return .sent(providerID: "sim-\(action.id.rawValue)", signals: signals)
    }

    /// The simulator keeps nothing between runs, so it cannot confirm an interrupted send.
    public func confirm(_ action: OutboundAction) async -> Bool? { nil }
}

extension SplitMix64 {
    /// The draws for one send: seeded from the simulation seed, the recipient and the step.
    init(seed: UInt64, contact: String, node: String) {
        self.init(seed: seed ^ Template.choiceSeed(lead: contact, node: node))
    }
}
