import Foundation
import OutboundCore

/// Routes dry runs to the simulator and real sends to the channel registered for their kind.
public struct DefaultChannelRouter: ChannelRouter {
    let simulator: SimulatorChannel
    let live: [ChannelKind: any OutreachChannel]

    public init(clock: any TimeSource, live: [ChannelKind: any OutreachChannel] = [:]) {
        simulator = SimulatorChannel(clock: clock)
        self.live = live
    }

    public func channel(for action: OutboundAction) -> any OutreachChannel {
        if action.dryRun { return simulator }
        return live[action.kind.channel] ?? UnconfiguredChannel()
    }

    public func liveChannel(for kind: ChannelKind) -> (any OutreachChannel)? { live[kind] }
}

/// Stands in for a real channel that is not set up yet: every send fails for good, with a reason.
public struct UnconfiguredChannel: OutreachChannel {
    public init() {}

    public func send(_ action: OutboundAction) async -> SendResult {
        .permanent("no \(action.kind.channel.rawValue) delivery is configured on this server; run the campaign with dry_run", bounced: false)
    }

    public func confirm(_ action: OutboundAction) async -> Bool? { false }
}
