import Foundation
import Hummingbird
import OutboundCore

/// Alsona / HubLinks (LinkedIn) at `/rest/…` and `/alsona/rest/…`, header `X-API-KEY`.
/// `{account_id}` is the workspace ID; seats are senders. Bodies are wrapped in `campaign`,
/// timestamps are epoch milliseconds, `timezone` is a UTC offset in minutes, and `status`
/// (`DRAFT|RUN|PAUSE|PAUSED|DONE`) is how a campaign is started and paused.
///
/// IDs: Alsona's own shapes (`ACCO…`, `SEAT…`, `CAMP…` + 20 hex digits) are read as the
/// Outbound IDs with the same digits (`workspace_…`, `seat_…`, `campaign_…`); answers use Outbound's.
///
/// Schedules: each weekday is `[enabled, start_hour, end_hour]` (the documented form, hours
/// 0–24), or — as in Alsona's own examples — three booleans, read as `[enabled, …]` with the
/// default hours 09–17 (the booleans carry no hours). Answers always use the documented form.
struct AlsonaRoutes {
    let services: Services
    static let prefix = "/rest"

    func register(on routes: RouteRecorder) {
        let base = "\(Self.prefix)/accounts/{account_id}"
        routes.on(.alsona, .get, base) { request, context in
            let workspace = try account(context)
            let info = try await services.workspaces.workspace(workspace)
            let seats = try await services.allSenders(in: workspace).filter { $0.channel == .linkedin }
            var account: [String: JSONValue] = [
                "account_id": .string(workspace.rawValue), "agency_id": .null, "name": .string(info.name), "active_until": .null,
                "seats_free": 0, "seats_paid": DialectJSON.int(seats.count), "seats_used": DialectJSON.int(seats.count),
                "status": "ENABLED", "created_at": DialectJSON.millis(info.createdAt), "created_by": .null,
            ]
            if let wanted = request.uri.queryParameters["specific_attributes"] {
                let names = Set(wanted.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
                account = account.filter { names.contains($0.key) }
            }
            return DialectJSON.response(["success": true, "account": .object(account)])
        }
        routes.on(.alsona, .get, "\(base)/seats") { request, context in
            let workspace = try account(context)
            let (page, next) = try await seatPage(workspace, lastKey: request.uri.queryParameters["last_key"].map(String.init))
            return DialectJSON.response(["success": true, "seats": .array(page.map(Self.seat)), "last_key": DialectJSON.string(next)])
        }
        routes.on(.alsona, .get, "\(base)/seats/{seat_id}") { _, context in
            let workspace = try account(context)
            let raw = context.parameters.get("seat_id") ?? ""
            guard let id = Self.id(raw, .sender) else { throw NotFoundError("seat", id: raw) }
            let sender = try await services.senders.get(id, in: workspace)
            guard sender.channel == .linkedin else { throw NotFoundError("seat", id: id.rawValue) }
            return DialectJSON.response(["success": true, "seat": Self.seat(sender)])
        }
        routes.on(.alsona, .post, "\(base)/campaigns") { request, context in
            var request = request
            let workspace = try account(context)
            let body = try await campaignBody(&request, context)
            var chosenID: ID?
            if case .value(let raw) = body.string("campaign_id") {
                guard let id = Self.id(raw, .campaign) else {
                    throw DialectError.badRequest("campaign_id must be CAMP or campaign_ followed by 20 hex digits")
                }
                chosenID = id
            }
            var input = try Self.input(body, creating: true)
            input.channel = .value("linkedin")
            let status = try Self.status(body)
            let created = try await services.campaigns.create(input, in: workspace, id: chosenID)
            let campaign = try await apply(status, to: created)
            return DialectJSON.response(["success": true, "campaign": try await campaignObject(campaign)])
        }
        routes.on(.alsona, .get, "\(base)/campaigns") { request, context in
            let workspace = try account(context)
            var page = PageRequest(limit: 25)
            if let key = request.uri.queryParameters["last_key"] {
                guard let id = ID(String(key), kind: .campaign) else { throw DialectError.badRequest("last_key is not a key this API gave") }
                page.startingAfter = id
            }
            let batch = try await services.campaigns.list(in: workspace, page: page)
            var items: [JSONValue] = []
            for campaign in batch.items where campaign.channel == .linkedin { items.append(try await campaignObject(campaign)) }
            return DialectJSON.response([
                "success": true, "campaigns": .array(items),
                "last_key": batch.hasMore ? DialectJSON.string(batch.items.last?.id.rawValue) : .null,
            ])
        }
        routes.on(.alsona, .get, "\(base)/campaigns/{campaign_id}") { _, context in
            let campaign = try await campaign(context)
            return DialectJSON.response(["success": true, "campaign": try await campaignObject(campaign)])
        }
        routes.on(.alsona, .put, "\(base)/campaigns/{campaign_id}") { request, context in
            var request = request
            let current = try await campaign(context)
            let body = try await campaignBody(&request, context)
            let status = try Self.status(body)
            let input = try Self.input(body, creating: false)
            var campaign = current
            if input.hasChanges {
                campaign = try await services.campaigns.update(current.id, with: input, in: current.workspaceID)
            }
            campaign = try await apply(status, to: campaign)
            return DialectJSON.response(["success": true, "campaign": try await campaignObject(campaign)])
        }
        routes.on(.alsona, .delete, "\(base)/campaigns/{campaign_id}") { _, context in
            let campaign = try await campaign(context)
            try await services.campaigns.delete(campaign.id, in: campaign.workspaceID)
            return DialectJSON.response(["success": true])
        }
        routes.on(.alsona, .get, "\(base)/stats") { request, context in
            let workspace = try account(context)
            let query = Dictionary(request.uri.queryParameters.map { (String($0.key), String($0.value)) }, uniquingKeysWith: { first, _ in first })
            return DialectJSON.response(try await stats(query, workspace: workspace))
        }
        // Last, so the document lists every route above (and itself).
        let document = DialectDocuments.alsona(routes: routes.routes(of: .alsona))
        routes.on(.get, Dialect.alsona.documentPath) { _, _ in DialectJSON.response(document) }
    }

    // MARK: Requests

    /// The account in the path must be the key's workspace: anything else is 401, as Alsona does.
    private func account(_ context: AppContext) throws -> ID {
        let workspace = try context.workspace()
        guard Self.id(context.parameters.get("account_id") ?? "", .workspace) == workspace else {
            throw APIError.unauthorized("Permission denied: this key has no access to account \(context.parameters.get("account_id") ?? "")")
        }
        return workspace
    }

    private func campaign(_ context: AppContext) async throws -> Campaign {
        let workspace = try account(context)
        let raw = context.parameters.get("campaign_id") ?? ""
        guard let id = Self.id(raw, .campaign) else { throw NotFoundError("campaign", id: raw) }
        return try await services.campaign(id, in: workspace, channels: [.linkedin])
    }

    /// The `campaign` object of the body (Alsona wraps every campaign body in it).
    private func campaignBody(_ request: inout Request, _ context: AppContext) async throws -> BodyReader {
        let body = try await request.jsonBody(context: context)
        guard case .value(let campaign) = body.object("campaign") else {
            throw DialectError.badRequest("the body must be {\"campaign\": {…}}")
        }
        return campaign
    }

    /// The campaign fields Outbound keeps, as a campaign input (`status` is handled apart).
    static func input(_ body: BodyReader, creating: Bool) throws -> CampaignInput {
        var input = CampaignInput()
        // Outbound's extension: `"dry_run": true` runs a new campaign through the simulator.
        if creating { input.dryRun = body.bool("dry_run") }
        input.name = body.string("name")
        if creating, input.name.value?.isEmpty != false { throw DialectError.badRequest("campaign.name is required") }
        input.senderIDs = body.strings("seats").map { $0.map { Self.id($0, .sender)?.rawValue ?? $0 } }
        if creating, input.senderIDs.value == nil { throw DialectError.badRequest("campaign.seats is required") }
        if case .value(let days) = body.object("schedule") { input.schedule = .value(try schedule(days)) }
        switch body.int("timezone") {
        case .value(let minutes):
            guard let zone = Zone(offsetMinutes: minutes) else {
                throw DialectError.badRequest("campaign.timezone must be a UTC offset in minutes (-840 to 840)")
            }
            input.timezone = .value(zone.identifier)
        case .null: input.timezone = .value("UTC")
        case .absent: break
        }
        try body.finish()
        return input
    }

    /// `[enabled, start_hour, end_hour]`, or three booleans (enabled, with default hours).
    static func schedule(_ days: BodyReader) throws -> [String: [Schedule.RawWindow]] {
        var result: [String: [Schedule.RawWindow]] = [:]
        for (day, value) in days.object {
            guard case .array(let parts) = value, let first = parts.first, case .bool(let enabled) = first else {
                throw DialectError.badRequest("campaign.schedule.\(day) must be [enabled, start_hour, end_hour]")
            }
            // A day switched off sends nothing: its hours are not read, whatever they are.
            guard enabled else {
                result[day] = []
                continue
            }
            var start = 9, end = 17
            if parts.count >= 3, case .number(let from) = parts[1], case .number(let to) = parts[2] {
                guard from >= 0, to <= 24, from < to, from == from.rounded(), to == to.rounded() else {
                    throw DialectError.badRequest("campaign.schedule.\(day): hours must be whole, 0 to 24, start before end")
                }
                start = Int(from)
                end = Int(to)
            }
            result[day] = [Schedule.RawWindow(start: String(format: "%02d:00", start), end: String(format: "%02d:00", end))]
        }
        return result
    }

    /// An Outbound ID, or Alsona's shape of it (`CAMP` + the same 20 hex digits).
    static func id(_ raw: String, _ kind: ID.Kind) -> ID? {
        if let id = ID(raw, kind: kind) { return id }
        let vendor: String = switch kind {
        case .workspace: "ACCO"
        case .sender: "SEAT"
        case .campaign: "CAMP"
        default: ""
        }
        guard !vendor.isEmpty, raw.hasPrefix(vendor) else { return nil }
        return ID(kind.rawValue + "_" + raw.dropFirst(vendor.count).lowercased(), kind: kind)
    }

    enum Status: String { case draft = "DRAFT", run = "RUN", pause = "PAUSE", done = "DONE" }

    static func status(_ body: BodyReader) throws -> Status? {
        guard case .value(let raw) = body.string("status") else { return nil }
        if raw.uppercased() == "PAUSED" { return .pause }
        guard let status = Status(rawValue: raw.uppercased()) else {
            throw DialectError.badRequest("campaign.status must be one of DRAFT, RUN, PAUSE, DONE")
        }
        return status
    }

    /// `RUN` launches a draft or resumes a paused campaign, `PAUSE` pauses, `DONE` completes;
    /// asking for the status it already has changes nothing.
    private func apply(_ status: Status?, to campaign: Campaign) async throws -> Campaign {
        let lifecycle = services.lifecycle
        switch (status, campaign.status) {
        case (.run?, .draft): return try await lifecycle.launch(campaign.id, in: campaign.workspaceID)
        case (.run?, .paused): return try await lifecycle.resume(campaign.id, in: campaign.workspaceID)
        case (.pause?, .active): return try await lifecycle.pause(campaign.id, in: campaign.workspaceID)
        case (.done?, .active), (.done?, .paused): return try await lifecycle.complete(campaign.id, in: campaign.workspaceID)
        case (nil, _), (.run?, .active), (.pause?, .paused), (.done?, .completed), (.draft?, .draft): return campaign
        default:
            throw DialectError.badRequest("cannot set status \(status!.rawValue) on a \(Self.status(of: campaign)) campaign")
        }
    }

    // MARK: Answers

    static func status(of campaign: Campaign) -> String {
        switch campaign.status {
        case .draft: "DRAFT"
        case .active: "RUN"
        case .paused: "PAUSED"
        case .completed, .archived: "DONE"
        }
    }

    private func campaignObject(_ campaign: Campaign) async throws -> JSONValue {
        let now = services.clock.now
        var schedule: [String: JSONValue] = [:]
        for day in Weekday.allCases {
            let window = campaign.schedule.windows[day]?.first
            schedule[day.rawValue] = window.map { [true, .number(Double($0.start / 60)), .number(Double(($0.end + 59) / 60))] } ?? [false, 0, 0]
        }
        // The next moment it will act: now inside its window, else the window's next opening.
        let waitUntil: Date? = campaign.status == .active ? campaign.schedule.nextOpening(atOrAfter: max(now, campaign.startAt ?? now), in: campaign.timezone) : nil
        return [
            "campaign_id": .string(campaign.id.rawValue), "account_id": .string(campaign.workspaceID.rawValue),
            "name": .string(campaign.name), "status": .string(Self.status(of: campaign)),
            "seats": .array(campaign.senderIDs.map { .string($0.rawValue) }), "schedule": .object(schedule),
            "timezone": DialectJSON.int(campaign.timezone.timeZone.secondsFromGMT(for: now) / 60),
            "priority": DialectJSON.millis(campaign.createdAt), "created_at": DialectJSON.millis(campaign.createdAt),
            "wait_until": DialectJSON.millis(waitUntil),
        ]
    }

    static func seat(_ sender: Sender) -> JSONValue {
        [
            "seat_id": .string(sender.id.rawValue), "account_id": .string(sender.workspaceID.rawValue), "name": .string(sender.displayName),
            "linkedin_url": DialectJSON.string(sender.linkedinURL), "status": .string(sender.status == .active ? "ENABLED" : sender.status.rawValue.uppercased()),
            "created_at": DialectJSON.millis(sender.createdAt), "proxy": .null,
        ]
    }

    private func seatPage(_ workspace: ID, lastKey: String?) async throws -> ([Sender], String?) {
        var page = PageRequest(limit: 25)
        if let lastKey {
            guard let id = ID(lastKey, kind: .sender) else { throw DialectError.badRequest("last_key is not a key this API gave") }
            page.startingAfter = id
        }
        let batch = try await services.senders.list(in: workspace, page: page)
        return (batch.items.filter { $0.channel == .linkedin }, batch.hasMore ? batch.items.last?.id.rawValue : nil)
    }

    /// `period=DAY|HOUR|MIN`, exactly one of `campaign_id` or `seat_id`, `start_date`/`end_date`
    /// as epoch ms, `YYYY-MM-DD` or RFC 3339 (default: the last 7 days, or 24 hours for MIN).
    private func stats(_ query: [String: String], workspace: ID) async throws -> JSONValue {
        let period = (query["period"] ?? "DAY").uppercased()
        let seconds: Int
        switch period {
        case "DAY": seconds = 86_400
        case "HOUR": seconds = 3_600
        case "MIN": seconds = 60
        default: throw DialectError.badRequest("period must be DAY, HOUR or MIN")
        }
        let campaign = query["campaign_id"], seat = query["seat_id"]
        guard (campaign == nil) != (seat == nil) else { throw DialectError.badRequest("give exactly one of seat_id or campaign_id") }
        let now = services.clock.now
        let to = try query["end_date"].map { try Self.date($0, name: "end_date") } ?? now
        let from = try query["start_date"].map { try Self.date($0, name: "start_date") }
            ?? to.addingTimeInterval(period == "MIN" ? -86_400 : -7 * 86_400)
        guard from < to else { throw DialectError.badRequest("start_date must be before end_date") }
        guard to.timeIntervalSince(from) / Double(seconds) <= 10_000 else { throw DialectError.badRequest("too many buckets: widen the period") }
        let buckets: [ActivityBucket]
        if let campaign {
            guard let id = Self.id(campaign, .campaign) else { throw NotFoundError("campaign", id: campaign) }
            _ = try await services.campaigns.get(id, in: workspace)
            buckets = try await services.stats.series(ofCampaign: id, in: workspace, from: from, to: to, bucketSeconds: seconds)
        } else {
            guard let id = Self.id(seat!, .sender) else { throw NotFoundError("seat", id: seat!) }
            _ = try await services.senders.get(id, in: workspace)
            buckets = try await services.stats.series(ofSender: id, in: workspace, from: from, to: to, bucketSeconds: seconds)
        }
        return [
            "success": true, "period": .string(period), "start_date": DialectJSON.millis(from), "end_date": DialectJSON.millis(to),
            "stats": .array(buckets.map { bucket in
                [
                    "timestamp": DialectJSON.millis(bucket.start), "actions": DialectJSON.int(bucket.actions),
                    "connections_accepted": DialectJSON.int(bucket.signals["accepted"] ?? 0),
                    "replies": DialectJSON.int(bucket.signals["replied"] ?? 0),
                ]
            }),
            "last_key": .null,
        ]
    }

    static func date(_ text: String, name: String) throws -> Date {
        if let millis = Double(text) { return Date(timeIntervalSince1970: millis / 1000) }
        if let date = Timestamps.parse(text) ?? Timestamps.parse(text + "T00:00:00Z") { return date }
        throw DialectError.badRequest("\(name) must be epoch milliseconds, YYYY-MM-DD or an RFC 3339 time")
    }
}

extension CampaignInput {
    /// Whether any field is set (a PUT that only changes `status` updates nothing else).
    var hasChanges: Bool {
        !name.isAbsent || !senderIDs.isAbsent || !schedule.isAbsent || !timezone.isAbsent
    }
}
