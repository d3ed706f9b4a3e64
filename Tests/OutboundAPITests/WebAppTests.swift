import Foundation
import HTTPTypes
import Testing
import OutboundAPI
import OutboundCore
import OutboundTestSupport

/// The web app's sign-in, sessions, CSRF and campaigns page, over real HTTP on loopback.
@Suite struct WebAppTests {
    /// A browser's cookie jar, by hand: what the server set, sent back.
    private struct Browser {
        let api: APIClient
        var cookies: [String: String] = [:]

        mutating func send(_ method: HTTPRequest.Method, _ path: String, form: [(String, String)]? = nil,
                           headers extra: HTTPFields = [:], body raw: String? = nil) async throws -> Reply {
            var headers = extra
            if !cookies.isEmpty { headers[.cookie] = cookies.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: "; ") }
            var body = raw
            if let form {
                headers[.contentType] = "application/x-www-form-urlencoded"
                body = form.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }.joined(separator: "&")
            }
            let reply = try await api.send(method, path, authenticated: false, headers: headers, rawBody: body)
            for field in reply.headers where field.name == .setCookie {
                let pair = field.value.split(separator: ";")[0].split(separator: "=", maxSplits: 1)
                let name = String(pair[0]), value = pair.count > 1 ? String(pair[1]) : ""
                if value.isEmpty || field.value.contains("Max-Age=0") { cookies[name] = nil } else { cookies[name] = value }
            }
            return reply
        }

        /// The `_csrf` value of the first form on a page.
        static func csrf(in page: String) throws -> String {
            let marker = #"name="_csrf" value=""#
            let start = try #require(page.range(of: marker)).upperBound
            return String(page[start...].prefix { $0 != "\"" })
        }

        mutating func signIn(_ email: String, _ password: String) async throws -> Reply {
            let page = try await send(.get, "/app/login")
            return try await send(.post, "/app/login", form: [("_csrf", try Self.csrf(in: page.text)), ("email", email), ("password", password)])
        }
    }

    /// Every day, all day (a test must not depend on the hour it runs at).
    private static let allWeek = #"{"monday": [{"start": "00:00", "end": "24:00"}], "tuesday": [{"start": "00:00", "end": "24:00"}], "wednesday": [{"start": "00:00", "end": "24:00"}], "thursday": [{"start": "00:00", "end": "24:00"}], "friday": [{"start": "00:00", "end": "24:00"}], "saturday": [{"start": "00:00", "end": "24:00"}], "sunday": [{"start": "00:00", "end": "24:00"}]}"#

    private func user(_ harness: Harness, email: String = "ann@acme.example") async throws {
        _ = try await harness.services.users.create(email: email, password: "correct horse battery", fullName: "Ann", accessRole: nil,
                                                    in: harness.workspace)
    }

    @Test(arguments: StoreKind.covered) func signInSetsASafeCookieAndSignOutEndsTheSession(_ store: StoreKind) async throws {
        let harness = try await Harness.make(store)
        try await user(harness)
        try await harness.run { api in
            var browser = Browser(api: api)
            let anonymous = try await browser.send(.get, "/app/campaigns")
            #expect(anonymous.status == .seeOther && anonymous.headers[.location] == "/app/login")

            let login = try await browser.send(.get, "/app/login")
            #expect(login.status == .ok && login.text.contains("<form method=\"post\" action=\"/app/login\">"))
            #expect(login.headers[HTTPField.Name("Content-Security-Policy")!]?.contains("script-src 'self'") == true)
            #expect(login.headers[HTTPField.Name("X-Frame-Options")!] == "DENY")
            #expect(login.text.components(separatedBy: "<script").dropFirst().allSatisfy { $0.hasPrefix(#" src="/assets/app.js" defer></script>"#) },
                    "no inline script: only the app's own file")
            #expect(!login.text.contains("class=\"error\"") && !login.text.contains("nil"), "no error before a try")

            let wrong = try await browser.signIn("ann@acme.example", "wrong password")
            #expect(wrong.status == .unauthorized && wrong.text.contains("Wrong email or password."))
            #expect(browser.cookies[WebRoutesNames.session] == nil)

            let signedIn = try await browser.signIn("ann@acme.example", "correct horse battery")
            #expect(signedIn.status == .seeOther && signedIn.headers[.location] == "/app/campaigns")
            let cookie = try #require(signedIn.headers[values: .setCookie].first { $0.hasPrefix(WebRoutesNames.session + "=") })
            #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/"), "\(cookie)")
            #expect(!cookie.contains("Secure"), "plain http on loopback: not Secure")
            #expect(browser.cookies[WebRoutesNames.session]?.count == 64)

            let campaigns = try await browser.send(.get, "/app/campaigns")
            #expect(campaigns.status == .ok && campaigns.text.contains("ann@acme.example"))

            // Sign-out needs the session's CSRF token: without it nothing changes.
            let forged = try await browser.send(.post, "/app/logout", form: [("_csrf", "forged")])
            #expect(forged.status == .forbidden)
            #expect(try await browser.send(.get, "/app/campaigns").status == .ok)
            let out = try await browser.send(.post, "/app/logout", form: [("_csrf", try Browser.csrf(in: campaigns.text))])
            #expect(out.status == .seeOther && out.headers[.location] == "/app/login")
            #expect(browser.cookies[WebRoutesNames.session] == nil)
        }
    }

    @Test(arguments: StoreKind.covered) func guessingPasswordsIsHeldAfterFiveWrongOnes(_ store: StoreKind) async throws {
        let harness = try await Harness.make(store)
        try await user(harness)
        try await harness.run { api in
            var browser = Browser(api: api)
            for _ in 0..<5 { #expect(try await browser.signIn("ann@acme.example", "guess").status == .unauthorized) }
            let held = try await browser.signIn("Ann@acme.example", "correct horse battery")
            #expect(held.status == .tooManyRequests && held.text.contains("Too many wrong passwords"), "even the right one, for a while")
            var other = Browser(api: api)
            try await user(harness, email: "bob@acme.example")
            #expect(try await other.signIn("bob@acme.example", "correct horse battery").status == .seeOther, "another email is not held")
        }
    }

    @Test(arguments: StoreKind.covered) func behindHTTPSTheCookieIsSecureAndALoginFormFromElsewhereIsRefused(_ store: StoreKind) async throws {
        let harness = try await Harness.make(store)
        try await user(harness)
        try await harness.run { api in
            var browser = Browser(api: api)
            let page = try await browser.send(.get, "/app/login", headers: [HTTPField.Name("X-Forwarded-Proto")!: "https"])
            let csrf = try Browser.csrf(in: page.text)
            let secure = try await browser.send(.post, "/app/login", form: [("_csrf", csrf), ("email", "ann@acme.example"),
                                                                           ("password", "correct horse battery")],
                                                headers: [HTTPField.Name("X-Forwarded-Proto")!: "https"])
            let cookie = try #require(secure.headers[values: .setCookie].first { $0.hasPrefix(WebRoutesNames.session + "=") })
            #expect(cookie.contains("Secure"), "\(cookie)")

            // Another site's page posting to our sign-in has no matching login cookie.
            var stranger = Browser(api: api)
            let refused = try await stranger.send(.post, "/app/login", form: [("_csrf", csrf), ("email", "ann@acme.example"),
                                                                             ("password", "correct horse battery")])
            #expect(refused.status == .forbidden && stranger.cookies[WebRoutesNames.session] == nil)
        }
    }

    @Test(arguments: StoreKind.covered) func campaignsAreListedEscapedFilteredAndPausedWithTheirWorkspaceOnly(_ store: StoreKind) async throws {
        let harness = try await Harness.make(store)
        try await user(harness)
        try await harness.run { api in
            let sender = try await api.createSender(channel: "email", name: "Sam", slug: "sam-web")
            let evil = try #require(try await api.send(.post, "/v1/campaigns", json: """
                {"name": "<script>alert(1)</script> & co", "channel": "email", "sender_ids": ["\(sender)"], "dry_run": true,
                 "sequence": {"nodes": [{"id": "a", "type": "email", "subject": "Hi", "body": "Hello. Reply stop to unsubscribe."}, {"id": "e", "type": "end"}]}}
                """).string("id"))
            let contact = try #require(try await api.send(.post, "/v1/contacts", json: #"{"email": "ada@example.com"}"#).string("id"))
            _ = try await api.send(.post, "/v1/campaigns/\(evil)/leads", json: "{\"contact_ids\": [\"\(contact)\"]}")
            let other = try await harness.otherWorkspace()
            let foreign = try #require(try await api.send(.post, "/v1/campaigns", json: #"{"name": "Theirs", "channel": "sms"}"#,
                                                          key: other.key).string("id"))

            var browser = Browser(api: api)
            _ = try await browser.signIn("ann@acme.example", "correct horse battery")
            let page = try await browser.send(.get, "/app/campaigns")
            #expect(page.text.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; co"), "the name is escaped")
            #expect(!page.text.contains("<script>alert(1)"))
            #expect(!page.text.contains("Theirs"), "another workspace's campaign is not listed")
            #expect(page.text.contains("<progress value=\"0\" max=\"1\">"))

            let csrf = try Browser.csrf(in: page.text)
            let launched = try await browser.send(.post, "/app/campaigns/\(evil)/launch", form: [("_csrf", csrf)])
            #expect(launched.status == .ok && launched.text.contains("is active."), "\(launched.text)")
            let stats = try await api.send(.get, "/v1/campaigns/\(evil)")
            #expect(stats.string("status") == "active")
            let paused = try await browser.send(.post, "/app/campaigns/\(evil)/pause", form: [("_csrf", csrf)])
            #expect(paused.status == .ok && paused.text.contains("is paused."))
            let forged = try await browser.send(.post, "/app/campaigns/\(evil)/resume", form: [("_csrf", "nope")])
            #expect(forged.status == .forbidden)
            #expect(try await api.send(.get, "/v1/campaigns/\(evil)").string("status") == "paused", "a forged form changes nothing")
            let theirs = try await browser.send(.post, "/app/campaigns/\(foreign)/pause", form: [("_csrf", csrf)])
            #expect(theirs.status == .notFound)

            let activeOnly = try await browser.send(.get, "/app/campaigns?status=active")
            #expect(activeOnly.text.contains("No campaigns match these filters."))
            let emailOnly = try await browser.send(.get, "/app/campaigns?status=paused&channel=email")
            #expect(emailOnly.text.contains("&amp; co"))
        }
    }

    @Test(arguments: StoreKind.covered) func aCampaignsPageDrawsItsDaysItsStepsAndItsLeads(_ store: StoreKind) async throws {
        let harness = try await Harness.make(store)
        try await user(harness)
        try await harness.run { api in
            let sender = try await api.createSender(channel: "email", name: "Sam", slug: "sam-page")
            let campaign = try #require(try await api.send(.post, "/v1/campaigns", json: """
                {"name": "Founders <b>2027</b>", "channel": "email", "sender_ids": ["\(sender)"], "dry_run": true,
                 "sequence": {"nodes": [{"id": "hello", "type": "email", "subject": "Hi", "body": "Hello. Reply stop to unsubscribe."},
                                        {"id": "wait", "type": "delay", "days": 2},
                                        {"id": "bump", "type": "email", "is_reply": true, "body": "Bump."},
                                        {"id": "e", "type": "end"}]}}
                """).string("id"))
            _ = try await api.send(.post, "/v1/campaigns/\(campaign)/leads", json: """
                {"contacts": [{"email": "ada@example.com", "first_name": "Ada", "last_name": "<i>Lovelace</i>"}, {"email": "grace@example.com"}]}
                """)
            var browser = Browser(api: api)
            _ = try await browser.signIn("ann@acme.example", "correct horse battery")
            let list = try await browser.send(.get, "/app/campaigns")
            #expect(list.text.contains("href=\"/app/campaigns/\(campaign)\""))
            #expect(list.text.contains("<body data-refresh=\"15\">"), "the list takes its figures anew")
            let page = try await browser.send(.get, "/app/campaigns/\(campaign)")
            #expect(page.status == .ok)
            #expect(page.text.contains("<h1>Founders &lt;b&gt;2027&lt;/b&gt;</h1>"))
            #expect(page.text.contains("<svg class=\"chart\"") && page.text.contains("role=\"img\""))
            #expect(page.text.contains("class=\"forecast\"><title>") && page.text.contains("expected</title>"),
                    "the forecast's days are drawn beside what happened")
            #expect(page.text.components(separatedBy: "<text ").count - 1 >= 2, "days labelled along two weeks at least")
            #expect(page.text.contains("What holds it back: the "), "the bottleneck in words")
            #expect(page.text.contains("Before it runs") && page.text.contains("<strong>Warning</strong> <code>sequence.nodes[2].body</code>: no unsubscribe wording"),
                    "validation problems with the field they concern")
            #expect(page.text.contains("<td>hello</td><td>email</td>") && page.text.contains("<td>bump</td>"), "action steps, not delays")
            #expect(!page.text.contains("<td>wait</td>"))
            #expect(page.text.contains("Ada &lt;i&gt;Lovelace&lt;/i&gt;") && page.text.contains("grace@example.com"))
            #expect(!page.text.contains("<i>Lovelace</i>"))
            // The sequence as its graph: a box per step, an arrow per way on.
            #expect(page.text.contains(">hello · email</text>") && page.text.contains(">wait 2 days</text>") && page.text.contains(">0 sent → 0 replied</text>"))
            #expect(page.text.components(separatedBy: "marker-end=\"url(#arrow)\"").count - 1 == 3, "hello → wait → bump → end")
            #expect(page.text.contains("<h3>Sam <small>email"), "the senders' load")
            let ada = try #require(page.text.range(of: "?preview=contact_").map { page.text[$0.lowerBound...].dropFirst(9).prefix { $0 != "#" } })
            let preview = try await browser.send(.get, "/app/campaigns/\(campaign)?preview=\(ada)")
            #expect(preview.text.contains("Each step for Ada &lt;i&gt;Lovelace&lt;/i&gt;") && preview.text.contains("<strong>Hi</strong>"), "\(preview.text)")
            #expect(preview.text.contains("<small>bump · email</small><strong>Re: Hi</strong><p>Bump.</p>"))
            // Searching the leads: a post, so the words stay out of the URL.
            let found = try await browser.send(.post, "/app/campaigns/\(campaign)", form: [("_csrf", try Browser.csrf(in: page.text)), ("q", "LOVELACE")])
            #expect(found.status == .ok && found.text.contains("ada@example.com") && !found.text.contains("<small>grace@example.com</small>"))
            #expect(found.text.contains("Leads matching “LOVELACE”.") && found.text.contains("<body>"), "a search result is not refreshed away")
            let none = try await browser.send(.post, "/app/campaigns/\(campaign)", form: [("_csrf", try Browser.csrf(in: page.text)), ("q", "%")])
            #expect(!none.text.contains("<small>ada@example.com</small>"), "% is a character, not a wildcard")
            #expect(try await browser.send(.post, "/app/campaigns/\(campaign)", form: [("_csrf", "forged"), ("q", "a")]).status == .forbidden)

            #expect(page.text.contains("href=\"/app/campaigns/\(campaign)/leads.csv\""))
            _ = try await api.send(.post, "/v1/campaigns/\(campaign)/leads", json: #"{"contacts": [{"email": "eve@example.com", "first_name": "=HYPERLINK(\"x\")", "company": "Acme, \"Inc\""}]}"#)
            let csv = try await browser.send(.get, "/app/campaigns/\(campaign)/leads.csv")
            #expect(csv.status == .ok && csv.headers[.contentType] == "text/csv; charset=utf-8")
            #expect(csv.headers[.contentDisposition] == "attachment; filename=\"leads-\(campaign).csv\"")
            let lines = csv.text.components(separatedBy: "\r\n").filter { !$0.isEmpty }
            #expect(lines.first == "first_name,last_name,email,phone,linkedin_url,company,state,reason")
            #expect(lines.count == 4, "a header and three leads: \(lines)")
            #expect(lines.contains { $0.hasPrefix("Ada,<i>Lovelace</i>,ada@example.com,") }, "\(lines)")
            #expect(lines.contains("\"'=HYPERLINK(\"\"x\"\")\",,eve@example.com,,,\"Acme, \"\"Inc\"\"\",pending,"),
                    "a formula stays text, quotes and commas are quoted: \(lines)")

            let pending = try await browser.send(.get, "/app/campaigns/\(campaign)?state=replied")
            #expect(!pending.text.contains("grace@example.com"), "filtered by state")
            let other = try await harness.otherWorkspace()
            let theirs = try #require(try await api.send(.post, "/v1/campaigns", json: #"{"name": "Theirs", "channel": "sms"}"#,
                                                         key: other.key).string("id"))
            #expect(try await browser.send(.get, "/app/campaigns/\(theirs)").status == .notFound)
            #expect(try await browser.send(.get, "/app/campaigns/\(theirs)/leads.csv").status == .notFound)
            #expect(try await browser.send(.get, "/app/campaigns/not-an-id").status == .notFound)
        }
    }

    @Test(arguments: StoreKind.covered) func sendersShowTheirUsageAgainstEachCapAndTheirCheck(_ store: StoreKind) async throws {
        let harness = try await Harness.make(store)
        try await user(harness)
        try await harness.run { api in
            let created = try await api.send(.post, "/v1/senders", json: """
                {"channel": "email", "display_name": "Sam <Sales>", "email": "sam@acme.example", "limits": {"email": {"per_day": 40}},
                 "smtp": {"host": "127.0.0.1", "port": 1, "security": "none"}, "imap": {"host": "127.0.0.1", "port": 1, "security": "none"}}
                """)
            let id = try #require(created.string("id"))
            var browser = Browser(api: api)
            _ = try await browser.signIn("ann@acme.example", "correct horse battery")
            let page = try await browser.send(.get, "/app/senders")
            #expect(page.status == .ok && page.text.contains("Sam &lt;Sales&gt;"))
            #expect(page.text.contains("<meter value=\"0\" min=\"0\" max=\"40\">0</meter> 0 / 40"), "usage against the daily cap")
            #expect(page.text.contains("mailbox not started"))
            let forged = try await browser.send(.post, "/app/senders/\(id)/check", form: [("_csrf", "x")])
            #expect(forged.status == .forbidden)
            let checked = try await browser.send(.post, "/app/senders/\(id)/check", form: [("_csrf", try Browser.csrf(in: page.text))])
            #expect(checked.status == .ok && checked.text.contains("cannot connect: smtp: cannot connect to 127.0.0.1:1"), "\(checked.text)")
            #expect(checked.text.contains("imap: cannot connect to 127.0.0.1:1"), "each part in the provider's words")
            let other = try await harness.otherWorkspace()
            let theirs = try #require(try await api.send(.post, "/v1/senders", json: """
                {"channel": "sms", "display_name": "Line", "phone": "+14155550100"}
                """, key: other.key).string("id"))
            #expect(!page.text.contains("Line"))
            let refused = try await browser.send(.post, "/app/senders/\(theirs)/check", form: [("_csrf", try Browser.csrf(in: page.text))])
            #expect(refused.status == .notFound)
        }
    }

    @Test(arguments: StoreKind.covered) func theDemoWorkspaceRunsACampaignOnEachChannelAndLetsItsUserIn(_ store: StoreKind) async throws {
        let harness = try await Harness.make(store)
        let password = try await harness.services.demo.populate(harness.workspace, leadsPerCampaign: 20)
        try await harness.run { api in
            let campaigns = try await api.send(.get, "/v1/campaigns")
            #expect(campaigns.dataIDs.count == 3)
            #expect(campaigns.text.components(separatedBy: "\"status\":\"active\"").count - 1 == 3, "all three are running")
            #expect(campaigns.text.components(separatedBy: "\"dry_run\":true").count - 1 == 3, "on the simulator")
            let senders = try await api.send(.get, "/v1/senders")
            #expect(senders.dataIDs.count == 5)
            var browser = Browser(api: api)
            let signedIn = try await browser.signIn(DemoService.email, password)
            #expect(signedIn.status == .seeOther)
            let page = try await browser.send(.get, "/app/campaigns")
            for name in ["Agency owners in Berlin", "Founders: hiring help", "Meetup reminder"] { #expect(page.text.contains(name)) }
            #expect(page.text.contains("0 / 20 done"))
        }
    }

    @Test(arguments: StoreKind.covered) func suppressionsAndAPIKeysAreManagedWithTheirFormsChecked(_ store: StoreKind) async throws {
        let harness = try await Harness.make(store)
        try await user(harness)
        try await harness.run { api in
            var browser = Browser(api: api)
            _ = try await browser.signIn("ann@acme.example", "correct horse battery")
            let page = try await browser.send(.get, "/app/suppressions")
            #expect(page.status == .ok && page.text.contains("<option value=\"domain\">domain</option>"))
            let csrf = try Browser.csrf(in: page.text)
            let added = try await browser.send(.post, "/app/suppressions", form: [("_csrf", csrf), ("kind", "domain"),
                                                                                 ("value", "Competitor.example"), ("reason", "<b>rival</b>")])
            #expect(added.status == .ok && added.text.contains("competitor.example is suppressed."))
            #expect(added.text.contains("&lt;b&gt;rival&lt;/b&gt;"))
            let bad = try await browser.send(.post, "/app/suppressions", form: [("_csrf", csrf), ("kind", "email"), ("value", "not an address")])
            #expect(bad.status == .unprocessableContent && bad.text.contains("Not added — value:"), "\(bad.text)")
            let listed = try await api.send(.get, "/v1/suppressions")
            let id = try #require(listed.dataIDs.first)
            #expect(listed.dataIDs.count == 1)
            #expect(try await browser.send(.post, "/app/suppressions/\(id)/delete", form: [("_csrf", "forged")]).status == .forbidden)
            let removed = try await browser.send(.post, "/app/suppressions/\(id)/delete", form: [("_csrf", csrf)])
            #expect(removed.status == .seeOther)
            #expect(try await api.send(.get, "/v1/suppressions").dataIDs.isEmpty)

            let keys = try await browser.send(.get, "/app/settings/keys")
            #expect(keys.status == .ok && keys.text.contains(String(harness.key.prefix(12))), "the first key, by its prefix")
            #expect(!keys.text.contains(harness.key), "never a whole secret again")
            let created = try await browser.send(.post, "/app/settings/keys", form: [("_csrf", csrf), ("name", "Zapier")])
            let secret = try #require(created.text.range(of: "<code>ob_live_").map { created.text[$0.lowerBound...].dropFirst(6).prefix(48) })
            #expect(try await api.send(.get, "/v1/workspace", key: String(secret)).status == .ok, "the new key works")
            let listedKeys = try await api.send(.get, "/v1/api-keys")
            let zapier = try #require(listedKeys.json.path("data")?.arrayValue?.first { $0.path("name") == "Zapier" }?.path("id")?.stringValue)
            let revoked = try await browser.send(.post, "/app/settings/keys/\(zapier)/revoke", form: [("_csrf", csrf)])
            #expect(revoked.status == .seeOther)
            #expect(try await api.send(.get, "/v1/workspace", key: String(secret)).status == .unauthorized, "revoked at once")
        }
    }

    @Test(arguments: StoreKind.covered) func theInboxShowsEachConversationWithItsMessagesInOrder(_ store: StoreKind) async throws {
        let harness = try await Harness.make(store)
        try await user(harness)
        try await harness.run { api in
            let sender = try await api.createSender(channel: "email", name: "Sam", slug: "sam-inbox")
            let hot = try #require(try await api.send(.post, "/v1/lists", json: #"{"name": "Hot"}"#).string("id"))
            let campaign = try #require(try await api.send(.post, "/v1/campaigns", json: """
                {"name": "Founders", "channel": "email", "sender_ids": ["\(sender)"], "dry_run": true, "schedule": \(Self.allWeek),
                 "automations": [{"on": "interested", "do": "add_to_list", "value": "\(hot)"}],
                 "simulation": {"reply_rate": 0, "open_rate": 0, "bounce_rate": 0, "accept_rate": 0},
                 "sequence": {"nodes": [{"id": "hello", "type": "email", "subject": "Quick question", "body": "Hi Ada, free next week? Reply stop to unsubscribe."},
                                        {"id": "wait", "type": "delay", "days": 3},
                                        {"id": "bump", "type": "email", "is_reply": true, "body": "Bump. Reply stop to unsubscribe."},
                                        {"id": "e", "type": "end"}]}}
                """).string("id"))
            _ = try await api.send(.post, "/v1/campaigns/\(campaign)/leads", json: #"{"contacts": [{"email": "ada@example.com", "first_name": "Ada"}, {"email": "grace@example.com", "first_name": "Grace"}]}"#)
            #expect(try await api.send(.post, "/v1/campaigns/\(campaign)/launch").status == .ok)
            _ = try await harness.services.dispatcher.drain()
            let reply = try await api.send(.post, "/v1/inbound", json: #"{"type": "replied", "email": "ada@example.com", "body": "Yes! <b>Tuesday</b> works."}"#)
            #expect(reply.status == .accepted, "\(reply.text)")

            var browser = Browser(api: api)
            _ = try await browser.signIn("ann@acme.example", "correct horse battery")
            let inbox = try await browser.send(.get, "/app/inbox")
            #expect(inbox.status == .ok && inbox.text.contains("<span class=\"badge\">new</span>"))
            #expect(inbox.text.contains("Yes! &lt;b&gt;Tuesday&lt;/b&gt; works."), "the reply's text, escaped")
            #expect(!inbox.text.contains("grace@example.com"), "only conversations with a reply")
            let link = try #require(inbox.text.range(of: "/app/inbox/\(campaign)/contact_").map { inbox.text[$0.lowerBound...].prefix { $0 != "\"" } })
            let thread = try await browser.send(.get, String(link))
            #expect(thread.status == .ok)
            let ours = try #require(thread.text.range(of: "Hi Ada, free next week?"))
            let theirs = try #require(thread.text.range(of: "Yes! &lt;b&gt;Tuesday&lt;/b&gt; works."))
            #expect(ours.lowerBound < theirs.lowerBound, "our email, then their reply")
            #expect(thread.text.contains("class=\"ours\"") && thread.text.contains("class=\"theirs\""))
            #expect(!(try await browser.send(.get, "/app/inbox")).text.contains("badge\">new"), "read once opened")
            let funnel = try await browser.send(.get, "/app/campaigns/\(campaign)")
            #expect(funnel.text.contains("sent → 1 replied</text>") && funnel.text.contains("<td>1</td></tr>"), "the reply counted on its step")

            let csrf = try Browser.csrf(in: thread.text)
            // A reply from the box: once, however often the same box is posted.
            let replyID = try #require(thread.text.range(of: #"name="reply_id" value=""#).map { thread.text[$0.upperBound...].prefix { $0 != "\"" } })
            let box = [("_csrf", csrf), ("reply_id", String(replyID)), ("text", "Great — <b>Tuesday</b> 10:00 then.")]
            #expect(try await browser.send(.post, String(link) + "/reply", form: box).status == .seeOther)
            #expect(try await browser.send(.post, String(link) + "/reply", form: box).status == .seeOther)
            let answered = try await browser.send(.get, String(link))
            #expect(answered.text.components(separatedBy: "Great — &lt;b&gt;Tuesday&lt;/b&gt; 10:00 then.").count == 2, "shown once, escaped")
            #expect(answered.text.contains("Re: Quick question"))
            let empty = try await browser.send(.post, String(link) + "/reply", form: [("_csrf", csrf), ("reply_id", String(replyID)), ("text", "  ")])
            #expect(empty.status == .unprocessableContent && empty.text.contains("text: write the message"))
            #expect(try await browser.send(.post, String(link) + "/reply", form: [("_csrf", csrf), ("text", "no box")]).status == .unprocessableContent)
            #expect(try await browser.send(.post, String(link) + "/interested", form: [("_csrf", csrf)]).status == .seeOther)
            let contact = String(link.split(separator: "/").last!)
            #expect(try await api.send(.get, "/v1/contacts/\(contact)").string("status") == "Interested")
            let members = try await api.send(.get, "/v1/lists/\(hot)/members")
            #expect(members.text.contains(contact), "the campaign's automation on interested ran: \(members.text)")
            let logged = try await api.send(.get, "/v1/events?types=lead.interested")
            #expect(logged.text.contains(contact), "\(logged.text)")
            #expect(try await browser.send(.post, String(link) + "/done", form: [("_csrf", csrf)]).status == .seeOther)
            #expect(try await browser.send(.get, "/app/inbox").text.contains("No conversations here yet"), "done leaves the inbox")
            #expect(try await browser.send(.get, "/app/inbox?show=done").text.contains("Ada"))
            _ = try await api.send(.post, "/v1/inbound", json: #"{"type": "replied", "email": "ada@example.com", "body": "One more thing"}"#)
            #expect(try await browser.send(.get, "/app/inbox").text.contains("One more thing"), "a new reply reopens it")

            #expect(try await browser.send(.post, String(link) + "/done", form: [("_csrf", "forged")]).status == .forbidden)
            let foreign = "/app/inbox/campaign_00000000000000000000/\(contact)"
            #expect(try await browser.send(.get, foreign).status == .notFound)
        }
    }

    @Test(arguments: StoreKind.covered) func contactsAreListedAndSearchedWithoutTheSearchInTheURL(_ store: StoreKind) async throws {
        let harness = try await Harness.make(store)
        try await user(harness)
        try await harness.run { api in
            _ = try await api.send(.post, "/v1/contacts", json: #"{"email": "ada@example.com", "first_name": "Ada", "last_name": "Lovelace", "company": "Analytical <Engines>"}"#)
            _ = try await api.send(.post, "/v1/contacts", json: #"{"email": "grace_hopper@example.com", "first_name": "Grace", "company": "100% Navy"}"#)
            let other = try await harness.otherWorkspace()
            _ = try await api.send(.post, "/v1/contacts", json: #"{"email": "ada.other@example.com", "first_name": "Ada"}"#, key: other.key)
            var browser = Browser(api: api)
            _ = try await browser.signIn("ann@acme.example", "correct horse battery")
            let all = try await browser.send(.get, "/app/contacts")
            #expect(all.text.contains("Ada Lovelace") && all.text.contains("grace_hopper@example.com"))
            #expect(all.text.contains("Analytical &lt;Engines&gt;") && !all.text.contains("ada.other@example.com"))
            let csrf = try Browser.csrf(in: all.text)
            let found = try await browser.send(.post, "/app/contacts", form: [("_csrf", csrf), ("q", "LOVELACE")])
            #expect(found.text.contains("Ada Lovelace") && !found.text.contains("Grace"), "any case, in the name")
            #expect(!(try await browser.send(.post, "/app/contacts", form: [("_csrf", csrf), ("q", "ada")])).text.contains("ada.other"),
                    "only this workspace")
            let literal = try await browser.send(.post, "/app/contacts", form: [("_csrf", csrf), ("q", "100%")])
            #expect(literal.text.contains("Grace") && !literal.text.contains("Ada Lovelace"), "% is a character, not a wildcard")
            let underscore = try await browser.send(.post, "/app/contacts", form: [("_csrf", csrf), ("q", "a_l")])
            #expect(underscore.text.contains("No contacts match"), "_ is a character, not a wildcard")
            #expect(try await browser.send(.post, "/app/contacts", form: [("_csrf", "x"), ("q", "ada")]).status == .forbidden)
        }
    }

    @Test(arguments: StoreKind.covered) func theFirstRunsLinkSetsTheFirstPasswordOnce(_ store: StoreKind) async throws {
        let harness = try await Harness.make(store)
        #expect(try await !harness.services.users.hasUsers())
        let token = await harness.services.setup.issue(for: harness.workspace)
        try await harness.run { api in
            var browser = Browser(api: api)
            #expect(try await browser.send(.get, "/app/setup/not-the-token").status == .notFound)
            let form = try await browser.send(.get, "/app/setup/\(token)")
            #expect(form.status == .ok && form.text.contains("Welcome to Outbound"))
            let short = try await browser.send(.post, "/app/setup/\(token)", form: [
                ("_csrf", try Browser.csrf(in: form.text)), ("email", "ann@acme.example"), ("password", "short")])
            #expect(short.status == .unprocessableContent && short.text.contains("password: must be at least 8 characters"))
            #expect(short.text.contains("value=\"ann@acme.example\""), "what was typed stays")
            let created = try await browser.send(.post, "/app/setup/\(token)", form: [
                ("_csrf", try Browser.csrf(in: short.text)), ("email", "ann@acme.example"), ("password", "a long enough one"),
                ("full_name", "Ann <b>Lee</b>")])
            #expect(created.status == .seeOther && created.headers[.location] == "/app/campaigns")
            #expect(try await browser.send(.get, "/app/campaigns").status == .ok, "signed in at once")
            #expect(try await browser.send(.get, "/app/setup/\(token)").status == .notFound, "the link works once")
            let user = try #require(try await harness.store.user(email: "ann@acme.example"))
            #expect(user.accessRole == "ADMIN" && user.workspaceID == harness.workspace && user.fullName == "Ann <b>Lee</b>")
        }
    }

    @Test(arguments: StoreKind.covered) func sessionsAreListedAndOneCanBeSignedOutFromAnother(_ store: StoreKind) async throws {
        let harness = try await Harness.make(store)
        try await user(harness)
        try await harness.run { api in
            var laptop = Browser(api: api)
            _ = try await laptop.send(.get, "/app/login", headers: [.userAgent: "Laptop"])
            var phone = Browser(api: api)
            _ = try await phone.signIn("ann@acme.example", "correct horse battery")
            _ = try await laptop.signIn("ann@acme.example", "correct horse battery")
            let list = try await laptop.send(.get, "/app/settings/sessions")
            #expect(list.status == .ok)
            let forms = list.text.components(separatedBy: "/app/settings/sessions/").dropFirst().map { String($0.prefix { $0 != "/" }) }
            #expect(forms.count == 2, "\(list.text)")
            let sessions = try await harness.services.sessions.sessions(of: try #require(try await harness.store.user(email: "ann@acme.example")).id)
            let phoneSession = try #require(sessions.last)
            let revoked = try await laptop.send(.post, "/app/settings/sessions/\(phoneSession.id)/revoke",
                                                form: [("_csrf", try Browser.csrf(in: list.text))])
            #expect(revoked.status == .seeOther)
            let after = try await laptop.send(.get, "/app/settings/sessions")
            #expect(after.text.components(separatedBy: "signed out 20").count == 2, "one session shows when it was signed out")
            let phonePage = try await phone.send(.get, "/app/campaigns")
            #expect(phonePage.status == .seeOther && phonePage.headers[.location] == "/app/login", "the phone is signed out")
            #expect(try await laptop.send(.get, "/app/campaigns").status == .ok, "the laptop is not")
        }
    }

    @Test(arguments: StoreKind.covered) func aCSVIsImportedIntoAListFromAFormAndListsAndActionsAreExported(_ store: StoreKind) async throws {
        let harness = try await Harness.make(store)
        try await user(harness)
        try await harness.run { api in
            var browser = Browser(api: api)
            _ = try await browser.signIn("ann@acme.example", "correct horse battery")
            let page = try await browser.send(.get, "/app/lists")
            #expect(page.status == .ok && page.text.contains("No lists yet."))
            let csrf = try Browser.csrf(in: page.text)
            #expect(try await browser.send(.post, "/app/lists", form: [("_csrf", csrf), ("name", "Berlin <founders>")]).text
                .contains("The list Berlin &lt;founders&gt; is created."))
            #expect(try await browser.send(.post, "/app/lists", form: [("_csrf", csrf), ("name", "")]).status == .unprocessableContent)
            let listed = try await api.send(.get, "/v1/lists").text
            let list = try #require(listed.range(of: "list_").map { String(listed[$0.lowerBound...].prefix { $0 != "\"" }) })

            // The form as a browser sends it: the other fields first, then the file.
            func upload(_ token: String, file: String) -> String {
                [("_csrf", token), ("list_id", list)].map { "--XyZ\r\nContent-Disposition: form-data; name=\"\($0.0)\"\r\n\r\n\($0.1)\r\n" }.joined()
                    + "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"C:\\\\people.csv\"\r\nContent-Type: text/csv\r\n\r\n\(file)\r\n--XyZ--\r\n"
            }
            let csv = "First Name,Last Name,Email,Company\r\nAda,Lovelace,ada@example.com,=cmd()\r\nGrace,Hopper,grace@example.com,Navy\r\nBad,Row,not-an-email,X\r\n"
            let multipart: HTTPFields = [.contentType: "multipart/form-data; boundary=XyZ"]
            let broken = try await browser.send(.post, "/app/imports", headers: multipart, body: "--XyZ\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n")
            #expect(broken.status == .badRequest || broken.status == .forbidden, "\(broken.status)")
            #expect(broken.headers[.contentType]?.hasPrefix("text/html") == true, "a page, not a problem document")
            let forged = try await browser.send(.post, "/app/imports", headers: multipart, body: upload("forged", file: csv))
            #expect(forged.status == .forbidden)
            #expect(try await api.send(.get, "/v1/contacts").text.contains("ada@example.com") == false, "nothing read from a forged form")
            let imported = try await browser.send(.post, "/app/imports", headers: multipart, body: upload(csrf, file: csv))
            #expect(imported.status == .seeOther)
            let result = try await browser.send(.get, try #require(imported.headers[.location]))
            #expect(result.status == .ok && result.text.contains("Imported 3 rows: 2 created, 0 updated, 0 duplicates, 1 invalid."), "\(result.text)")
            #expect(result.text.contains("Import of people.csv") && result.text.contains("Row 4:"))
            let lists = try await browser.send(.get, "/app/lists")
            #expect(lists.text.contains("<td>Berlin &lt;founders&gt;</td><td>2</td>"))

            let export = try await browser.send(.get, "/app/lists/\(list)/contacts.csv")
            #expect(export.status == .ok && export.headers[.contentDisposition] == "attachment; filename=\"list-\(list).csv\"")
            #expect(export.text.hasPrefix("first_name,last_name,email,phone,linkedin_url,company,title,status\r\n"))
            #expect(export.text.contains("Ada,Lovelace,ada@example.com,,,'=cmd(),,") && export.text.contains("Grace,Hopper,grace@example.com"))
            #expect(try await browser.send(.get, "/app/lists/list_00000000000000000000/contacts.csv").status == .notFound)

            let sender = try await api.createSender(channel: "email", name: "Sam", slug: "sam-export")
            let campaign = try #require(try await api.send(.post, "/v1/campaigns", json: """
                {"name": "Export", "channel": "email", "sender_ids": ["\(sender)"], "dry_run": true, "schedule": \(Self.allWeek),
                 "simulation": {"reply_rate": 0, "open_rate": 0, "bounce_rate": 0, "accept_rate": 0},
                 "sequence": {"nodes": [{"id": "hello", "type": "email", "subject": "Hi {{first_name}}", "body": "Hello, \\"friend\\". Reply stop to unsubscribe."},
                                        {"id": "e", "type": "end"}]}}
                """).string("id"))
            _ = try await api.send(.post, "/v1/campaigns/\(campaign)/leads", json: #"{"list_id": "\#(list)"}"#)
            #expect(try await api.send(.post, "/v1/campaigns/\(campaign)/launch").status == .ok)
            _ = try await harness.services.dispatcher.drain()
            let actions = try await browser.send(.get, "/app/campaigns/\(campaign)/actions.csv")
            #expect(actions.status == .ok)
            let rows = actions.text.split(separator: "\r\n")
            #expect(rows.first == "action_id,contact_id,recipient,step,kind,sender_id,state,subject,body,error,attempts,created_at,sent_at")
            #expect(rows.count == 2, "the first lead; the second waits for the pacing gap: \(actions.text)")
            let running = try await browser.send(.get, "/app/campaigns")
            #expect(running.text.contains("<th>Next send</th>") && !running.text.contains("<td><small>—</small></td>"),
                    "the second lead's send is expected: \(running.text)")
            #expect(actions.text.contains(",hello,email,\(sender),sent,Hi Ada,\"Hello, \"\"friend\"\". Reply stop to unsubscribe.\",,1,"))
        }
    }


    @Test(arguments: StoreKind.covered) func webhookEndpointsAndUsersAreManagedFromTheSettings(_ store: StoreKind) async throws {
        let harness = try await Harness.make(store)
        try await user(harness)
        _ = try await harness.services.users.create(email: "mo@acme.example", password: "member password", fullName: "Mo", accessRole: "MEMBER",
                                                    in: harness.workspace)
        try await harness.run { api in
            var browser = Browser(api: api)
            _ = try await browser.signIn("ann@acme.example", "correct horse battery")
            let page = try await browser.send(.get, "/app/settings/webhooks")
            #expect(page.status == .ok && page.text.contains("No endpoints yet."))
            let csrf = try Browser.csrf(in: page.text)
            let bad = try await browser.send(.post, "/app/settings/webhooks", form: [("_csrf", csrf), ("url", "ftp://x"), ("types", "nope.nothing")])
            #expect(bad.status == .unprocessableContent && bad.text.contains("url: must be an absolute http or https URL"))
            #expect(bad.text.contains("types[0]: is not an event type"), "\(bad.text)")
            let added = try await browser.send(.post, "/app/settings/webhooks", form: [
                ("_csrf", csrf), ("url", "http://127.0.0.1:9/hook"), ("types", "reply.received, lead.interested"), ("description", "CRM <sync>")])
            #expect(added.status == .ok && added.text.contains("signing secret, shown only now") && added.text.contains("whsec_"))
            #expect(added.text.contains("reply.received, lead.interested") && added.text.contains("CRM &lt;sync&gt;"))
            let endpoint = try #require(try await api.send(.get, "/v1/webhook_endpoints").dataIDs.first)
            #expect(try await browser.send(.post, "/app/settings/webhooks/\(endpoint)/ping", form: [("_csrf", csrf)]).text
                .contains("A webhook.ping event is on its way."))
            #expect(try await browser.send(.post, "/app/settings/webhooks/\(endpoint)/delete", form: [("_csrf", "forged")]).status == .forbidden)
            #expect(try await browser.send(.post, "/app/settings/webhooks/\(endpoint)/delete", form: [("_csrf", csrf)]).status == .ok)
            #expect(try await api.send(.get, "/v1/webhook_endpoints").dataIDs.isEmpty)

            let users = try await browser.send(.get, "/app/settings/users")
            #expect(users.text.contains("ann@acme.example (you)") && users.text.contains("mo@acme.example") && users.text.contains("Add a user"))
            let short = try await browser.send(.post, "/app/settings/users", form: [("_csrf", csrf), ("email", "li@acme.example"), ("password", "short")])
            #expect(short.status == .unprocessableContent && short.text.contains("password: must be at least 8 characters"))
            let made = try await browser.send(.post, "/app/settings/users", form: [
                ("_csrf", csrf), ("email", "li@acme.example"), ("full_name", "Li"), ("access_role", "MEMBER"), ("password", "a long password")])
            #expect(made.text.contains("li@acme.example can sign in now"))
            var li = Browser(api: api)
            #expect(try await li.signIn("li@acme.example", "a long password").status == .seeOther)
            // A member sees the users and adds none.
            let seen = try await li.send(.get, "/app/settings/users")
            #expect(seen.text.contains("li@acme.example (you)") && !seen.text.contains("Add a user"))
            let refused = try await li.send(.post, "/app/settings/users", form: [
                ("_csrf", try Browser.csrf(in: seen.text)), ("email", "eve@acme.example"), ("password", "a long password")])
            #expect(refused.status == .forbidden)
            #expect(try await harness.services.users.list(in: harness.workspace).count == 3)
        }
    }
}

/// The cookie names the tests look for (the server's own constants are internal).
enum WebRoutesNames {
    static let session = "outbound_session"
}
