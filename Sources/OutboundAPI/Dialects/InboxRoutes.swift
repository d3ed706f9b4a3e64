import Foundation
import HTTPTypes
import Hummingbird
import OutboundCore
import Synchronization

/// Inbox (DM outreach) at `/inbox/api/v1/…`, Bearer key, camelCase. Inbox sends X DMs; here its
/// campaigns are LinkedIn campaigns: `accountLinkIds` are LinkedIn senders, a `message` step is a
/// LinkedIn message, `likeTweet` is `like_post`, and a lead's `username` or `platformId` is the
/// profile slug (`linkedin.com/in/{username}`), an `externalId` a contact ID.
///
/// Inbox has two campaign shapes: the v1 detail object (GET, pause) whose `completionRate` is the
/// share of targets contacted, and the v2 object (create, enable) whose `completionRate` is the
/// share that finished the whole sequence. Both are kept apart here.
struct InboxRoutes {
    let services: Services
    static let prefix = "/inbox/api/v1"

    func register(on routes: RouteRecorder) {
        let p = Self.prefix
        routes.on(.inbox, .post, "\(p)/campaigns/v2") { request, context in
            var request = request
            let body = try await request.jsonBody(context: context)
            let workspace = try context.workspace()
            let input = try await Self.campaignInput(body, services: services, workspace: workspace)
            let campaign = try await services.campaigns.create(input, in: workspace)
            return DialectJSON.response(try await v2(campaign))
        }
        routes.on(.inbox, .get, "\(p)/campaigns") { request, context in
            let workspace = try context.workspace()
            var page = PageRequest(limit: 50)
            if let cursor = request.uri.queryParameters["cursor[id]"] ?? request.uri.queryParameters["cursor"] {
                guard let id = ID(String(cursor), kind: .campaign) else { throw ValidationError("cursor[id]", "is not a campaign ID") }
                page.startingAfter = id
            }
            let batch = try await services.campaigns.list(in: workspace, page: page)
            var items: [JSONValue] = []
            for campaign in batch.items where campaign.channel == .linkedin { items.append(try await v1(campaign)) }
            let next: JSONValue = batch.hasMore ? ["id": DialectJSON.string(batch.items.last?.id.rawValue),
                                                  "timestamp": DialectJSON.date(batch.items.last?.createdAt)] : .null
            return DialectJSON.response(["campaigns": .array(items), "nextCursor": next])
        }
        routes.on(.inbox, .get, "\(p)/campaigns/{id}") { _, context in
            DialectJSON.response(try await v1(campaign(context)))
        }
        routes.on(.inbox, .post, "\(p)/campaigns/v2/{id}/enable") { _, context in
            let campaign = try await campaign(context)
            let enabled: Campaign = switch campaign.status {
            case .draft: try await services.lifecycle.launch(campaign.id, in: campaign.workspaceID)
            case .paused: try await services.lifecycle.resume(campaign.id, in: campaign.workspaceID)
            default: campaign
            }
            return DialectJSON.response(try await v2(enabled))
        }
        for path in ["\(p)/campaigns/v2/{id}/pause", "\(p)/campaigns/{id}/pause"] {
            routes.on(.inbox, .post, path) { _, context in
                let campaign = try await campaign(context)
                return DialectJSON.response(try await v1(services.lifecycle.pause(campaign.id, in: campaign.workspaceID)))
            }
        }
        routes.on(.inbox, .put, "\(p)/campaigns/v2/{id}/sequence") { request, context in
            var request = request
            let campaign = try await campaign(context)
            let body = try await request.jsonBody(context: context)
            guard case .value(let steps) = body.array("steps") else { throw ValidationError("steps", "is required: an ordered array of steps") }
            var nodes: [Node] = []
            for (index, step) in steps.enumerated() {
                nodes.append(try Self.node(step, index: index))
            }
            nodes.append(Node(id: "n\(steps.count + 1)", kind: .end))
            let sequence = try await services.sequences.replace(campaign.id, nodes: CampaignSequence.chained(nodes), expectedVersion: nil,
                                                                in: campaign.workspaceID)
            return DialectJSON.response(Self.sequenceObject(sequence))
        }
        routes.on(.inbox, .patch, "\(p)/campaigns/v2/{id}/rules") { request, context in
            var request = request
            let campaign = try await campaign(context)
            let body = try await request.jsonBody(context: context)
            var rules = LeadRulesInput()
            rules.includeListIDs = body.strings("syncedListIds")
            rules.excludeListIDs = body.strings("excludedListIds")
            rules.excludeContacted = body.bool("excludeContacted")
            try body.finish()
            var input = CampaignInput()
            input.leadRules = .value(rules)
            _ = try await services.campaigns.update(campaign.id, with: input, in: campaign.workspaceID)
            return DialectJSON.response(["success": true])
        }
        routes.on(.inbox, .post, "\(p)/campaigns/v2/{id}/leads") { request, context in
            var request = request
            let campaign = try await campaign(context)
            let body = try await request.jsonBody(context: context)
            var profiles: [String] = []
            var contactIDs: [String] = []
            for key in ["platformIds", "usernames", "externalIds"] {
                guard case .value(let values) = body.strings(key) else { continue }
                guard (1...2000).contains(values.count) else { throw ValidationError(key, "must hold 1 to 2000 items") }
                if key == "externalIds" { contactIDs += values } else { profiles += values }
            }
            if case .value(let leads) = body.array("leads") {
                guard leads.count <= 2000 else { throw ValidationError("leads", "must hold at most 2000 items") }
                for (index, lead) in leads.enumerated() {
                    let reader = try BodyReader(body: lead, path: "leads[\(index)]")
                    if let id = reader.string("externalId").value { contactIDs.append(id) }
                    else if let name = reader.string("username").value ?? reader.string("platformId").value { profiles.append(name) }
                    else { throw ValidationError("leads[\(index)]", "needs a platformId, username or externalId") }
                }
            }
            try body.finish()
            guard !profiles.isEmpty || !contactIDs.isEmpty else {
                throw ValidationError("platformIds", "send platformIds, usernames, externalIds or leads")
            }
            var added = 0, skipped = 0, failed = 0
            let batches: [LeadService.Source] = [
                profiles.isEmpty ? nil : .contacts(profiles.map { profile in
                    var input = ContactInput()
                    input.linkedinURL = .value(Self.profileURL(profile))
                    return input
                }),
                contactIDs.isEmpty ? nil : .contactIDs(contactIDs),
            ].compactMap { $0 }
            for source in batches {
                let result = try await services.leads.add(source, to: campaign.id, in: campaign.workspaceID)
                added += result.added
                skipped += result.duplicates + result.skipped
                failed += result.invalid
            }
            return DialectJSON.response(["added": DialectJSON.int(added), "skipped": DialectJSON.int(skipped), "failed": DialectJSON.int(failed)])
        }
        routes.on(.inbox, .post, "\(p)/campaigns/v2/{id}/leads/{identifier}/cancel") { request, context in
            var request = request
            let campaign = try await campaign(context)
            let identifier = context.parameters.get("identifier") ?? ""
            // `by` may come in the body or the query (the docs say both).
            var by = request.uri.queryParameters["by"].map(String.init)
            if request.headers[.contentType]?.hasPrefix("application/json") == true {
                let body = try await request.jsonBody(context: context)
                by = body.string("by").value ?? by
            }
            let contact: ID
            switch by ?? "platformId" {
            case "externalId":
                guard let id = ID(identifier, kind: .contact) else { throw NotFoundError("lead", id: identifier) }
                contact = id
            case "platformId", "username":
                guard let found = try await services.contacts.find(linkedinURL: Self.profileURL(identifier), in: campaign.workspaceID)
                else { throw NotFoundError("lead", id: identifier) }
                contact = found.id
            default:
                throw ValidationError("by", "must be platformId, username or externalId")
            }
            try await services.leads.cancel(contact: contact, from: campaign.id, in: campaign.workspaceID)
            return DialectJSON.response(["success": true])
        }
        let document = DialectDocuments.inbox(routes: routes.routes(of: .inbox))
        routes.on(.get, Dialect.inbox.documentPath) { _, _ in DialectJSON.response(document) }
    }

