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

    @Test func processesClaimingTogetherDriveEachSenderOnceAndStartNoMoreLeadsThanTheDailyLimit() async throws {
        let engine = try await Engine.make(.postgres)
        defer { engine.cleanup() }
        var senders: [Sender] = []
        for index in 0..<8 { senders.append(try await engine.emailSender("S\(index)", gap: 0)) }
        let campaign = try await engine.emailCampaign("Shared limit", senders: senders, dailyLimit: 5)
        _ = try await engine.addLeads(40, to: campaign)
        _ = try await engine.services.lifecycle.launch(campaign.id, in: engine.workspace)
        var dispatchers = [engine.services.dispatcher]
        for _ in 0..<3 { dispatchers.append(try await engine.reopened(as: .postgres, at: engine.location).services.dispatcher) }
        // Four dispatchers claim at the same instant, several times over, each from its own store.
        for _ in 0..<3 {
            try await withThrowingTaskGroup(of: Int.self) { group in
                for dispatcher in dispatchers { group.addTask { try await dispatcher.drain().actions } }
                try await group.waitForAll()
            }
        }
        let started = try await engine.counts("SELECT 'started', count(*) FROM enrollments WHERE started_at IS NOT NULL")
        #expect(started["started"] == 5, "the daily limit holds across processes: \(started)")
        let twice = try await engine.counts("""
            SELECT 'twice', count(*) FROM (SELECT enrollment_seq, node_id FROM actions GROUP BY 1, 2 HAVING count(*) > 1) d
            """)
        #expect(twice["twice"] == 0)

        // The next day the limit starts again, whichever process claims.
        engine.clock.advance(by: 86_400)
        for _ in 0..<3 {
            try await withThrowingTaskGroup(of: Int.self) { group in
                for dispatcher in dispatchers { group.addTask { try await dispatcher.drain().actions } }
                try await group.waitForAll()
            }
        }
        let later = try await engine.counts("SELECT 'started', count(*) FROM enrollments WHERE started_at IS NOT NULL")
        #expect(later["started"] == 10)
    }

    @Test func oneProcessReadsEachMailboxAndAnotherTakesItOverWhenItIsGone() async throws {
        let engine = try await Engine.make(.postgres)
        defer { engine.cleanup() }
        var senders: [Sender] = []
        for name in ["Sam", "Kim"] {
            var input = SenderInput()
            var imap = IMAPInput()
            imap.host = .value("imap.example.com")
            input.imap = .value(imap)
            let sender = try await engine.emailSender(name)
            senders.append(try await engine.services.senders.update(sender.id, with: input, in: engine.workspace))
        }
        let other = try await engine.reopened(as: .postgres, at: engine.location)
        #expect(try await engine.services.mailboxes.watchedSenders().map(\.id) == senders.map(\.id))
        #expect(try await other.services.mailboxes.watchedSenders().isEmpty, "a live process reads them")
        #expect(try await engine.services.mailboxes.watchedSenders().map(\.id) == senders.map(\.id), "and keeps them")

        try await engine.crash()
        #expect(try await other.services.mailboxes.watchedSenders().map(\.id) == senders.map(\.id), "a gone one's are taken over")
        #expect(try await engine.services.mailboxes.watchedSenders().isEmpty, "the restarted process reads none of them now")
    }

    @Test func eventsAreNumberedInCommitOrderAndTransactionsDoNotWaitForEachOthersNumbers() async throws {
        let engine = try await Engine.make(.postgres)
        defer { engine.cleanup() }
        let workspace = engine.workspace.rawValue
        func emit(_ type: String) -> String {
            "SELECT outbound_emit('\(type)', '\(workspace)', NULL, NULL, NULL, 0, '{}'::json)"
        }
        let before = try await engine.counts("SELECT 'last', event_seq FROM workspaces WHERE id = '\(workspace)'")["last"] ?? 0
        let first = try await OpenTransaction(on: engine.location)
        try await first.run(emit("test.first"))
        // Another transaction of the same workspace writes and commits while the first is open:
        // were the number taken at the write, it would wait for the first (and give up here).
        let second = try await OpenTransaction(on: engine.location)
        try await second.run("SET LOCAL lock_timeout = '5s'")
        try await second.run(emit("test.second"))
        try await second.run(emit("test.third"))
        try await second.commit()
        try await first.commit()
        let numbers = try await engine.counts("SELECT type, wseq FROM events WHERE type LIKE 'test.%'")
        #expect(numbers == ["test.second": before + 1, "test.third": before + 2, "test.first": before + 3])
    }

    @Test func aWaitingDispatcherHearsOfALaunchInAnotherProcess() async throws {
        let engine = try await Engine.make(.postgres)
        defer { engine.cleanup() }
        let sender = try await engine.emailSender("Sam", gap: 0)
        let campaign = try await engine.emailCampaign("Heard", senders: [sender])
        _ = try await engine.addLeads(1, to: campaign)
        let worker = try await engine.reopened(as: .postgres, at: engine.location)
        // The worker listens first (its first wait starts it), then waits far longer than the test may take.
        try await worker.store.awaitWork(upTo: .milliseconds(10))
        while !worker.listensForWork { try await Task.sleep(for: .milliseconds(20)) }
        let store = worker.store
        let heard = Task { () -> Bool in
            try await store.awaitWork(upTo: .seconds(600))
            return !Task.isCancelled
        }
        _ = try await engine.services.lifecycle.launch(campaign.id, in: engine.workspace)
        let woke = try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask { try await heard.value }
            group.addTask {
                try await Task.sleep(for: .seconds(60))
                return false
            }
            let first = try await group.next() ?? false
            group.cancelAll()
            heard.cancel()
            return first
        }
        #expect(woke, "the launch's notification ended the wait")
    }
}
