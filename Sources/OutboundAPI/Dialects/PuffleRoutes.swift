import Foundation
import Hummingbird
import OutboundCore

/// Puffle (LinkedIn and email outreach) at `/puffle/api/…`, Bearer key. Campaigns, their
/// validate/launch/pause/resume, the lead roster, sequence nodes by position, and senders.
/// IDs are Outbound's (`campaign_…`, `seat_…`, `contact_…`); Puffle clients treat them as opaque.
struct PuffleRoutes {
    let services: Services
    static let prefix = "/puffle/api"

    func register(on routes: RouteRecorder) {
        let p = Self.prefix
        routes.on(.puffle, .post, "\(p)/campaigns") { request, context in
            var request = request
            let body = try await request.jsonBody(context: context)
            let workspace = try context.workspace()
            let input = try await campaignInput(body, creating: true, current: nil, workspace: workspace)
            let campaign = try await services.campaigns.create(input, in: workspace)
            var object = try await campaignObject(campaign)
            object["sequence_nodes"] = .array(Self.nodes(of: campaign))
            return DialectJSON.response(["campaign": .object(object)], status: .created)
        }
        routes.on(.puffle, .get, "\(p)/campaigns") { _, context in
            var all = try await services.allCampaigns(in: context.workspace())
            // Active and paused first, then drafts, then the finished ones.
            let rank: [Campaign.Status: Int] = [.active: 0, .paused: 1, .draft: 2, .completed: 3, .archived: 4]
            all.sort { (rank[$0.status] ?? 9, $0.createdAt) < (rank[$1.status] ?? 9, $1.createdAt) }
            var items: [JSONValue] = []
            for campaign in all {
                var object = try await campaignObject(campaign)
                object["node_count"] = DialectJSON.int(campaign.sequence.nodes.count)
                items.append(.object(object))
            }
            return DialectJSON.response(["campaigns": .array(items)])
        }
        routes.on(.puffle, .get, "\(p)/campaigns/{id}") { _, context in
            let campaign = try await campaign(context)
            let stats = try await services.stats.stats(of: campaign)
            var byStatus: [String: Int] = [:]
            for state in EnrollmentState.allCases where stats.leads(state) > 0 {
                byStatus[Self.leadStatus(state, contacted: true), default: 0] += stats.leads(state)
            }
            let byNode = stats.sentPerNode.mapValues { ["sent": DialectJSON.int($0)] as JSONValue }
            return DialectJSON.response([
                "campaign": .object(try await campaignObject(campaign, stats: stats)), "sequence_nodes": .array(Self.nodes(of: campaign)),
                "prospects_by_status": .object(byStatus.mapValues { DialectJSON.int($0) }), "prospects_by_node": .object(byNode),
            ])
        }
        routes.on(.puffle, .patch, "\(p)/campaigns/{id}") { request, context in
            var request = request
            let current = try await campaign(context)
            let body = try await request.jsonBody(context: context)
            let input = try await campaignInput(body, creating: false, current: current, workspace: current.workspaceID)
            var campaign = try await services.campaigns.update(current.id, with: input, in: current.workspaceID)
            if current.status == .draft, case .value(let items) = body.array("sequence_nodes") {
                let nodes = try Self.sequence(from: items, channel: current.channel, path: "sequence_nodes")
                _ = try await services.sequences.replace(current.id, nodes: nodes, expectedVersion: nil, in: current.workspaceID)
                campaign = try await services.campaigns.get(current.id, in: current.workspaceID)
            }
            return DialectJSON.response(["campaign": .object(try await campaignObject(campaign))])
        }
        routes.on(.puffle, .get, "\(p)/campaigns/{id}/validate") { _, context in
            let campaign = try await campaign(context)
            return DialectJSON.response(try await validation(campaign))
        }
        routes.on(.puffle, .post, "\(p)/campaigns/{id}/launch") { _, context in
            let campaign = try await campaign(context)
            guard campaign.status == .draft else {
                throw DialectError.badRequest("Campaign is \(Self.status(campaign.status)) — must be draft to launch")
            }
            let report = try await services.review.validate(campaign.id, in: campaign.workspaceID)
            guard report.ready else { throw DialectError.badRequest(report.errors.map(\.message).joined(separator: "; ")) }
            let pending = try await services.leads.count(of: campaign)
            let launched = try await services.lifecycle.launch(campaign.id, in: campaign.workspaceID)
            return DialectJSON.response([
                "success": true, "message": "Campaign launch started", "runId": .string("run_" + launched.id.rawValue.suffix(12)),
                "prospectsToProcess": DialectJSON.int(pending),
            ])
        }
        routes.on(.puffle, .post, "\(p)/campaigns/{id}/pause") { _, context in
            let campaign = try await campaign(context)
            guard campaign.status == .active else { throw DialectError.badRequest("Only active campaigns can be paused") }
            let paused = try await services.lifecycle.pause(campaign.id, in: campaign.workspaceID)
            return DialectJSON.response(["campaign": .object(try await campaignObject(paused))])
        }
        routes.on(.puffle, .post, "\(p)/campaigns/{id}/resume") { _, context in
            let campaign = try await campaign(context)
            guard campaign.status == .paused else { throw DialectError.badRequest("Only paused campaigns can be resumed") }
            let resumed = try await services.lifecycle.resume(campaign.id, in: campaign.workspaceID)
            return DialectJSON.response(["campaign": .object(try await campaignObject(resumed))])
        }
        registerLeads(on: routes)
        registerNodes(on: routes)
        registerSenders(on: routes)
        // Last, so the document lists every route above; it lives at /puffle/openapi.json.
        let document = DialectDocuments.puffle(routes: routes.routes(of: .puffle))
        routes.on(.get, Dialect.puffle.documentPath) { _, _ in DialectJSON.response(document) }
    }

