import Foundation
import Hummingbird
import OutboundCore

/// Lifecycle actions, stats, the outbox and inbound events.
struct EngineRoutes {
    let services: Services
    /// The last stats body written for each campaign, reused while campaign and counts are unchanged.
    let encodedStats = EncodedBodies<CampaignWithStats>()

    struct CampaignWithStats: Hashable, Sendable {
        var campaign: Campaign
        var stats: CampaignStats
    }

    func register(on routes: RouteRecorder) {
        let lifecycle = services.lifecycle
        for (verb, action) in [
            ("launch", lifecycle.launch), ("pause", lifecycle.pause), ("resume", lifecycle.resume),
            ("complete", lifecycle.complete), ("archive", lifecycle.archive),
        ] as [(String, @Sendable (ID, ID) async throws -> Campaign)] {
            routes.on(.post, "/v1/campaigns/{id}/\(verb)") { _, context in
                let id = try context.parameters.id(kind: .campaign, resource: "campaign")
                return try CampaignBody(await action(id, context.workspace()))
            }
        }
        routes.on(.get, "/v1/campaigns/{id}/stats") { _, context in
            let id = try context.parameters.id(kind: .campaign, resource: "campaign")
            let (campaign, stats) = try await services.stats.stats(id, in: context.workspace())
            return try encodedStats.response(for: CampaignWithStats(campaign: campaign, stats: stats), id: campaign.id) {
                StatsBody($0.campaign, stats: $0.stats)
            }
        }
        routes.on(.get, "/v1/campaigns/{id}/forecast", query: ["horizon_days"]) { request, context in
            let id = try context.parameters.id(kind: .campaign, resource: "campaign")
            var horizon = 365
            if let text = request.uri.queryParameters["horizon_days"].map(String.init) {
                guard let days = Int(text), (1...730).contains(days) else {
                    throw APIError.badQuery(field: "horizon_days", message: "must be an integer from 1 to 730")
                }
                horizon = days
            }
            let forecast = try await services.forecasts.forecast(id, in: context.workspace(), horizonDays: horizon)
            return ForecastBody(forecast)
        }
        routes.on(.get, "/v1/campaigns/{id}/stats/series", query: ["period", "from", "to"]) { request, context in
            let id = try context.parameters.id(kind: .campaign, resource: "campaign")
            let workspace = try context.workspace()
            let campaign = try await services.campaigns.get(id, in: workspace)
            let period = request.uri.queryParameters["period"].map(String.init) ?? "day"
            guard let seconds = ["minute": 60, "hour": 3600, "day": 86_400][period] else {
                throw APIError.badQuery(field: "period", message: "must be day, hour or minute")
            }
            func instant(_ name: String, _ fallback: Date) throws -> Date {
                guard let text = request.uri.queryParameters[Substring(name)].map(String.init) else { return fallback }
                guard let date = Timestamps.parse(text) else { throw APIError.badQuery(field: name, message: "must be an RFC 3339 timestamp") }
                return date
            }
            let now = services.clock.now
            let to = try instant("to", now)
            let from = try instant("from", campaign.startedAt ?? campaign.createdAt)
            guard from < to else { throw APIError.badQuery(field: "from", message: "must be before to") }
            guard to.timeIntervalSince(from) / Double(seconds) <= 10_000 else {
                throw APIError.badQuery(field: "period", message: "at most 10000 buckets: choose a longer period or a shorter range")
            }
            let buckets = try await services.stats.series(ofCampaign: id, in: workspace, from: from, to: to, bucketSeconds: seconds)
            return try JSONResponse.make(SeriesBody(campaignId: id.rawValue, period: period, from: from, to: to, buckets: buckets.map {
                SeriesBody.Bucket(start: $0.start, actions: $0.actions, signals: $0.signals)
            }))
        }
        routes.on(.get, "/v1/senders/{id}/usage") { _, context in
            let id = try context.parameters.id(kind: .sender, resource: "sender")
            let activity = try await services.stats.activity(ofSender: id, in: context.workspace())
            let now = services.clock.now
            var kinds: [String: UsageBody.Kind] = [:]
            for (kind, limit) in activity.sender.limits {
                let usage = activity.usage[kind] ?? RollingUsage(times: [])
                kinds[kind.rawValue] = UsageBody.Kind(
                    lastHour: usage.count(since: now.addingTimeInterval(-3600)), lastDay: usage.count(since: now.addingTimeInterval(-86_400)),
                    lastWeek: usage.count(since: now.addingTimeInterval(-604_800)), perHour: limit.perHour, perDay: limit.perDay,
                    perWeek: limit.perWeek, nextFreeAt: usage.nextFreeSlot(under: limit, at: now))
            }
            return UsageBody(senderId: id.rawValue, nextSlotAt: activity.nextSlotAt, inFlight: activity.inFlight, kinds: kinds)
        }
        routes.on(.get, "/v1/campaigns/{id}/actions", query: PageRequest.queryNames) { request, context in
            let id = try context.parameters.id(kind: .campaign, resource: "campaign")
            let page = try await services.actions.list(of: id, in: context.workspace(), page: request.pageRequest(kind: .action))
            return ListBody(page, id: \.id, map: ActionBody.init)
        }
        let actions = services.actions
        for (verb, decide) in [("retry", actions.retry), ("dismiss", actions.dismiss)] as [(String, @Sendable (ID, ID) async throws -> ActionRecord)] {
            routes.on(.post, "/v1/actions/{id}/\(verb)") { _, context in
                let id = try context.parameters.id(kind: .action, resource: "action")
                return try ActionBody(await decide(id, context.workspace()))
            }
        }
        routes.on(.post, "/v1/campaigns/{id}/leads/{contact_id}/messages") { request, context in
            var request = request
            let workspace = try context.workspace()
            let campaign = try context.parameters.id(kind: .campaign, resource: "campaign")
            let contact = try context.parameters.id("contact_id", kind: .contact, resource: "lead")
            // Another workspace's campaign or contact is not found before the body is judged.
            _ = try await services.campaigns.get(campaign, in: workspace)
            _ = try await services.contacts.get(contact, in: workspace)
            let body = try await request.jsonBody(context: context)
            let text = body.string("text")
            try body.finish()
            guard case .value(let words) = text else { throw ValidationError("text", "is required: the message to send") }
            let reply = ManualReply(id: .generate(.action), campaignID: campaign, contactID: contact, text: words)
            _ = try await services.replies.send(reply, in: workspace)
            return try JSONResponse.make(ActionBody(await services.actions.get(reply.id, in: workspace)), status: .created)
        }
        routes.on(.post, "/v1/inbound") { request, context in
            var request = request
            let workspace = try context.workspace()
            let body = try await request.jsonBody(context: context)
            let type = body.string("type"), actionID = body.string("action_id"), senderID = body.string("sender_id")
            let identity = body.string("identity"), email = body.string("email"), phone = body.string("phone")
            let linkedin = body.string("linkedin_url"), at = body.date("at")
            _ = body.string("channel")
            let text = body.string("body")
            try body.finish()
            guard case .value(let rawType) = type, let signal = SignalType(rawValue: rawType), SignalType.inbound.contains(signal) else {
                throw ValidationError("type", "must be one of \(SignalType.inbound.map(\.rawValue).joined(separator: ", "))")
            }
            var event = InboundEvent(type: signal, identity: identity.value ?? email.value ?? phone.value ?? linkedin.value, at: at.value,
                                     text: text.value)
            if let raw = actionID.value {
                guard let id = ID(raw, kind: .action) else { throw ValidationError("action_id", "no action \(raw) in this workspace") }
                event.actionID = id
            }
            if let raw = senderID.value {
                guard let id = ID(raw, kind: .sender) else { throw ValidationError("sender_id", "no sender \(raw) in this workspace") }
                event.senderID = id
            }
            let matched = try await services.inbound.receive(event, in: workspace)
            return try JSONResponse.make(["matched": matched], status: .accepted)
        }
    }
}

