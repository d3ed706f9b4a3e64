import Foundation
import Testing
import OutboundCore
import OutboundMigration
import OutboundTestSupport

/// `outbound migrate --from FILE --to URL`: a campaign moved mid-run goes on on PostgreSQL
/// exactly where it was.
@Suite(TestPeer.postgres.trait) struct MoveTests {
    @Test func aCampaignMovedMidRunFinishesOnPostgreSQLWithNothingSentTwice() async throws {
        let engine = try await Engine.make(.sqlite)
        defer { engine.cleanup() }
        let sender = try await engine.emailSender("Sam", gap: 600)
        let other = try await engine.emailSender("Kim", gap: 900)
        let campaign = try await engine.emailCampaign("Moving", senders: [sender, other], nodes: [
            Node(id: "n1", kind: .email(EmailStep(subject: "Hi {{first_name}}", body: "One. Reply stop to unsubscribe.")), next: "wait"),
            Node(id: "wait", kind: .delay(minutes: 60), next: "n2"),
            Node(id: "n2", kind: .email(EmailStep(subject: "", body: "Two.", isReply: true)), next: "end"),
            Node(id: "end", kind: .end),
        ], simulation: Simulation(seed: 3, acceptRate: 0, replyRate: 0.2, openRate: 0.5, bounceRate: 0))
        _ = try await engine.addLeads(12, to: campaign)
        _ = try await engine.services.lifecycle.launch(campaign.id, in: engine.workspace)
        try await engine.run(until: engine.date("2026-11-30T15:30:00Z"))
        let before = try await engine.actions(campaign)
        #expect(before.count > 3 && before.count < 24, "mid-run: \(before.count) actions")
        let statsBefore = try await engine.store.campaignStats(campaign.id, in: engine.workspace)
        let eventsBefore = try await engine.store.events(in: engine.workspace, afterSeq: 0, types: [], limit: 10_000).items

        let url = try await PostgresServer.freshDatabase()
        let report = try await StoreMove.run(from: engine.location, to: url)
        #expect(report.rows.first { $0.table == "actions" }?.count == before.count)
        let moved = try await engine.reopened(as: .postgres, at: url)
        #expect(try await moved.actions(campaign).map(\.id) == before.map(\.id), "every action, as it was")
        #expect(try await moved.store.campaignStats(campaign.id, in: engine.workspace) == statsBefore)
        #expect(try await moved.store.events(in: engine.workspace, afterSeq: 0, types: [], limit: 10_000).items.map(\.id) == eventsBefore.map(\.id))
        #expect(try await moved.store.pendingWebhookDeliveries() == 0)
        let target = try await engine.store.workspace(engine.workspace)
        #expect(try await moved.store.workspace(engine.workspace) == target)
        #expect(try await moved.store.instanceSecret() == engine.store.instanceSecret(), "erased identities still hash alike")

        try await moved.run(until: engine.date("2026-12-02T00:00:00Z"))
        let after = try await moved.actions(campaign)
        let steps = after.map { "\($0.contactID.rawValue)/\($0.nodeID)" }
        #expect(Set(steps).count == steps.count, "no (lead, step) acted twice")
        #expect(after.count > before.count)
        #expect(try await moved.leads(campaign).allSatisfy { $0.state.isTerminal })
        #expect(try await moved.services.campaigns.get(campaign.id, in: engine.workspace).status == .completed)
        // New rows carry on the numbering: the next event follows the last one copied.
        let events = try await moved.store.events(in: engine.workspace, afterSeq: 0, types: [], limit: 10_000).items.map(\.seq)
        #expect(events == Array(1...Int64(events.count)))
    }

    @Test func aDatabaseThatIsNotEmptyIsRefusedAndLeftAsItWas() async throws {
        let engine = try await Engine.make(.sqlite)
        defer { engine.cleanup() }
        let target = try await Engine.make(.postgres)
        let contacts = try await target.addLeads(3, to: try await target.emailCampaign("There", senders: [try await target.emailSender("Sam")]))
        let error = await #expect(throws: StoreMove.MoveError.self) { _ = try await StoreMove.run(from: engine.location, to: target.location) }
        #expect(error?.description.contains("is not empty (1 workspaces)") == true, "\(String(describing: error))")
        #expect(try await target.store.workspaceCount() == 1)
        #expect(try await target.store.contacts(contacts.map(\.id), in: target.workspace).count == 3, "left as it was")
    }
}

/// Several processes on one PostgreSQL database: what one has in flight is taken over only once it
/// is gone, and by one process only.
@Suite(TestPeer.postgres.trait) struct SharedDatabaseTests {
    @Test func aLiveProcesssSendsAreLeftAloneAndAGoneOnesAreTakenOverOnce() async throws {
        let engine = try await Engine.make(.postgres)
        defer { engine.cleanup() }
        let sender = try await engine.emailSender("Sam", gap: 0)
        let campaign = try await engine.emailCampaign("Shared", senders: [sender])
        _ = try await engine.addLeads(1, to: campaign)
        _ = try await engine.services.lifecycle.launch(campaign.id, in: engine.workspace)
        #expect(try await engine.claimWithoutSending().count == 1)

        let second = try await engine.reopened(as: .postgres, at: engine.location)
        let third = try await engine.reopened(as: .postgres, at: engine.location)
        #expect(try await second.store.inFlightActions().isEmpty, "the first process is alive: its send is its own")
        #expect(try await second.services.dispatcher.drain().actions == 0, "nor is its sender free to another")

        try await engine.crash()
        let takenOver = try await withThrowingTaskGroup(of: Int.self) { group in
            for other in [second.store, third.store] { group.addTask { try await other.inFlightActions().count } }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(takenOver.sorted() == [0, 1], "one process takes it over: \(takenOver)")
    }
}