    // MARK: Leads

    private func registerLeads(on routes: RouteRecorder) {
        let p = Self.prefix
        routes.on(.puffle, .get, "\(p)/campaigns/{id}/leads") { request, context in
            let campaign = try await campaign(context)
            let query = request.uri.queryParameters
            let page = try Self.positive(query["page"].map(String.init), name: "page", default: 1, max: Int.max)
            let limit = try Self.positive(query["limit"].map(String.init), name: "limit", default: 100, max: 1000)
            let wanted = query["status"].map(String.init)
            // Puffle pages by number; Outbound's store by cursor: walk to the page asked for.
            var all: [Lead] = []
            var cursor = PageRequest(limit: PageRequest.maximumLimit)
            while true {
                let batch = try await services.leads.list(of: campaign.id, state: nil, in: campaign.workspaceID, page: cursor)
                all += batch.items.filter { wanted == nil || Self.leadStatus($0.state, contacted: true) == wanted }
                guard batch.hasMore, let last = batch.items.last, all.count < page * limit else { break }
                cursor.startingAfter = last.contact.id
            }
            let total = wanted == nil ? try await services.leads.count(of: campaign) : all.count
            let slice = all.dropFirst((page - 1) * limit).prefix(limit)
            return DialectJSON.response([
                "prospects": .array(slice.map { Self.prospect($0, campaign: campaign) }),
                "total": DialectJSON.int(total), "page": DialectJSON.int(page), "limit": DialectJSON.int(limit),
            ])
        }
        routes.on(.puffle, .post, "\(p)/campaigns/{id}/leads") { request, context in
            var request = request
            let campaign = try await draftCampaign(context)
            let body = try await request.jsonBody(context: context)
            guard case .value(let items) = body.array("prospects"), (1...1000).contains(items.count) else {
                throw DialectError.badRequest("prospects must be an array of 1 to 1000 leads")
            }
            let identity = campaign.channel == .email ? "email" : "linkedin_url"
            var inputs: [ContactInput] = []
            for (index, item) in items.enumerated() {
                let reader = try BodyReader(body: item, path: "prospects[\(index)]")
                guard case .value(let value) = reader.string(identity), !value.isEmpty else {
                    throw DialectError.badRequest("prospects[\(index)] has no \(identity) (required for a \(campaign.channel.rawValue) campaign)")
                }
                var input = ContactInput(reader)
                if input.title.isAbsent { input.title = reader.string("position") }
                inputs.append(input)
            }
            let added = try await services.leads.add(.contacts(inputs), to: campaign.id, in: campaign.workspaceID)
            return DialectJSON.response(["imported": DialectJSON.int(added.added), "duplicates": DialectJSON.int(added.duplicates)])
        }
        routes.on(.puffle, .patch, "\(p)/campaigns/{id}/leads") { request, context in
            var request = request
            let campaign = try await draftCampaign(context)
            let body = try await request.jsonBody(context: context)
            guard case .value(let raw) = body.string("prospect_id"), let id = ID(raw, kind: .contact) else {
                throw DialectError.badRequest("prospect_id is required")
            }
            guard case .value(let updates) = body.object("updates") else { throw DialectError.badRequest("updates is required") }
            var input = ContactInput()
            input.firstName = updates.string("first_name")
            input.lastName = updates.string("last_name")
            input.email = updates.string("email")
            input.linkedinURL = updates.string("linkedin_url")
            input.company = updates.string("company")
            input.title = updates.string("position")
            try body.finish()
            guard try await services.leads.isLead(id, of: campaign) else {
                throw NotFoundError("prospect", id: raw)
            }
            let contact = try await services.contacts.update(id, with: input, in: campaign.workspaceID)
            let lead = Lead(contact: contact, campaignID: campaign.id, state: .pending, reason: nil, addedAt: contact.createdAt,
                            updatedAt: contact.updatedAt)
            return DialectJSON.response(["prospect": Self.prospect(lead, campaign: campaign)])
        }
        routes.on(.puffle, .delete, "\(p)/campaigns/{id}/leads") { request, context in
            var request = request
            let campaign = try await draftCampaign(context)
            let body = try await request.jsonBody(context: context)
            if case .value(true) = body.bool("all") {
                let leads = try await Page.all(id: \.contact.id) {
                    try await services.leads.list(of: campaign.id, state: nil, in: campaign.workspaceID, page: $0)
                }
                for lead in leads { try await services.leads.remove(contact: lead.contact.id, from: campaign.id, in: campaign.workspaceID) }
                return DialectJSON.response(["deleted": "all"])
            }
            guard case .value(let ids) = body.strings("prospect_ids"), (1...500).contains(ids.count) else {
                throw DialectError.badRequest("send prospect_ids (1 to 500) or all: true")
            }
            var deleted = 0
            for raw in ids {
                guard let id = ID(raw, kind: .contact) else { continue }
                do {
                    try await services.leads.remove(contact: id, from: campaign.id, in: campaign.workspaceID)
                    deleted += 1
                } catch is NotFoundError {}
            }
            return DialectJSON.response(["deleted": DialectJSON.int(deleted)])
        }
        routes.on(.puffle, .post, "\(p)/campaigns/{id}/leads/import-from-list") { request, context in
            var request = request
            let campaign = try await draftCampaign(context)
            let body = try await request.jsonBody(context: context)
            guard case .value(let list) = body.string("listId") else { throw DialectError.badRequest("listId is required") }
            let added = try await services.leads.add(.list(list), to: campaign.id, in: campaign.workspaceID)
            let total = added.added + added.duplicates + added.invalid + added.skipped
            let answer: JSONValue = [
                "imported": DialectJSON.int(added.added), "duplicates": DialectJSON.int(added.duplicates + added.skipped),
                "invalid": DialectJSON.int(added.invalid), "errors": .array(added.details.map { .string($0.reason) }),
                "total": DialectJSON.int(total),
            ]
            // Nothing imported (all duplicates or invalid) is 422 with the counts, as Puffle does.
            return DialectJSON.response(answer, status: added.added == 0 && total > 0 ? .unprocessableContent : .ok)
        }
    }

