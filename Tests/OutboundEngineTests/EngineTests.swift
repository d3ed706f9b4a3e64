import Foundation
import GRDB
import Testing
import OutboundAPI
import OutboundChannels
import OutboundCore
import OutboundStore
import OutboundTestSupport

@Suite struct EngineTests {
    @Test(arguments: StoreKind.covered) func leadsGoOutOnePacingGapApartAndTheCampaignCompletes(_ store: StoreKind) async throws {
        let engine = try await Engine.make(store)
        defer { engine.cleanup() }
        let sender = try await engine.emailSender("Sam", gap: 60)
        let campaign = try await engine.emailCampaign("Three", senders: [sender])
        _ = try await engine.addLeads(3, to: campaign)
        let launched = try await engine.services.lifecycle.launch(campaign.id, in: engine.workspace)
        #expect(launched.status == .active)
        try await engine.run(until: engine.date("2026-11-30T15:00:00Z"))
        let actions = try await engine.actions(campaign)
        #expect(actions.map(\.createdAt) == [engine.date("2026-11-30T14:00:00Z"), engine.date("2026-11-30T14:01:00Z"),
                                              engine.date("2026-11-30T14:02:00Z")])
        #expect(actions.allSatisfy { $0.state == .sent && $0.senderID == sender.id && $0.subject?.hasPrefix("Hi Lead") == true })
        #expect(Set(actions.map(\.contactID)).count == 3)
        #expect(try await engine.leads(campaign).allSatisfy { $0.state == .completed })
        #expect(try await engine.services.campaigns.get(campaign.id, in: engine.workspace).status == .completed)
        let stats = try await engine.store.campaignStats(campaign.id, in: engine.workspace)
        #expect(stats.sent == 3)
        #expect(stats.leads(.completed) == 3)
        #expect(stats.contacted == 3)
        #expect(stats.leads(.pending) == 0)
        #expect(stats.leads(.active) == 0)
    }

    /// One sender, one action every two minutes, four leads: email → 1 minute → follow-up. By
    /// default a lead's due follow-up goes before the next new lead; with `prioritize_new_leads`
    /// every new lead is started first.
    @Test(arguments: StoreKind.covered, [false, true])
    func followUpsGoBeforeNewLeadsUnlessNewLeadsArePrioritized(_ store: StoreKind, prioritizeNewLeads: Bool) async throws {
        let engine = try await Engine.make(store)
        defer { engine.cleanup() }
        let sender = try await engine.emailSender("Sam", gap: 120)
        var campaign = try await engine.emailCampaign("Follow-ups", senders: [sender], nodes: [
            Node(id: "n1", kind: .email(EmailStep(subject: "Hi", body: "Hello. Reply stop to unsubscribe.")), next: "n2"),
            Node(id: "n2", kind: .delay(minutes: 1), next: "n3"),
            Node(id: "n3", kind: .email(EmailStep(subject: "", body: "Following up. Reply stop to unsubscribe.", isReply: true)), next: "n4"),
            Node(id: "n4", kind: .end),
        ])
        var input = CampaignInput()
        input.prioritizeNewLeads = .value(prioritizeNewLeads)
        campaign = try await engine.services.campaigns.update(campaign.id, with: input, in: engine.workspace)
        #expect(campaign.prioritizeNewLeads == prioritizeNewLeads)
        let contacts = try await engine.addLeads(4, to: campaign)
        _ = try await engine.services.lifecycle.launch(campaign.id, in: engine.workspace)
        try await engine.run(until: engine.date("2026-11-30T15:00:00Z"))

        let lead = Dictionary(uniqueKeysWithValues: contacts.enumerated().map { ($1.id, $0) })
        let order = try await engine.actions(campaign).sorted { $0.createdAt < $1.createdAt }.map { "\(lead[$0.contactID]!)\($0.nodeID)" }
        // Follow-ups keep the order their delays ended in, whatever waited in front of them.
        #expect(order == (prioritizeNewLeads
            ? ["0n1", "1n1", "2n1", "3n1", "0n3", "1n3", "2n3", "3n3"]
            : ["0n1", "0n3", "1n1", "1n3", "2n1", "2n3", "3n1", "3n3"]))
    }

    /// The daily new-lead limit: two new leads a day; the rest of the day's new leads wait for
    /// midnight together (one look, not one tick per lead), while follow-ups carry on.
    @Test(arguments: StoreKind.covered) func theDailyNewLeadLimitStartsSoManyLeadsADayAndHoldsTheRestTogether(_ store: StoreKind) async throws {
        let engine = try await Engine.make(store)
        defer { engine.cleanup() }
        let sender = try await engine.emailSender("Sam", gap: 60)
        let campaign = try await engine.emailCampaign("Two a day", senders: [sender], dailyLimit: 2)
        _ = try await engine.addLeads(6, to: campaign)
        _ = try await engine.services.lifecycle.launch(campaign.id, in: engine.workspace)
        // The two sends at 14:00 and 14:01, then one tick finds the limit and holds the other four.
        _ = try await engine.services.dispatcher.drain()
        engine.clock.set(engine.date("2026-11-30T14:01:00Z"))
        _ = try await engine.services.dispatcher.drain()
        engine.clock.set(engine.date("2026-11-30T14:02:00Z"))
        let holding = try await engine.services.dispatcher.drain()
        #expect(holding.actions == 0)
        #expect(holding.moves >= 1)
        #expect(try await engine.services.dispatcher.nextWake() == engine.date("2026-12-01T00:00:00Z"), "nothing is due before midnight")
        try await engine.run(until: engine.date("2026-12-03T00:00:00Z"))
        let days = try await engine.actions(campaign).map { String($0.createdAt.formatted(.iso8601).prefix(10)) }
        #expect(days == ["2026-11-30", "2026-11-30", "2026-12-01", "2026-12-01", "2026-12-02", "2026-12-02"])
    }

    @Test(arguments: StoreKind.covered) func aWindowOpeningAfterSpringForwardIsHitExactly(_ store: StoreKind) async throws {
        // Saturday 2026-03-07 noon in New York; the only window is Sunday 09:00–17:00, the DST day.
        let engine = try await Engine.make(store, start: "2026-03-07T17:00:00Z")
        defer { engine.cleanup() }
        let sender = try await engine.emailSender("Sam")
        let campaign = try await engine.emailCampaign("Sunday", senders: [sender],
                                                      schedule: ["sunday": [.init(start: "09:00", end: "17:00")]],
                                                      timezone: "America/New_York")
        _ = try await engine.addLeads(1, to: campaign)
        _ = try await engine.services.lifecycle.launch(campaign.id, in: engine.workspace)
        try await engine.run(until: engine.date("2026-03-09T00:00:00Z"))
        #expect(try await engine.actions(campaign).map(\.createdAt) == [engine.date("2026-03-08T13:00:00Z")])
    }

    @Test(arguments: StoreKind.covered) func aShutWindowMovesEveryLeadOfTheCampaignOnTheSenderAtOnceAndHoldsNoOtherCampaign(_ store: StoreKind) async throws {
        // Monday 14:00 UTC: "Short" may only send on Mondays 14:00–14:02, "Now" at any time; one
        // sender serves both, one action a minute.
        let engine = try await Engine.make(store)
        defer { engine.cleanup() }
        let sender = try await engine.emailSender("Shared", gap: 60)
        let short = try await engine.emailCampaign("Short", senders: [sender], schedule: ["monday": [.init(start: "14:00", end: "14:02")]])
        let now = try await engine.emailCampaign("Now", senders: [sender])
        _ = try await engine.addLeads(5, to: short, prefix: "short")
        _ = try await engine.addLeads(2, to: now, prefix: "now")
        _ = try await engine.services.lifecycle.launch(short.id, in: engine.workspace)
        _ = try await engine.services.lifecycle.launch(now.id, in: engine.workspace)
        try await engine.run(until: engine.date("2026-11-30T14:01:30Z"))
        // At 14:02 the window has shut on three of Short's leads: the first look at the sender
        // moves all three to next Monday in that tick (not two per tick), and the next tick
        // sends Now's first lead.
        engine.clock.set(engine.date("2026-11-30T14:02:00Z"))
        let shut = try await engine.services.dispatcher.drain()
        #expect(shut.moves == 3)
        #expect(shut.actions == 1)
        #expect(shut.senders == 2)
        try await engine.run(until: engine.date("2026-12-15T00:00:00Z"))
        #expect(try await engine.actions(now).map(\.createdAt) == [engine.date("2026-11-30T14:02:00Z"), engine.date("2026-11-30T14:03:00Z")])
        #expect(try await engine.actions(short).map(\.createdAt) == [
            "2026-11-30T14:00:00Z", "2026-11-30T14:01:00Z", "2026-12-07T14:00:00Z", "2026-12-07T14:01:00Z", "2026-12-14T14:00:00Z",
        ].map(engine.date))
    }

    @Test(arguments: StoreKind.covered) func launchingOutsideTheWindowMakesTheLeadsDueAtItsOpening(_ store: StoreKind) async throws {
        // Saturday noon UTC; the window opens Monday 09:00. Launch itself sets that due time, so
        // no tick before Monday has anything to do.
        let engine = try await Engine.make(store, start: "2026-11-28T12:00:00Z")
        defer { engine.cleanup() }
        let sender = try await engine.emailSender("Sam", gap: 60)
        let campaign = try await engine.emailCampaign("Weekdays", senders: [sender], schedule: ["monday": [.init(start: "09:00", end: "17:00")]])
        _ = try await engine.addLeads(3, to: campaign)
        _ = try await engine.services.lifecycle.launch(campaign.id, in: engine.workspace)
        #expect(try await engine.services.dispatcher.nextWake() == engine.date("2026-11-30T09:00:00Z"))
        let early = try await engine.services.dispatcher.drain()
        #expect(!early.didWork && early.senders == 0)
        try await engine.run(until: engine.date("2026-12-01T00:00:00Z"))
        #expect(try await engine.actions(campaign).map(\.createdAt) == [
            "2026-11-30T09:00:00Z", "2026-11-30T09:01:00Z", "2026-11-30T09:02:00Z",
        ].map(engine.date))
    }

    @Test(arguments: StoreKind.covered) func aSenderAtItsDailyCapResumesExactlyWhenCapacityFrees(_ store: StoreKind) async throws {
        let engine = try await Engine.make(store)
        defer { engine.cleanup() }
        let sender = try await engine.emailSender("Capped", perDay: 2, gap: 0)
        let campaign = try await engine.emailCampaign("Cap", senders: [sender])
        _ = try await engine.addLeads(3, to: campaign)
        _ = try await engine.services.lifecycle.launch(campaign.id, in: engine.workspace)
        try await engine.run(until: engine.date("2026-12-02T00:00:00Z"))
        let times = try await engine.actions(campaign).map(\.createdAt)
        #expect(times == [engine.date("2026-11-30T14:00:00Z"), engine.date("2026-11-30T14:00:00Z"), engine.date("2026-12-01T14:00:00Z")])
    }

    @Test(arguments: StoreKind.covered) func higherPriorityCampaignsGoFirstOnASharedSender(_ store: StoreKind) async throws {
        let engine = try await Engine.make(store)
        defer { engine.cleanup() }
        let sender = try await engine.emailSender("Shared", gap: 60)
        let low = try await engine.emailCampaign("Low", senders: [sender], priority: 1)
        let high = try await engine.emailCampaign("High", senders: [sender], priority: 9)
        _ = try await engine.addLeads(2, to: low, prefix: "low")
        _ = try await engine.addLeads(2, to: high, prefix: "high")
        _ = try await engine.services.lifecycle.launch(low.id, in: engine.workspace)
        _ = try await engine.services.lifecycle.launch(high.id, in: engine.workspace)
        try await engine.run(until: engine.date("2026-11-30T15:00:00Z"))
        let highTimes = try await engine.actions(high).map(\.createdAt)
        let lowTimes = try await engine.actions(low).map(\.createdAt)
        #expect(highTimes == [engine.date("2026-11-30T14:00:00Z"), engine.date("2026-11-30T14:01:00Z")])
        #expect(lowTimes == [engine.date("2026-11-30T14:02:00Z"), engine.date("2026-11-30T14:03:00Z")])
    }

    @Test(arguments: StoreKind.covered) func aConditionWaitsForItsSignalThenTakesNo(_ store: StoreKind) async throws {
        let engine = try await Engine.make(store)
        defer { engine.cleanup() }
        let sender = try await engine.emailSender("Sam")
        let nodes = [
            Node(id: "first", kind: .email(EmailStep(subject: "One", body: "b")), next: "wait"),
            Node(id: "wait", kind: .delay(minutes: 1440), next: "c1"),
            Node(id: "c1", kind: .condition(signal: .opened, withinDays: 2, yes: "done", no: "bump")),
            Node(id: "bump", kind: .email(EmailStep(subject: "", body: "Bump", isReply: true)), next: "done"),
            Node(id: "done", kind: .end),
        ]
        let campaign = try await engine.emailCampaign("Cond", senders: [sender], nodes: nodes)
        _ = try await engine.addLeads(1, to: campaign)
        _ = try await engine.services.lifecycle.launch(campaign.id, in: engine.workspace)
        try await engine.run(until: engine.date("2026-12-10T00:00:00Z"))
        let actions = try await engine.actions(campaign)
        // Sent, a day's delay, two days waiting for an open that never comes, then the bump.
        #expect(actions.map(\.nodeID) == ["first", "bump"])
        #expect(actions.map(\.createdAt) == [engine.date("2026-11-30T14:00:00Z"), engine.date("2026-12-03T14:00:00Z")])
        #expect(try await engine.leads(campaign).first?.state == .completed)
    }

    @Test(arguments: StoreKind.covered) func aReplyStopsTheLeadBeforeItsNextStep(_ store: StoreKind) async throws {
        let engine = try await Engine.make(store)
        defer { engine.cleanup() }
        let sender = try await engine.emailSender("Sam")
        let nodes = [
            Node(id: "n1", kind: .email(EmailStep(subject: "One", body: "b")), next: "d"),
            Node(id: "d", kind: .delay(minutes: 60 * 24 * 3), next: "n2"),
            Node(id: "n2", kind: .email(EmailStep(subject: "Two", body: "b")), next: "e"),
            Node(id: "e", kind: .end),
        ]
        let campaign = try await engine.emailCampaign("Reply", senders: [sender], nodes: nodes)
        let leads = try await engine.addLeads(1, to: campaign)
        _ = try await engine.services.lifecycle.launch(campaign.id, in: engine.workspace)
        try await engine.run(until: engine.date("2026-12-01T00:00:00Z"))
        let matched = try await engine.services.inbound.receive(InboundEvent(type: .replied, identity: leads[0].email), in: engine.workspace)
        #expect(matched == 1)
        try await engine.run(until: engine.date("2026-12-10T00:00:00Z"))
        #expect(try await engine.actions(campaign).map(\.nodeID) == ["n1"])
        let lead = try #require(try await engine.leads(campaign).first)
        #expect(lead.state == .replied)
        #expect(try await engine.store.campaignStats(campaign.id, in: engine.workspace).signals(.replied) == 1)
    }

    @Test(arguments: StoreKind.covered) func aReplyWhileTheActionIsInFlightKeepsTheLeadReplied(_ store: StoreKind) async throws {
        let engine = try await Engine.make(store)
        defer { engine.cleanup() }
        let sender = try await engine.emailSender("Sam", gap: 0)
        let campaign = try await engine.emailCampaign("Race", senders: [sender])
        let leads = try await engine.addLeads(1, to: campaign)
        _ = try await engine.services.lifecycle.launch(campaign.id, in: engine.workspace)
        let claim = try #require(try await engine.claimWithoutSending().first)
        // The lead answers while its message is with the provider; the provider then accepts it.
        #expect(try await engine.services.inbound.receive(InboundEvent(type: .replied, identity: leads[0].email), in: engine.workspace) == 1)
        try await engine.store.record(Reactions.settle([Outcome(claim: claim, result: .sent(providerID: "p-1", signals: []), at: engine.clock.now)]),
                                      at: engine.clock.now)
        let lead = try #require(try await engine.leads(campaign).first)
        #expect(lead.state == .replied)
        #expect(try await engine.actions(campaign).map(\.state) == [.sent])
        let stats = try await engine.store.campaignStats(campaign.id, in: engine.workspace)
        #expect(stats.leads(.replied) == 1)
        #expect(stats.leads(.active) == 0)
        #expect(stats.contacted == 1)
    }

    /// A suppression added after launch, and what it leaves sent of two leads (lead0@, lead1@example.com).
    struct LateSuppression: Sendable, CustomTestStringConvertible {
        var kind: String, value: String, sentTo: [String], states: [EnrollmentState]
        var testDescription: String { kind }

        static let address = LateSuppression(kind: "email", value: "lead1@example.com", sentTo: ["lead0@example.com"],
                                             states: [.completed, .stopped])
        static let domain = LateSuppression(kind: "domain", value: "example.com", sentTo: [], states: [.stopped, .stopped])
    }

    @Test(arguments: StoreKind.covered, [LateSuppression.address, .domain])
    func aSuppressionAddedAfterLaunchBlocksTheSend(_ store: StoreKind, _ suppression: LateSuppression) async throws {
        let engine = try await Engine.make(store)
        defer { engine.cleanup() }
        let sender = try await engine.emailSender("Sam")
        let campaign = try await engine.emailCampaign("Supp", senders: [sender])
        _ = try await engine.addLeads(2, to: campaign)
        _ = try await engine.services.lifecycle.launch(campaign.id, in: engine.workspace)
        _ = try await engine.services.suppressions.add(kind: .value(suppression.kind), value: .value(suppression.value), reason: .absent,
                                                       in: engine.workspace)
        try await engine.run(until: engine.date("2026-11-30T16:00:00Z"))
        #expect(try await engine.actions(campaign).map(\.recipient) == suppression.sentTo)
        #expect(try await engine.leads(campaign).map(\.state).sorted { $0.rawValue < $1.rawValue } == suppression.states)
    }

    @Test(arguments: StoreKind.covered) func pauseKeepsPositionsAndResumeContinues(_ store: StoreKind) async throws {
        let engine = try await Engine.make(store)
        defer { engine.cleanup() }
        let sender = try await engine.emailSender("Sam", gap: 600)
        let campaign = try await engine.emailCampaign("Pause", senders: [sender])
        _ = try await engine.addLeads(3, to: campaign)
        _ = try await engine.services.lifecycle.launch(campaign.id, in: engine.workspace)
        try await engine.run(until: engine.date("2026-11-30T14:05:00Z"))
        #expect(try await engine.actions(campaign).count == 1)
        _ = try await engine.services.lifecycle.pause(campaign.id, in: engine.workspace)
        try await engine.run(until: engine.date("2026-11-30T18:00:00Z"))
        #expect(try await engine.actions(campaign).count == 1, "nothing is sent while paused")
        await #expect(throws: ConflictError.self) { try await engine.services.lifecycle.pause(campaign.id, in: engine.workspace) }
        _ = try await engine.services.lifecycle.resume(campaign.id, in: engine.workspace)
        try await engine.run(until: engine.date("2026-11-30T19:00:00Z"))
        let times = try await engine.actions(campaign).map(\.createdAt)
        #expect(times == [engine.date("2026-11-30T14:00:00Z"), engine.date("2026-11-30T18:00:00Z"), engine.date("2026-11-30T18:10:00Z")])
    }

    @Test(arguments: StoreKind.covered) func transientFailuresRetryTheSameActionWithBackoff(_ store: StoreKind) async throws {
        let channel = ScriptedChannel([.transient("421 try later"), .transient("421 try later"), .sent(providerID: "x", signals: [])])
        let engine = try await Engine.make(store, router: channel)
        defer { engine.cleanup() }
        let sender = try await engine.emailSender("Sam", gap: 0)
        var campaign = try await engine.emailCampaign("Retry", senders: [sender])
        campaign.dryRun = false
        try await engine.store.updateCampaign(campaign)
        _ = try await engine.addLeads(1, to: campaign)
        _ = try await engine.services.lifecycle.launch(campaign.id, in: engine.workspace)
        try await engine.run(until: engine.date("2026-11-30T15:00:00Z"))
        let actions = try await engine.actions(campaign)
        #expect(actions.count == 1, "one row per (lead, step), whatever the attempts")
        #expect(actions.first?.state == .sent)
        #expect(actions.first?.attempts == 3)
        // 14:00 fails, +1 min fails, +2 min goes through.
        #expect(actions.first?.createdAt == engine.date("2026-11-30T14:03:00Z"))
        let sends = channel.sent.withLock { $0 }
        #expect(sends.count == 3 && Set(sends.map(\.id)).count == 1, "retries reuse the action's ID")
        #expect(try await engine.leads(campaign).first?.state == .completed)
    }

    @Test(arguments: StoreKind.covered) func aPermanentBounceEndsTheLeadAndSuppressesTheAddress(_ store: StoreKind) async throws {
        let channel = ScriptedChannel([.permanent("550 no such user", bounced: true)])
        let engine = try await Engine.make(store, router: channel)
        defer { engine.cleanup() }
        let sender = try await engine.emailSender("Sam", gap: 0)
        var campaign = try await engine.emailCampaign("Bounce", senders: [sender])
        campaign.dryRun = false
        try await engine.store.updateCampaign(campaign)
        _ = try await engine.addLeads(1, to: campaign)
        _ = try await engine.services.lifecycle.launch(campaign.id, in: engine.workspace)
        try await engine.run(until: engine.date("2026-11-30T15:00:00Z"))
        let action = try #require(try await engine.actions(campaign).first)
        #expect(action.state == .failed && action.error == "550 no such user")
        let lead = try #require(try await engine.leads(campaign).first)
        #expect(lead.state == .bounced && lead.reason == "550 no such user")
        let suppressions = try await engine.store.suppressions(in: engine.workspace, page: PageRequest()).items
        #expect(suppressions.map(\.value) == ["lead0@example.com"])
        #expect(try await engine.services.campaigns.get(campaign.id, in: engine.workspace).status == .completed)
    }

    @Test(arguments: StoreKind.covered) func aCrashDuringASendLeavesAnUncertainActionThatIsNeverResentAutomatically(_ store: StoreKind) async throws {
        let engine = try await Engine.make(store)
        defer { engine.cleanup() }
        let sender = try await engine.emailSender("Sam", gap: 0)
        let campaign = try await engine.emailCampaign("Crash", senders: [sender])
        _ = try await engine.addLeads(1, to: campaign)
        _ = try await engine.services.lifecycle.launch(campaign.id, in: engine.workspace)
        // Claim as the dispatcher does, then "crash" before any channel answers.
        let claims = try await engine.claimWithoutSending()
        #expect(claims.count == 1)
        try await engine.crash()
        let restarted = try await Services(store: engine.kind.open(at: engine.location), clock: engine.clock)
        let recovered = try await restarted.dispatcher.recover()
        #expect(recovered.uncertain == 1)
        try await engine.run(until: engine.date("2026-12-01T00:00:00Z"))
        var actions = try await engine.actions(campaign)
        #expect(actions.map(\.state) == [.uncertain])
        #expect(try await engine.leads(campaign).first?.state == .uncertain)
        // An operator retries: the same row is sent, once.
        try await engine.store.retryAction(actions[0].id, in: engine.workspace, at: engine.clock.now)
        try await engine.run(until: engine.date("2026-12-01T01:00:00Z"))
        actions = try await engine.actions(campaign)
        #expect(actions.count == 1 && actions[0].state == .sent)
        #expect(try await engine.leads(campaign).first?.state == .completed)
        // The log tells the same story, in order, each change once: the uncertain lead was the
        // campaign's last open one, so it completed, and the retry reopened it.
        let events = try await engine.services.events.list(in: engine.workspace, afterSeq: 0, types: ["lead.*", "message.*", "campaign.*"],
                                                           limit: 100)
        #expect(events.items.map(\.type) == ["campaign.launched", "lead.enrolled", "message.uncertain", "lead.uncertain", "campaign.completed",
                                              "lead.retried", "campaign.reopened", "message.sent", "lead.completed", "campaign.completed"])
    }

    @Test(arguments: StoreKind.covered) func launchValidatesAndACampaignWithoutLeadsCompletesAtOnce(_ store: StoreKind) async throws {
        let engine = try await Engine.make(store)
        defer { engine.cleanup() }
        let sender = try await engine.emailSender("Sam")
        let empty = try await engine.emailCampaign("Empty", senders: [sender])
        #expect(try await engine.services.lifecycle.launch(empty.id, in: engine.workspace).status == .completed)
        var input = CampaignInput()
        input.name = .value("Unready")
        input.channel = .value("email")
        let unready = try await engine.services.campaigns.create(input, in: engine.workspace)
        await #expect(throws: ValidationError.self) { try await engine.services.lifecycle.launch(unready.id, in: engine.workspace) }
        await #expect(throws: ConflictError.self) { try await engine.services.lifecycle.launch(empty.id, in: engine.workspace) }
    }

    @Test(arguments: StoreKind.covered) func simulatedSignalsArriveAtTheirTimesAndAreDeterministic(_ store: StoreKind) async throws {
        var counts: [CampaignStats] = []
        for _ in 0..<2 {
            let engine = try await Engine.make(store)
            defer { engine.cleanup() }
            let sender = try await engine.emailSender("Sam", gap: 1)
            let campaign = try await engine.emailCampaign("Sim", senders: [sender],
                                                          simulation: Simulation(seed: 99, acceptRate: 0, replyRate: 0.3, openRate: 0.6, bounceRate: 0.1),
                                                          openTracking: true)
            _ = try await engine.addLeads(40, to: campaign)
            _ = try await engine.services.lifecycle.launch(campaign.id, in: engine.workspace)
            try await engine.run(until: engine.date("2026-12-05T00:00:00Z"))
            let stats = try await engine.store.campaignStats(campaign.id, in: engine.workspace)
            counts.append(CampaignStats(leads: stats.leads, signals: stats.signals))
            #expect(stats.signals(.opened) > 0)
            #expect(stats.leads(.bounced) > 0)
        }
        #expect(counts[0] == counts[1])
    }

    @Test(arguments: StoreKind.covered) func addingASenderRebalancesLeadsNotYetContacted(_ store: StoreKind) async throws {
        let engine = try await Engine.make(store)
        defer { engine.cleanup() }
        let first = try await engine.emailSender("First", gap: 3600)
        let second = try await engine.emailSender("Second", gap: 3600)
        let campaign = try await engine.emailCampaign("Grow", senders: [first])
        _ = try await engine.addLeads(4, to: campaign)
        _ = try await engine.services.lifecycle.launch(campaign.id, in: engine.workspace)
        try await engine.run(until: engine.date("2026-11-30T14:30:00Z"))
        let contactedFirst = try await engine.actions(campaign).map(\.contactID)
        #expect(contactedFirst.count == 1)
        try await engine.setSenders([first, second], of: campaign)
        try await engine.run(until: engine.date("2026-11-30T16:30:00Z"))
        let actions = try await engine.actions(campaign)
        #expect(actions.count == 4)
        #expect(Set(actions.map(\.senderID)) == [first.id, second.id], "the new sender took over leads")
        #expect(actions.filter { $0.senderID == second.id }.count == 1, "3 uncontacted leads over 2 senders: 2 and 1")
        #expect(actions.filter { $0.senderID == second.id }.first?.createdAt == engine.date("2026-11-30T14:30:00Z"), "taken over at once")
    }

    @Test(arguments: StoreKind.covered) func aLargeRebalanceRunsInStepsAndTheCampaignSaysSoUntilItIsDone(_ store: StoreKind) async throws {
        let engine = try await Engine.make(store)
        defer { engine.cleanup() }
        let first = try await engine.emailSender("First", gap: 3600)
        let second = try await engine.emailSender("Second", gap: 3600)
        let campaign = try await engine.emailCampaign("Big", senders: [first])
        let leads = SQLiteStore.rebalanceChunk + 500
        _ = try await engine.addLeads(leads, to: campaign)
        _ = try await engine.services.lifecycle.launch(campaign.id, in: engine.workspace)
        try await engine.run(until: engine.date("2026-11-30T14:30:00Z"))
        #expect(try await engine.actions(campaign).count == 1)
        let updated = try await engine.setSenders([first, second], of: campaign)
        #expect(updated.isRebalancing)
        #expect(try await engine.services.campaigns.get(campaign.id, in: engine.workspace).isRebalancing)
        try await engine.services.dispatcher.tick()
        #expect(try await engine.services.campaigns.get(campaign.id, in: engine.workspace).isRebalancing, "one step deals one chunk")
        try await engine.services.dispatcher.tick()
        #expect(try await engine.services.campaigns.get(campaign.id, in: engine.workspace).isRebalancing == false)
        let perSender = try await engine.counts("""
            SELECT s.id, count(*) AS n FROM enrollments e JOIN senders s ON s.seq = e.sender_seq GROUP BY s.id
            """)
        // The contacted lead stays with the first sender; the other leads are dealt alternately.
        let uncontacted = leads - 1
        #expect(perSender == [first.id.rawValue: 1 + (uncontacted + 1) / 2, second.id.rawValue: uncontacted / 2])
        #expect(try await engine.actions(campaign).map(\.senderID).contains(second.id), "the new sender started at once")
    }

    @Test(arguments: StoreKind.covered) func aLargeLaunchAnswersAfterItsFirstBatchAndEnrollsTheRestInTheBackground(_ store: StoreKind) async throws {
        let engine = try await Engine.make(store)
        defer { engine.cleanup() }
        let sender = try await engine.emailSender("Sam", gap: 60)
        let campaign = try await engine.emailCampaign("Wide", senders: [sender])
        _ = try await engine.addLeads(25, to: campaign)
        var lifecycle = LifecycleService(store: engine.store, clock: engine.clock)
        lifecycle.batchSize = 10
        let launched = try await lifecycle.launch(campaign.id, in: engine.workspace)
        #expect(launched.status == .active && launched.isEnrolling)
        func states() async throws -> [EnrollmentState: Int] {
            try await engine.leads(campaign).reduce(into: [:]) { $0[$1.state, default: 0] += 1 }
        }
        #expect(try await states() == [.active: 10, .pending: 15])
        // A server restarted here goes on: the mark is on the campaign row, read by a new service.
        let restarted = LifecycleService(store: engine.store, clock: engine.clock)
        #expect(try await restarted.continueEnrolling())
        #expect(try await states() == [.active: 25])
        #expect(try await engine.services.campaigns.get(campaign.id, in: engine.workspace).isEnrolling == false)
        #expect(try await restarted.continueEnrolling() == false, "nothing left to do")
    }

    /// A launch that dies at any write after it began (simulated by a trigger that aborts that
    /// write, as a crash between two transactions would leave things) strands no lead: after a
    /// restart either the campaign is still a draft that launches whole, or every lead is admitted.
    @Test(arguments: StoreKind.covered, FailingWrite.duringLaunch)
    func aLaunchInterruptedAtAnyWriteStrandsNoLead(_ store: StoreKind, failingWrite: FailingWrite) async throws {
        let engine = try await Engine.make(store)
        defer { engine.cleanup() }
        let sender = try await engine.emailSender("Sam", gap: 60)
        let campaign = try await engine.emailCampaign("Interrupted", senders: [sender])
        _ = try await engine.addLeads(25, to: campaign)
        try await engine.failWrites(failingWrite)
        var lifecycle = LifecycleService(store: engine.store, clock: engine.clock)
        lifecycle.batchSize = 10
        _ = try? await lifecycle.launch(campaign.id, in: engine.workspace)
        try await engine.stopFailingWrites(failingWrite)

        // The restarted server: its loop enrolls what is marked; a user relaunches a draft.
        var restarted = LifecycleService(store: engine.store, clock: engine.clock)
        restarted.batchSize = 10
        while try await restarted.continueEnrolling() {}
        if try await engine.services.campaigns.get(campaign.id, in: engine.workspace).status == .draft {
            _ = try await restarted.launch(campaign.id, in: engine.workspace)
            while try await restarted.continueEnrolling() {}
        }
        let states = try await engine.leads(campaign).reduce(into: [EnrollmentState: Int]()) { $0[$1.state, default: 0] += 1 }
        #expect(states == [.active: 25], "\(failingWrite)")
        let after = try await engine.services.campaigns.get(campaign.id, in: engine.workspace)
        #expect(after.status == .active && !after.isEnrolling)
    }

    @Test(arguments: StoreKind.covered) func aSlowProviderHoldsOnlyItsOwnSenderAndItsOutcomeIsRecordedWhenItComes(_ store: StoreKind) async throws {
        let gated = GatedChannel()
        let engine = try await Engine.make(store, router: gated)
        defer { engine.cleanup() }
        let fast = try await engine.emailSender("Fast", gap: 60)
        let slow = try await engine.emailSender("Slow", gap: 60)
        gated.slowSender.withLock { $0 = slow.id }
        let campaign = try await engine.emailCampaign("Mixed", senders: [fast, slow])
        _ = try await engine.addLeads(6, to: campaign)
        _ = try await engine.services.lifecycle.launch(campaign.id, in: engine.workspace)
        var dispatcher = Dispatcher(store: engine.store, router: gated, clock: engine.clock)
        dispatcher.recordAfter = .milliseconds(200)

        #expect(try await dispatcher.tick().actions == 2)
        var actions = try await engine.actions(campaign)
        #expect(actions.first { $0.senderID == fast.id }?.state == .sent, "recorded without waiting for the slow one")
        #expect(actions.first { $0.senderID == slow.id }?.state == .sending)

        engine.clock.advance(by: 3600)
        #expect(try await dispatcher.tick().actions == 1, "the fast sender goes on; the slow one is still in flight")

        gated.open()
        for _ in 0..<250 where try await engine.actions(campaign).contains(where: { $0.state == .sending }) {
            try await Task.sleep(for: .milliseconds(20))
        }
        actions = try await engine.actions(campaign)
        #expect(actions.count == 3 && actions.allSatisfy { $0.state == .sent }, "the late outcome was recorded on its own")
        engine.clock.advance(by: 3600)
        #expect(try await dispatcher.tick().actions == 2, "and its sender is free again")
    }

    @Test(arguments: StoreKind.covered) func aPausedSenderHoldsItsLeadsWithAReason(_ store: StoreKind) async throws {
        let engine = try await Engine.make(store)
        defer { engine.cleanup() }
        let sender = try await engine.emailSender("Sam", gap: 0)
        let campaign = try await engine.emailCampaign("Hold", senders: [sender])
        _ = try await engine.addLeads(1, to: campaign)
        var pause = SenderInput()
        pause.status = .value("paused")
        _ = try await engine.services.lifecycle.launch(campaign.id, in: engine.workspace)
        _ = try await engine.services.senders.update(sender.id, with: pause, in: engine.workspace)
        try await engine.run(until: engine.date("2026-11-30T18:00:00Z"))
        #expect(try await engine.actions(campaign).isEmpty)
        let lead = try #require(try await engine.leads(campaign).first)
        #expect(lead.state == .active && lead.reason?.contains("is paused") == true)
        var resume = SenderInput()
        resume.status = .value("active")
        _ = try await engine.services.senders.update(sender.id, with: resume, in: engine.workspace)
        try await engine.run(until: engine.date("2026-11-30T19:00:00Z"))
        #expect(try await engine.actions(campaign).count == 1)
        #expect(try await engine.leads(campaign).first?.state == .completed)
    }

    @Test(arguments: StoreKind.covered) func theForecastRunsTheRealDispatcherInMemoryAndLeavesTheRealStateAlone(_ store: StoreKind) async throws {
        let engine = try await Engine.make(store)
        defer { engine.cleanup() }
        let sender = try await engine.emailSender("Slow", gap: 3600)
        let campaign = try await engine.emailCampaign("Forecast", senders: [sender])
        _ = try await engine.addLeads(10, to: campaign)
        let forecast = try await engine.services.forecasts.forecast(campaign.id, in: engine.workspace)
        // One email an hour from 14:00: the tenth goes out at 23:00 and the campaign is done.
        #expect(forecast.estimatedCompletionAt == engine.date("2026-11-30T23:00:00Z"))
        #expect(forecast.actionsPerDay.map(\.date) == ["2026-11-30"])
        #expect(forecast.actionsPerDay.first?.count == 10)
        #expect(forecast.bottleneck == "windows")
        #expect(!forecast.horizonReached)
        #expect(try await engine.actions(campaign).isEmpty, "nothing was sent for real")
        #expect(try await engine.services.campaigns.get(campaign.id, in: engine.workspace).status == .draft)
    }

    /// The forecast (the memory store) and the durable engine (SQLite), run from the same moment
    /// with the same planner seed and the simulator at the campaign's rates, make the same
    /// decisions. The simulator's draws are a function of its seed, the recipient and the step,
    /// so both runs see the same replies, opens and bounces, at the same moments.
    @Test(arguments: StoreKind.covered) func theForecastMatchesTheDurableEngineDayByDay(_ store: StoreKind) async throws {
        let engine = try await Engine.make(store, start: "2026-11-30T08:00:00Z")
        defer { engine.cleanup() }
        // Two senders capped at 12 a day and one not: sender caps, pacing and the campaign's daily
        // new-lead limit each bind on some day.
        let senders = [try await engine.emailSender("A", perDay: 12, gap: 900), try await engine.emailSender("B", perDay: 12, gap: 600),
                       try await engine.emailSender("C", perDay: 200, gap: 300)]
        let weekdays = ["monday", "tuesday", "wednesday", "thursday", "friday"]
        let campaign = try await engine.emailCampaign(
            "Compare", senders: senders, nodes: [
                Node(id: "n1", kind: .email(EmailStep(subject: "Hi {{first_name | \"there\"}}", body: "Hello. Reply stop to unsubscribe.")), next: "n2"),
                Node(id: "n2", kind: .delay(minutes: 2 * 1440), next: "n3"),
                Node(id: "n3", kind: .email(EmailStep(subject: "", body: "Following up. Reply stop to unsubscribe.", isReply: true)), next: "n4"),
                Node(id: "n4", kind: .end),
            ],
            schedule: Dictionary(uniqueKeysWithValues: weekdays.map { ($0, [Schedule.RawWindow(start: "09:00", end: "17:00")]) }),
            timezone: "Europe/Berlin", dailyLimit: 20,
            simulation: Simulation(seed: 5, acceptRate: 0, replyRate: 0.25, openRate: 0, bounceRate: 0.05))
        _ = try await engine.addLeads(90, to: campaign)

        let forecast = try await engine.services.forecasts.forecast(campaign.id, in: engine.workspace)
        #expect(try await engine.actions(campaign).isEmpty, "the forecast sends nothing for real")

        // The same campaign, launched for real at the same moment, on the virtual clock.
        let dispatcher = Dispatcher(store: engine.store, router: DefaultChannelRouter(clock: engine.clock), clock: engine.clock,
                                    planner: Planner(random: RandomSource(seed: 11)))
        _ = try await engine.services.lifecycle.launch(campaign.id, in: engine.workspace)
        while try await engine.services.lifecycle.continueEnrolling() {}
        var completedAt: Date?
        for _ in 0..<100_000 {
            let report = try await dispatcher.drain()
            let state = try await engine.services.campaigns.get(campaign.id, in: engine.workspace)
            if state.status == .completed {
                completedAt = state.completedAt
                break
            }
            let wake = try #require(report.nextWake)
            engine.clock.set(max(wake, engine.clock.now.addingTimeInterval(1)))
        }
        let times = try await engine.store.actionTimes(of: campaign.id, in: engine.workspace)
        var perDay: [String: Int] = [:]
        for time in times {
            perDay[ForecastService.localDate(time, in: campaign.timezone), default: 0] += 1
        }
        let durable = perDay.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }
        #expect(forecast.simulatedActions > 90, "follow-ups were simulated")
        #expect(forecast.actionsPerDay.map { "\($0.date): \($0.count)" } == durable)
        #expect(try #require(forecast.estimatedCompletionAt) == completedAt)
        #expect(forecast.actionTimes == times.sorted(), "every action at the same instant")
    }

    @Test(arguments: StoreKind.covered) func aMultichannelLeadChangesSenderWithTheStepsChannel(_ store: StoreKind) async throws {
        let engine = try await Engine.make(store)
        defer { engine.cleanup() }
        let mail = try await engine.emailSender("Mail", gap: 60)
        var sms = SenderInput()
        sms.channel = .value("sms")
        sms.displayName = .value("Texts")
        sms.phone = .value("+14155550000")
        let texter = try await engine.services.senders.create(sms, in: engine.workspace)
        var campaign = try await engine.emailCampaign("Multi", senders: [mail], nodes: [
            Node(id: "mail", kind: .email(EmailStep(subject: "Hi", body: "b")), next: "text"),
            Node(id: "text", kind: .sms(body: "Saw my email?"), next: "done"),
            Node(id: "done", kind: .end),
        ])
        // The harness makes email campaigns; this one mixes channels.
        campaign = Campaign(id: campaign.id, workspaceID: campaign.workspaceID, name: campaign.name, channel: .multichannel,
                            dryRun: true, schedule: campaign.schedule, senderIDs: [mail.id, texter.id], hourlyMessageRate: 60,
                            dailyLimit: 500, leadRules: campaign.leadRules, sequence: campaign.sequence,
                            createdAt: campaign.createdAt, updatedAt: campaign.updatedAt)
        campaign.simulation = Simulation(seed: 1, acceptRate: 0, replyRate: 0, openRate: 0, bounceRate: 0)
        try await engine.store.deleteCampaign(campaign.id, in: engine.workspace)
        try await engine.store.insertCampaign(campaign)
        var lead = ContactInput()
        lead.email = .value("both@example.com")
        lead.phone = .value("+14155550123")
        let contact = try #require(try await engine.services.contacts.upsert([lead], in: engine.workspace).first?.contact)
        _ = try await engine.services.leads.add(.contactIDs([contact.id.rawValue]), to: campaign.id, in: engine.workspace)
        _ = try await engine.services.lifecycle.launch(campaign.id, in: engine.workspace)
        try await engine.run(until: engine.date("2026-11-30T16:00:00Z"))
        let actions = try await engine.actions(campaign)
        #expect(actions.map(\.nodeID) == ["mail", "text"])
        #expect(actions.map(\.senderID) == [mail.id, texter.id])
        #expect(actions.map(\.recipient) == ["both@example.com", "+14155550123"])
        #expect(try await engine.leads(campaign).first?.state == .completed)
    }

    @Test(arguments: StoreKind.covered) func removingASenderMovesItsUncontactedLeadsAndKeepsContactedOnes(_ store: StoreKind) async throws {
        let engine = try await Engine.make(store)
        defer { engine.cleanup() }
        let first = try await engine.emailSender("First", gap: 3600)
        let second = try await engine.emailSender("Second", gap: 3600)
        let nodes = [
            Node(id: "n1", kind: .email(EmailStep(subject: "One", body: "b")), next: "n2"),
            Node(id: "n2", kind: .email(EmailStep(subject: "", body: "Two", isReply: true)), next: "n3"),
            Node(id: "n3", kind: .end),
        ]
        let campaign = try await engine.emailCampaign("Shrink", senders: [first, second], nodes: nodes)
        _ = try await engine.addLeads(4, to: campaign)
        _ = try await engine.services.lifecycle.launch(campaign.id, in: engine.workspace)
        try await engine.run(until: engine.date("2026-11-30T14:30:00Z"))
        let early = try await engine.actions(campaign)
        #expect(early.count == 2, "one lead per sender at 14:00")
        let contactedBySecond = try #require(early.first { $0.senderID == second.id }?.contactID)
        try await engine.setSenders([first], of: campaign)
        try await engine.run(until: engine.date("2026-12-01T00:00:00Z"))
        let actions = try await engine.actions(campaign)
        #expect(actions.count == 8)
        // The lead the removed sender had already written to stays with it (same thread)…
        #expect(actions.filter { $0.contactID == contactedBySecond }.allSatisfy { $0.senderID == second.id })
        // …and every lead it had not contacted went to the remaining sender.
        #expect(actions.filter { $0.contactID != contactedBySecond }.allSatisfy { $0.senderID == first.id })
    }

    @Test(arguments: StoreKind.covered) func aWeeklyCapReleasesExactlyAWeekAfterItsOldestAction(_ store: StoreKind) async throws {
        let engine = try await Engine.make(store)
        defer { engine.cleanup() }
        var input = SenderInput()
        input.channel = .value("linkedin")
        input.displayName = .value("Seat")
        input.linkedinURL = .value("linkedin.com/in/seat")
        var limit = RateLimitInput()
        limit.perDay = .value(2)
        limit.perWeek = .value(3)
        input.limits = .value(["connection_request": .value(limit)])
        var pacing = PacingInput()
        pacing.minGapSeconds = .value(0)
        pacing.maxGapSeconds = .value(0)
        input.pacing = .value(pacing)
        let seat = try await engine.services.senders.create(input, in: engine.workspace)
        var campaign = try await engine.services.campaigns.create({
            var c = CampaignInput()
            c.name = .value("Invites")
            c.channel = .value("linkedin")
            c.dryRun = .value(true)
            c.senderIDs = .value([seat.id.rawValue])
            c.schedule = .value(Weekday.allCases.reduce(into: [:]) { $0[$1.rawValue] = [Schedule.RawWindow(start: "00:00", end: "24:00")] })
            return c
        }(), in: engine.workspace)
        campaign.simulation = Simulation(seed: 1, acceptRate: 0, replyRate: 0, openRate: 0, bounceRate: 0)
        try await engine.store.updateCampaign(campaign)
        var leads: [ContactInput] = []
        for index in 0..<4 {
            var lead = ContactInput()
            lead.linkedinURL = .value("linkedin.com/in/lead-\(index)")
            leads.append(lead)
        }
        let contacts = try await engine.services.contacts.upsert(leads, in: engine.workspace).compactMap(\.contact)
        _ = try await engine.services.leads.add(.contactIDs(contacts.map(\.id.rawValue)), to: campaign.id, in: engine.workspace)
        _ = try await engine.services.lifecycle.launch(campaign.id, in: engine.workspace)
        try await engine.run(until: engine.date("2026-12-10T00:00:00Z"))
        let times = try await engine.actions(campaign).map(\.createdAt).sorted()
        // Two on day one (daily cap), one on day two (weekly cap 3 reached), the fourth a week after the first.
        #expect(times == [engine.date("2026-11-30T14:00:00Z"), engine.date("2026-11-30T14:00:00Z"),
                          engine.date("2026-12-01T14:00:00Z"), engine.date("2026-12-07T14:00:00Z")])
    }

    @Test(arguments: StoreKind.covered) func aReplyLeftSendingByACrashIsSettledOnceAndNeverSentAgain(_ store: StoreKind) async throws {
        let channel = ScriptedChannel([])
        let engine = try await Engine.make(store, router: channel)
        defer { engine.cleanup() }
        let sender = try await engine.emailSender("Sam", gap: 0)
        let campaign = try await engine.emailCampaign("Crash", senders: [sender], nodes: [
            Node(id: "n1", kind: .email(EmailStep(subject: "Hello", body: "Hi")), next: "n2"),
            Node(id: "n2", kind: .delay(minutes: 60), next: "n3"),
            Node(id: "n3", kind: .email(EmailStep(subject: "", body: "Bump", isReply: true)), next: "n4"),
            Node(id: "n4", kind: .end),
        ])
        let lead = try #require(try await engine.addLeads(1, to: campaign).first)
        _ = try await engine.services.lifecycle.launch(campaign.id, in: engine.workspace)
        try await engine.run(until: engine.date("2026-11-30T14:30:00Z"))
        #expect(channel.sent.withLock { $0.count } == 1)

        // The server records the reply `sending` and dies before the channel answers.
        let reply = ManualReply(id: .generate(.action), campaignID: campaign.id, contactID: lead.id, text: "Call me")
        let workspace = engine.workspace
        let start = try await engine.store.startManualAction(reply, in: workspace, at: engine.clock.now) { context in
            OutboundAction(id: reply.id, workspaceID: workspace, campaignID: campaign.id, contactID: lead.id,
                           nodeID: ReplyService.nodePrefix + reply.id.rawValue, kind: .email, sender: context.sender,
                           recipient: context.contact.email ?? "", subject: "Re: Hello", body: reply.text, dryRun: true)
        }
        let started = if case .started = start { true } else { false }
        try #require(started, "recorded as sending: \(start)")
        // Its sender is in flight meanwhile: the bump, due at 15:00, waits for it.
        engine.clock.set(engine.date("2026-11-30T15:05:00Z"))
        _ = try await engine.services.dispatcher.drain()
        #expect(channel.sent.withLock { $0.count } == 1)

        // Start-up: the channel cannot confirm it, so it is `uncertain` — shown once, never resent.
        try await engine.crash()
        let recovered = try await engine.services.dispatcher.recover()
        #expect(recovered.uncertain == 1 && recovered.confirmed == 0)
        #expect(try await engine.services.replies.send(reply, in: engine.workspace) == .uncertain, "the same box posted again")
        let retry = await #expect(throws: ConflictError.self) {
            try await engine.services.actions.retry(reply.id, in: engine.workspace)
        }
        #expect(retry?.message.contains("reply written in the inbox") == true)
        let messages = try await engine.store.inboxMessages(campaign: campaign.id, contact: lead.id, in: engine.workspace)
        let ours = messages.filter { $0.text == "Call me" }
        #expect(ours.count == 1 && ours.first?.state == .uncertain)

        // The lead was never moved by it: the sequence goes on, and the reply is not sent.
        try await engine.run(until: engine.date("2026-11-30T16:00:00Z"))
        let sent = channel.sent.withLock { $0 }
        #expect(sent.map(\.nodeID) == ["n1", "n3"])
        #expect(try await engine.leads(campaign).first?.state == .completed)
    }

}
