import Foundation
import OutboundAPI
import OutboundChannels
import OutboundCore
import OutboundStore
import OutboundTestSupport
import Testing

/// Email through a real SMTP server (aiosmtpd) on loopback, driven by the real engine.
@Suite(.serialized, TestPeer.smtpSink.trait) struct SMTPChannelTests {
    private func liveCampaign(_ engine: Engine, _ name: String, senders: [Sender], nodes: [Node], openTracking: Bool = false) async throws -> Campaign {
        var campaign = try await engine.emailCampaign(name, senders: senders, nodes: nodes)
        campaign.dryRun = false
        campaign.openTracking = openTracking
        try await engine.store.updateCampaign(campaign)
        return campaign
    }

    @Test(arguments: StoreKind.covered) func anEmailCarriesItsHeadersMIMEPartsAndDotStuffedLines(_ store: StoreKind) async throws {
        let sink = try SMTPSink.start()
        defer { sink.stop() }
        let engine = try await Engine.make(store, live: true)
        defer { engine.cleanup() }
        let sender = try await engine.emailSender("Sam", gap: 0, smtp: sink.settings())
        let campaign = try await liveCampaign(engine, "Headers", senders: [sender], nodes: [
            Node(id: "n1", kind: .email(EmailStep(subject: "Grüße aus Köln, {{first_name}} — ein längerer Betreff mit Umlauten äöü",
                                                  body: "Hallo {{first_name}},\n.\n.a line that starts with a dot\nBis bald — Sam",
                                                  html: "<html><body><p>Hallo {{first_name}}</p></body></html>")), next: "n2"),
            Node(id: "n2", kind: .end),
        ], openTracking: true)
        _ = try await engine.addLeads(1, to: campaign)
        _ = try await engine.services.lifecycle.launch(campaign.id, in: engine.workspace)
        try await engine.run(until: engine.date("2026-11-30T15:00:00Z"))

        let action = try #require(try await engine.actions(campaign).first)
        #expect(action.state == .sent)
        let message = try #require(sink.messages.first)
        #expect(sink.messages.count == 1)
        #expect(message.mailFrom == "sam@sender.example" && message.recipients == ["lead0@example.com"])
        let headers = message.headers
        #expect(headers["from"] == "Sam <sam@sender.example>")
        #expect(headers["to"] == "<lead0@example.com>")
        #expect(headers["subject"]?.hasPrefix("=?UTF-8?B?") == true, "non-ASCII subjects are RFC 2047 words")
        #expect(decodeEncodedWords(headers["subject"] ?? "") == "Grüße aus Köln, Lead0 — ein längerer Betreff mit Umlauten äöü")
        let lines = message.data.components(separatedBy: "\r\n")
        #expect(lines.allSatisfy { $0.utf8.count <= 998 }, "RFC 5322 line limit")
        #expect(lines.filter { $0.hasPrefix("Subject:") || $0.hasPrefix(" =?UTF-8?B?") }.allSatisfy { $0.utf8.count <= 78 }, "the subject is folded")
        #expect(lines.filter { !$0.contains("://") }.allSatisfy { $0.utf8.count <= 78 }, "only lines holding a URL are long: \(lines.filter { $0.utf8.count > 78 })")
        #expect(headers["message-id"] == "<\(action.id)@sender.example>", "deterministic Message-ID from the action")
        #expect(headers["mime-version"] == "1.0")
        #expect(headers["content-type"] == "multipart/alternative; boundary=\"=_outbound_\(action.id)\"")
        #expect(headers["list-unsubscribe-post"] == "List-Unsubscribe=One-Click")
        let unsubscribe = try #require(headers["list-unsubscribe"])
        #expect(unsubscribe.hasPrefix("<https://outbound.example.com/u/") && unsubscribe.contains("<mailto:sam@sender.example?subject=unsubscribe>"))
        let token = String(unsubscribe.dropFirst("<https://outbound.example.com/u/".count).prefix { $0 != ">" })
        #expect(Engine.keyring.read(token, as: .unsubscribe)?.action == action.id)
        #expect(!token.contains(action.id.rawValue) && !token.contains(engine.workspace.rawValue), "the token reveals nothing")

        // Two parts, quoted-printable; the lone dot and the dotted line survived transport (dot-stuffing).
        let parts = message.data.components(separatedBy: "--=_outbound_\(action.id)")
        #expect(parts.count == 4, "preamble, text, html, closing")
        #expect(parts[1].contains("Content-Type: text/plain; charset=utf-8") && parts[1].contains("Content-Transfer-Encoding: quoted-printable"))
        let text = decodeQuotedPrintable(parts[1].components(separatedBy: "\r\n\r\n").dropFirst().joined(separator: "\r\n\r\n"))
        #expect(text.hasPrefix("Hallo Lead0,\r\n.\r\n.a line that starts with a dot\r\nBis bald — Sam"))
        let html = decodeQuotedPrintable(parts[2])
        #expect(html.contains("<p>Hallo Lead0</p>"))
        #expect(html.contains("https://outbound.example.com/o/") && html.contains(".gif\""), "open pixel in the HTML part")
    }

