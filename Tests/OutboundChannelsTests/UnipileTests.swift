import Foundation
import OutboundAPI
import OutboundChannels
import OutboundCore
import OutboundStore
import OutboundTestSupport
import Testing

/// A LinkedIn seat through Unipile's API: the real engine and channel against a loopback server
/// that answers as Unipile documents its v1 API (`UnipilePeer`).
@Suite(.serialized) struct UnipileTests {
    private struct Setup {
        let engine: Engine
        let peer: UnipilePeer
        let sender: Sender

        func campaign(_ nodes: [Node], leads slugs: [String]) async throws -> (Campaign, [Contact]) {
            var input = CampaignInput()
            input.name = .value("Seat \(UUID().uuidString.prefix(6))")
            input.channel = .value("linkedin")
            input.senderIDs = .value([sender.id.rawValue])
            input.schedule = .value(Weekday.allCases.reduce(into: [:]) { $0[$1.rawValue] = [Schedule.RawWindow(start: "00:00", end: "24:00")] })
            var campaign = try await engine.services.campaigns.create(input, in: engine.workspace)
            campaign.sequence = CampaignSequence(version: 2, nodes: nodes)
            try await engine.store.updateCampaign(campaign)
            var contacts: [ContactInput] = []
            for slug in slugs {
                var contact = ContactInput()
                contact.linkedinURL = .value("https://www.linkedin.com/in/\(slug)/")
                contact.firstName = .value("Ada")
                contacts.append(contact)
            }
            let added = try await engine.services.contacts.upsert(contacts, in: engine.workspace).compactMap(\.contact)
            _ = try await engine.services.leads.add(.contactIDs(added.map(\.id.rawValue)), to: campaign.id, in: engine.workspace)
            _ = try await engine.services.lifecycle.launch(campaign.id, in: engine.workspace)
            return (campaign, added)
        }
    }

    private func setup() async throws -> Setup {
        let peer = try await UnipilePeer.start()
        let engine = try await Engine.make(live: true)
        var input = SenderInput()
        input.channel = .value("linkedin")
        input.displayName = .value("Seat")
        input.linkedinURL = .value("https://www.linkedin.com/in/seat-one")
        var unipile = UnipileInput()
        unipile.dsn = .value(peer.dsn)
        unipile.apiKey = .value(UnipilePeer.apiKey)
        unipile.accountID = .value(UnipilePeer.account)
        unipile.webhookSecret = .value("hook-secret")
        input.unipile = .value(unipile)
        var pacing = PacingInput()
        pacing.minGapSeconds = .value(0)
        pacing.maxGapSeconds = .value(0)
        input.pacing = .value(pacing)
        let sender = try await engine.services.senders.create(input, in: engine.workspace)
        return Setup(engine: engine, peer: peer, sender: sender)
    }

    @Test func everyLinkedInStepMapsToUnipilesDocumentedEndpoints() async throws {
        let setup = try await setup()
        defer { setup.engine.cleanup(); setup.peer.stop() }
        #expect(await setup.engine.services.delivery.check(setup.sender) == .connected)
        let (campaign, _) = try await setup.campaign([
            Node(id: "visit", kind: .profileVisit, next: "invite"),
            Node(id: "invite", kind: .connectionRequest(note: "Hi {{first_name}}, let's connect"), next: "m1"),
            Node(id: "m1", kind: .message(body: "Thanks for connecting"), next: "m2"),
            Node(id: "m2", kind: .message(body: "One more thing"), next: "inmail"),
            Node(id: "inmail", kind: .inmail(subject: "A question", body: "Quick question"), next: "like"),
            Node(id: "like", kind: .likePost, next: "end"),
            Node(id: "end", kind: .end),
        ], leads: ["ada-lovelace"])
        try await setup.engine.run(until: setup.engine.date("2026-11-30T16:00:00Z"))

        let actions = try await setup.engine.actions(campaign)
        #expect(actions.map(\.state) == Array(repeating: .sent, count: 6), "\(actions.map { "\($0.nodeID): \($0.state) \($0.error ?? "")" })")
        let state = setup.peer.state.withLock { $0 }
        let calls = state.requests.map { "\($0.method) \($0.path)" }
        #expect(calls.contains("GET /api/v1/users/ada-lovelace"), "profile lookup and visit: \(calls)")
        #expect(state.invited == [UnipilePeer.member("ada-lovelace")])
        let invite = try #require(state.requests.first { $0.path == "/api/v1/users/invite" })
        #expect(invite.body.contains("\"message\":\"Hi Ada, let's connect\"") && invite.body.contains("\"account_id\":\"\(UnipilePeer.account)\""))
        #expect(state.chats.count == 2, "one chat for the messages, one for the InMail: \(state.chats)")
        let messages = state.messages.values.flatMap { $0 }
        #expect(Set(messages) == ["Thanks for connecting", "One more thing", "Quick question"])
        #expect(calls.filter { $0 == "POST /api/v1/chats" }.count == 2 && calls.contains { $0.hasSuffix("/messages") && $0.hasPrefix("POST") },
                "the second message goes to the existing chat: \(calls)")
        let inmail = try #require(state.requests.last { $0.path == "/api/v1/chats" })
        #expect(inmail.body.contains("name=\"linkedin[inmail]\"\r\n\r\ntrue"))
        #expect(state.reactions == ["urn:li:activity:ada-lovelace"])
        #expect(calls.filter { $0 == "GET /api/v1/users/ada-lovelace" }.count == 2, "the member ID is looked up once, the visit is its own")
        let kept = try await setup.engine.store.linkedinMemberID(of: "https://www.linkedin.com/in/ada-lovelace", in: setup.engine.workspace)
        #expect(kept == UnipilePeer.member("ada-lovelace"), "kept on the contact")