    private func campaign(_ context: AppContext) async throws -> Campaign {
        try await services.campaign(context, channels: [.linkedin])
    }

    static func profileURL(_ profile: String) -> String {
        profile.contains("linkedin.com") ? profile : "https://www.linkedin.com/in/\(profile)"
    }

    // MARK: Requests

    static func campaignInput(_ body: BodyReader, services: Services, workspace: ID) async throws -> CampaignInput {
        var input = CampaignInput()
        input.channel = .value("linkedin")
        input.name = body.string("name")
        if let name = input.name.value, !(1...255).contains(name.count) { throw ValidationError("name", "must be 1 to 255 characters") }
        input.description = body.string("description")
        input.senderIDs = body.strings("accountLinkIds")
        if input.senderIDs.value?.isEmpty != false { throw ValidationError("accountLinkIds", "is required: at least one account link") }
        input.hourlyMessageRate = body.int("hourlyMessageRate")
        if let rate = input.hourlyMessageRate.value, !(1...25).contains(rate) {
            throw ValidationError("hourlyMessageRate", "must be between 1 and 25")
        }
        input.timezone = .value(body.string("scheduleTimezone").value ?? "UTC")
        if case .value(let hours) = body.object("scheduleHours") { input.schedule = .value(try scheduleHours(hours)) }
        input.dryRun = body.bool("dryRun")
        if case .value(let rules) = body.object("rules") {
            var lead = LeadRulesInput()
            lead.includeListIDs = rules.strings("syncedListIds")
            lead.excludeListIDs = rules.strings("excludedListIds")
            lead.excludeContacted = rules.bool("excludeContacted")
            input.leadRules = .value(lead)
        }
        try body.finish()
        return input
    }