    @Test(arguments: StoreKind.covered) func repliesThreadAndRepliedLeadsStop(_ store: StoreKind) async throws {
        // The end-to-end of the channels issue: email → 1 minute → is_reply email, 50 leads, 5 replies.
        let sink = try SMTPSink.start()
        defer { sink.stop() }
        let engine = try await Engine.make(store, live: true)
        defer { engine.cleanup() }
        var senders: [Sender] = []
        for index in 0..<5 { senders.append(try await engine.emailSender("Sam\(index)", gap: 0, smtp: sink.settings())) }
        let campaign = try await liveCampaign(engine, "Thread", senders: senders, nodes: [
            Node(id: "n1", kind: .email(EmailStep(subject: "Quick question, {{first_name}}", body: "Hi {{first_name}}, are you free?")), next: "n2"),
            Node(id: "n2", kind: .delay(minutes: 1), next: "n3"),
            Node(id: "n3", kind: .email(EmailStep(subject: "", body: "Just bumping this.", isReply: true)), next: "n4"),
            Node(id: "n4", kind: .end),
        ])
        _ = try await engine.addLeads(50, to: campaign)
        _ = try await engine.services.lifecycle.launch(campaign.id, in: engine.workspace)
        try await engine.run(until: engine.date("2026-11-30T14:00:30Z"))
        let first = sink.messages
        #expect(first.count == 50)

        // Five leads answer, through the inbound email webhook, quoting the Message-ID they answer.
        let key = try await engine.services.workspaces.createKey(name: "inbound", in: engine.workspace).secret
        let repliers = Array(first.prefix(5))
        let mailboxes = senders
        try await engine.serve { api in
            for message in repliers {
                let sender = try #require(mailboxes.first { $0.email == message.mailFrom })
                let body = #"{"from": "Lead <\#(message.recipients[0])>", "to": "\#(message.mailFrom)", "subject": "Re: hi", "in_reply_to": "\#(message.headers["message-id"]!)", "text": "Sure, call me."}"#
                let reply = try await api.post("/webhooks/email/\(sender.id)", body: body, headers: ["Authorization": "Bearer \(key)", "Content-Type": "application/json"])
                #expect(reply.status == 200 && reply.text.contains("\"matched\":1"), "\(reply.text)")
            }
        }
        try await engine.run(until: engine.date("2026-11-30T15:00:00Z"))
        let all = sink.messages
        #expect(all.count == 95, "50 first emails + 45 follow-ups")
        let replied = Set(repliers.map { $0.recipients[0] })
        for followUp in all.dropFirst(50) {
            let original = try #require(first.first { $0.recipients == followUp.recipients })
            #expect(!replied.contains(followUp.recipients[0]), "a lead who replied gets no follow-up")
            #expect(followUp.headers["in-reply-to"] == original.headers["message-id"])
            #expect(followUp.headers["references"] == original.headers["message-id"])
            #expect(followUp.headers["subject"] == "Re: " + (original.headers["subject"] ?? ""))
            #expect(followUp.mailFrom == original.mailFrom, "a thread keeps its sender")
        }
        let leads = try await engine.leads(campaign)
        #expect(leads.filter { $0.state == .replied }.count == 5)
        #expect(leads.filter { $0.state == .completed }.count == 45)
    }

