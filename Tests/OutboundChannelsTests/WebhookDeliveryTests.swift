import Crypto
import Foundation
import NIOCore
import NIOPosix
import OutboundAPI
import OutboundChannels
import OutboundCore
import OutboundTestSupport
import Testing

/// Webhook deliveries from a real SQLite file to real HTTP receivers on loopback, on a virtual
/// clock (retries are due when the clock says so).
@Suite struct WebhookDeliveryTests {
    private func endpoint(_ engine: Engine, url: String, types: [String] = [], format: String? = nil) async throws -> WebhookEndpointWithSecret {
        var input = WebhookEndpointInput()
        input.url = .value(url)
        input.types = .value(types)
        if let format { input.format = .value(format) }
        return try await engine.services.webhooks.create(input, in: engine.workspace)
    }

    /// Standard Webhooks' signature, computed here independently of the server's code.
    private func expectedSignature(_ request: ProviderPeer.Recorded, secret: String) -> String {
        let key = SymmetricKey(data: Data(base64Encoded: String(secret.dropFirst("whsec_".count)))!)
        let signed = Data("\(request.headers["webhook-id"] ?? "").\(request.headers["webhook-timestamp"] ?? "").".utf8) + request.body
        return "v1," + Data(HMAC<SHA256>.authenticationCode(for: signed, using: key)).base64EncodedString()
    }

    /// A campaign's launch reaches the receiver once, signed, as `{id, seq, type, timestamp, data}`
    /// with the same ID, seq and data as `/v1/events`; filters keep other types away.
    @Test(arguments: StoreKind.covered) func anEventIsPostedSignedInTheStandardShape(_ store: StoreKind) async throws {
        let engine = try await Engine.make(store)
        defer { engine.cleanup() }
        let receiver = try await ProviderPeer.start(default: (200, "{}"))
        defer { receiver.stop() }
        let created = try await endpoint(engine, url: receiver.url + "/hooks", types: ["campaign.*"])
        let sender = try await engine.emailSender("Ann")
        let campaign = try await engine.emailCampaign("Hooked", senders: [sender])
        _ = try await engine.addLeads(2, to: campaign)
        _ = try await engine.services.lifecycle.launch(campaign.id, in: engine.workspace)
        try await engine.run(until: engine.clock.now.addingTimeInterval(3600))
        #expect(try await engine.services.webhookDeliverer.deliverDue() >= 1)

        // Posted concurrently, so in any order; `seq` orders them.
        let requests = receiver.requests.withLock { $0 }.sorted { ($0.json["seq"] as? Int ?? 0) < ($1.json["seq"] as? Int ?? 0) }
        let types = requests.compactMap { $0.json["type"] as? String }
        #expect(types == ["campaign.launched", "campaign.completed"], "only campaign.* passes the filter: \(types)")
        let first = try #require(requests.first)
        #expect(first.path == "/hooks")
        #expect(first.headers["content-type"] == "application/json")
        #expect(first.headers["webhook-signature"] == expectedSignature(first, secret: created.secret))
        let timestamp = try #require(first.headers["webhook-timestamp"].flatMap(Int.init))
        #expect(abs(Double(timestamp) - engine.clock.now.timeIntervalSince1970) < 7200)
        let logged = try await engine.services.events.list(in: engine.workspace, afterSeq: 0, types: ["campaign.launched"], limit: 10)
        let event = try #require(logged.items.first)
        #expect(first.headers["webhook-id"] == event.id)
        #expect(first.json["id"] as? String == event.id)
        #expect(first.json["seq"] as? Int == Int(event.seq))
        #expect((first.json["data"] as? [String: Any])?["campaign"] != nil)
        let attempts = try await engine.services.webhooks.attempts(of: created.endpoint.id, in: engine.workspace, page: PageRequest())
        #expect(attempts.items.count == 2 && attempts.items.allSatisfy { $0.status == 200 })
        #expect(try await engine.services.webhooks.backlog(of: created.endpoint.id, in: engine.workspace) == 0)
        #expect(try await engine.services.webhookDeliverer.deliverDue() == 0, "nothing is sent twice")
    }