    // MARK: Sequence nodes (a line of steps, by position)

    private func registerNodes(on routes: RouteRecorder) {
        let p = Self.prefix
        routes.on(.puffle, .post, "\(p)/campaigns/{id}/sequence/nodes") { request, context in
            var request = request
            let campaign = try await draftCampaign(context)
            let body = try await request.jsonBody(context: context)
            var nodes = campaign.sequence.inOrder
            let node = try Self.node(from: body, channel: campaign.channel, id: Self.freshID(nodes), path: "")
            let endIndex = nodes.lastIndex { if case .end = $0.kind { true } else { false } } ?? nodes.count
            var position = endIndex
            if case .value(let wanted) = body.int("position") { position = max(0, min(wanted, nodes.count)) }
            nodes.insert(node, at: position)
            return try await save(nodes, to: campaign)
        }
        routes.on(.puffle, .patch, "\(p)/campaigns/{id}/sequence/nodes") { request, context in
            var request = request
            let campaign = try await draftCampaign(context)
            let body = try await request.jsonBody(context: context)
            guard case .value(let nodeID) = body.string("nodeId"), case .value(let to) = body.int("toPosition"), to >= 0 else {
                throw DialectError.badRequest("nodeId and toPosition (≥ 0) are required")
            }
            var nodes = campaign.sequence.inOrder
            guard let from = nodes.firstIndex(where: { $0.id == nodeID }) else { throw NotFoundError("node", id: nodeID) }
            let node = nodes.remove(at: from)
            nodes.insert(node, at: min(to, nodes.count))
            return try await save(nodes, to: campaign)
        }
        routes.on(.puffle, .delete, "\(p)/campaigns/{id}/sequence/nodes") { request, context in
            var request = request
            let campaign = try await draftCampaign(context)
            let body = try await request.jsonBody(context: context)
            guard case .value(let nodeID) = body.string("nodeId") else { throw DialectError.badRequest("nodeId is required") }
            var nodes = campaign.sequence.inOrder
            guard let index = nodes.firstIndex(where: { $0.id == nodeID }) else { throw NotFoundError("node", id: nodeID) }
            nodes.remove(at: index)
            return try await save(nodes, to: campaign)
        }
        routes.on(.puffle, .put, "\(p)/campaigns/{id}/sequence/nodes/{node_id}") { request, context in
            var request = request
            let campaign = try await draftCampaign(context)
            let body = try await request.jsonBody(context: context)
            let nodeID = context.parameters.get("node_id") ?? ""
            var nodes = campaign.sequence.inOrder
            guard let index = nodes.firstIndex(where: { $0.id == nodeID }) else { throw NotFoundError("node", id: nodeID) }
            // `type` and `position` cannot change: the node keeps its type, the body patches its fields.
            var fields = NodeFields(nodes[index].kind)
            Self.patch(&fields, from: body, type: nodes[index].type)
            try body.finish()
            nodes[index].kind = fields.kind(type: nodes[index].type) ?? nodes[index].kind
            let saved = try await services.sequences.replace(campaign.id, nodes: CampaignSequence.chained(nodes), expectedVersion: nil, in: campaign.workspaceID)
            let position = saved.inOrder.firstIndex { $0.id == nodeID } ?? index
            return DialectJSON.response(["node": Self.nodeObject(nodes[index], position: position, campaign: campaign.id)])
        }
    }