    /// `{"1": {"start": 540, "end": 1020}}`: `"0"` is Sunday; minutes of the day; a day left out sends nothing.
    static func scheduleHours(_ hours: BodyReader) throws -> [String: [Schedule.RawWindow]] {
        let days: [Weekday] = [.sunday, .monday, .tuesday, .wednesday, .thursday, .friday, .saturday]
        var result = Dictionary(uniqueKeysWithValues: days.map { ($0.rawValue, [Schedule.RawWindow]()) })
        for (key, value) in hours.object {
            guard let index = Int(key), days.indices.contains(index) else {
                throw ValidationError("scheduleHours.\(key)", "keys are \"0\" (Sunday) to \"6\" (Saturday)")
            }
            guard case .object(let window) = value, case .number(let start)? = window["start"], case .number(let end)? = window["end"],
                  start >= 0, end <= 1440, start < end
            else { throw ValidationError("scheduleHours.\(key)", "must be {\"start\": minute, \"end\": minute} with 0 ≤ start < end ≤ 1440") }
            result[days[index].rawValue] = [Schedule.RawWindow(start: MinuteRange.text(from: Int(start)), end: MinuteRange.text(from: Int(end)))]
        }
        return result
    }

    /// One step: `message` with segments, `delay` with `delaySeconds` (whole minutes, at least one),
    /// `likeTweet` (a LinkedIn like here).
    static func node(_ step: JSONValue, index: Int) throws -> Node {
        let path = "steps[\(index)]"
        let reader = try BodyReader(body: step, path: path)
        let data = reader.object("data").value
        let id = "n\(index + 1)"
        switch reader.string("type").value {
        case "message":
            guard case .value(let segments)? = data?.array("segments") else { throw ValidationError("\(path).data.segments", "is required") }
            let template = try Template.segments(try segments.enumerated().map { try segment($1, path: "\(path).data.segments[\($0)]") })
            return Node(id: id, kind: .message(body: template.source))
        case "delay":
            guard case .value(let seconds)? = data?.int("delaySeconds"), seconds >= 60 else {
                throw ValidationError("\(path).data.delaySeconds", "is required: at least 60 seconds")
            }
            return Node(id: id, kind: .delay(minutes: seconds / 60))
        case "likeTweet", "like_tweet", "like":
            return Node(id: id, kind: .likePost)
        default:
            throw ValidationError("\(path).type", "must be message, delay or likeTweet")
        }
    }

