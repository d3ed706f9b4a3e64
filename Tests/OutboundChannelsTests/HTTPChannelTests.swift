import Foundation
import OutboundAPI
import OutboundChannels
import OutboundCore
import OutboundStore
import OutboundTestSupport
import Testing

/// Twilio-format SMS and the LinkedIn gateway against real HTTP servers on loopback.
struct HTTPChannelTests {
    private func smsSender(_ engine: Engine, _ peer: ProviderPeer, token: String = "tw-token") async throws -> Sender {
        var input = SenderInput()
        input.channel = .value("sms")
        input.displayName = .value("Texter")
        input.phone = .value("+14155550100")
        var twilio = TwilioInput()
        twilio.accountSID = .value("AC123")
        twilio.authToken = .value(token)
        twilio.baseURL = .value(peer.url + "/")
        input.twilio = .value(twilio)
        var pacing = PacingInput()
        pacing.minGapSeconds = .value(0)
        pacing.maxGapSeconds = .value(0)
        input.pacing = .value(pacing)
        return try await engine.services.senders.create(input, in: engine.workspace)
    }

    private func gatewaySender(_ engine: Engine, _ peer: ProviderPeer) async throws -> Sender {
        var input = SenderInput()
        input.channel = .value("linkedin")
        input.displayName = .value("Seat")
        input.linkedinURL = .value("https://www.linkedin.com/in/seat-one")
        var gateway = GatewayInput()
        gateway.url = .value(peer.url)
        gateway.secret = .value("gw-secret")
        input.gateway = .value(gateway)
        return try await engine.services.senders.create(input, in: engine.workspace)
    }

    private func action(_ engine: Engine, _ sender: Sender, kind: ActionKind, to recipient: String, body: String?) -> OutboundAction {
        OutboundAction(id: .generate(.action), workspaceID: engine.workspace, campaignID: .generate(.campaign), contactID: .generate(.contact),
                       nodeID: "n1", kind: kind, sender: sender, recipient: recipient, body: body, dryRun: false,
                       recipientFirstName: "Ada", recipientLastName: "Lovelace")
    }

