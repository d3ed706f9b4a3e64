import Foundation
import Logging
import NIOCore
import OutboundAPI
@testable import OutboundChannels
import OutboundCore
import OutboundStore
import OutboundTestSupport
import Testing

/// Replies read from a real mailbox: Dovecot on loopback (`Scripts/imap-server`), messages
/// delivered into its Maildir, the real IMAP watcher and the real engine on SQLite.
@Suite(.serialized, TestPeer.dovecot.trait) struct MailboxTests {
    /// A campaign whose first email went to each lead, now waiting a day for the second.
    private struct Setup {
        let engine: Engine
        let server: IMAPServer
        let sender: Sender
        let campaign: Campaign
        let contacts: [Contact]
        let actions: [ActionRecord]

        func watcher() -> IMAPWatcher {
            IMAPWatcher(keyring: Engine.keyring, tls: server.tls,
                        timing: .init(idleRenewal: .seconds(30), pollInterval: .milliseconds(200),
                                      retryDelays: .milliseconds(100)...(.milliseconds(400)), replyTimeout: .seconds(10)))
        }

        func watch() -> Task<Void, Never> {
            let (watcher, sender, mailboxes) = (watcher(), sender, engine.services.mailboxes)
            return Task { await watcher.watch(sender, mailboxes: mailboxes) }
        }

        func state() async throws -> MailboxState? {
            try await engine.services.mailboxes.state(of: sender.id, in: engine.workspace)
        }

        func lead(_ index: Int) async throws -> Lead? {
            try await engine.leads(campaign).first { $0.contact.id == contacts[index].id }
        }

        func events(_ type: String) async throws -> [Event] {
            try await engine.services.events.list(in: engine.workspace, afterSeq: nil, types: [type], limit: 500).items
        }

        /// A reply from lead `index` to its first email, as a mail program writes one.
        func reply(_ index: Int, text: String = "Sure, call me on Tuesday.", extraHeaders: String = "", subject: String = "Re: Hello") -> String {
            """
            From: Lead \(index) <\(contacts[index].email ?? "")>
            To: Sam <sam@sender.example>
            Subject: \(subject)
            Message-ID: <reply-\(index)-\(UUID().uuidString)@lead.example>
            In-Reply-To: <\(actions[index].id)@sender.example>
            References: <\(actions[index].id)@sender.example>
            Date: Mon, 30 Nov 2026 15:00:00 +0000
            MIME-Version: 1.0
            \(extraHeaders)Content-Type: multipart/alternative; boundary="b1"

            --b1
            Content-Type: text/plain; charset=utf-8
            Content-Transfer-Encoding: quoted-printable

            \(text.replacingOccurrences(of: "ü", with: "=C3=BC"))

            > earlier message
            --b1
            Content-Type: text/html; charset=utf-8

            <p>\(text)</p>
            --b1--

            """
        }

        /// A delivery-status report (RFC 3464) for lead `index`'s first email.
        func bounce(_ index: Int) -> String {
            let recipient = contacts[index].email ?? ""
            return """
                From: Mail Delivery System <MAILER-DAEMON@mx.sender.example>
                To: sam@sender.example
                Subject: Undelivered Mail Returned to Sender
                Auto-Submitted: auto-replied
                MIME-Version: 1.0
                Content-Type: multipart/report; report-type=delivery-status; boundary="r1"

                --r1
                Content-Type: text/plain

                Your message could not be delivered.
                --r1
                Content-Type: message/delivery-status

                Reporting-MTA: dns; mx.sender.example

                Final-Recipient: rfc822; \(recipient)
                Action: failed
                Status: 5.1.1
                Diagnostic-Code: smtp; 550 5.1.1 No such user
                --r1
                Content-Type: text/rfc822-headers

                Message-ID: <\(actions[index].id)@sender.example>
                To: \(recipient)
                --r1--

                """
        }
    }