        // Another process (a fresh channel) finds it on the contact instead of visiting again.
        let fresh = UnipileChannel(keyring: Engine.keyring, clock: setup.engine.clock, members: LinkedInMembers(store: setup.engine.store))
        let confirmed = await fresh.confirm(OutboundAction(
            id: .generate(.action), workspaceID: setup.engine.workspace, campaignID: campaign.id, contactID: .generate(.contact),
            nodeID: "invite", kind: .connectionRequest, sender: setup.sender, recipient: "https://www.linkedin.com/in/ada-lovelace", dryRun: false))
        #expect(confirmed == true)
        #expect(setup.peer.state.withLock { $0.requests.filter { $0.path == "/api/v1/users/ada-lovelace" }.count } == 2)
    }

    @Test func aProviderLimitHoldsTheSenderAndAnUnreachableRecipientEndsOnlyItsLead() async throws {
        let setup = try await setup()
        defer { setup.engine.cleanup(); setup.peer.stop() }
        setup.peer.state.withLock { $0.inviteFailure = (429, "errors/limit_exceeded", 7200) }
        let (campaign, contacts) = try await setup.campaign([
            Node(id: "invite", kind: .connectionRequest(note: nil), next: "end"), Node(id: "end", kind: .end),
        ], leads: ["ada-lovelace", "gone-person"])
        try await setup.engine.run(until: setup.engine.date("2026-11-30T15:00:00Z"))
        var leads = try await setup.engine.leads(campaign)
        let held = try #require(leads.first { $0.contact.id == contacts[0].id })
        #expect(held.state == .active && held.reason?.contains("reached its provider's limit") == true, "\(held.reason ?? "nil")")
        #expect(setup.peer.state.withLock { $0.invited }.isEmpty)
        let attempts = setup.peer.state.withLock { $0.requests.filter { $0.path == "/api/v1/users/invite" }.count }
        #expect(attempts == 1, "nothing more is sent before the provider allows it")

        try await setup.engine.run(until: setup.engine.date("2026-11-30T17:00:00Z"))
        leads = try await setup.engine.leads(campaign)
        #expect(leads.first { $0.contact.id == contacts[0].id }?.state == .completed, "sent once the hold ended")
        #expect(setup.peer.state.withLock { $0.invited } == [UnipilePeer.member("ada-lovelace")])
        let gone = try #require(leads.first { $0.contact.id == contacts[1].id })
        #expect(gone.state == .failed && gone.reason?.contains("errors/invalid_recipient") == true, "\(gone.reason ?? "nil")")
    }

    @Test func aLostSessionDisconnectsTheSenderWithUnipilesWords() async throws {
        let setup = try await setup()
        defer { setup.engine.cleanup(); setup.peer.stop() }
        let (campaign, _) = try await setup.campaign([
            Node(id: "invite", kind: .connectionRequest(note: nil), next: "end"), Node(id: "end", kind: .end),
        ], leads: ["ada-lovelace"])
        // The session is lost after the launch (which checked the connection).
        setup.peer.state.withLock { $0.sessionLost = true }
        try await setup.engine.run(until: setup.engine.date("2026-11-30T18:00:00Z"))
        let sender = try await setup.engine.services.senders.get(setup.sender.id, in: setup.engine.workspace)
        #expect(sender.status == .disconnected)
        let lead = try #require(try await setup.engine.leads(campaign).first)
        #expect(!lead.state.isTerminal && lead.reason?.contains("errors/disconnected_account") == true, "\(lead.reason ?? "nil")")
        let events = try await setup.engine.services.events.list(in: setup.engine.workspace, afterSeq: nil, types: ["sender.disconnected"], limit: 10)
        #expect(events.items.count == 1)
        let check = await setup.engine.services.delivery.check(sender)
        #expect(check.error?.contains("Disconnected account") == true, "\(check)")
    }

    @Test func afterACrashAnInvitationUnipileHasIsSentAndOneItHasNotIsUncertain() async throws {
        let setup = try await setup()
        defer { setup.engine.cleanup(); setup.peer.stop() }
        let (campaign, _) = try await setup.campaign([
            Node(id: "invite", kind: .connectionRequest(note: nil), next: "end"), Node(id: "end", kind: .end),
        ], leads: ["ada-lovelace"])
        let claims = try await setup.engine.claimWithoutSending()
        #expect(claims.count == 1)
        // The invitation reached Unipile, then the process died before recording it.
        setup.peer.state.withLock { $0.invited = [UnipilePeer.member("ada-lovelace")] }
        try await setup.engine.crash()
        let recovered = try await setup.engine.services.dispatcher.recover()
        #expect(recovered.confirmed == 1 && recovered.uncertain == 0)
        #expect(try await setup.engine.actions(campaign).map(\.state) == [.sent])
        #expect(setup.peer.state.withLock { $0.requests.filter { $0.method == "POST" }.isEmpty }, "nothing was sent again")

        let (second, _) = try await setup.campaign([
            Node(id: "invite", kind: .connectionRequest(note: nil), next: "end"), Node(id: "end", kind: .end),
        ], leads: ["grace-hopper"])
        #expect(try await setup.engine.claimWithoutSending().count == 1)
        try await setup.engine.crash()
        let again = try await setup.engine.services.dispatcher.recover()
        #expect(again.confirmed == 0 && again.uncertain == 1)
        #expect(try await setup.engine.actions(second).map(\.state) == [.uncertain])
    }

    @Test func unipileWebhooksAreCheckedAndMoveLeads() async throws {
        let setup = try await setup()
        defer { setup.engine.cleanup(); setup.peer.stop() }
        let (campaign, contacts) = try await setup.campaign([
            Node(id: "invite", kind: .connectionRequest(note: nil), next: "wait"),
            Node(id: "wait", kind: .delay(minutes: 10_000), next: "end"), Node(id: "end", kind: .end),
        ], leads: ["ada-lovelace", "grace-hopper"])
        try await setup.engine.run(until: setup.engine.date("2026-11-30T15:00:00Z"))
        let sender = setup.sender.id
        try await setup.engine.serve { api in
            let relation = #"{"event": "new_relation", "account_id": "\#(UnipilePeer.account)", "account_type": "LINKEDIN", "user_full_name": "Grace", "user_provider_id": "\#(UnipilePeer.member("grace-hopper"))", "user_public_identifier": "grace-hopper", "user_profile_url": "https://www.linkedin.com/in/grace-hopper"}"#
            let unsigned = try await api.post("/webhooks/unipile/\(sender)", body: relation, headers: ["Content-Type": "application/json"])
            #expect(unsigned.status == 403)
            let wrong = try await api.post("/webhooks/unipile/\(sender)", body: relation,
                                           headers: ["Content-Type": "application/json", "Unipile-Auth": "nope"])
            #expect(wrong.status == 403)
            let accepted = try await api.post("/webhooks/unipile/\(sender)", body: relation,
                                              headers: ["Content-Type": "application/json", "Unipile-Auth": "hook-secret"])
            #expect(accepted.status == 200 && accepted.text.contains("\"matched\":1"), "\(accepted.text)")

            // A message names the member by its provider ID only: its public profile is asked of Unipile.
            let message = #"{"event": "message_received", "account_id": "\#(UnipilePeer.account)", "account_type": "LINKEDIN", "chat_id": "chat_9", "message_id": "msg_9", "message": "Yes, let's talk", "is_sender": false, "timestamp": "2026-11-30T15:05:00.000Z", "sender": {"attendee_provider_id": "\#(UnipilePeer.member("ada-lovelace"))", "attendee_name": "Ada"}}"#
            let replied = try await api.post("/webhooks/unipile/\(sender)", body: message,
                                             headers: ["Content-Type": "application/json", "Unipile-Auth": "hook-secret"])
            #expect(replied.status == 200 && replied.text.contains("\"matched\":1"), "\(replied.text)")
            let otherAccount = relation.replacingOccurrences(of: UnipilePeer.account, with: "acc_OTHER")
            let refused = try await api.post("/webhooks/unipile/\(sender)", body: otherAccount,
                                             headers: ["Content-Type": "application/json", "Unipile-Auth": "hook-secret"])
            #expect(refused.status == 422 && refused.text.contains("account_id"))
        }
        let leads = try await setup.engine.leads(campaign)
        #expect(leads.first { $0.contact.id == contacts[0].id }?.state == .replied)
        let grace = try #require(leads.first { $0.contact.id == contacts[1].id })
        #expect(!grace.state.isTerminal)
        let asked = setup.peer.state.withLock { $0.requests.filter { $0.path.hasPrefix("/api/v1/users/ACoAA") }.count }
        #expect(asked == 0, "the member ID kept on the contact at the invitation matched the message")
        // A member no contact knows by ID is asked of Unipile (its public profile).
        let url = await setup.engine.services.delivery.unipile.profileURL(ofMember: "ACoAAunknown", sender: setup.sender)
        #expect(url == "https://www.linkedin.com/in/ada-lovelace")
        #expect(setup.peer.state.withLock { $0.requests.filter { $0.path == "/api/v1/users/ACoAAunknown" }.count } == 1)
        let replies = try await setup.engine.services.events.list(in: setup.engine.workspace, afterSeq: nil, types: ["reply.received"], limit: 10)
        #expect(replies.items.first?.data.contains("Yes, let's talk") == true)
        let accepted = try await setup.engine.services.events.list(in: setup.engine.workspace, afterSeq: nil, types: ["connection.accepted"], limit: 10)
        #expect(accepted.items.count == 1)
    }
}
