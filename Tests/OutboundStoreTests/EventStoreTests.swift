import Foundation
import Testing
import OutboundCore

/// What every store's event log and webhook outbox do: events written with the changes they
/// report (numbered per workspace, with their actor), filtered reads, and deliveries queued,
/// claimed, retried, failed and replayed.
enum EventStoreChecks {
    static let now = Date(timeIntervalSince1970: 1_790_000_300.25)

    static func data(_ event: Event) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(event.data.utf8)) as? [String: Any])
    }

    static func run(_ store: any WorkspaceStore & CampaignStore & ContactStore & EventStore) async throws {
        let ws = try await WorkspaceStoreChecks.workspace(in: store, at: now)
        let other = try await WorkspaceStoreChecks.workspace(in: store, at: now)
        let all = WebhookEndpoint(id: .generate(.webhookEndpoint), workspaceID: ws.id, url: "https://hooks.example/all", description: nil,
                                  types: [], format: .standard, enabled: true, secret: "whsec_a", createdAt: now, updatedAt: now)
        let campaigns = WebhookEndpoint(id: .generate(.webhookEndpoint), workspaceID: ws.id, url: "https://hooks.example/c",
                                        description: "campaigns", types: ["campaign.*"], format: .standard, enabled: true,
                                        secret: "whsec_c", createdAt: now, updatedAt: now)
        try await store.insertWebhookEndpoint(all)
        try await store.insertWebhookEndpoint(campaigns)
        #expect(try await store.webhookEndpoint(all.id, in: ws.id) == all)
        #expect(try await store.webhookEndpoint(all.id, in: other.id) == nil)
        #expect(try await store.webhookEndpoints(in: ws.id, page: PageRequest()).items.map(\.id) == [all.id, campaigns.id])

        // Changes are logged by the store, with the actor of the task that made them.
        let suppression = Suppression(id: .generate(.suppression), workspaceID: ws.id, kind: .email, value: "no@acme.example",
                                      reason: "asked", createdAt: now)
        _ = try await EventActor.$current.withValue("key:ob_live_ab") { try await store.insertSuppression(suppression) }
        var campaign = Campaign(id: .generate(.campaign), workspaceID: ws.id, name: "Launch", channel: .email, dryRun: false,
                                createdAt: now, updatedAt: now)
        try await store.insertCampaign(campaign)
        campaign.status = .active
        campaign.startedAt = now.addingTimeInterval(1)
        campaign.updatedAt = now.addingTimeInterval(1)
        try await store.updateCampaign(campaign)
        var sender = CampaignStoreChecks.emailSender(in: ws.id)
        try await store.insertSender(sender)
        sender.status = .paused
        sender.updatedAt = now.addingTimeInterval(2)
        try await store.updateSender(sender)
        _ = try await store.insertSuppression(Suppression(id: .generate(.suppression), workspaceID: other.id, kind: .email,
                                                          value: "x@y.example", reason: nil, createdAt: now))

        let events = try await store.events(in: ws.id, afterSeq: 0, types: [], limit: 10)
        #expect(events.items.map(\.type) == ["contact.suppressed", "campaign.launched", "sender.paused"] && !events.hasMore)
        #expect(events.items.map(\.seq) == [1, 2, 3], "numbered per workspace without gaps")
        #expect(events.items.map(\.actor) == ["key:ob_live_ab", "system", "system"])
        let suppressed = try data(events.items[0])["suppression"] as? [String: Any]
        #expect(suppressed?["value"] as? String == "no@acme.example" && suppressed?["reason"] as? String == "asked")
        #expect(suppressed?["created_at"] as? String == "2026-09-21T14:18:20.250Z")
        #expect(events.items[0].at == now)
        let launched = try data(events.items[1])["campaign"] as? [String: Any]
        #expect(launched?["status"] as? String == "active" && launched?["dry_run"] as? Bool == false && launched?["paused_at"] is NSNull)
        #expect(try await store.events(in: other.id, afterSeq: 0, types: [], limit: 10).items.map(\.seq) == [1])
        #expect(try await store.events(in: ws.id, afterSeq: 1, types: ["campaign.*", "sender.paused"], limit: 1).items.map(\.type)
                == ["campaign.launched"])
        #expect(try await store.events(in: ws.id, afterSeq: 0, types: ["contact.suppressed"], limit: 10).items.count == 1)

        // Each event is queued to each endpoint whose filters pass it.
        #expect(try await store.webhookBacklog(of: all.id, in: ws.id) == 3)
        #expect(try await store.webhookBacklog(of: campaigns.id, in: ws.id) == 1)
        #expect(try await store.pendingWebhookDeliveries() == 4)
        #expect(try await store.hasDueWebhookDeliveries(at: now.addingTimeInterval(5)))

        // Claims: at most `perEndpoint` each, counting what the caller has in flight; a claim is not due again until its lease ends.
        let later = now.addingTimeInterval(10)
        let jobs = try await store.claimWebhookJobs(at: later, busy: [all.id: 1], perEndpoint: 2, limit: 10, lease: 60)
        #expect(jobs.map(\.endpoint.id) == [all.id, campaigns.id])
        #expect(jobs.map(\.event.type) == ["contact.suppressed", "campaign.launched"] && jobs.allSatisfy { $0.attempt == 1 })
        #expect(try await store.claimWebhookJobs(at: later, busy: [:], perEndpoint: 5, limit: 10, lease: 60).map(\.event.type)
                == ["campaign.launched", "sender.paused"], "the rest; the claimed ones wait for their lease")
        #expect(try await store.claimWebhookJobs(at: later.addingTimeInterval(1), busy: [:], perEndpoint: 5, limit: 10, lease: 60).isEmpty)

        func attempt(_ job: WebhookJob, status: Int?) -> WebhookAttempt {
            WebhookAttempt(delivery: job.delivery, eventID: job.event.id, eventType: job.event.type, at: later, status: status,
                           latency: 0.125, error: status == nil ? "connection refused" : nil, responseHead: status.map { "HTTP/1.1 \($0)" })
        }
        try await store.settleWebhookJobs([
            WebhookSettlement(endpoint: all.id, attempt: attempt(jobs[0], status: 500), next: .retry(at: later.addingTimeInterval(30)),
                              disableEndpoint: nil),
            WebhookSettlement(endpoint: campaigns.id, attempt: attempt(jobs[1], status: 204), next: .delivered, disableEndpoint: nil),
        ])
        #expect(try await store.webhookBacklog(of: campaigns.id, in: ws.id) == 0)
        #expect(try await store.webhookEndpoint(all.id, in: ws.id)?.failingSince == later)
        let retried = try await store.claimWebhookJobs(at: later.addingTimeInterval(30), busy: [:], perEndpoint: 1, limit: 10, lease: 60)
        #expect(retried.map(\.event.type) == ["contact.suppressed"] && retried.first?.attempt == 2)
        try await store.settleWebhookJobs([WebhookSettlement(endpoint: all.id, attempt: attempt(retried[0], status: nil), next: .failed,
                                                             disableEndpoint: "failing for 3 days")])
        let attempts = try await store.webhookAttempts(of: all.id, in: ws.id, page: PageRequest(limit: 1))
        #expect(attempts.items.map(\.status) == [nil] && attempts.items.first?.error == "connection refused" && attempts.hasMore)
        let older = try await store.webhookAttempts(of: all.id, in: ws.id, page: PageRequest(startingAfter: attempts.items[0].id))
        #expect(older.items.map(\.status) == [500] && older.items.first?.latency == 0.125)
        let disabled = try #require(try await store.webhookEndpoint(all.id, in: ws.id))
        #expect(!disabled.enabled && disabled.disabledReason == "failing for 3 days")
        let told = try await store.events(in: ws.id, afterSeq: 3, types: [], limit: 10).items.map(\.type)
        #expect(told == ["webhook.delivery_failed", "webhook_endpoint.disabled"])
        #expect(try await store.webhookBacklog(of: campaigns.id, in: ws.id) == 0, "not queued to a filter that does not take them")

        // Turned back on, replayed from an event on, pinged.
        try await store.modifyWebhookEndpoint(all.id, in: ws.id) { $0.enabled = true; $0.disabledReason = nil }
        #expect(try await store.replayEvents(to: all.id, in: ws.id, afterSeq: 1, at: later) == 4)
        let ping = try await store.pingWebhookEndpoint(campaigns.id, in: ws.id, at: later)
        #expect(ping.type == "webhook.ping" && ping.seq == 6)
        #expect(try await store.webhookBacklog(of: campaigns.id, in: ws.id) == 1, "a ping goes to its endpoint only")
        await #expect(throws: NotFoundError.self) { try await store.pingWebhookEndpoint(all.id, in: other.id, at: later) }

        // Pruning keeps what a pending delivery still needs.
        #expect(try await store.pruneEvents(before: later.addingTimeInterval(1)) == 2, "the first event, done with, and the other workspace's")
        #expect(try await store.events(in: ws.id, afterSeq: 0, types: [], limit: 10).items.first?.seq == 2)
        #expect(try await store.deleteWebhookEndpoint(all.id, in: other.id) == false)
        #expect(try await store.deleteWebhookEndpoint(all.id, in: ws.id))
        #expect(try await store.webhookBacklog(of: all.id, in: ws.id) == 0)
    }
}