    @Test(arguments: StoreKind.covered) func twilioSendsFormEncodedWithBasicAuthAndClassifiesAnswers(_ store: StoreKind) async throws {
        let peer = try await ProviderPeer.start(default: (201, #"{"sid": "SM0001", "status": "queued"}"#))
        defer { peer.stop() }
        let engine = try await Engine.make(store, live: true)
        defer { engine.cleanup() }
        let sender = try await smsSender(engine, peer)
        let sms = engine.services.delivery.sms
        let message = action(engine, sender, kind: .sms, to: "+14155550199", body: "Hi Ada & co: 50% off = deal?")
        #expect(await sms.send(message) == .sent(providerID: "SM0001", signals: []))
        let request = try #require(peer.requests.withLock { $0.first })
        #expect(request.method == "POST" && request.path == "/2010-04-01/Accounts/AC123/Messages.json")
        #expect(request.headers["authorization"] == "Basic " + Data("AC123:tw-token".utf8).base64EncodedString(), "the token is opened from its sealed form")
        #expect(request.headers["content-type"] == "application/x-www-form-urlencoded")
        #expect(request.form == ["To": "+14155550199", "From": "+14155550100", "Body": "Hi Ada & co: 50% off = deal?"])

        peer.answer((429, #"{"code": 20429, "message": "Too Many Requests"}"#), (503, "unavailable"),
                    (400, #"{"code": 21211, "message": "The 'To' number is not a valid phone number."}"#),
                    (400, #"{"code": 21610, "message": "Attempt to send to unsubscribed recipient"}"#),
                    (400, #"{"code": 21614, "message": "'To' number is not a valid mobile number"}"#))
        guard case .transient(let limited) = await sms.send(message) else { Issue.record("429 is transient"); return }
        #expect(limited.contains("429") && limited.contains("Too Many Requests"))
        guard case .transient = await sms.send(message) else { Issue.record("5xx is transient"); return }
        guard case .permanent(let invalid, bounced: false) = await sms.send(message) else { Issue.record("21211 is permanent"); return }
        #expect(invalid.contains("21211"))
        guard case .permanent(let optedOut, bounced: true) = await sms.send(message) else { Issue.record("21610 ends and suppresses"); return }
        #expect(optedOut.contains("21610"))
        guard case .permanent(_, bounced: false) = await sms.send(message) else { Issue.record("21614 is permanent"); return }

        peer.answer((200, #"{"sid": "AC123"}"#), (401, #"{"code": 20003, "message": "Authenticate"}"#))
        #expect(await sms.check(sender) == .connected)
        #expect(await sms.check(sender) == .failed("HTTP 401: Authenticate"))
        #expect(peer.requests.withLock { $0.last?.path } == "/2010-04-01/Accounts/AC123.json")
    }

    @Test(arguments: StoreKind.covered) func anOptedOutNumberIsSuppressedByTheEngine(_ store: StoreKind) async throws {
        let peer = try await ProviderPeer.start(default: (400, #"{"code": 21610, "message": "Attempt to send to unsubscribed recipient"}"#))
        defer { peer.stop() }
        let engine = try await Engine.make(store, live: true)
        defer { engine.cleanup() }
        let sender = try await smsSender(engine, peer)
        var input = CampaignInput()
        input.name = .value("Texts")
        input.channel = .value("sms")
        input.senderIDs = .value([sender.id.rawValue])
        input.schedule = .value(Weekday.allCases.reduce(into: [:]) { $0[$1.rawValue] = [Schedule.RawWindow(start: "00:00", end: "24:00")] })
        var campaign = try await engine.services.campaigns.create(input, in: engine.workspace)
        campaign.sequence = CampaignSequence(version: 2, nodes: [Node(id: "n1", kind: .sms(body: "Hi {{first_name}}"), next: "n2"),
                                                                 Node(id: "n2", kind: .end)])
        try await engine.store.updateCampaign(campaign)
        var contact = ContactInput()
        contact.phone = .value("+14155550123")
        contact.firstName = .value("Ada")
        let ada = try #require(try await engine.services.contacts.upsert([contact], in: engine.workspace).first?.contact)
        _ = try await engine.services.leads.add(.contactIDs([ada.id.rawValue]), to: campaign.id, in: engine.workspace)
        peer.answer((200, #"{"sid": "AC123"}"#))  // the launch check
        _ = try await engine.services.lifecycle.launch(campaign.id, in: engine.workspace)
        try await engine.run(until: engine.date("2026-11-30T15:00:00Z"))
        #expect(try await engine.leads(campaign).first?.state == .bounced)
        let suppressed = try await engine.store.suppressions(in: engine.workspace, page: PageRequest()).items
        #expect(suppressed.map(\.value) == ["+14155550123"] && suppressed.first?.kind == .phone)
    }

    @Test(arguments: StoreKind.covered) func theGatewayGetsSignedIdempotentActionsAndConfirmsAfterACrash(_ store: StoreKind) async throws {
        let peer = try await ProviderPeer.start(default: (200, #"{"id": "gw-1"}"#))
        defer { peer.stop() }
        let engine = try await Engine.make(store, live: true)
        defer { engine.cleanup() }
        let sender = try await gatewaySender(engine, peer)
        let gateway = engine.services.delivery.linkedin
        let invite = action(engine, sender, kind: .connectionRequest, to: "https://www.linkedin.com/in/ada", body: "Hi Ada, let's connect")
        #expect(await gateway.send(invite) == .sent(providerID: "gw-1", signals: []))
        let request = try #require(peer.requests.withLock { $0.first })
        #expect(request.method == "POST" && request.path == "/actions")
        #expect(GatewaySignature.isValid(try #require(request.headers["x-outbound-signature"]), secret: "gw-secret", body: request.body, now: engine.clock.now))
        #expect(!GatewaySignature.isValid(request.headers["x-outbound-signature"]!, secret: "other", body: request.body, now: engine.clock.now))
        let json = request.json
        #expect(json["action_id"] as? String == invite.id.rawValue && json["idempotency_key"] as? String == invite.id.rawValue)
        #expect(json["type"] as? String == "connection_request" && json["note"] as? String == "Hi Ada, let's connect")
        #expect((json["recipient"] as? [String: Any])?["linkedin_url"] as? String == "https://www.linkedin.com/in/ada")
        #expect((json["recipient"] as? [String: Any])?["first_name"] as? String == "Ada")
        #expect((json["sender"] as? [String: Any])?["linkedin_url"] as? String == "https://www.linkedin.com/in/seat-one")

        peer.answer((409, #"{"id": "gw-1", "error": "already done"}"#), (429, "{}"), (502, "{}"), (422, #"{"error": "profile not found"}"#))
        #expect(await gateway.send(invite) == .sent(providerID: "gw-1", signals: []), "409: done before, not done again")
        guard case .transient = await gateway.send(invite) else { Issue.record("429 is transient"); return }
        guard case .transient = await gateway.send(invite) else { Issue.record("5xx is transient"); return }
        guard case .permanent(let refused, bounced: false) = await gateway.send(invite) else { Issue.record("4xx is permanent"); return }
        #expect(refused.contains("profile not found"))

        peer.answer((200, #"{"status": "done"}"#), (404, "{}"), (200, "{}"))
        #expect(await gateway.confirm(invite) == true)
        #expect(await gateway.confirm(invite) == false)
        #expect(peer.requests.withLock { $0.last?.path } == "/actions/\(invite.id)")
        #expect(await gateway.check(sender) == .connected)
        #expect(peer.requests.withLock { $0.last?.path } == "/health")
    }

    @Test(arguments: StoreKind.covered) func aCrashedGatewayActionTheGatewayConfirmsIsRecordedAsSent(_ store: StoreKind) async throws {
        let peer = try await ProviderPeer.start(default: (200, #"{"id": "gw-1", "status": "done"}"#))
        defer { peer.stop() }
        let engine = try await Engine.make(store, live: true)
        defer { engine.cleanup() }
        let sender = try await gatewaySender(engine, peer)
        var input = CampaignInput()
        input.name = .value("Invites")
        input.channel = .value("linkedin")
        input.senderIDs = .value([sender.id.rawValue])
        input.schedule = .value(Weekday.allCases.reduce(into: [:]) { $0[$1.rawValue] = [Schedule.RawWindow(start: "00:00", end: "24:00")] })
        let campaign = try await engine.services.campaigns.create(input, in: engine.workspace)
        var contact = ContactInput()
        contact.linkedinURL = .value("https://www.linkedin.com/in/ada")
        let ada = try #require(try await engine.services.contacts.upsert([contact], in: engine.workspace).first?.contact)
        _ = try await engine.services.leads.add(.contactIDs([ada.id.rawValue]), to: campaign.id, in: engine.workspace)
        _ = try await engine.services.lifecycle.launch(campaign.id, in: engine.workspace)
        let claims = try await engine.claimWithoutSending()
        #expect(claims.count == 1)
        // Crash: the outcome was never recorded. At start-up the gateway is asked.
        try await engine.crash()
        let recovered = try await engine.services.dispatcher.recover()
        #expect(recovered.confirmed == 1 && recovered.uncertain == 0)
        #expect(peer.requests.withLock { $0.last?.path } == "/actions/\(claims[0].action.id)")
        let actions = try await engine.actions(campaign)
        #expect(actions.map(\.state) == [.sent])
    }
}
