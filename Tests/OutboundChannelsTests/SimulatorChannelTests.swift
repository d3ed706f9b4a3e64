import Foundation
import OutboundTestSupport
import OutboundChannels
import OutboundCore
import Testing

/// The dry-run channel predicts only what a real channel could observe.
@Suite struct SimulatorChannelTests {
    private func send(to recipient: String, openTracking: Bool) async -> SendResult {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let workspace = ID.generate(.workspace)
        let sender = Sender(id: .generate(.sender), workspaceID: workspace, channel: .email, displayName: "Sam",
                            email: "sam@sender.example", createdAt: now, updatedAt: now)
        let action = OutboundAction(
            id: .generate(.action), workspaceID: workspace, campaignID: .generate(.campaign), contactID: .generate(.contact),
            nodeID: "n1", kind: .email, sender: sender, recipient: recipient, subject: "Hi", body: "Hello", dryRun: true,
            simulation: Simulation(seed: 3, openRate: 0.6, bounceRate: 0), openTracking: openTracking)
        return await SimulatorChannel(clock: VirtualClock(now)).send(action)
    }

    private func signals(_ result: SendResult) throws -> [ScheduledSignal] {
        guard case .sent(_, let signals) = result else { throw SinkError("not sent: \(result)") }
        return signals
    }

    @Test func opensAreReportedOnlyWithOpenTrackingAndNothingElseChanges() async throws {
        var opened = 0
        for index in 0..<200 {
            let recipient = "lead\(index)@example.com"
            let tracked = try signals(await send(to: recipient, openTracking: true))
            let untracked = try signals(await send(to: recipient, openTracking: false))
            #expect(!untracked.contains { $0.type == .opened })
            // The same audience replies the same way, at the same time, either way.
            #expect(untracked == tracked.filter { $0.type != .opened })
            opened += tracked.filter { $0.type == .opened }.count
        }
        #expect((80...160).contains(opened), "about 60% of 200 open when tracked (\(opened))")
    }
}