struct ActionBody: ResponseEncodable, Sendable {
    var id: String
    var object = "action"
    var campaignId: String
    var contactId: String
    var nodeId: String
    @Nullable var senderId: String?
    var kind: String
    var state: String
    @Nullable var recipient: String?
    @Nullable var subject: String?
    @Nullable var body: String?
    @Nullable var error: String?
    var attempts: Int
    var createdAt: Date
    @Nullable var sentAt: Date?
    var updatedAt: Date

    init(_ action: ActionRecord) {
        id = action.id.rawValue
        campaignId = action.campaignID.rawValue
        contactId = action.contactID.rawValue
        nodeId = action.nodeID
        senderId = action.senderID?.rawValue
        kind = action.kind.rawValue
        state = action.state.rawValue
        recipient = action.recipient
        subject = action.subject
        body = action.body
        error = action.error
        attempts = action.attempts
        createdAt = action.createdAt
        sentAt = action.sentAt
        updatedAt = action.updatedAt
    }
}

/// Campaign stats from counters kept up to date with every change (reads do not scan leads).
struct StatsBody: ResponseEncodable, Sendable {
    var campaignId: String
    var status: String
    var targets: Int
    var pending: Int
    var active: Int
    var waiting: Int
    var contacted: Int
    var sent: Int
    var accepted: Int
    var opened: Int
    var clicked: Int
    var replied: Int
    /// Out-of-office and other automatic answers: not replies.
    var autoReplied: Int
    var bounced: Int
    var unsubscribed: Int
    var failed: Int
    var uncertain: Int
    var skipped: Int
    var stopped: Int
    var completed: Int
    var completionRate: Double
    var replyRate: Double
    var perNode: [String: Int]
    var perSender: [String: Int]

