import Foundation
import HTTPTypes
import OutboundAPI
import OutboundChannels
import OutboundCore
import OutboundTestSupport
import Testing

/// Unsubscribe links, the open pixel, provider webhooks and sealed secrets, over real HTTP.
@Suite struct ChannelRouteTests {
    static let base = "https://outbound.test"

    private func allDay() -> String {
        let days = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
        return "{" + days.map { "\"\($0)\": [{\"start\": \"00:00\", \"end\": \"24:00\"}]" }.joined(separator: ", ") + "}"
    }

    /// A launched dry-run campaign of `channel` with one step and `contacts` as leads.
    private func launched(_ api: APIClient, channel: String, sender: String, step: String, contacts: String) async throws -> String {
        let created = try await api.send(.post, "/v1/campaigns", json: """
            {"name": "C \(UUID().uuidString.prefix(6))", "channel": "\(channel)", "dry_run": true, "sender_ids": ["\(sender)"],
             "schedule": \(allDay()), "simulation": {"seed": 1, "bounce_rate": 0, "reply_rate": 0, "open_rate": 0, "accept_rate": 0}}
            """)
        let campaign = try #require(created.string("id"))
        #expect(try await api.send(.put, "/v1/campaigns/\(campaign)/sequence", json: #"{"nodes": [\#(step), {"type": "end"}]}"#).status == .ok)
        #expect(try await api.send(.post, "/v1/campaigns/\(campaign)/leads", json: #"{"contacts": \#(contacts)}"#).status == .ok)
        #expect(try await api.send(.post, "/v1/campaigns/\(campaign)/launch").status == .ok)
        return campaign
    }

    private func leadStates(_ api: APIClient, _ campaign: String) async throws -> [String] {
        let leads = try await api.send(.get, "/v1/campaigns/\(campaign)/leads")
        guard case .array(let items)? = leads["data"] else { return [] }
        return items.compactMap { if case .string(let state)? = $0.path("state") { state } else { nil } }
    }

    private func suppressed(_ api: APIClient) async throws -> [String] {
        let list = try await api.send(.get, "/v1/suppressions")
        guard case .array(let items)? = list["data"] else { return [] }
        return items.compactMap { if case .string(let value)? = $0.path("value") { value } else { nil } }
    }

