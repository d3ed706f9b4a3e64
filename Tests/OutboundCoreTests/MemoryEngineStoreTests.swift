import Foundation
import Testing
@testable import OutboundCore

/// The engine's store in memory, driven by the real dispatcher and planner on a virtual clock:
/// the core's engine rules tested without SQL (the SQLite store passes the same scenarios in
/// OutboundEngineTests, and a test there runs one campaign on both and compares every action).
@Suite struct MemoryEngineStoreTests {
    let start = Date(timeIntervalSince1970: 1_796_025_600)  // Monday 2026-11-30 08:00 UTC
    let workspace = ID.generate(.workspace)

    /// Accepts everything at once.
    struct AcceptingRouter: ChannelRouter, OutreachChannel {
        func channel(for action: OutboundAction) -> any OutreachChannel { self }
        func send(_ action: OutboundAction) async -> SendResult { .sent(providerID: nil, signals: []) }
        func confirm(_ action: OutboundAction) async -> Bool? { true }
        var answersAtOnce: Bool { true }
    }

    private func state(leads: Int, dailyLimit: Int) -> (EngineState, Campaign) {
        let sender = Sender(id: .generate(.sender), workspaceID: workspace, channel: .email, displayName: "Sam Lee", email: "sam@acme.example",
                            limits: [.email: RateLimit(perDay: 100)], pacing: Pacing(minGapSeconds: 600, maxGapSeconds: 600),
                            createdAt: start, updatedAt: start)
        var campaign = Campaign(id: .generate(.campaign), workspaceID: workspace, name: "Memory", channel: .email, status: .active,
                                dryRun: true, schedule: Schedule(Dictionary(uniqueKeysWithValues: Weekday.allCases.map {
                                    ($0, [MinuteRange(start: 0, end: 1440)])
                                })), senderIDs: [sender.id], dailyLimit: dailyLimit, createdAt: start, updatedAt: start)
        campaign.sequence = CampaignSequence(version: 2, nodes: [
            Node(id: "n1", kind: .email(EmailStep(subject: "Hi", body: "Hello")), next: "n2"),
            Node(id: "n2", kind: .end),
        ])
        var state = EngineState()
        state.senders = [.init(sender: sender, usage: [], pacingUntil: nil)]
        state.campaigns = [campaign]
        for seq in 1...Int64(leads) {
            let contact = Contact(id: .generate(.contact), workspaceID: workspace, email: "lead\(seq)@example.com", createdAt: start, updatedAt: start)
            state.contacts.append(contact)
            state.enrollments.append(Enrollment(seq: seq, campaignID: campaign.id, contactID: contact.id, senderID: sender.id, state: .active,
                                                nodeID: "n1", nodeEnteredAt: start, dueAt: start))
        }
        return (state, campaign)
    }

    @Test func theDailyNewLeadLimitHoldsTheRestUntilMidnightAndTheCampaignCompletes() async throws {
        let (initial, campaign) = state(leads: 5, dailyLimit: 2)
        let store = MemoryEngineStore(initial)
        let clock = VirtualClock(start)
        let dispatcher = Dispatcher(store: store, router: AcceptingRouter(), clock: clock)
        for _ in 0..<100 {
            let report = try await dispatcher.drain()
            guard store.campaign(campaign.id)?.status != .completed, let wake = report.nextWake else { break }
            clock.set(max(wake, clock.now.addingTimeInterval(1)))
        }
        let day = 86_400.0, midnight = Date(timeIntervalSince1970: 1_796_083_200)  // Tuesday 00:00 UTC
        // Two a day, ten minutes apart (the sender's gap), from the start and then from each midnight.
        #expect(store.actionTimes(of: campaign.id).sorted() == [
            start, start.addingTimeInterval(600), midnight, midnight.addingTimeInterval(600), midnight.addingTimeInterval(day),
        ])
        #expect(store.campaign(campaign.id)?.status == .completed)
        #expect(store.campaign(campaign.id)?.completedAt == midnight.addingTimeInterval(day))
    }

    @Test func aStepIsNeverClaimedTwice() async throws {
        let (initial, campaign) = state(leads: 1, dailyLimit: 10)
        let store = MemoryEngineStore(initial)
        let planner = Planner()
        var claimed: [Int] = [], visited: [Int] = []
        for minute in [0, 20] {
            let now = start.addingTimeInterval(Double(minute) * 60)
            // The outcome below records no move, so the lead is still due at its first step: the
            // planner asks for it again, as one after a lost outcome would.
            let result = try await store.claim(ClaimRequest(
                at: now, maxSenders: 10, candidatesPerSender: 2, maxSignals: 10, react: { _ in SignalEffects() },
                decide: { planner.plan($0, at: now) }))
            claimed.append(result.claims.count)
            visited.append(result.senders)
            var settlement = Settlement()
            settlement.freedSenders = result.claims.map(\.action.sender.id)
            try await store.record(settlement, at: now)
        }
        #expect(visited == [1, 1], "the sender was looked at both times")
        #expect(claimed == [1, 0])
        #expect(store.actionTimes(of: campaign.id) == [start])
    }
}