    @Test(arguments: StoreKind.covered) func aReplyWrittenInTheInboxGoesOutOnceThreadedFromTheLeadsSenderAndCountsAgainstItsLimit(_ store: StoreKind) async throws {
        let sink = try SMTPSink.start()
        defer { sink.stop() }
        let engine = try await Engine.make(store, live: true)
        defer { engine.cleanup() }
        let sender = try await engine.emailSender("Sam", perDay: 2, gap: 0, smtp: sink.settings())
        let campaign = try await liveCampaign(engine, "Manual", senders: [sender], nodes: [
            Node(id: "n1", kind: .email(EmailStep(subject: "Hello {{first_name}}", body: "Hi {{first_name}}, are you free?")), next: "n2"),
            Node(id: "n2", kind: .delay(minutes: 1440), next: "n3"),
            Node(id: "n3", kind: .email(EmailStep(subject: "", body: "Just bumping this.", isReply: true)), next: "n4"),
            Node(id: "n4", kind: .end),
        ])
        let lead = try #require(try await engine.addLeads(1, to: campaign).first)
        _ = try await engine.services.lifecycle.launch(campaign.id, in: engine.workspace)
        try await engine.run(until: engine.date("2026-11-30T14:30:00Z"))
        let first = try #require(sink.messages.first)
        let before = try #require(try await engine.leads(campaign).first)
        #expect(before.state == .waiting)

        let replyID = ID.generate(.action)
        let reply = ManualReply(id: replyID, campaignID: campaign.id, contactID: lead.id, text: "Tuesday at 10 works — talk then.")
        #expect(try await engine.services.replies.send(reply, in: engine.workspace) == .sent)
        #expect(sink.messages.count == 2)
        let sent = try #require(sink.messages.last)
        #expect(sent.headers["subject"] == "Re: Hello Lead0")
        #expect(sent.headers["in-reply-to"] == first.headers["message-id"], "it continues the thread")
        #expect(sent.mailFrom == first.mailFrom && sent.recipients == ["lead0@example.com"])
        #expect(sent.data.contains("Tuesday at 10 works"))

        // The same box posted again is the same message: nothing goes out twice.
        #expect(try await engine.services.replies.send(reply, in: engine.workspace) == .sent)
        #expect(sink.messages.count == 2)
        // It counts against the sender's limit (2 a day): a third message today is refused, with when.
        let another = ManualReply(id: .generate(.action), campaignID: campaign.id, contactID: lead.id, text: "And one more thing")
        let refusal = await #expect(throws: ConflictError.self) { try await engine.services.replies.send(another, in: engine.workspace) }
        #expect(refusal?.message.contains("reached its email limit; its next free slot is 2026-12-01T14:") == true, "\(String(describing: refusal))")
        #expect(sink.messages.count == 2)

        // The lead is where its sequence had it, and the thread shows the reply once.
        let after = try #require(try await engine.leads(campaign).first)
        #expect(after.state == .waiting && after.updatedAt == before.updatedAt, "the lead is not touched")
        let messages = try await engine.store.inboxMessages(campaign: campaign.id, contact: lead.id, in: engine.workspace)
        #expect(messages.filter { $0.text == "Tuesday at 10 works — talk then." }.count == 1)
        let stats = try await engine.store.campaignStats(campaign.id, in: engine.workspace)
        #expect(stats.sent == 1, "a manual reply is no step of the sequence")
        // The sequence goes on the next day, threaded as before.
        try await engine.run(until: engine.date("2026-12-01T15:00:00Z"))
        #expect(sink.messages.count == 3)
        #expect(sink.messages.last?.headers["in-reply-to"] == first.headers["message-id"])
    }

