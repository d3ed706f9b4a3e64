import Foundation
import HTTPTypes
import Hummingbird
import OutboundCore

/// The web app under `/app` (docs/ARCHITECTURE.md §3): sign-in with a session cookie and CSRF
/// tokens on every form; the inbox, campaigns, a campaign, senders, suppressions, API keys and
/// sessions. Pages call the same use cases as `/v1`; they hold no rule and no query.
struct WebRoutes {
    let services: Services
    let pages = WebPages()
    let forecastCache: ForecastCache
    let throttle = LoginThrottle()

    static let sessionCookie = "outbound_session"
    /// The sign-in form's own CSRF token (double submit: cookie and field must agree).
    static let loginCookie = "outbound_login"

    func register(on routes: RouteRecorder) {
        routes.on(.get, "/assets/app.css") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/css; charset=utf-8", .cacheControl: "max-age=300"],
                     body: .init(byteBuffer: ByteBuffer(string: WebPages.stylesheet)))
        }
        routes.on(.get, "/assets/app.js") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/javascript; charset=utf-8", .cacheControl: "max-age=300"],
                     body: .init(byteBuffer: ByteBuffer(string: WebPages.script)))
        }
        routes.on(.get, "/assets/icon.svg") { _, _ in
            Response(status: .ok, headers: [.contentType: "image/svg+xml", .cacheControl: "max-age=86400"],
                     body: .init(byteBuffer: ByteBuffer(string: WebPages.icon)))
        }
        registerLists(on: routes)
        registerSettings(on: routes)
        routes.on(.get, "/app") { _, _ in WebPages.redirect("/app/campaigns") }

        routes.on(.get, "/app/login") { request, _ in
            if try await signedIn(request) != nil { return WebPages.redirect("/app/campaigns") }
            return loginPage(request, error: nil, email: "")
        }

        routes.on(.post, "/app/login") { request, context in
            var request = request
            let form = try await formFields(&request, context)
            guard let expected = request.cookies[Self.loginCookie]?.value, !expected.isEmpty,
                  Self.same(form["_csrf"] ?? "", expected)
            else {
                return loginPage(request, error: "The form expired. Please sign in again.", email: form["email"] ?? "", status: .forbidden)
            }
            let email = form["email"] ?? ""
            let now = services.clock.now
            if let until = await throttle.heldUntil(email, now: now) {
                let minutes = max(1, Int((until.timeIntervalSince(now) / 60).rounded(.up)))
                return loginPage(request, error: "Too many wrong passwords for this email. Try again in \(minutes) min.", email: email,
                                 status: .tooManyRequests)
            }
            guard let (_, token) = try await services.sessions.signIn(email: email, password: form["password"] ?? "",
                                                                      userAgent: request.headers[.userAgent])
            else {
                await throttle.failed(email, at: now)
                return loginPage(request, error: "Wrong email or password.", email: email, status: .unauthorized)
            }
            await throttle.succeeded(email)
            var headers = HTTPFields()
            headers.append(HTTPField(name: .setCookie, value: sessionCookie(token, request: request).description))
            headers.append(HTTPField(name: .setCookie, value: Self.expired(Self.loginCookie, path: "/app/login")))
            return WebPages.redirect("/app/campaigns", headers: headers)
        }

        routes.on(.get, "/app/setup/{token}") { request, context in
            let token = context.parameters.get("token") ?? ""
            guard await services.setup.workspace(for: token) != nil else { return usedLink() }
            return setupPage(request, token: token, errors: [], form: [:])
        }

        routes.on(.post, "/app/setup/{token}") { request, context in
            var request = request
            let token = context.parameters.get("token") ?? ""
            guard await services.setup.workspace(for: token) != nil else { return usedLink() }
            let form = try await formFields(&request, context)
            guard let expected = request.cookies[Self.loginCookie]?.value, !expected.isEmpty, Self.same(form["_csrf"] ?? "", expected) else {
                return setupPage(request, token: token, errors: [FieldIssue("form", "expired; please try again")], form: form, status: .forbidden)
            }
            guard let workspace = await services.setup.claim(token) else { return usedLink() }
            do {
                _ = try await services.users.create(email: form["email"], password: form["password"],
                                                    fullName: form["full_name"].flatMap { $0.isEmpty ? nil : $0 }, accessRole: "ADMIN", in: workspace)
            } catch let error as ValidationError {
                // A mistake in the form keeps the link working.
                await services.setup.restore(token, for: workspace)
                return setupPage(request, token: token, errors: error.issues, form: form, status: .unprocessableContent)
            } catch let error as ConflictError {
                await services.setup.restore(token, for: workspace)
                return setupPage(request, token: token, errors: [FieldIssue("email", error.message)], form: form, status: .conflict)
            }
            guard let (_, session) = try await services.sessions.signIn(email: form["email"] ?? "", password: form["password"] ?? "",
                                                                         userAgent: request.headers[.userAgent])
            else { return WebPages.redirect("/app/login") }
            return WebPages.redirect("/app/campaigns", headers: [.setCookie: sessionCookie(session, request: request).description])
        }

        routes.on(.post, "/app/logout") { request, context in
            var request = request
            let posted = try await post(&request, context)
            guard case .ok(let session, let user, _, _) = posted else { return posted.answer }
            try await services.sessions.revoke(session.id, of: user.id)
            return WebPages.redirect("/app/login", headers: [.setCookie: Self.expired(Self.sessionCookie, path: "/")])
        }

        routes.on(.get, "/app/campaigns") { request, _ in
            guard let (session, user) = try await signedIn(request) else { return WebPages.redirect("/app/login") }
            return try await campaignsPage(request, session, user, notice: nil)
        }

        routes.on(.get, "/app/campaigns/{id}") { request, context in
            guard let (session, user) = try await signedIn(request) else { return WebPages.redirect("/app/login") }
            guard let id = context.parameters.get("id").flatMap({ ID($0, kind: .campaign) }) else { return notFound(session, user) }
            do {
                return try await campaignPage(id, request, session, user)
            } catch is NotFoundError {
                return notFound(session, user)
            }
        }

        // A search of the leads is a form post, so what is searched for stays out of URLs; its
        // next page is a post too.
        routes.on(.post, "/app/campaigns/{id}") { request, context in
            var request = request
            let posted = try await post(&request, context, id: .campaign)
            guard case .ok(let session, let user, let id?, let form) = posted else { return posted.answer }
            do {
                return try await campaignPage(id, request, session, user,
                                              search: (form["q"] ?? "", form["state"], form["after"].flatMap { ID($0, kind: .contact) }))
            } catch is NotFoundError {
                return notFound(session, user)
            }
        }

        routes.on(.get, "/app/campaigns/{id}/leads.csv") { request, context in
            guard let (session, user) = try await signedIn(request) else { return WebPages.redirect("/app/login") }
            guard let id = context.parameters.get("id").flatMap({ ID($0, kind: .campaign) }) else { return notFound(session, user) }
            do {
                var csv = CSVText(header: ["first_name", "last_name", "email", "phone", "linkedin_url", "company", "state", "reason"])
                let leads = try await Self.everyItem({ try await services.leads.list(of: id, state: nil, in: session.workspaceID, page: $0) },
                                                     id: \.contact.id)
                for lead in leads {
                    let c = lead.contact
                    csv.append([c.firstName, c.lastName, c.email, c.phone, c.linkedinURL, c.company, lead.state.rawValue, lead.reason])
                }
                return csv.download(named: "leads-\(id).csv")
            } catch is NotFoundError {
                return notFound(session, user)
            }
        }

        for verb in ["launch", "pause", "resume"] {
            routes.on(.post, "/app/campaigns/{id}/\(verb)") { request, context in
                var request = request
                let posted = try await post(&request, context, id: .campaign)
                guard case .ok(let session, let user, let id?, _) = posted else { return posted.answer }
                do {
                    let campaign: Campaign = switch verb {
                    case "launch": try await services.lifecycle.launch(id, in: session.workspaceID)
                    case "pause": try await services.lifecycle.pause(id, in: session.workspaceID)
                    default: try await services.lifecycle.resume(id, in: session.workspaceID)
                    }
                    return try await campaignsPage(request, session, user, notice: "\(campaign.name) is \(campaign.status.rawValue).")
                } catch is NotFoundError {
                    return notFound(session, user)
                } catch let error as ValidationError {
                    let problems = Self.problems(error)
                    return try await campaignsPage(request, session, user, notice: "Not done — \(problems)", status: .unprocessableContent)
                } catch let error as ConflictError {
                    return try await campaignsPage(request, session, user, notice: "Not done — \(error.message)", status: .conflict)
                }
            }
        }

        routes.on(.get, "/app/inbox") { request, _ in
            guard let (session, user) = try await signedIn(request) else { return WebPages.redirect("/app/login") }
            return try await inboxPage(request, session, user)
        }

        routes.on(.get, "/app/inbox/{campaign}/{contact}") { request, context in
            guard let (session, user) = try await signedIn(request) else { return WebPages.redirect("/app/login") }
            guard let (campaign, contact) = conversation(context) else { return notFound(session, user) }
            do {
                return try await threadPage(campaign, contact, session, user)
            } catch is NotFoundError {
                return notFound(session, user)
            }
        }

        for verb in ["done", "reopen", "interested", "not-interested"] {
            routes.on(.post, "/app/inbox/{campaign}/{contact}/\(verb)") { request, context in
                var request = request
                let posted = try await post(&request, context)
                guard case .ok(let session, let user, _, _) = posted else { return posted.answer }
                guard let (campaign, contact) = conversation(context) else { return notFound(session, user) }
                do {
                    switch verb {
                    case "done", "reopen": try await services.inbox.setDone(verb == "done", campaign: campaign, contact: contact, in: session.workspaceID)
                    default:
                        try await services.inbox.setInterest(verb == "interested", campaign: campaign, contact: contact, in: session.workspaceID)
                    }
                } catch is NotFoundError {
                    return notFound(session, user)
                }
                return WebPages.redirect(verb == "done" ? "/app/inbox" : "/app/inbox/\(campaign)/\(contact)")
            }
        }

        routes.on(.post, "/app/inbox/{campaign}/{contact}/reply") { request, context in
            var request = request
            let posted = try await post(&request, context)
            guard case .ok(let session, let user, _, let form) = posted else { return posted.answer }
            guard let (campaign, contact) = conversation(context) else { return notFound(session, user) }
            let draft = form["text"] ?? ""
            guard let replyID = form["reply_id"].flatMap({ ID($0, kind: .action) }) else {
                return try await threadPage(campaign, contact, session, user, draft: draft,
                                            notice: ("Not sent — the form is incomplete: reload the page", false), status: .unprocessableContent)
            }
            do {
                let reply = ManualReply(id: replyID, campaignID: campaign, contactID: contact, text: draft)
                let state = try await services.replies.send(reply, in: session.workspaceID)
                guard state == .sent else {
                    return try await threadPage(campaign, contact, session, user, draft: "",
                                                notice: ("Your reply is \(state.rawValue): see it below.", false), status: .ok)
                }
                return WebPages.redirect("/app/inbox/\(campaign)/\(contact)")
            } catch is NotFoundError {
                return notFound(session, user)
            } catch let error as ValidationError {
                let problems = Self.problems(error)
                return try await threadPage(campaign, contact, session, user, draft: draft, replyID: replyID,
                                            notice: ("Not sent — \(problems)", false), status: .unprocessableContent)
            } catch let error as ConflictError {
                return try await threadPage(campaign, contact, session, user, draft: draft, notice: ("Not sent — \(error.message)", false),
                                            status: .conflict)
            }
        }

        routes.on(.get, "/app/senders") { request, _ in
            guard let (session, user) = try await signedIn(request) else { return WebPages.redirect("/app/login") }
            return try await sendersPage(session, user, check: nil)
        }

        routes.on(.post, "/app/senders/{id}/check") { request, context in
            var request = request
            let posted = try await post(&request, context, id: .sender)
            guard case .ok(let session, let user, let id?, _) = posted else { return posted.answer }
            do {
                let sender = try await services.senders.get(id, in: session.workspaceID)
                let result = await services.delivery.check(sender)
                let text = result.error.map { "\(sender.displayName) cannot connect: \($0)" } ?? "\(sender.displayName) is connected."
                return try await sendersPage(session, user, check: (text, result.error == nil))
            } catch is NotFoundError {
                return notFound(session, user)
            }
        }

        routes.on(.get, "/app/contacts") { request, _ in
            guard let (session, user) = try await signedIn(request) else { return WebPages.redirect("/app/login") }
            return try await contactsPage(session, user, query: "", after: nil)
        }

        // A search is a post: what is searched for (often an address or a name) stays out of URLs.
        routes.on(.post, "/app/contacts") { request, context in
            var request = request
            let posted = try await post(&request, context)
            guard case .ok(let session, let user, _, _) = posted else { return posted.answer }
            return try await contactsPage(session, user, query: String((posted.form["q"] ?? "").prefix(200)),
                                          after: posted.form["after"].flatMap { ID($0, kind: .contact) })
        }

        routes.on(.get, "/app/suppressions") { request, _ in
            guard let (session, user) = try await signedIn(request) else { return WebPages.redirect("/app/login") }
            return try await suppressionsPage(request, session, user, notice: nil)
        }

        routes.on(.post, "/app/suppressions") { request, context in
            var request = request
            let posted = try await post(&request, context)
            guard case .ok(let session, let user, _, _) = posted else { return posted.answer }
            let form = posted.form
            do {
                let entry = try await services.suppressions.add(kind: .value(form["kind"] ?? ""), value: .value(form["value"] ?? ""),
                                                                reason: (form["reason"] ?? "").isEmpty ? .absent : .value(form["reason"]!),
                                                                in: session.workspaceID)
                return try await suppressionsPage(request, session, user, notice: ("\(entry.value) is suppressed.", true))
            } catch let error as ValidationError {
                let problems = Self.problems(error)
                return try await suppressionsPage(request, session, user, notice: ("Not added — \(problems)", false), status: .unprocessableContent)
            }
        }

        routes.on(.post, "/app/suppressions/{id}/delete") { request, context in
            var request = request
            let posted = try await post(&request, context, id: .suppression)
            guard case .ok(let session, let user, let id?, _) = posted else { return posted.answer }
            do {
                try await services.suppressions.delete(id, in: session.workspaceID)
            } catch is NotFoundError {
                return notFound(session, user)
            }
            return WebPages.redirect("/app/suppressions")
        }

        routes.on(.get, "/app/settings/keys") { request, _ in
            guard let (session, user) = try await signedIn(request) else { return WebPages.redirect("/app/login") }
            return try await keysPage(session, user, issued: nil)
        }

        routes.on(.post, "/app/settings/keys") { request, context in
            var request = request
            let posted = try await post(&request, context)
            guard case .ok(let session, let user, _, _) = posted else { return posted.answer }
            let name = (posted.form["name"] ?? "").trimmingCharacters(in: .whitespaces)
            let issued = try await services.workspaces.createKey(name: name.isEmpty ? nil : String(name.prefix(100)), in: session.workspaceID)
            return try await keysPage(session, user, issued: issued)
        }

        routes.on(.post, "/app/settings/keys/{id}/revoke") { request, context in
            var request = request
            let posted = try await post(&request, context, id: .key)
            guard case .ok(let session, let user, let id?, _) = posted else { return posted.answer }
            do {
                _ = try await services.workspaces.revokeKey(id, in: session.workspaceID)
            } catch is NotFoundError {
                return notFound(session, user)
            }
            return WebPages.redirect("/app/settings/keys")
        }

        routes.on(.get, "/app/settings/sessions") { request, _ in
            guard let (session, user) = try await signedIn(request) else { return WebPages.redirect("/app/login") }
            return try await sessionsPage(session, user)
        }

        routes.on(.post, "/app/settings/sessions/{id}/revoke") { request, context in
            var request = request
            let posted = try await post(&request, context, id: .session)
            guard case .ok(let session, let user, let id?, _) = posted else { return posted.answer }
            do {
                try await services.sessions.revoke(id, of: user.id)
            } catch is NotFoundError {
                return notFound(session, user)
            }
            if id == session.id { return WebPages.redirect("/app/login", headers: [.setCookie: Self.expired(Self.sessionCookie, path: "/")]) }
            return WebPages.redirect("/app/settings/sessions")
        }
    }

    // MARK: Pages

    private func loginPage(_ request: Request, error: String?, email: String, status: HTTPResponse.Status = .ok) -> Response {
        let token = SessionService.randomToken()
        let cookie = Cookie(name: Self.loginCookie, value: token, maxAge: 3600, path: "/app/login", secure: isSecure(request),
                            httpOnly: true, sameSite: .strict)
        return pages.render("login", WebPages.values(["title": "Sign in", "error": error, "email": email, "loginCSRF": token]),
                            status: status, headers: [.setCookie: cookie.description])
    }

    private func setupPage(_ request: Request, token: String, errors: [FieldIssue], form: [String: String],
                           status: HTTPResponse.Status = .ok) -> Response {
        let csrf = SessionService.randomToken()
        let cookie = Cookie(name: Self.loginCookie, value: csrf, maxAge: 3600, path: "/app/setup", secure: isSecure(request),
                            httpOnly: true, sameSite: .strict)
        return pages.render("setup", [
            "title": "Welcome", "token": token, "loginCSRF": csrf, "email": form["email"] ?? "", "fullName": form["full_name"] ?? "",
            "errors": errors.map { ["field": $0.field, "message": $0.message] },
        ], status: status, headers: [.setCookie: cookie.description])
    }

    private func usedLink() -> Response {
        pages.render("message", ["title": "Link used", "heading": "This link has been used",
                                 "text": "The first account exists already (or the server restarted and printed a new link).",
                                 "link": "/app/login", "linkText": "Sign in"], status: .notFound)
    }

    private func campaignsPage(_ request: Request, _ session: WebSession, _ user: User, notice: String?,
                               status: HTTPResponse.Status = .ok) async throws -> Response {
        let query = request.uri.queryParameters
        let statusFilter = query.get("status").flatMap(Campaign.Status.init(rawValue:))
        let channelFilter = query.get("channel").flatMap(CampaignChannel.init(rawValue:))
        var rows: [[String: Any]] = []
        let campaigns = try await Self.everyItem({ try await services.campaigns.list(in: session.workspaceID, page: $0) }, id: \.id)
        for campaign in campaigns where statusFilter.map({ $0 == campaign.status }) ?? true && channelFilter.map({ $0 == campaign.channel }) ?? true {
            let stats = try await services.stats.stats(of: campaign)
            let nextSend = try await services.stats.nextSend(of: campaign)
            rows.append([
                "nextSend": nextSend.map { Timestamp.iso($0) } ?? "—",
                "id": campaign.id.rawValue, "name": campaign.name, "channel": campaign.channel.rawValue, "dryRun": campaign.dryRun,
                "status": campaign.status.rawValue, "finished": stats.finished, "targets": stats.targets,
                "contacted": stats.contacted, "replied": stats.signals(.replied), "bounced": stats.leads(.bounced),
                "actions": Self.lifecycleActions(of: campaign, csrf: session.csrfToken),
            ])
        }
        let statuses = [("", "Any")] + Campaign.Status.allCases.map { ($0.rawValue, $0.rawValue.capitalized) }
        let channels = [("", "Any")] + CampaignChannel.allCases.map { ($0.rawValue, $0.rawValue.capitalized) }
        return pages.render("campaigns", layout(session, user, title: "Campaigns").merging(WebPages.values([
            "notice": notice, "campaigns": rows, "hasCampaigns": !rows.isEmpty, "filtered": statusFilter != nil || channelFilter != nil,
            "refresh": notice == nil ? WebPages.refreshSeconds : nil,
            "statuses": statuses.map { ["value": $0.0, "label": $0.1, "selected": $0.0 == (statusFilter?.rawValue ?? "")] },
            "channels": channels.map { ["value": $0.0, "label": $0.1, "selected": $0.0 == (channelFilter?.rawValue ?? "")] },
        ])) { $1 }, status: status)
    }

    /// One campaign: its figures, actions per day beside the forecast, its steps, its leads.
    /// A campaign's page; `search` (a posted form: the text, the state, the page's cursor) narrows its leads.
    private func campaignPage(_ id: ID, _ request: Request, _ session: WebSession, _ user: User,
                              search: (query: String, state: String?, after: ID?)? = nil) async throws -> Response {
        let workspace = session.workspaceID
        let (campaign, stats) = try await services.stats.stats(id, in: workspace)
        let now = services.clock.now
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let today = calendar.startOfDay(for: now)
        let from = today.addingTimeInterval(-13 * 86_400)
        let buckets = try await services.stats.series(ofCampaign: id, in: workspace, from: from, to: today.addingTimeInterval(86_400),
                                                      bucketSeconds: 86_400)
        let dayName = Date.ISO8601FormatStyle(timeZone: TimeZone(identifier: "UTC")!).year().month().day()
        var days = (0..<14).map { offset -> DayChart.Day in
            let start = from.addingTimeInterval(Double(offset) * 86_400)
            let bucket = buckets.first { abs($0.start.timeIntervalSince(start)) < 1 }
            return DayChart.Day(date: start.formatted(dayName), sent: bucket?.actions ?? 0, forecast: 0,
                                replies: bucket?.signals[SignalType.replied.rawValue] ?? 0)
        }
        var forecastValues: [String: Any]?
        var forecast: ForecastService.Forecast?
        var forecastPending = false
        if [.draft, .active, .paused].contains(campaign.status) {
            let forecasts = services.forecasts
            switch await forecastCache.forecast(of: campaign, compute: { try? await forecasts.forecast(id, in: workspace, horizonDays: 60) }) {
            case .ready(let ready): forecast = ready
            case .pending: forecastPending = true
            }
        }
        if let forecast {
            // Today's forecast (what is still to come today) stacks on what today has sent.
            let todayName = today.formatted(dayName)
            for (date, count) in forecast.actionsPerDay where date >= todayName {
                if date == todayName { days[days.count - 1].forecast = count } else if days.count < 28 {
                    days.append(DayChart.Day(date: date, sent: 0, forecast: count, replies: 0))
                }
            }
            forecastValues = WebPages.values(["completion": forecast.estimatedCompletionAt.map { $0.formatted(dayName) },
                                              "bottleneck": DayChart.bottleneck(forecast.bottleneck)])
        }
        // The funnel per step (sent → opened or accepted → replied), on the sequence's graph and as a table.
        let funnel = { (node: String) -> SequenceGraph.Figures in
            let answers = stats.signalsPerNode[node] ?? [:]
            return (stats.sentPerNode[node] ?? 0, answers[.opened] ?? 0, answers[.accepted] ?? 0, answers[.replied] ?? 0)
        }
        let steps = campaign.sequence.nodes.filter { $0.channel != nil }.map { node -> [String: Any] in
            let f = funnel(node.id)
            return ["id": node.id, "type": node.type, "sent": f.sent, "max": max(stats.targets, 1), "opened": f.opened, "accepted": f.accepted,
                    "replied": f.replied]
        }
        // Each sender's share of the campaign and its load against its caps (every campaign's actions count).
        let kinds = Set(campaign.sequence.nodes.compactMap(\.actionKind))
        let senders = try await services.stats.activity(ofSenders: campaign).map { activity -> [String: Any] in
            WebPages.values([
                "name": activity.sender.displayName, "channel": activity.sender.channel.rawValue, "status": activity.sender.status.rawValue,
                "sentHere": stats.sentPerSender[activity.sender.id] ?? 0, "nextSlot": activity.nextSlotAt.map { Timestamp.iso($0) },
                "inFlight": activity.inFlight ? true : nil,
                "limits": Self.limits(of: activity.sender, activity.usage, at: now, kinds: kinds.filter { $0.channel == activity.sender.channel }),
            ])
        }
        // Each step rendered for one lead, chosen from the leads table.
        var preview: [String: Any]?
        if let contactID = request.uri.queryParameters.get("preview").flatMap({ ID($0, kind: .contact) }),
           let contact = try? await services.contacts.get(contactID, in: workspace) {
            let name = [contact.firstName, contact.lastName].compactMap { $0 }.joined(separator: " ")
            preview = ["lead": name.isEmpty ? (contact.identities.first?.value ?? contact.id.rawValue) : name,
                       "steps": try await services.review.preview(id, contact: contact, in: workspace).map { step in
                           WebPages.values(["id": step.nodeID, "type": step.type, "subject": step.subject, "body": step.body ?? "",
                                            "missing": step.missing.isEmpty ? nil : step.missing.joined(separator: ", ")])
                       }]
        }
        // What would stop a launch or a resume, with the field each concerns (not for a running
        // campaign: validating it checks its senders' connections).
        var validation: [String: Any]?
        if campaign.status == .draft || campaign.status == .paused {
            let report = try await services.review.validate(id, in: workspace)
            let problems = report.errors.map { ($0, "error", "Error") } + report.warnings.map { ($0, "warning", "Warning") }
            validation = ["problems": problems.map { item, style, kind in
                WebPages.values(["class": style, "kind": kind, "path": item.path, "message": item.message])
            }]
        }
        let rawState: String? = search.map { $0.state } ?? request.uri.queryParameters.get("state").map { String($0) }
        let state = rawState.flatMap { EnrollmentState(rawValue: $0) }
        let after: ID? = search.map { $0.after } ?? request.uri.queryParameters.get("after").flatMap { ID(String($0), kind: .contact) }
        let query = search?.query.trimmingCharacters(in: .whitespaces) ?? ""
        let leads = try await services.leads.list(of: id, state: state, matching: query, in: workspace,
                                                  page: PageRequest(limit: 50, startingAfter: after))
        var next: String?
        var nextSearch: [String: Any]?
        if leads.hasMore, let last = leads.items.last {
            if query.isEmpty {
                next = "/app/campaigns/\(id)?" + (state.map { "state=\($0.rawValue)&" } ?? "") + "after=\(last.contact.id)"
            } else {
                nextSearch = WebPages.values(["q": query, "state": state?.rawValue, "after": last.contact.id.rawValue])
            }
        }
        let states = [("", "Any")] + EnrollmentState.allCases.map { ($0.rawValue, $0.rawValue.capitalized) }
        let percent = stats.replyRate.formatted(.percent.precision(.fractionLength(0...1)))
        return pages.render("campaign", layout(session, user, title: campaign.name).merging(WebPages.values([
            "refresh": search == nil && campaign.status == .active ? WebPages.refreshSeconds : nil,
            "campaign": [
                "id": campaign.id.rawValue, "name": campaign.name, "status": campaign.status.rawValue, "channel": campaign.channel.rawValue,
                "dryRun": campaign.dryRun, "targets": stats.targets, "finished": stats.finished, "contacted": stats.contacted,
                "replied": stats.signals(.replied), "replyRate": percent, "accepted": stats.signals(.accepted),
                "opened": stats.signals(.opened), "bounced": stats.leads(.bounced),
                "actions": Self.lifecycleActions(of: campaign, csrf: session.csrfToken),
            ] as [String: Any],
            "forecast": forecastValues, "forecastPending": forecastPending ? true : nil, "chart": DayChart.values(days), "steps": steps, "validation": validation,
            "graph": SequenceGraph.values(campaign.sequence, figures: { campaign.sequence.node($0)?.channel == nil ? nil : funnel($0) }),
            "senders": senders, "preview": preview,
            "states": states.map { ["value": $0.0, "label": $0.1, "selected": $0.0 == (state?.rawValue ?? "")] },
            "leads": leads.items.map { lead -> [String: Any] in
                let name = [lead.contact.firstName, lead.contact.lastName].compactMap { $0 }.joined(separator: " ")
                return ["name": name.isEmpty ? "—" : name, "identity": lead.contact.identities.first?.value ?? "",
                        "state": lead.state.rawValue, "reason": lead.reason ?? "", "contactID": lead.contact.id.rawValue, "campaignID": id.rawValue,
                        "step": lead.currentStep ?? "", "nextAt": lead.nextStepAt.map { Timestamp.iso($0) } ?? ""]
            },
            "next": next, "nextSearch": nextSearch, "query": query.isEmpty ? nil : query,
        ])) { $1 })
    }

    /// Each sender: status, usage against each cap over the windows the engine counts, the next
    /// free slot, and its mailbox for email.
    private func sendersPage(_ session: WebSession, _ user: User, check: (text: String, ok: Bool)?) async throws -> Response {
        var senders: [[String: Any]] = []
        let now = services.clock.now
        for sender in try await Self.everyItem({ try await services.senders.list(in: session.workspaceID, page: $0) }, id: \.id) {
            let activity = try await services.stats.activity(ofSender: sender.id, in: session.workspaceID)
            let limits = Self.limits(of: sender, activity.usage, at: now)
            let mailbox = sender.settings.imap == nil ? nil : try await services.mailboxes.state(of: sender.id, in: session.workspaceID)
            senders.append(WebPages.values([
                "id": sender.id.rawValue, "name": sender.displayName, "channel": sender.channel.rawValue, "identity": sender.identity ?? "",
                "status": sender.status.rawValue, "nextSlot": activity.nextSlotAt.map { Timestamp.iso($0) }, "inFlight": activity.inFlight,
                "mailbox": sender.settings.imap == nil ? nil : (mailbox?.status.rawValue ?? "not started"),
                "mailboxError": mailbox?.error, "limits": limits, "csrf": session.csrfToken,
            ]))
        }
        let checked = WebPages.notice(check)
        return pages.render("senders", layout(session, user, title: "Senders").merging(WebPages.values([
            "senders": senders, "check": checked,
        ])) { $1 })
    }

    /// Usage against each cap of `sender` over the windows the engine counts (the last hour, 24 h
    /// and 7 days), for the kinds in `kinds` (all of its caps when nil).
    static func limits(of sender: Sender, _ usage: [ActionKind: RollingUsage], at now: Date, kinds: Set<ActionKind>? = nil) -> [[String: Any]] {
        sender.limits.sorted { $0.key.rawValue < $1.key.rawValue }.filter { kinds?.contains($0.key) ?? true }.map { kind, limit in
            let used = usage[kind] ?? RollingUsage(times: [])
            let windows: [(Int?, TimeInterval)] = [(limit.perHour, 3600), (limit.perDay, 86_400), (limit.perWeek, 7 * 86_400)]
            return ["kind": kind.rawValue, "windows": windows.map { cap, seconds in
                WebPages.values(["used": used.count(since: now.addingTimeInterval(-seconds)), "limit": cap])
            }]
        }
    }

    /// The `{campaign}/{contact}` of an inbox path.
    private func conversation(_ context: AppContext) -> (ID, ID)? {
        guard let campaign = context.parameters.get("campaign").flatMap({ ID($0, kind: .campaign) }),
              let contact = context.parameters.get("contact").flatMap({ ID($0, kind: .contact) })
        else { return nil }
        return (campaign, contact)
    }

    private func inboxPage(_ request: Request, _ session: WebSession, _ user: User) async throws -> Response {
        let done = request.uri.queryParameters.get("show") == "done"
        let before = request.uri.queryParameters.get("before").flatMap(Int64.init).map { Date(timeIntervalSince1970: Double($0) / 1000) }
        let threads = try await services.inbox.threads(in: session.workspaceID, done: done, before: before, limit: 50)
        let rows = threads.map { thread -> [String: Any] in
            WebPages.values([
                "campaignID": thread.campaignID.rawValue, "contactID": thread.contactID.rawValue, "name": thread.contactName,
                "identity": thread.identity, "status": thread.contactStatus.isEmpty ? nil : thread.contactStatus,
                "campaign": thread.campaignName, "channel": thread.channel.rawValue, "reply": thread.lastReply.map { String($0.prefix(160)) } ?? "",
                "at": Timestamp.iso(thread.lastReplyAt), "unread": thread.unread,
            ])
        }
        var next: String?
        if threads.count == 50, let last = threads.last {
            next = "/app/inbox?" + (done ? "show=done&" : "") + "before=\(Int64((last.lastReplyAt.timeIntervalSince1970 * 1000).rounded()))"
        }
        return pages.render("inbox", layout(session, user, title: "Inbox").merging(WebPages.values([
            "threads": rows, "hasThreads": !rows.isEmpty, "showingDone": done, "next": next,
            "refresh": before == nil ? WebPages.refreshSeconds : nil,
        ])) { $1 })
    }

    /// A conversation, with a reply box: its `reply_id` names the message before it is written, so
    /// posting the same box twice sends once. A refused reply keeps its words (`draft`), under a
    /// new ID unless nothing was recorded (`replyID`, a form mistake).
    private func threadPage(_ campaign: ID, _ contact: ID, _ session: WebSession, _ user: User, draft: String = "", replyID: ID? = nil,
                            notice: (text: String, ok: Bool)? = nil, status: HTTPResponse.Status = .ok) async throws -> Response {
        let (thread, messages) = try await services.inbox.open(campaign: campaign, contact: contact, in: session.workspaceID)
        let verbs: [(String, String)] = (thread.done ? [("reopen", "Reopen")] : [("done", "Done")])
            + [("interested", "Interested"), ("not-interested", "Not interested")]
        return pages.render("thread", layout(session, user, title: thread.contactName).merging(WebPages.values([
            "thread": WebPages.values([
                "name": thread.contactName, "identity": thread.identity, "campaign": thread.campaignName, "channel": thread.channel.rawValue,
                "status": thread.contactStatus.isEmpty ? nil : thread.contactStatus, "done": thread.done,
                "actions": verbs.map { ["campaignID": campaign.rawValue, "contactID": contact.rawValue, "verb": $0.0, "label": $0.1,
                                        "csrf": session.csrfToken] },
            ]),
            "reply": ["campaignID": campaign.rawValue, "contactID": contact.rawValue, "replyID": (replyID ?? .generate(.action)).rawValue,
                      "draft": draft],
            "notice": WebPages.notice(notice),
            "messages": messages.map { message -> [String: Any] in
                WebPages.values(["side": message.fromUs ? "ours" : "theirs", "who": message.fromUs ? "Us" : thread.contactName,
                                 "kind": message.kind, "at": Timestamp.iso(message.at), "subject": message.subject.flatMap { $0.isEmpty ? nil : $0 },
                                 "text": message.text ?? "", "state": message.state.flatMap { $0 == .sent ? nil : $0.rawValue },
                                 "error": message.error])
            },
        ])) { $1 }, status: status)
    }

    /// Contacts, 50 a page, or those a search finds; the next page is a post too.
    private func contactsPage(_ session: WebSession, _ user: User, query: String, after: ID?) async throws -> Response {
        let page = try await services.contacts.search(query, in: session.workspaceID, page: PageRequest(limit: 50, startingAfter: after))
        let rows = page.items.map { contact -> [String: Any] in
            let name = [contact.firstName, contact.lastName].compactMap { $0 }.joined(separator: " ")
            return ["name": name.isEmpty ? "—" : name, "email": contact.email ?? "", "phone": contact.phone ?? "",
                    "linkedin": contact.linkedinURL ?? "", "company": contact.company ?? "", "status": contact.status]
        }
        return pages.render("contacts", layout(session, user, title: "Contacts").merging(WebPages.values([
            "query": query.isEmpty ? nil : query, "contacts": rows, "hasContacts": !rows.isEmpty,
            "next": page.hasMore ? page.items.last?.id.rawValue : nil,
        ])) { $1 })
    }

    private func suppressionsPage(_ request: Request, _ session: WebSession, _ user: User, notice: (text: String, ok: Bool)?,
                                  status: HTTPResponse.Status = .ok) async throws -> Response {
        let after = request.uri.queryParameters.get("after").flatMap { ID($0, kind: .suppression) }
        let page = try await services.suppressions.list(in: session.workspaceID, page: PageRequest(limit: 100, startingAfter: after))
        let entries = page.items.map { entry -> [String: Any] in
            ["id": entry.id.rawValue, "kind": entry.kind.rawValue, "value": entry.kind == .hash ? "(an erased person)" : entry.value,
             "reason": entry.reason ?? "", "created": Timestamp.iso(entry.createdAt), "csrf": session.csrfToken]
        }
        return pages.render("suppressions", layout(session, user, title: "Suppressions").merging(WebPages.values([
            "entries": entries, "kinds": Suppression.Kind.allCases.filter { $0 != .hash }.map(\.rawValue),
            "notice": WebPages.notice(notice),
            "next": page.hasMore ? page.items.last.map { "/app/suppressions?after=\($0.id)" } : nil,
        ])) { $1 }, status: status)
    }

    private func keysPage(_ session: WebSession, _ user: User, issued: IssuedKey?) async throws -> Response {
        let keys = try await services.workspaces.keys(in: session.workspaceID, page: PageRequest(limit: PageRequest.maximumLimit))
        return pages.render("keys", layout(session, user, title: "API keys").merging(WebPages.values([
            "keys": keys.items.map { key -> [String: Any] in
                WebPages.values(["id": key.id.rawValue, "name": key.name, "prefix": key.prefix, "created": Timestamp.iso(key.createdAt),
                                 "revoked": key.revokedAt.map { Timestamp.iso($0) }, "csrf": session.csrfToken])
            },
            "issued": issued.map { ["name": $0.key.name, "secret": $0.secret] },
        ])) { $1 })
    }

    private func sessionsPage(_ session: WebSession, _ user: User) async throws -> Response {
        let sessions = try await services.sessions.sessions(of: user.id).map { item -> [String: Any] in
            WebPages.values(["id": item.id.rawValue, "agent": item.userAgent ?? "unknown browser", "current": item.id == session.id,
                             "created": Timestamp.iso(item.createdAt), "seen": Timestamp.iso(item.lastSeenAt),
                             "revoked": item.revokedAt.map { Timestamp.iso($0) }, "csrf": session.csrfToken])
        }
        return pages.render("sessions", layout(session, user, title: "Sessions").merging(["sessions": sessions]) { $1 })
    }

    func notFound(_ session: WebSession, _ user: User) -> Response {
        pages.render("message", layout(session, user, title: "Not found").merging([
            "heading": "Not found", "text": "There is nothing here.", "link": "/app/campaigns", "linkText": "Back to campaigns",
        ]) { $1 }, status: .notFound)
    }

    func forbidden(_ session: WebSession, _ user: User) -> Response {
        pages.render("message", layout(session, user, title: "Expired form").merging([
            "heading": "This form has expired", "text": "Nothing was changed. Go back, reload the page and try again.",
            "link": "/app/campaigns", "linkText": "Back to campaigns",
        ]) { $1 }, status: .forbidden)
    }

    func layout(_ session: WebSession, _ user: User, title: String) -> [String: Any] {
        ["title": title, "user": true, "email": user.email, "csrf": session.csrfToken]
    }

    /// The launch, pause or resume button a campaign in its status offers.
    static func lifecycleActions(of campaign: Campaign, csrf: String) -> [[String: Any]] {
        let verbs: [(String, String)] = switch campaign.status {
        case .draft: [("launch", "Launch")]
        case .active: [("pause", "Pause")]
        case .paused: [("resume", "Resume")]
        default: []
        }
        return verbs.map { ["id": campaign.id.rawValue, "verb": $0.0, "label": $0.1, "csrf": csrf] }
    }

    /// Every item of a paged list, a page of the largest size at a time.
    static func everyItem<Item: Sendable>(_ page: (PageRequest) async throws -> Page<Item>, id: (Item) -> ID) async throws -> [Item] {
        var items: [Item] = []
        var cursor: ID?
        repeat {
            let next = try await page(PageRequest(limit: PageRequest.maximumLimit, startingAfter: cursor))
            items += next.items
            cursor = next.hasMore ? next.items.last.map(id) : nil
        } while cursor != nil
        return items
    }

    // MARK: Sessions and forms

    func signedIn(_ request: Request) async throws -> (WebSession, User)? {
        guard let token = request.cookies[Self.sessionCookie]?.value else { return nil }
        return try await services.sessions.session(token: token)
    }

    /// A form post of a signed-in user, or the page to answer instead.
    enum Posted {
        /// The session, its user, and the path's `{id}` when one was asked for; then the form.
        case ok(WebSession, User, ID?, form: [String: String] = [:])
        case answer(Response)

        var form: [String: String] {
            if case .ok(_, _, _, let form) = self { return form }
            return [:]
        }

        var answer: Response {
            if case .answer(let response) = self { return response }
            return Response(status: .internalServerError)  // not reached: callers take `.ok` first
        }
    }

    /// Checks a form post: a session (else the sign-in page), the session's `_csrf` (else the
    /// expired-form page, nothing changed), and, with `kind`, an `{id}` of that kind in the path
    /// (else not found — as for another workspace's ID, which the use case then refuses).
    func post(_ request: inout Request, _ context: AppContext, id kind: ID.Kind? = nil) async throws -> Posted {
        guard let (session, user) = try await signedIn(request) else { return .answer(WebPages.redirect("/app/login")) }
        let form = try await formFields(&request, context)
        guard Self.same(form["_csrf"] ?? "", session.csrfToken) else { return .answer(forbidden(session, user)) }
        guard let kind else { return .ok(session, user, nil, form: form) }
        guard let id = context.parameters.get("id").flatMap({ ID($0, kind: kind) }) else { return .answer(notFound(session, user)) }
        return .ok(session, user, id, form: form)
    }

    func formFields(_ request: inout Request, _ context: AppContext) async throws -> [String: String] {
        let body = try await request.collectBody(upTo: 64 * 1024)
        return Dictionary(ChannelRoutes.formFields(body), uniquingKeysWith: { first, _ in first })
    }

    private func sessionCookie(_ token: String, request: Request) -> Cookie {
        Cookie(name: Self.sessionCookie, value: token, maxAge: Int(SessionService.lifetime), path: "/", secure: isSecure(request),
               httpOnly: true, sameSite: .lax)
    }

    /// Behind https (directly or as a proxy says with `X-Forwarded-Proto`), cookies are `Secure`.
    private func isSecure(_ request: Request) -> Bool {
        ChannelRoutes.scheme(request) == "https"
    }

    static func expired(_ name: String, path: String) -> String {
        "\(name)=; Max-Age=0; Path=\(path); HttpOnly; SameSite=Lax"
    }

    /// Compares in constant time.
    static func same(_ a: String, _ b: String) -> Bool {
        ChannelRoutes.constantTimeEqual(Array(a.utf8), Array(b.utf8))
    }
}