    /// A 500 is retried when its backoff is over, a redirect is not followed, a timeout is a
    /// failure with a reason, a 410 turns the endpoint off with an event, and every attempt is
    /// listed with its status and the start of the answer.
    @Test(arguments: StoreKind.covered) func failuresAreRetriedWithBackoffAndA410DisablesTheEndpoint(_ store: StoreKind) async throws {
        let engine = try await Engine.make(store)
        defer { engine.cleanup() }
        let receiver = try await ProviderPeer.start(default: (200, "{}"))
        defer { receiver.stop() }
        let created = try await endpoint(engine, url: receiver.url + "/hooks")
        let id = created.endpoint.id
        receiver.answer((500, #"{"error": "database down"}"#))
        _ = try await engine.services.webhooks.ping(id, in: engine.workspace)
        #expect(try await engine.services.webhookDeliverer.deliverDue() == 1)
        #expect(try await engine.services.webhookDeliverer.deliverDue() == 0, "not due before its backoff")
        var read = try await engine.services.webhooks.get(id, in: engine.workspace)
        #expect(read.failingSince != nil)
        engine.clock.advance(by: 6)
        #expect(try await engine.services.webhookDeliverer.deliverDue() == 1)
        read = try await engine.services.webhooks.get(id, in: engine.workspace)
        #expect(read.failingSince == nil, "a success clears the failure")
        let attempts = try await engine.services.webhooks.attempts(of: id, in: engine.workspace, page: PageRequest())
        #expect(attempts.items.map(\.status) == [200, 500], "newest first")
        #expect(attempts.items.last?.responseHead?.contains("database down") == true)
        #expect(attempts.items.last?.responseHead?.hasPrefix("HTTP/1.1 500") == true)
        let ids = receiver.requests.withLock { $0.map { $0.headers["webhook-id"] } }
        #expect(ids.count == 2 && ids[0] == ids[1], "a retry keeps its webhook-id")

        // A redirect is an answer, not a hop.
        receiver.answer((302, "{}"))
        _ = try await engine.services.webhooks.ping(id, in: engine.workspace)
        try await engine.services.webhookDeliverer.deliverDue()
        #expect(try await engine.services.webhooks.attempts(of: id, in: engine.workspace, page: PageRequest()).items.first?.status == 302)
        #expect(try await engine.services.webhooks.backlog(of: id, in: engine.workspace) == 1)

        receiver.answer((410, "{}"))
        engine.clock.advance(by: 60)
        try await engine.services.webhookDeliverer.deliverDue()
        read = try await engine.services.webhooks.get(id, in: engine.workspace)
        #expect(!read.enabled)
        #expect(read.disabledReason == "the endpoint answered 410 Gone")
        let disabled = try await engine.services.events.list(in: engine.workspace, afterSeq: 0, types: ["webhook_endpoint.disabled"], limit: 5)
        #expect(disabled.items.count == 1)
    }

    /// A receiver that never answers is given up on at the timeout and retried later, and it
    /// holds up only its own deliveries: another endpoint's event goes out in the same pass.
    @Test(arguments: StoreKind.covered) func aSilentEndpointTimesOutAndHoldsUpNoOther(_ store: StoreKind) async throws {
        let engine = try await Engine.make(store)
        defer { engine.cleanup() }
        let silent = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { _ in MultiThreadedEventLoopGroup.singleton.next().makeSucceededVoidFuture() }
            .bind(host: "127.0.0.1", port: 0).get()
        defer { try? silent.close().wait() }
        let receiver = try await ProviderPeer.start(default: (204, ""))
        defer { receiver.stop() }
        let slow = try await endpoint(engine, url: "http://127.0.0.1:\(silent.localAddress!.port!)/never")
        let fast = try await endpoint(engine, url: receiver.url + "/fast")
        for _ in 0..<12 { _ = try await engine.services.webhooks.ping(slow.endpoint.id, in: engine.workspace) }
        _ = try await engine.services.webhooks.ping(fast.endpoint.id, in: engine.workspace)
        let attempted = try await engine.services.webhookDeliverer.deliverDue()
        #expect(attempted == 9, "8 at most in flight to one endpoint, and the other endpoint's one")
        #expect(receiver.requests.withLock { $0.count } == 1)
        let slowAttempts = try await engine.services.webhooks.attempts(of: slow.endpoint.id, in: engine.workspace, page: PageRequest(limit: 100))
        #expect(slowAttempts.items.count == 8)
        #expect(slowAttempts.items.allSatisfy { $0.status == nil && $0.error?.contains("no answer within 2 s") == true },
                "\(slowAttempts.items.map { $0.error ?? "-" })")
        #expect(try await engine.services.webhooks.backlog(of: slow.endpoint.id, in: engine.workspace) == 12)
    }

    /// During a rotation both secrets sign; after the overlap, only the new one.
    @Test(arguments: StoreKind.covered) func aRotatedSecretSignsBesideTheOldOneForTheOverlap(_ store: StoreKind) async throws {
        let engine = try await Engine.make(store)
        defer { engine.cleanup() }
        let receiver = try await ProviderPeer.start(default: (200, "{}"))
        defer { receiver.stop() }
        let created = try await endpoint(engine, url: receiver.url + "/hook")
        let rotated = try await engine.services.webhooks.rotateSecret(created.endpoint.id, overlap: .value(600), readIssues: [],
                                                                      in: engine.workspace)
        _ = try await engine.services.webhooks.ping(created.endpoint.id, in: engine.workspace)
        try await engine.services.webhookDeliverer.deliverDue()
        engine.clock.advance(by: 601)
        _ = try await engine.services.webhooks.ping(created.endpoint.id, in: engine.workspace)
        try await engine.services.webhookDeliverer.deliverDue()
        let requests = receiver.requests.withLock { $0 }
        #expect(requests.count == 2)
        let during = try #require(requests.first?.headers["webhook-signature"]).split(separator: " ").map(String.init)
        #expect(Set(during) == [expectedSignature(requests[0], secret: rotated.secret), expectedSignature(requests[0], secret: created.secret)])
        #expect(requests[1].headers["webhook-signature"] == expectedSignature(requests[1], secret: rotated.secret))
        #expect(requests[0].json["type"] as? String == "webhook.ping")
    }

    /// An endpoint in Inbox's format gets Inbox's envelope and names, and only the events Inbox has.
    @Test(arguments: StoreKind.covered) func anInboxEndpointGetsInboxNamesAndEnvelope(_ store: StoreKind) async throws {
        let engine = try await Engine.make(store)
        defer { engine.cleanup() }
        let receiver = try await ProviderPeer.start(default: (200, "{}"))
        defer { receiver.stop() }
        _ = try await endpoint(engine, url: receiver.url + "/inbox", format: "inbox")
        let sender = try await engine.emailSender("Bo")
        let campaign = try await engine.emailCampaign("Inbox shaped", senders: [sender], nodes: [
            Node(id: "n1", kind: .email(EmailStep(subject: "Hi", body: "One. Reply stop to unsubscribe.")), next: "n2"),
            Node(id: "n2", kind: .delay(minutes: 1440), next: "n3"),
            Node(id: "n3", kind: .email(EmailStep(subject: "", body: "Two. Reply stop to unsubscribe.", isReply: true)), next: "n4"),
            Node(id: "n4", kind: .end),
        ])
        _ = try await engine.addLeads(1, to: campaign)
        _ = try await engine.services.lifecycle.launch(campaign.id, in: engine.workspace)
        try await engine.run(until: engine.clock.now.addingTimeInterval(3 * 86_400))
        while try await engine.services.webhookDeliverer.deliverDue() > 0 {}
        // Posted concurrently, so in any order; `seq` orders them.
        let bodies = receiver.requests.withLock { $0.map(\.json) }.sorted { ($0["seq"] as? Int ?? 0) < ($1["seq"] as? Int ?? 0) }
        #expect(bodies.compactMap { $0["type"] as? String } == ["campaign.started", "target.contacted", "target.followUpSent", "campaign.completed"])
        let started = try #require(bodies.first)
        #expect(started["teamId"] as? String == engine.workspace.rawValue)
        #expect(started["version"] as? String == "1.0")
        #expect(((started["data"] as? [String: Any])?["campaign"] as? [String: Any])?["dryRun"] as? Bool == true)
        let seqs = bodies.compactMap { $0["seq"] as? Int }
        #expect(Set(seqs).count == 4 && seqs.first! >= 1, "Inbox's per-team seq (gaps are events Inbox has no name for)")
    }

    /// A Tether automation with `sendToWebhook` is a webhook endpoint in Tether's format: a reply
    /// reaches its URL through the same outbox, with its `webhookPayload`; what Outbound cannot do
    /// (changing a status) is refused by name.
    @Test(arguments: StoreKind.covered) func aTetherAutomationSendsRepliesToItsWebhook(_ store: StoreKind) async throws {
        let engine = try await Engine.make(store)
        defer { engine.cleanup() }
        let receiver = try await ProviderPeer.start(default: (200, "{}"))
        defer { receiver.stop() }
        let key = try await engine.services.workspaces.createKey(name: "tether", in: engine.workspace).secret
        let sender = try await engine.emailSender("Cy")
        let campaign = try await engine.emailCampaign("Tethered", senders: [sender])
        _ = try await engine.addLeads(1, to: campaign)
        _ = try await engine.services.lifecycle.launch(campaign.id, in: engine.workspace)
        try await engine.run(until: engine.clock.now.addingTimeInterval(600))
        try await engine.serve { web in
            let auth = ["Authorization": "Bearer \(key)", "Content-Type": "application/json"]
            let refused = try await web.post("/tether/api/automations", body: """
                {"name": "Hot lead", "description": "", "event": "message.received",
                 "actions": {"changeToStatus": "working", "sendToWebhook": true, "webhookUrl": "\(receiver.url)/tether"}}
                """, headers: auth)
            #expect(refused.status == 400 && refused.text.contains("changeToStatus"), "\(refused)")
            let created = try await web.post("/tether/api/automations", body: """
                {"name": "Replies to CRM", "description": "every reply", "event": "message.received", "triggerType": "inbound",
                 "actions": {"sendToWebhook": true, "webhookUrl": "\(receiver.url)/tether", "webhookMethod": "POST",
                             "webhookPayload": {"source": "outbound", "pipeline": 7}}}
                """, headers: auth)
            #expect(created.status == 201, "\(created)")
            let listed = try await web.send(.get, "/tether/api/automations", headers: auth)
            #expect(listed.text.contains("Replies to CRM") && listed.text.contains(#""event":"message.received""#))
            let replied = try await web.post("/v1/inbound", body: #"{"type": "replied", "email": "lead0@example.com", "body": "Yes, call me"}"#,
                                             headers: auth)
            #expect(replied.status == 202, "\(replied)")
        }
        #expect(try await engine.services.webhookDeliverer.deliverDue() == 1)
        let posted = try #require(receiver.requests.withLock { $0.first })
        #expect(posted.path == "/tether")
        #expect(posted.json["event"] as? String == "message.received")
        #expect(posted.json["source"] as? String == "outbound" && posted.json["pipeline"] as? Int == 7, "its webhookPayload")
        #expect(posted.json["automationName"] as? String == "Replies to CRM")
        let message = try #require((posted.json["data"] as? [String: Any])?["message"] as? [String: Any])
        #expect(message["body"] as? String == "Yes, call me" && message["direction"] as? String == "inbound")
        #expect(posted.headers["webhook-signature"]?.hasPrefix("v1,") == true, "signed like every webhook")
    }

    /// Retention removes old events but never one a delivery still waits for, and the numbering
    /// goes on from where it was (a consumer's `after_seq` stays valid).
    @Test(arguments: StoreKind.covered) func retentionKeepsWhatADeliveryNeedsAndTheNumbering(_ store: StoreKind) async throws {
        let engine = try await Engine.make(store)
        defer { engine.cleanup() }
        let refused = try await endpoint(engine, url: "http://127.0.0.1:9/closed")
        let suppressions = SuppressionService(store: engine.store, clock: engine.clock)
        _ = try await suppressions.add(kind: .value("email"), value: .value("old@example.com"), reason: .absent, in: engine.workspace)
        _ = try await engine.services.webhooks.ping(refused.endpoint.id, in: engine.workspace)
        try await engine.services.webhookDeliverer.deliverDue()
        // Both events have a delivery waiting (the endpoint refuses connections).
        engine.clock.advance(by: 31 * 86_400)
        #expect(try await engine.services.events.prune() == 0, "every old event still has a delivery waiting")
        try await engine.services.webhooks.delete(refused.endpoint.id, in: engine.workspace)
        #expect(try await engine.services.events.prune() == 2)
        _ = try await suppressions.add(kind: .value("email"), value: .value("new@example.com"), reason: .absent, in: engine.workspace)
        let kept = try await engine.services.events.list(in: engine.workspace, afterSeq: 0, types: [], limit: 10)
        #expect(kept.items.map(\.seq) == [3], "numbering continues after pruning")
    }

    /// Loopback, private, link-local and unresolvable targets are refused unless allowed.
    @Test func privateTargetsAreRefusedUnlessAllowed() async throws {
        let strict = WebhookPoster(allowPrivate: false)
        for url in ["http://127.0.0.1/x", "http://10.1.2.3/x", "http://192.168.0.10/x", "http://169.254.169.254/latest", "http://[::1]/x",
                    "http://[fd00::1]/x", "http://localhost:8080/x", "http://0.0.0.0/x", "http://100.64.0.1/x", "http://does-not-exist.invalid/x"] {
            let refusal = await strict.refusal(for: try #require(URL(string: url)))
            #expect(refusal != nil, "\(url) is refused")
        }
        #expect(await strict.refusal(for: try #require(URL(string: "https://93.184.216.34/hook"))) == nil, "a public address is allowed")
        let posted = await strict.post(WebhookMessage(url: "http://127.0.0.1:9/x", id: "event_1", timestamp: Date(), body: [], secrets: ["whsec_AAAA"]))
        #expect(posted.status == nil && posted.error?.contains("--allow-private-webhooks") == true)
        #expect(await WebhookPoster(allowPrivate: true).refusal(for: try #require(URL(string: "http://127.0.0.1/x"))) == nil)
    }
}