    static func segment(_ value: JSONValue, path: String) throws -> Template.Segment {
        guard case .object(let object) = value, case .string(let type)? = object["type"] else {
            throw ValidationError(path, "must be an object with a type: static, variable or variation")
        }
        switch type {
        case "static":
            guard case .string(let text)? = object["text"] else { throw ValidationError("\(path).text", "is required") }
            return .text(text)
        case "variable":
            guard case .string(let name)? = object["name"] else { throw ValidationError("\(path).name", "is required") }
            if case .string(let fallback)? = object["fallback"] { return .variable(name: name, fallback: fallback) }
            return .variable(name: name, fallback: nil)
        case "variation":
            guard case .array(let options)? = object["options"] else { throw ValidationError("\(path).options", "is required") }
            return .variation(options.compactMap { if case .string(let s) = $0 { s } else { nil } })
        default:
            throw ValidationError("\(path).type", "must be static, variable or variation")
        }
    }

    // MARK: Answers

    /// A stored step's text as Inbox segments.
    static func segments(_ text: String) -> [JSONValue] {
        guard let template = try? Template.parse(text) else { return [["type": "static", "text": .string(text)]] }
        return template.pieces.map { piece in
            switch piece {
            case .text(let text): ["type": "static", "text": .string(text)]
            case .variable(let variable, let fallback):
                ["type": "variable", "name": .string("\(variable)".replacingOccurrences(of: "_", with: "-")), "fallback": DialectJSON.string(fallback)]
            case .choice(let options): ["type": "variation", "options": .array(options.map { .string(Template(pieces: $0).source) })]
            }
        }
    }

    static func steps(_ sequence: CampaignSequence, withVersion: Bool) -> [JSONValue] {
        sequence.inOrder.filter { if case .end = $0.kind { false } else { true } }.enumerated().map { rank, node in
            var step: [String: JSONValue] = ["id": .string(node.id), "rank": DialectJSON.int(rank)]
            switch node.kind {
            case .message(let body), .sms(let body):
                step["type"] = "message"
                step["data"] = ["segments": .array(segments(body))]
            case .connectionRequest(let note):
                step["type"] = "message"
                step["data"] = ["segments": .array(segments(note ?? ""))]
            case .delay(let minutes):
                step["type"] = "delay"
                step["data"] = ["delaySeconds": DialectJSON.int(minutes * 60), "unit": minutes % 1440 == 0 ? "days" : "minutes"]
            case .likePost: step["type"] = "likeTweet"
            default: step["type"] = .string(node.type)
            }
            if withVersion { step["campaignVersion"] = DialectJSON.int(sequence.version) }
            return .object(step)
        }
    }

    static func sequenceObject(_ sequence: CampaignSequence) -> JSONValue {
        ["version": DialectJSON.int(sequence.version), "steps": .array(steps(sequence, withVersion: false))]
    }

    static func scheduleHoursObject(_ campaign: Campaign) -> JSONValue {
        let days: [Weekday] = [.sunday, .monday, .tuesday, .wednesday, .thursday, .friday, .saturday]
        var result: [String: JSONValue] = [:]
        for (index, day) in days.enumerated() {
            guard let window = campaign.schedule.windows[day]?.first else { continue }
            result[String(index)] = ["start": DialectJSON.int(window.start), "end": DialectJSON.int(window.end)]
        }
        return .object(result)
    }