    private func save(_ nodes: [Node], to campaign: Campaign) async throws -> Response {
        let saved = try await services.sequences.replace(campaign.id, nodes: CampaignSequence.chained(nodes), expectedVersion: nil, in: campaign.workspaceID)
        var updated = campaign
        updated.sequence = saved
        return DialectJSON.response(["sequence_nodes": .array(Self.nodes(of: updated))])
    }

    // MARK: Senders

    private func registerSenders(on routes: RouteRecorder) {
        let p = Self.prefix
        for path in ["\(p)/accounts", "\(p)/senders"] {
            routes.on(.puffle, .get, path) { request, context in
                let type = request.uri.queryParameters["type"].map(String.init)
                if let type, type != "linkedin", type != "email" { throw DialectError.badRequest("type must be linkedin or email") }
                let senders = try await services.allSenders(in: context.workspace()).filter { type == nil || $0.channel.rawValue == type }
                return DialectJSON.response(["accounts": .array(senders.map(Self.account))])
            }
        }
        routes.on(.puffle, .get, "\(p)/campaigns/{id}/senders") { _, context in
            let campaign = try await campaign(context)
            let stats = try await services.stats.stats(of: campaign)
            var items: [JSONValue] = []
            for activity in try await services.stats.activity(ofSenders: campaign) {
                let sender = activity.sender, usage = activity.usage
                let week = { (kind: ActionKind) in usage[kind].map { $0.count(since: services.clock.now.addingTimeInterval(-7 * 86_400)) } ?? 0 }
                let day = usage.values.reduce(0) { $0 + $1.count(since: services.clock.now.addingTimeInterval(-86_400)) }
                var object = Self.accountFields(sender)
                object["account_id"] = .string(sender.id.rawValue)
                object["weekly_connections_sent"] = DialectJSON.int(week(.connectionRequest))
                object["weekly_messages_sent"] = DialectJSON.int(week(.message))
                object["campaign_messages_sent"] = DialectJSON.int(stats.sentPerSender[sender.id] ?? 0)
                object["today_sent"] = DialectJSON.int(day)
                items.append(.object(object))
            }
            return DialectJSON.response([
                "senders": .array(items), "campaign_total_sent": DialectJSON.int(stats.sent),
                "campaign_type": .string(campaign.channel.rawValue),
                "campaign_total_replies": DialectJSON.int(stats.signals(.replied)),
                "campaign_total_bounced": DialectJSON.int(stats.leads(.bounced)),
                "campaign_total_completed": DialectJSON.int(stats.leads(.completed)),
            ])
        }
    }