    @Test(arguments: StoreKind.covered) func unsubscribeNeedsThePostAndTheOpenPixelCountsOnce(_ store: StoreKind) async throws {
        let harness = try await Harness.make(store, publicURL: Self.base)
        try await harness.run { api in
            let sender = try await api.createSender(channel: "email", name: "Sam", slug: "sam")
            // A follow-up waits two days: the lead is still open when the unsubscribe comes.
            let campaign = try await launched(api, channel: "email", sender: sender,
                                              step: #"{"type": "email", "subject": "Hi", "body": "Hello"}, {"type": "delay", "days": 2}, {"type": "email", "subject": "Again", "body": "Hello again"}"#,
                                              contacts: #"[{"email": "ada@example.com"}]"#)
            _ = try await harness.services.dispatcher.drain()
            let actions = try await api.send(.get, "/v1/campaigns/\(campaign)/actions")
            guard case .array(let items)? = actions["data"], case .string(let actionText)? = items.first?.path("id"),
                  let action = ID(actionText, kind: .action) else {
                Issue.record("no action: \(actions.text)")
                return
            }
            let keyring = harness.services.delivery.keyring
            let token = keyring.token(.unsubscribe, action: action, workspace: harness.workspace)

            let page = try await api.send(.get, "/u/\(token)", authenticated: false)
            #expect(page.status == .ok && page.text.contains("<form method=\"post\" action=\"/u/\(token)\">"))
            #expect(try await suppressed(api).isEmpty, "a GET (link scanner) unsubscribes no one")
            #expect(try await api.send(.get, "/u/not-a-token", authenticated: false).status == .notFound)
            #expect(try await api.send(.post, "/u/\(keyring.token(.open, action: action, workspace: harness.workspace))",
                                       authenticated: false).status == .notFound, "an open token is not an unsubscribe token")

            let done = try await api.send(.post, "/u/\(token)", authenticated: false, headers: [.contentType: "application/x-www-form-urlencoded"],
                                          rawBody: "List-Unsubscribe=One-Click")
            #expect(done.status == .ok && done.text.contains("You are unsubscribed"))
            #expect(done.headers[.location] == nil, "no redirect")
            #expect(try await suppressed(api) == ["ada@example.com"])
            #expect(try await leadStates(api, campaign) == ["unsubscribed"], "the lead stops")
            #expect(try await api.send(.post, "/u/\(token)", authenticated: false).status == .ok, "repeating it is harmless")
            #expect(try await suppressed(api) == ["ada@example.com"])

            let pixel = keyring.token(.open, action: action, workspace: harness.workspace)
            for _ in 0..<3 {
                let gif = try await api.send(.get, "/o/\(pixel).gif", authenticated: false)
                #expect(gif.status == .ok && gif.headers[.contentType] == "image/gif")
            }
            let stats = try await api.send(.get, "/v1/campaigns/\(campaign)/stats")
            #expect(stats["opened"] == 1, "three loads of the pixel, one open")
        }
    }

    @Test(arguments: StoreKind.covered) func twilioWebhookChecksTheSignatureAndHandlesKeywords(_ store: StoreKind) async throws {
        let harness = try await Harness.make(store, publicURL: Self.base)
        try await harness.run { api in
            let created = try await api.send(.post, "/v1/senders", json: """
                {"channel": "sms", "display_name": "Texter", "phone": "+14155550100",
                 "twilio": {"account_sid": "AC1", "auth_token": "tw-secret-token"}}
                """)
            let sender = try #require(created.string("id"))
            let campaign = try await launched(api, channel: "sms", sender: sender, step: #"{"type": "sms", "body": "Hi"}"#,
                                              contacts: #"[{"phone": "+14155550111"}, {"phone": "+14155550122"}]"#)
            let path = "/webhooks/twilio/\(sender)"
            func post(_ fields: [(String, String)], token: String = "tw-secret-token") async throws -> Reply {
                let signature = TwilioSignature.compute(url: Self.base + path, parameters: fields, authToken: token)
                var allowed = CharacterSet.alphanumerics
                allowed.insert(charactersIn: "-._~")
                let body = fields.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed)!)" }.joined(separator: "&")
                return try await api.send(.post, path, authenticated: false,
                                          headers: [.contentType: "application/x-www-form-urlencoded", HTTPField.Name("X-Twilio-Signature")!: signature],
                                          rawBody: body)
            }
            func message(_ from: String, _ body: String) -> [(String, String)] {
                [("From", from), ("To", "+14155550100"), ("Body", body), ("MessageSid", "SM\(UUID().uuidString.prefix(8))")]
            }

            #expect(try await post(message("+14155550111", "STOP"), token: "wrong").status == .forbidden)
            let unsigned = try await api.send(.post, path, authenticated: false, headers: [.contentType: "application/x-www-form-urlencoded"],
                                              rawBody: "From=%2B14155550111&Body=STOP")
            #expect(unsigned.status == .forbidden)
            #expect(try await suppressed(api).isEmpty, "nothing happens without a valid signature")

            let stop = try await post(message("+14155550111", "  stop "))
            #expect(stop.status == .ok && stop.headers[.contentType] == "application/xml")
            #expect(stop.text.contains("<Message>You have been unsubscribed"))
            #expect(try await suppressed(api) == ["+14155550111"])
            let again = try await post(message("+14155550111", "STOP"))
            #expect(again.text.hasSuffix("<Response></Response>"), "one confirmation only")
            #expect(try await post(message("+14155550111", "help")).text.contains("Reply STOP to unsubscribe"))
            #expect(try await post(message("+14155550111", "Start")).text.contains("resubscribed"))
            #expect(try await suppressed(api).isEmpty, "START lifts the suppression")

            for (index, word) in ["STOPALL", "unsubscribe", "Cancel", "END", "quit", "REVOKE", "optout"].enumerated() {
                let reply = try await post(message("+1415555020\(index)", word))
                #expect(reply.text.contains("unsubscribed"), "\(word)")
            }
            #expect(try await suppressed(api).count == 7)

            let answer = try await post(message("+14155550122", "Sounds good, call me"))
            #expect(answer.text.hasSuffix("<Response></Response>"))
            let states = try await leadStates(api, campaign)
            #expect(states.sorted() == ["replied", "unsubscribed"], "\(states)")
            #expect(try await post(message("not a number", "hi")).status == .unprocessableContent)
        }
    }

    @Test(arguments: StoreKind.covered) func linkedinWebhookIsSignedAndMovesLeads(_ store: StoreKind) async throws {
        let harness = try await Harness.make(store)
        try await harness.run { api in
            let created = try await api.send(.post, "/v1/senders", json: """
                {"channel": "linkedin", "display_name": "Seat", "linkedin_url": "https://www.linkedin.com/in/seat",
                 "gateway": {"url": "http://127.0.0.1:1", "secret": "gw-secret"}}
                """)
            let sender = try #require(created.string("id"))
            let campaign = try await launched(api, channel: "linkedin", sender: sender, step: #"{"type": "message", "body": "Hi"}"#,
                                              contacts: #"[{"linkedin_url": "https://www.linkedin.com/in/ada"}]"#)
            let path = "/webhooks/linkedin/\(sender)"
            func post(_ body: String, secret: String = "gw-secret", at: Date = Date()) async throws -> Reply {
                let header = GatewaySignature.header(secret: secret, timestamp: Int(at.timeIntervalSince1970), body: Data(body.utf8))
                return try await api.send(.post, path, authenticated: false,
                                          headers: [.contentType: "application/json", HTTPField.Name("X-Outbound-Signature")!: header], rawBody: body)
            }
            let replied = #"{"type": "replied", "recipient": {"linkedin_url": "linkedin.com/in/ada/"}, "body": "Hey!", "at": "2026-11-24T10:00:00Z"}"#
            #expect(try await post(replied, secret: "nope").status == .forbidden)
            #expect(try await post(replied, at: Date().addingTimeInterval(-3600)).status == .forbidden, "stale signatures are replays")
            #expect(try await post(#"{"type": "withdrawn", "recipient": {"linkedin_url": "linkedin.com/in/ada"}}"#).text == #"{"matched":0,"received":true}"#)
            #expect(try await post(#"{"type": "waved"}"#).errorFields == ["type", "recipient.linkedin_url"])
            let answer = try await post(replied)
            #expect(answer.status == .ok && answer["matched"] == 1, "\(answer.text)")
            #expect(try await leadStates(api, campaign) == ["replied"])
        }
    }

    @Test(arguments: StoreKind.covered) func emailWebhookMatchesRepliesAndBounceReports(_ store: StoreKind) async throws {
        let harness = try await Harness.make(store)
        try await harness.run { api in
            let sender = try await api.createSender(channel: "email", name: "Sam", slug: "sam")
            let campaign = try await launched(api, channel: "email", sender: sender,
                                              step: #"{"type": "email", "subject": "Hi", "body": "Hello"}, {"type": "delay", "days": 2}, {"type": "email", "subject": "Again", "body": "Hello again"}"#,
                                              contacts: #"[{"email": "ada@example.com"}, {"email": "bob@example.com"}]"#)
            _ = try await harness.services.dispatcher.drain()
            let actions = try await api.send(.get, "/v1/campaigns/\(campaign)/actions")
            let items = try #require(actions["data"]?.arrayValue, "no actions")
            let adaAction = try #require(items.first { $0.path("recipient") == "ada@example.com" }?.path("id"))
            let adaID = try #require(adaAction.stringValue)
            let path = "/webhooks/email/\(sender)"

            #expect(try await api.send(.post, path, json: #"{"from": "ada@example.com"}"#, authenticated: false).status == .unauthorized)
            let other = try await harness.otherWorkspace()
            #expect(try await api.send(.post, path, json: #"{"from": "ada@example.com"}"#, key: other.key).status == .unauthorized,
                    "a key of another workspace cannot touch this sender")

            // A reply quoting our Message-ID, from an address that is not the lead's: matched by the thread.
            let reply = try await api.send(.post, path, json: """
                {"from": "Ada Assistant <assistant@example.org>", "to": "sam@example.com", "subject": "Re: Hi",
                 "in_reply_to": "<\(adaID)@example.com>", "text": "Ada is interested."}
                """, headers: [.authorization: "Basic " + Data("outbound:\(harness.key)".utf8).base64EncodedString()], rawBody: nil)
            #expect(reply.status == .ok && reply["matched"] == 1, "\(reply.text)")

            // A bounce report (RFC 3464) as the raw message.
            let report = """
                From: MAILER-DAEMON@example.com\r
                To: sam@example.com\r
                Subject: Undelivered Mail Returned to Sender\r
                Content-Type: multipart/report; report-type=delivery-status; boundary="b1"\r
                \r
                --b1\r
                Content-Type: text/plain\r
                \r
                Your message could not be delivered.\r
                --b1\r
                Content-Type: message/delivery-status\r
                \r
                Reporting-MTA: dns; mx.example.com\r
                \r
                Final-Recipient: rfc822; bob@example.com\r
                Action: failed\r
                Status: 5.1.1\r
                Diagnostic-Code: smtp; 550 5.1.1 user unknown\r
                --b1--\r

                """
            let bounce = try await api.send(.post, path, headers: [.contentType: "multipart/report; report-type=delivery-status"], rawBody: report)
            #expect(bounce.status == .ok && bounce["matched"] == 1, "\(bounce.text)")
            let states = try await leadStates(api, campaign)
            #expect(states.sorted() == ["bounced", "replied"], "\(states)")
            #expect(try await suppressed(api) == ["bob@example.com"])
        }
    }

    @Test func secretsAreSealedAtRestAndNeverReturned() async throws {
        let harness = try await Harness.make()
        try await harness.run(keepDatabase: true) { api in
            let created = try await api.send(.post, "/v1/senders", json: """
                {"channel": "email", "display_name": "Sam", "email": "sam@example.com",
                 "smtp": {"host": "127.0.0.1", "port": 1, "security": "none", "username": "sam", "password": "hunter2-smtp-password"}}
                """)
            let sender = try #require(created.string("id"))
            #expect(!created.text.contains("hunter2") && created.json.path("smtp", "password_set") == .bool(true))
            let read = try await api.send(.get, "/v1/senders/\(sender)")
            #expect(!read.text.contains("hunter2"))
            let stored = try #require(try await harness.store.sender(ID(sender, kind: .sender)!, in: harness.workspace))
            #expect(stored.settings.smtp?.password?.hasPrefix("sealed:v1:") == true)
            // Patching another field keeps the sealed secret as it is (not sealed twice).
            _ = try await api.send(.patch, "/v1/senders/\(sender)", json: #"{"display_name": "Sam L."}"#)
            let patched = try #require(try await harness.store.sender(ID(sender, kind: .sender)!, in: harness.workspace))
            #expect(patched.settings.smtp?.password == stored.settings.smtp?.password)
            #expect(try harness.services.delivery.keyring.open(patched.settings.smtp!.password!) == "hunter2-smtp-password")

            let check = try await api.send(.post, "/v1/senders/\(sender)/check")
            #expect(check.status == .ok && check.string("status") == "failed")
            #expect(check.string("error")?.contains("cannot connect to 127.0.0.1:1") == true)
        }
        defer { try? FileManager.default.removeItem(at: harness.directory) }
        for suffix in ["", "-wal"] {
            let bytes = (try? Data(contentsOf: URL(fileURLWithPath: harness.databasePath + suffix))) ?? Data()
            #expect(bytes.range(of: Data("hunter2-smtp-password".utf8)) == nil, "secret in clear in outbound.sqlite\(suffix)")
        }
    }
}

@Suite struct PublicURLTests {
    @Test(arguments: StoreKind.covered) func linksLearnOnlyFromAuthenticatedRequests(_ store: StoreKind) async throws {
        let harness = try await Harness.make(store)
        try await harness.run { api in
            let publicURL = harness.services.delivery.publicURL
            let fallback = publicURL.base
            _ = try await api.send(.get, "/healthz", authenticated: false)
            _ = try await api.send(.get, "/v1/workspace", authenticated: false)
            _ = try await api.send(.get, "/v1/workspace", key: "ob_live_forged")
            #expect(publicURL.base == fallback, "anonymous or unauthenticated requests (whatever their Host) do not move the links")
            _ = try await api.send(.get, "/v1/workspace")
            #expect(publicURL.base != fallback && publicURL.base.hasPrefix("http://"), "an authenticated request's scheme and Host: \(publicURL.base)")
        }
    }
}