    /// The fields both shapes share; `completionRate` differs and is set by each.
    private func common(_ campaign: Campaign) async throws -> (fields: [String: JSONValue], targets: Int, contacted: Int, stats: CampaignStats) {
        let stats = try await services.stats.stats(of: campaign)
        let targets = try await services.leads.count(of: campaign)
        let contacted = stats.contacted
        let replies = stats.signals(.replied)
        let fields: [String: JSONValue] = [
            "id": .string(campaign.id.rawValue), "name": .string(campaign.name), "description": DialectJSON.string(campaign.description),
            "status": .string(campaign.status == .archived ? "completed" : campaign.status.rawValue), "dryRun": .bool(campaign.dryRun),
            "targetsCount": DialectJSON.int(targets), "contactedCount": DialectJSON.int(contacted), "repliesCount": DialectJSON.int(replies),
            "replyRate": .number(contacted == 0 ? 0 : Double(replies) / Double(contacted)),
            "hourlyMessageRate": DialectJSON.int(campaign.hourlyMessageRate), "scheduleTimezone": .string(campaign.timezone.identifier),
            "scheduleHours": Self.scheduleHoursObject(campaign), "isBuildingPlan": false,
            "accountLinkIds": .array(campaign.senderIDs.map { .string($0.rawValue) }), "automations": [],
            "createdAt": DialectJSON.date(campaign.createdAt), "updatedAt": DialectJSON.date(campaign.updatedAt),
            "pausedAt": DialectJSON.date(campaign.pausedAt), "completedAt": DialectJSON.date(campaign.completedAt),
            "lastStartedAt": DialectJSON.date(campaign.startedAt),
        ]
        return (fields, targets, contacted, stats)
    }

    /// The v1 detail object: `completionRate` = contacted / targets.
    private func v1(_ campaign: Campaign) async throws -> JSONValue {
        var (object, targets, contacted, _) = try await common(campaign)
        object["completionRate"] = .number(targets == 0 ? 0 : Double(contacted) / Double(targets))
        object["type"] = "sequence"
        object["estimatedTargets"] = DialectJSON.int(targets)
        object["isHydrating"] = false
        object["steps"] = .array(Self.steps(campaign.sequence, withVersion: true))
        object["lists"] = .array(campaign.leadRules.includeListIDs.map { ["listId": .string($0.rawValue), "exclude": false] }
            + campaign.leadRules.excludeListIDs.map { ["listId": .string($0.rawValue), "exclude": true] })
        object["customVariables"] = [:]
        return .object(object)
    }

    /// The v2 object: `completionRate` = leads that finished the whole sequence / targets.
    private func v2(_ campaign: Campaign) async throws -> JSONValue {
        var (object, targets, _, stats) = try await common(campaign)
        object["completionRate"] = .number(targets == 0 ? 0 : Double(stats.leads(.completed)) / Double(targets))
        object["enabled"] = .bool(campaign.status == .active)
        object["isSyncing"] = false
        object["scopeAssessedCount"] = DialectJSON.int(targets)
        let lists = try await services.lists.lists(campaign.leadRules.includeListIDs + campaign.leadRules.excludeListIDs, in: campaign.workspaceID)
        func name(_ id: ID) -> JSONValue { DialectJSON.string(lists.first { $0.id == id }?.name) }
        object["rules"] = [
            "syncedLists": .array(campaign.leadRules.includeListIDs.map { ["listId": .string($0.rawValue), "listName": name($0), "columnMapping": [:]] }),
            "excludedLists": .array(campaign.leadRules.excludeListIDs.map { ["listId": .string($0.rawValue), "listName": name($0)] }),
            "excludeContacted": .bool(campaign.leadRules.excludeContacted), "excludeMutuals": false,
        ]
        object["sequence"] = Self.sequenceObject(campaign.sequence)
        return .object(object)
    }
}