    @Test(arguments: StoreKind.covered) func serverAnswersDecideRetryBounceOrFailure(_ store: StoreKind) async throws {
        let sink = try SMTPSink.start()
        defer { sink.stop() }
        let engine = try await Engine.make(store, live: true)
        defer { engine.cleanup() }
        let sender = try await engine.emailSender("Sam", gap: 0, smtp: sink.settings())
        let campaign = try await liveCampaign(engine, "Answers", senders: [sender], nodes: [
            Node(id: "n1", kind: .email(EmailStep(subject: "Hello", body: "Hi")), next: "n2"), Node(id: "n2", kind: .end),
        ])
        for prefix in ["bounce", "greylist", "reject", "dropfirst"] { _ = try await engine.addLeads(1, to: campaign, prefix: prefix) }
        _ = try await engine.services.lifecycle.launch(campaign.id, in: engine.workspace)
        try await engine.run(until: engine.date("2026-11-30T15:00:00Z"))

        let actions = try await engine.actions(campaign)
        func action(_ recipient: String) -> ActionRecord? { actions.first { $0.recipient == recipient } }
        let bounced = try #require(action("bounce0@example.com"))
        #expect(bounced.state == .failed && bounced.error?.hasPrefix("550 5.1.1") == true)
        let greylisted = try #require(action("greylist0@example.com"))
        #expect(greylisted.state == .sent && greylisted.attempts == 2, "451 on RCPT is retried")
        let rejected = try #require(action("reject0@example.com"))
        #expect(rejected.state == .failed && rejected.error?.hasPrefix("554") == true)
        let dropped = try #require(action("dropfirst0@example.com"))
        #expect(dropped.state == .sent && dropped.attempts == 2, "a connection dropped mid-DATA is retried")
        #expect(Set(sink.messages.flatMap(\.recipients)) == ["greylist0@example.com", "dropfirst0@example.com"])
        #expect(sink.messages.count == 2, "each delivered exactly once")

        let leads = try await engine.leads(campaign)
        #expect(leads.first { $0.contact.email == "bounce0@example.com" }?.state == .bounced)
        #expect(leads.first { $0.contact.email == "reject0@example.com" }?.state == .failed)
        let suppressed = try await engine.store.suppressions(in: engine.workspace, page: PageRequest()).items.map(\.value)
        #expect(suppressed == ["bounce0@example.com"], "550 on RCPT suppresses the address; 554 on content does not")
    }

    @Test(arguments: StoreKind.covered) func refusedAndUnreachableServersAreTransient(_ store: StoreKind) async throws {
        let refusing = try SMTPSink.start(auth: nil, greeting: 421)
        defer { refusing.stop() }
        let engine = try await Engine.make(store, live: true)
        defer { engine.cleanup() }
        let channel = engine.services.delivery.email
        let sender = try await engine.emailSender("Sam", smtp: refusing.settings())
        let action = OutboundAction(id: .generate(.action), workspaceID: engine.workspace, campaignID: .generate(.campaign),
                                    contactID: .generate(.contact), nodeID: "n1", kind: .email, sender: sender,
                                    recipient: "ada@example.com", subject: "Hi", body: "Hello", dryRun: false)
        guard case .transient(let refused) = await channel.send(action) else { Issue.record("421 must be transient"); return }
        #expect(refused.hasPrefix("421 4.3.2"))

        var nowhere = refusing.settings()
        nowhere.port = .value(1)
        let unreachable = try await engine.services.senders.update(sender.id, with: { var input = SenderInput(); input.smtp = .value(nowhere); return input }(), in: engine.workspace)
        var second = action
        second.sender = unreachable
        guard case .transient(let message) = await channel.send(second) else { Issue.record("connection refused must be transient"); return }
        #expect(message.contains("cannot connect to 127.0.0.1:1"))
    }

    @Test(arguments: StoreKind.covered) func checkConnectsAuthenticatesAndQuotesTheServer(_ store: StoreKind) async throws {
        let sink = try SMTPSink.start()
        defer { sink.stop() }
        let engine = try await Engine.make(store, live: true)
        defer { engine.cleanup() }
        let good = try await engine.emailSender("Sam", smtp: sink.settings())
        #expect(await engine.services.delivery.check(good) == .connected)
        let bad = try await engine.emailSender("Bob", smtp: sink.settings(password: "wrong"))
        let result = await engine.services.delivery.check(bad)
        #expect(result.error?.hasPrefix("535") == true, "\(result)")
        #expect(sink.messages.isEmpty, "a check sends nothing")

        // A live campaign on the bad sender does not launch; the report names the server's answer.
        var campaign = try await engine.emailCampaign("Bad creds", senders: [bad])
        campaign.dryRun = false
        try await engine.store.updateCampaign(campaign)
        _ = try await engine.addLeads(1, to: campaign)
        let report = try await engine.services.review.validate(campaign.id, in: engine.workspace)
        #expect(report.errors.map(\.code) == ["sender_connection"])
        #expect(report.errors.first?.message.contains("535") == true)
        await #expect(throws: ValidationError.self) { try await engine.services.lifecycle.launch(campaign.id, in: engine.workspace) }
    }