    init(_ campaign: Campaign, stats: CampaignStats) {
        campaignId = campaign.id.rawValue
        status = campaign.status.rawValue
        pending = stats.leads(.pending)
        active = stats.leads(.active)
        waiting = stats.leads(.waiting)
        targets = stats.targets
        contacted = stats.contacted
        sent = stats.sent
        accepted = stats.signals(.accepted)
        opened = stats.signals(.opened)
        clicked = stats.signals(.clicked)
        replied = stats.signals(.replied)
        autoReplied = stats.signals(.autoReplied)
        bounced = stats.leads(.bounced)
        unsubscribed = stats.leads(.unsubscribed)
        failed = stats.leads(.failed)
        uncertain = stats.leads(.uncertain)
        skipped = stats.leads(.skipped)
        stopped = stats.leads(.stopped)
        completed = stats.leads(.completed)
        completionRate = stats.completionRate
        replyRate = stats.replyRate
        perNode = stats.sentPerNode
        perSender = Dictionary(uniqueKeysWithValues: stats.sentPerSender.map { ($0.key.rawValue, $0.value) })
    }
}

struct ForecastBody: ResponseEncodable, Sendable {
    struct Day: Encodable, Sendable {
        var date: String
        var count: Int
    }

    var campaignId: String
    @Nullable var estimatedCompletionAt: Date?
    var actionsPerDay: [Day]
    var bottleneck: String
    var simulatedActions: Int
    var horizonReached: Bool

    init(_ forecast: ForecastService.Forecast) {
        campaignId = forecast.campaignID.rawValue
        estimatedCompletionAt = forecast.estimatedCompletionAt
        actionsPerDay = forecast.actionsPerDay.map { Day(date: $0.date, count: $0.count) }
        bottleneck = forecast.bottleneck
        simulatedActions = forecast.simulatedActions
        horizonReached = forecast.horizonReached
    }
}

struct SeriesBody: ResponseEncodable, Sendable {
    struct Bucket: Encodable, Sendable {
        var start: Date
        var actions: Int
        var signals: [String: Int]
    }

    var campaignId: String
    var period: String
    var from: Date
    var to: Date
    var buckets: [Bucket]
}

struct UsageBody: ResponseEncodable, Sendable {
    struct Kind: Encodable, Sendable {
        var lastHour: Int
        var lastDay: Int
        var lastWeek: Int
        @Nullable var perHour: Int?
        @Nullable var perDay: Int?
        @Nullable var perWeek: Int?
        /// Nil when one more action fits now.
        @Nullable var nextFreeAt: Date?
    }

    var senderId: String
    @Nullable var nextSlotAt: Date?
    var inFlight: Bool
    var kinds: [String: Kind]
}