    private func setup(_ store: StoreKind = .sqlite, leads: Int = 3, security: String = "tls", password: String = IMAPServer.password,
                       idle: Bool = true) async throws -> Setup {
        let server = try IMAPServer.start(idle: idle)
        let engine = try await Engine.make(store, router: ScriptedChannel([]))
        var sender = try await engine.emailSender("Sam", gap: 0)
        var input = SenderInput()
        input.imap = .value(server.settings(security: security, password: password))
        sender = try await engine.services.senders.update(sender.id, with: input, in: engine.workspace)
        let campaign = try await engine.emailCampaign("Mailbox", senders: [sender], nodes: [
            Node(id: "n1", kind: .email(EmailStep(subject: "Hello", body: "Hi {{first_name}}")), next: "n2"),
            Node(id: "n2", kind: .delay(minutes: 1440), next: "n3"),
            Node(id: "n3", kind: .email(EmailStep(subject: "", body: "Bumping this", isReply: true)), next: "n4"),
            Node(id: "n4", kind: .end),
        ])
        let contacts = try await engine.addLeads(leads, to: campaign)
        _ = try await engine.services.lifecycle.launch(campaign.id, in: engine.workspace)
        try await engine.run(until: engine.date("2026-11-30T14:30:00Z"))
        let actions = try await engine.actions(campaign)
        let ordered = try contacts.map { contact in try #require(actions.first { $0.contactID == contact.id }) }
        return Setup(engine: engine, server: server, sender: sender, campaign: campaign, contacts: contacts, actions: ordered)
    }

    /// Waits (up to 90 s of real time: the server and the watcher run for real, beside the rest of
    /// the suite) until `condition` holds.
    private func eventually(_ what: String, _ condition: () async throws -> Bool) async throws {
        for _ in 0..<1_800 {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("timed out waiting until \(what)")
    }

    @Test(arguments: ["tls", "starttls"])
    func aReplyStopsTheLeadAndABounceReportBouncesAndSuppresses(security: String) async throws {
        let setup = try await setup(security: security)
        defer { setup.engine.cleanup(); setup.server.stop() }
        // Mail from before the mailbox was watched is not taken for replies.
        try setup.server.deliver(setup.reply(2, text: "An old message"))
        let watch = setup.watch()
        defer { watch.cancel() }
        try await eventually("the mailbox is watched") { try await setup.state()?.status == .watching }

        try setup.server.deliver(setup.reply(0, text: "Sure, call me on Tuesday. Grüße"))
        try setup.server.deliver(setup.bounce(1))
        try await eventually("both messages are read") { try await setup.state()?.messagesRead == 2 }

        let replied = try #require(try await setup.lead(0))
        #expect(replied.state == .replied)
        let bounced = try #require(try await setup.lead(1))
        #expect(bounced.state == .bounced)
        let untouched = try #require(try await setup.lead(2))
        #expect(untouched.state == .waiting || untouched.state == .active, "\(untouched.state)")
        let suppressions = try await setup.engine.services.suppressions.list(in: setup.engine.workspace, page: PageRequest(limit: 50))
        #expect(suppressions.items.map(\.value).contains(setup.contacts[1].email ?? "-"))
        let reply = try #require(try await setup.events("reply.received").first)
        #expect(reply.data.contains("Sure, call me on Tuesday. Grüße"), "the text/plain part, decoded: \(reply.data)")
        #expect(!reply.data.contains("<p>") && !reply.data.contains("Content-Type"))
        let state = try #require(try await setup.state())
        #expect(state.uidValidity != nil && state.lastUID == 3 && state.error == nil)
    }

    @Test(arguments: StoreKind.covered) func anOutOfOfficeIsRecordedAndDoesNotStopTheLeadUnlessAnAutomationSaysSo(_ store: StoreKind) async throws {
        let setup = try await setup(store)
        defer { setup.engine.cleanup(); setup.server.stop() }
        let watch = setup.watch()
        defer { watch.cancel() }
        try await eventually("the mailbox is watched") { try await setup.state()?.status == .watching }

        try setup.server.deliver(setup.reply(0, text: "I am away until Monday.", subject: "Out of Office: Hello"))
        try setup.server.deliver(setup.reply(1, text: "Automatic answer.", extraHeaders: "Auto-Submitted: auto-replied\n"))
        try await eventually("both are read") { try await setup.state()?.messagesRead == 2 }
        #expect(try await setup.events("reply.automatic").count == 2)
        #expect(try await setup.events("reply.received").isEmpty)
        for index in 0..<2 {
            let lead = try #require(try await setup.lead(index))
            #expect(!lead.state.isTerminal, "an automatic answer does not stop the sequence: \(lead.state)")
        }

        // Configured: an automation on auto_replied stops the lead.
        var input = CampaignInput()
        input.automations = .value([AutomationInput(on: "auto_replied", action: "stop", value: nil)])
        _ = try await setup.engine.services.campaigns.update(setup.campaign.id, with: input, in: setup.engine.workspace)
        try setup.server.deliver(setup.reply(2, text: "On leave.", subject: "Automatic reply: Hello"))
        try await eventually("the third is read") { try await setup.state()?.messagesRead == 3 }
        let stopped = try #require(try await setup.lead(2))
        #expect(stopped.state == .stopped)
    }

    @Test(arguments: StoreKind.covered) func aRestartReadsNothingTwiceAndMissesNothing(_ store: StoreKind) async throws {
        let setup = try await setup(store)
        defer { setup.engine.cleanup(); setup.server.stop() }
        var watch = setup.watch()
        try await eventually("the mailbox is watched") { try await setup.state()?.status == .watching }
        try setup.server.deliver(setup.reply(0))
        try await eventually("the first reply is read") { try await setup.state()?.messagesRead == 1 }
        watch.cancel()
        await watch.value

        // Arrives while nobody watches; then the watcher starts again from the stored UID.
        try setup.server.deliver(setup.reply(1))
        watch = setup.watch()
        defer { watch.cancel() }
        try await eventually("the second reply is read") { try await setup.state()?.messagesRead == 2 }
        try setup.server.deliver(setup.reply(2))
        try await eventually("the third reply is read") { try await setup.state()?.messagesRead == 3 }
        let replies = try await setup.events("reply.received")
        #expect(replies.count == 3, "each reply once: \(replies.map(\.data))")
        for index in 0..<3 {
            let lead = try #require(try await setup.lead(index))
            #expect(lead.state == .replied)
        }
    }

    @Test func withoutIDLETheMailboxIsPolled() async throws {
        let setup = try await setup(idle: false)
        defer { setup.engine.cleanup(); setup.server.stop() }
        let watch = setup.watch()
        defer { watch.cancel() }
        try await eventually("the mailbox is watched") { try await setup.state()?.status == .watching }
        try setup.server.deliver(setup.reply(0))
        try await eventually("the reply is read by a poll") { try await setup.state()?.messagesRead == 1 }
        let lead = try #require(try await setup.lead(0))
        #expect(lead.state == .replied)
        // What made the watcher poll: the server announces no IDLE once logged in.
        let imap = try #require(setup.sender.settings.imap)
        let session = try await IMAPSession.open(imap, username: IMAPServer.user, password: IMAPServer.password, tls: setup.server.tls)
        let capabilities = await session.capabilities
        await session.logout()
        #expect(!capabilities.contains("IDLE") && capabilities.contains("IMAP4REV1"), "\(capabilities)")
    }

    @Test func theServersWatchServiceFollowsTheSendersSettings() async throws {
        let setup = try await setup()
        defer { setup.engine.cleanup(); setup.server.stop() }
        let service = MailboxWatchService(mailboxes: setup.engine.services.mailboxes, watcher: setup.watcher(),
                                          logger: Logger(label: "test"), rescan: .milliseconds(100))
        let running = Task { try await service.run() }
        defer { running.cancel() }
        try await eventually("the service watches the mailbox") { try await setup.state()?.status == .watching }
        try setup.server.deliver(setup.reply(0))
        try await eventually("the reply is read") { try await setup.state()?.messagesRead == 1 }

        // A new password is a new watch: a wrong one is refused, and then not tried again.
        var input = SenderInput()
        var imap = IMAPInput()
        imap.password = .value("wrong")
        input.imap = .value(imap)
        _ = try await setup.engine.services.senders.update(setup.sender.id, with: input, in: setup.engine.workspace)
        try await eventually("the new settings are tried and refused") { try await setup.state()?.status == .refused }
        // Removing the mailbox stops its watch.
        input.imap = .null
        input.status = .value("active")
        _ = try await setup.engine.services.senders.update(setup.sender.id, with: input, in: setup.engine.workspace)
        #expect(try await setup.engine.services.mailboxes.watchedSenders().isEmpty)
    }

    @Test func aDroppedConnectionReconnects() async throws {
        let setup = try await setup()
        defer { setup.engine.cleanup(); setup.server.stop() }
        let watch = setup.watch()
        defer { watch.cancel() }
        try await eventually("the mailbox is watched") { try await setup.state()?.status == .watching }
        let before = try #require(try await setup.state()).checkedAt

        try setup.server.restart()
        try setup.server.deliver(setup.reply(0))
        try await eventually("the reply is read after the reconnection") { try await setup.state()?.messagesRead == 1 }
        let lead = try #require(try await setup.lead(0))
        #expect(lead.state == .replied)
        let state = try #require(try await setup.state())
        #expect(state.status == .watching && state.checkedAt >= before)
    }

    @Test(arguments: StoreKind.covered) func aWrongPasswordReportsTheServersAnswerAndDisconnectsTheSender(_ store: StoreKind) async throws {
        let setup = try await setup(store, password: "not-the-password")
        defer { setup.engine.cleanup(); setup.server.stop() }
        // The watch ends by itself: a refused login is not tried again until the settings change.
        await setup.watch().value
        let state = try #require(try await setup.state())
        #expect(state.status == .refused)
        let error = try #require(state.error)
        #expect(error.contains("AUTHENTICATIONFAILED") || error.contains("Authentication failed"), "the server's words: \(error)")
        let sender = try await setup.engine.services.senders.get(setup.sender.id, in: setup.engine.workspace)
        #expect(sender.status == .disconnected)
        #expect(try await setup.events("sender.disconnected").count == 1)

        // The connection check names the part that failed, in the server's words.
        let delivery = Delivery(keyring: Engine.keyring, clock: setup.engine.clock, publicURL: PublicURL(configured: nil),
                                mailboxes: setup.watcher())
        let check = await delivery.check(sender)
        let words = try #require(check.error)
        #expect(words.contains("imap: login:") && words.contains("Authentication failed"), "\(words)")
    }
}

/// Where reading resumes, on the real SQLite store (no IMAP server needed).
@Suite struct MailboxStateTests {
    @Test(arguments: StoreKind.covered) func theSameUIDValidityResumesAndAnotherStartsAfterWhatIsThere(_ store: StoreKind) async throws {
        let engine = try await Engine.make(store)
        defer { engine.cleanup() }
        var sender = try await engine.emailSender("Sam")
        var input = SenderInput()
        var imap = IMAPInput()
        imap.host = .value("imap.example.com")
        input.imap = .value(imap)
        sender = try await engine.services.senders.update(sender.id, with: input, in: engine.workspace)
        let mailboxes = engine.services.mailboxes
        #expect(try await mailboxes.watchedSenders().map(\.id) == [sender.id])

        #expect(try await mailboxes.opened(sender, uidValidity: 7, lastExistingUID: 40) == 40, "mail already there is not read")
        try await mailboxes.received(InboundEmail(from: "someone@example.com", text: "Hello"), uid: 41, uidValidity: 7, to: sender)
        #expect(try await mailboxes.opened(sender, uidValidity: 7, lastExistingUID: 45) == 41, "42…45 arrived while away: read")
        #expect(try await mailboxes.opened(sender, uidValidity: 8, lastExistingUID: 3) == 3, "renumbered: starts after what is there")
        let state = try #require(try await mailboxes.state(of: sender.id, in: engine.workspace))
        #expect(state.uidValidity == 8 && state.lastUID == 3 && state.messagesRead == 1 && state.status == .watching)

        try await mailboxes.failed(sender, error: "connection refused", refused: false)
        let failing = try #require(try await mailboxes.state(of: sender.id, in: engine.workspace))
        #expect(failing.status == .failing && failing.error == "connection refused")
        #expect(try await engine.services.senders.get(sender.id, in: engine.workspace).status == .active, "only a refused login disconnects")

        try await engine.services.senders.delete(sender.id, in: engine.workspace)
        #expect(try await mailboxes.watchedSenders().isEmpty)
        #expect(try await engine.store.mailboxState(of: sender.id) == nil, "the mailbox goes with its sender")
    }

    @Test(arguments: StoreKind.covered) func aMessageReadAgainAfterACrashBeforeItsUIDWasSavedCountsOnce(_ store: StoreKind) async throws {
        let engine = try await Engine.make(store)
        defer { engine.cleanup() }
        let sender = try await engine.emailSender("Sam", gap: 0)
        let campaign = try await engine.emailCampaign("Twice", senders: [sender], nodes: [
            Node(id: "n1", kind: .email(EmailStep(subject: "Hello", body: "Hi")), next: "n2"),
            Node(id: "n2", kind: .delay(minutes: 1440), next: "n3"),
            Node(id: "n3", kind: .email(EmailStep(subject: "", body: "Bump", isReply: true)), next: "n4"),
            Node(id: "n4", kind: .end),
        ])
        let contacts = try await engine.addLeads(2, to: campaign)
        _ = try await engine.services.lifecycle.launch(campaign.id, in: engine.workspace)
        try await engine.run(until: engine.date("2026-11-30T14:30:00Z"))
        // Matched by address only (no References): nothing but the receipt tells the two reads apart.
        let reply = InboundEmail(from: "Lead <\(contacts[0].email ?? "")>", text: "Sure, Tuesday.")
        let away = InboundEmail(from: contacts[1].email ?? "", subject: "Out of office", text: "Back Monday", isAutomatic: true)
        for _ in 0..<2 {
            // The UID is saved after the effects: a crash between them reads the message again.
            try await engine.services.inbound.receiveEmail(reply, to: sender, receipt: "imap:\(sender.id.rawValue):9:41")
            try await engine.services.mailboxes.received(away, uid: 42, uidValidity: 9, to: sender)
        }
        let stats = try await engine.store.campaignStats(campaign.id, in: engine.workspace)
        #expect(stats.signals(.replied) == 1 && stats.signals(.autoReplied) == 1, "\(stats.signals)")
        let events = try await engine.services.events.list(in: engine.workspace, afterSeq: nil, types: ["reply.*"], limit: 50).items
        #expect(events.count == 2, "one reply.received, one reply.automatic: \(events.map(\.type))")
        let messages = try await engine.store.inboxMessages(campaign: campaign.id, contact: contacts[0].id, in: engine.workspace)
        #expect(messages.filter { !$0.fromUs }.count == 1)
        // Another message of the same lead is a reply of its own.
        try await engine.services.mailboxes.received(reply, uid: 43, uidValidity: 9, to: sender)
        #expect(try await engine.store.campaignStats(campaign.id, in: engine.workspace).signals(.replied) == 2)
        // Receipts are kept as long as the event log: pruned with it, a message's name is free again.
        _ = try await engine.store.pruneEvents(before: engine.date("2026-12-31T00:00:00Z"))
        try await engine.services.mailboxes.received(reply, uid: 43, uidValidity: 9, to: sender)
        #expect(try await engine.store.campaignStats(campaign.id, in: engine.workspace).signals(.replied) == 3)
    }
}