    @Test(arguments: StoreKind.covered) func aCrashAfterTheServerAcceptedLeavesItUncertainAndARetryKeepsTheMessageID(_ store: StoreKind) async throws {
        let sink = try SMTPSink.start()
        defer { sink.stop() }
        let engine = try await Engine.make(store, live: true)
        defer { engine.cleanup() }
        let sender = try await engine.emailSender("Sam", gap: 0, smtp: sink.settings())
        let campaign = try await liveCampaign(engine, "Crash", senders: [sender], nodes: [
            Node(id: "n1", kind: .email(EmailStep(subject: "Hello", body: "Hi")), next: "n2"), Node(id: "n2", kind: .end),
        ])
        _ = try await engine.addLeads(1, to: campaign)
        _ = try await engine.services.lifecycle.launch(campaign.id, in: engine.workspace)
        // The dispatcher's steps, stopped after the server said 250 and before the outcome is stored.
        let claims = try await engine.claimWithoutSending()
        let claim = try #require(claims.first)
        guard case .sent = await engine.services.delivery.email.send(claim.action) else { Issue.record("not sent"); return }
        #expect(sink.messages.count == 1)

        try await engine.crash()
        let restarted = try await Services(store: engine.kind.open(at: engine.location), clock: engine.clock,
                                           delivery: engine.services.delivery)
        #expect(try await restarted.dispatcher.recover().uncertain == 1, "SMTP cannot confirm: uncertain")
        try await engine.run(until: engine.date("2026-12-01T00:00:00Z"))
        #expect(sink.messages.count == 1, "an uncertain action is never resent by itself")
        #expect(try await engine.leads(campaign).first?.state == .uncertain)

        try await engine.store.retryAction(claim.action.id, in: engine.workspace, at: engine.clock.now)
        try await engine.run(until: engine.date("2026-12-01T01:00:00Z"))
        let messages = sink.messages
        #expect(messages.count == 2)
        #expect(messages[0].headers["message-id"] == messages[1].headers["message-id"], "same Message-ID: receivers can deduplicate")
        #expect(messages[1].headers["message-id"] == "<\(claim.action.id)@sender.example>")
    }
}

import NIOSSL

/// STARTTLS and implicit TLS against the same server with a test CA's certificate.
@Suite(TestPeer.smtpSink.trait) struct SMTPTLSTests {
    @Test(arguments: ["starttls", "tls"])
    func deliversOverTLSAndRefusesAnUntrustedCertificate(security: String) async throws {
        let sink = try SMTPSink.start(tls: security == "tls" ? "implicit" : "starttls")
        defer { sink.stop() }
        let engine = try await Engine.make(live: true)
        defer { engine.cleanup() }
        var trusted = TLSConfiguration.makeClientConfiguration()
        trusted.trustRoots = .file(sink.caPath)
        let channel = SMTPChannel(keyring: Engine.keyring, publicURL: PublicURL(configured: "https://outbound.example.com"),
                                  clock: engine.clock, tls: trusted)
        let sender = try await engine.emailSender("Sam", smtp: sink.settings(security: security))
        #expect(await channel.check(sender) == .connected)
        let action = OutboundAction(id: .generate(.action), workspaceID: engine.workspace, campaignID: .generate(.campaign),
                                    contactID: .generate(.contact), nodeID: "n1", kind: .email, sender: sender,
                                    recipient: "ada@example.com", subject: "Over TLS", body: "Hello", dryRun: false)
        guard case .sent = await channel.send(action) else { Issue.record("not sent over \(security)"); return }
        #expect(sink.messages.map(\.recipients) == [["ada@example.com"]])
        await channel.closeAll()

        // The system trust store does not know the test CA: the handshake fails, nothing is sent.
        let untrusting = SMTPChannel(keyring: Engine.keyring, publicURL: PublicURL(configured: nil), clock: engine.clock)
        guard case .failed(let error) = await untrusting.check(sender) else { Issue.record("an untrusted certificate was accepted"); return }
        #expect(error.lowercased().contains("certificate") || error.lowercased().contains("handshake") || error.contains("SSL"), "\(error)")
    }
}