    // MARK: Reading requests

    private func campaign(_ context: AppContext) async throws -> Campaign {
        try await services.campaign(context, channels: [.linkedin, .email])
    }

    /// Lead-roster and sequence writes are for drafts only (400 otherwise), as in Puffle.
    private func draftCampaign(_ context: AppContext) async throws -> Campaign {
        let campaign = try await campaign(context)
        guard campaign.status == .draft else {
            throw DialectError.badRequest("Campaign is \(Self.status(campaign.status)) — must be draft to change leads or sequence")
        }
        return campaign
    }

    /// A Puffle create or patch body as a campaign input. Fields of the other channel are
    /// ignored; on a running campaign only name, hours and limits apply (Puffle's table).
    private func campaignInput(_ body: BodyReader, creating: Bool, current: Campaign?, workspace: ID) async throws -> CampaignInput {
        var input = CampaignInput()
        var channel = current?.channel
        if creating {
            guard case .value(let type) = body.string("type"), let kind = CampaignChannel(rawValue: type), kind == .linkedin || kind == .email else {
                throw DialectError.badRequest("type is required: linkedin or email")
            }
            channel = kind
            input.channel = .value(type)
            // Outbound's extension: `"dry_run": true` runs the campaign through the simulator.
            input.dryRun = body.bool("dry_run")
            guard case .value(let name) = body.string("name"), !name.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw DialectError.badRequest("name is required")
            }
            guard case .value(let ids) = body.strings("sender_account_ids"), !ids.isEmpty else {
                throw DialectError.badRequest("sender_account_ids is required (at least one account)")
            }
        }
        input.name = body.string("name")
        let isDraft = current?.status ?? .draft == .draft
        if channel == .email {
            input.dailyLimit = body.int("daily_limit")
            if isDraft {
                input.stopOnReply = body.bool("stop_on_reply")
                input.openTracking = body.bool("open_tracking")
                input.signature = body.string("signature")
            }
            // Puffle's defaults for a new email campaign: the pixel on, a signature.
            if creating {
                if input.openTracking.isAbsent { input.openTracking = .value(true) }
                if input.signature.isAbsent { input.signature = .value("Best,\n%first_name%") }
            }
        } else {
            if case .value(let hours) = body.object("operating_hours") {
                let (timezone, schedule) = try Self.operatingHours(hours)
                input.schedule = .value(schedule)
                if let timezone { input.timezone = .value(timezone) }
            }
            if isDraft { input.skipOtherCampaigns = body.bool("skip_other_campaigns") }
        }
        if isDraft, case .value(let ids) = body.strings("sender_account_ids") {
            // Accounts of the other channel are a 400 in Puffle, before anything is written.
            let senders = try await services.senders.senders(ids.compactMap { ID($0, kind: .sender) }, in: workspace)
            for id in ids where !senders.contains(where: { $0.id.rawValue == id && $0.channel.rawValue == channel?.rawValue }) {
                throw DialectError.badRequest("sender account \(id) is not a \(channel?.rawValue ?? "") account of this workspace")
            }
            input.senderIDs = .value(ids)
        }
        if case .value(let items) = body.array("sequence_nodes"), isDraft, let channel {
            _ = try Self.sequence(from: items, channel: channel, path: "sequence_nodes")  // bad delays: 400 before any write
        }
        try body.finish()
        return input
    }

    /// `operating_hours`: Outbound's own schedule shape (`monday: [{start, end}]`), or one window
    /// per day (`monday: {start, end}` or `{enabled, start, end}`); `timezone` may ride along.
    static func operatingHours(_ hours: BodyReader) throws -> (String?, [String: [Schedule.RawWindow]]) {
        var schedule: [String: [Schedule.RawWindow]] = [:]
        var timezone: String?
        for (key, value) in hours.object {
            if key == "timezone" {
                if case .string(let zone) = value { timezone = zone }
                continue
            }
            func window(_ object: [String: JSONValue]) -> Schedule.RawWindow? {
                if case .bool(false)? = object["enabled"] { return nil }
                guard case .string(let start)? = object["start"], case .string(let end)? = object["end"] else { return nil }
                return Schedule.RawWindow(start: start, end: end)
            }
            switch value {
            case .array(let items): schedule[key] = items.compactMap { if case .object(let o) = $0 { window(o) } else { nil } }
            case .object(let object): schedule[key] = window(object).map { [$0] } ?? []
            case .null, .bool(false): schedule[key] = []
            default: throw DialectError.badRequest("operating_hours.\(key) must be a list of {start, end} windows")
            }
        }
        return (timezone, schedule)
    }

    private func validation(_ campaign: Campaign) async throws -> JSONValue {
        guard campaign.status == .draft else {
            return ["ready": false, "checks": ["is_draft": false],
                    "errors": [.string("Campaign is \(Self.status(campaign.status)) — must be draft to launch")], "warnings": []]
        }
        let report = try await services.review.validate(campaign.id, in: campaign.workspaceID)
        let leads = try await services.leads.count(of: campaign)
        let codes = Set(report.errors.map(\.code))
        let sendable = campaign.sequence.nodes.contains { $0.channel != nil }
        return [
            "ready": .bool(report.ready),
            "checks": [
                "is_draft": true, "has_sender_accounts": .bool(!campaign.senderIDs.isEmpty),
                "sender_accounts_ready": .bool(report.checks["senders"] ?? false), "has_prospects": .bool(leads > 0),
                "prospect_count": DialectJSON.int(leads), "has_sendable_nodes": .bool(sendable),
                "all_nodes_have_content": .bool(!codes.contains("empty_text") && !codes.contains("sequence_invalid")),
                "messages_generated": true, "message_count": DialectJSON.int(leads),
            ],
            "errors": .array(report.errors.map { .string(($0.path.map { "\($0): " } ?? "") + $0.message) }),
            "warnings": .array(report.warnings.map { .string($0.message) }),
        ]
    }

    // MARK: Writing answers

    /// `stats` when the caller has read them already.
    private func campaignObject(_ campaign: Campaign, stats known: CampaignStats? = nil) async throws -> [String: JSONValue] {
        let counted = if let known { known } else { try await services.stats.stats(of: campaign) }
        let senders = try await services.senders.senders(campaign.senderIDs, in: campaign.workspaceID)
        let email = campaign.channel == .email
        let started = counted.contacted
        let stats: JSONValue = started == 0 && counted.sent == 0 ? .null : [
            "total": DialectJSON.int(try await services.leads.count(of: campaign)), "sent": DialectJSON.int(counted.sent),
            "replied": DialectJSON.int(counted.signals(.replied)), "bounced": DialectJSON.int(counted.leads(.bounced)),
            "completed": DialectJSON.int(counted.leads(.completed)), "timed_out": 0,
            "connection_sent": DialectJSON.int(counted.sent(byStepsOfType: "connection_request", in: campaign.sequence)),
            "connected": DialectJSON.int(counted.signals(.accepted)),
            "message_sent": DialectJSON.int(counted.sent(byStepsOfType: "message", in: campaign.sequence)), "contacted": DialectJSON.int(started),
        ]
        var hours: [String: JSONValue] = ["timezone": .string(campaign.timezone.identifier)]
        for (day, ranges) in campaign.schedule.windows {
            hours[day.rawValue] = .array(ranges.map { ["start": .string(MinuteRange.text(from: $0.start)), "end": .string(MinuteRange.text(from: $0.end))] })
        }
        return [
            "id": .string(campaign.id.rawValue), "user_id": .string(campaign.workspaceID.rawValue), "type": .string(campaign.channel.rawValue),
            "name": .string(campaign.name), "status": .string(Self.status(campaign.status)),
            "daily_limit": email ? DialectJSON.int(campaign.dailyLimit) : .null,
            "stop_on_reply": email ? .bool(campaign.stopOnReply) : .null, "open_tracking": email ? .bool(campaign.openTracking) : .null,
            "signature": email ? DialectJSON.string(campaign.signature) : .null,
            "skip_other_campaigns": email ? .null : .bool(campaign.skipOtherCampaigns),
            "operating_hours": email ? .null : .object(hours), "stats": stats,
            "created_at": DialectJSON.date(campaign.createdAt), "updated_at": DialectJSON.date(campaign.updatedAt),
            "sender_accounts": .array(campaign.senderIDs.compactMap { id in senders.first { $0.id == id }.map(Self.account) }),
        ]
    }

    static func status(_ status: Campaign.Status) -> String {
        status == .archived ? "completed" : status.rawValue
    }

    /// Puffle's lead statuses: pending, sent (in flight), and the terminal ones.
    static func leadStatus(_ state: EnrollmentState, contacted: Bool) -> String {
        switch state {
        case .pending: "pending"
        case .active, .waiting: contacted ? "sent" : "pending"
        case .replied: "replied"
        case .bounced: "bounced"
        case .completed: "completed"
        case .failed, .skipped, .unsubscribed, .stopped, .uncertain: "cancelled"
        }
    }

    static func prospect(_ lead: Lead, campaign: Campaign) -> JSONValue {
        let contact = lead.contact
        let name = [contact.firstName, contact.lastName].compactMap { $0 }.joined(separator: " ")
        var custom: [String: JSONValue] = [:]
        for (key, value) in contact.customFields {
            custom[key] = switch value {
            case .string(let text): .string(text)
            case .number(let number): .number(number)
            case .bool(let flag): .bool(flag)
            }
        }
        return [
            "id": .string(contact.id.rawValue), "campaign_id": .string(campaign.id.rawValue), "user_id": .string(campaign.workspaceID.rawValue),
            "status": .string(leadStatus(lead.state, contacted: lead.state != .pending)), "email": DialectJSON.string(contact.email),
            "linkedin_url": DialectJSON.string(contact.linkedinURL), "first_name": DialectJSON.string(contact.firstName),
            "last_name": DialectJSON.string(contact.lastName), "name": name.isEmpty ? .null : .string(name),
            "company": DialectJSON.string(contact.company), "position": DialectJSON.string(contact.title), "headline": .null,
            "custom_fields": .object(custom), "source": "api", "source_ref": .null,
            "created_at": DialectJSON.date(lead.addedAt), "updated_at": DialectJSON.date(lead.updatedAt),
            "bounced_at": lead.state == .bounced ? DialectJSON.date(lead.updatedAt) : .null,
            "replied_at": lead.state == .replied ? DialectJSON.date(lead.updatedAt) : .null, "current_node_id": .null,
        ]
    }

    static func account(_ sender: Sender) -> JSONValue { .object(accountFields(sender)) }

    static func accountFields(_ sender: Sender) -> [String: JSONValue] {
        let names = sender.displayName.split(separator: " ", maxSplits: 1).map(String.init)
        let linkedin = sender.channel == .linkedin
        let status = sender.status == .active ? (linkedin ? "connected" : "active") : sender.status.rawValue
        return [
            "id": .string(sender.id.rawValue), "user_id": .string(sender.workspaceID.rawValue), "type": .string(sender.channel.rawValue),
            "display_name": .string(sender.displayName), "status": .string(status),
            "created_at": DialectJSON.date(sender.createdAt), "updated_at": DialectJSON.date(sender.updatedAt),
            "provider_account_id": .null, "profile_url": DialectJSON.string(sender.linkedinURL), "is_premium": false,
            "has_sales_navigator": false, "email_address": DialectJSON.string(sender.email),
            "weekly_connection_limit": DialectJSON.int(sender.limits[.connectionRequest]?.perWeek),
            "weekly_message_limit": DialectJSON.int(sender.limits[.message]?.perWeek ?? sender.limits[.message]?.perDay.map { $0 * 7 }),
            "daily_limit": DialectJSON.int(sender.limits[linkedin ? .connectionRequest : .email]?.perDay),
            "first_name": DialectJSON.string(names.first), "last_name": DialectJSON.string(names.count > 1 ? names[1] : nil),
            "signature": .null, "warmup_status": .null,
        ]
    }

    // MARK: Sequences as Puffle sees them

    static func nodes(of campaign: Campaign) -> [JSONValue] {
        campaign.sequence.inOrder.enumerated().map { nodeObject($1, position: $0, campaign: campaign.id) }
    }

    static func nodeObject(_ node: Node, position: Int, campaign: ID) -> JSONValue {
        var object: [String: JSONValue] = [
            "id": .string(node.id), "campaign_id": .string(campaign.rawValue), "position": DialectJSON.int(position), "type": .string(node.type),
        ]
        switch node.kind {
        case .connectionRequest(let note):
            object["body"] = DialectJSON.string(note)
            object["include_message"] = .bool(note?.isEmpty == false)
        case .message(let body): object["body"] = .string(body)
        case .email(let step):
            object["subject"] = .string(step.subject)
            object["body"] = .string(step.body)
            object["body_html"] = DialectJSON.string(step.html)
            object["is_reply"] = .bool(step.isReply)
        case .delay(let minutes):
            object["delay_days"] = DialectJSON.int(minutes / 1440)
            object["delay_hours"] = DialectJSON.int(minutes % 1440 / 60)
            object["delay_minutes"] = DialectJSON.int(minutes % 60)
        default: break
        }
        return .object(object)
    }

    /// A whole sequence from `sequence_nodes` (array order; positions renumbered). Delays must
    /// total 1 minute to 30 days, checked before anything is written.
    static func sequence(from items: [JSONValue], channel: CampaignChannel, path: String) throws -> [Node] {
        var nodes: [Node] = []
        for (index, item) in items.enumerated() {
            let reader = try BodyReader(body: item, path: "\(path)[\(index)]")
            let id = reader.string("id").value.flatMap { $0.isEmpty ? nil : $0 } ?? freshID(nodes)
            nodes.append(try node(from: reader, channel: channel, id: id, path: "\(path)[\(index)]"))
            try reader.finish()
        }
        return CampaignSequence.chained(nodes)
    }

    /// One node from Puffle's fields; the type must belong to the channel.
    static func node(from body: BodyReader, channel: CampaignChannel, id: String, path: String) throws -> Node {
        let where_ = path.isEmpty ? "" : "\(path): "
        guard case .value(let type) = body.string("type") else { throw DialectError.badRequest("\(where_)type is required") }
        let allowed = channel == .email ? ["email", "delay", "end"] : ["connection_request", "message", "delay", "end"]
        guard allowed.contains(type) else {
            throw DialectError.badRequest("\(where_)type \(type) is not allowed in a \(channel.rawValue) campaign (allowed: \(allowed.joined(separator: ", ")))")
        }
        var fields = NodeFields()
        patch(&fields, from: body, type: type)
        if type == "delay" {
            let total = fields.minutes ?? 0
            guard (1...30 * 1440).contains(total) else { throw DialectError.badRequest("\(where_)a delay must total between 1 minute and 30 days") }
        }
        return Node(id: id, kind: fields.kind(type: type) ?? .end)
    }

    /// Applies Puffle's editable fields of a node of `type` onto `fields`.
    static func patch(_ fields: inout NodeFields, from body: BodyReader, type: String) {
        switch type {
        case "connection_request":
            if case .value(let note) = body.string("body") { fields.note = note }
            if case .value(false) = body.bool("include_message") { fields.note = nil }
        case "message":
            if case .value(let text) = body.string("body") { fields.body = text }
        case "email":
            if case .value(let subject) = body.string("subject") { fields.subject = subject }
            if case .value(let text) = body.string("body") { fields.body = text }
            switch body.string("body_html") {
            case .value(let html): fields.html = html
            case .null: fields.html = nil
            case .absent: break
            }
            if case .value(let reply) = body.bool("is_reply") { fields.isReply = reply }
        case "delay":
            let current = fields.minutes ?? 0
            let days = body.int("delay_days").value, hours = body.int("delay_hours").value, minutes = body.int("delay_minutes").value
            if days != nil || hours != nil || minutes != nil {
                fields.minutes = (days ?? current / 1440) * 1440 + (hours ?? current % 1440 / 60) * 60 + (minutes ?? current % 60)
            }
        default: break
        }
    }

    static func freshID(_ nodes: [Node]) -> String {
        var index = nodes.count + 1
        while nodes.contains(where: { $0.id == "n\(index)" }) { index += 1 }
        return "n\(index)"
    }

    static func positive(_ text: String?, name: String, default value: Int, max: Int) throws -> Int {
        guard let text else { return value }
        guard let number = Int(text), number >= 1, number <= max else {
            throw DialectError.badRequest("\(name) must be an integer from 1\(max == Int.max ? "" : " to \(max)")")
        }
        return number
    }
}
