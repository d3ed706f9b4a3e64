import Foundation
import Hummingbird
import OutboundCore

/// `/v1/campaigns`: create, list, read, patch and delete.
struct CampaignRoutes {
    let campaigns: CampaignService
    /// The last body written for each campaign, reused while the campaign is unchanged.
    let encoded = EncodedBodies<Campaign>()

    func register(on routes: RouteRecorder) {
        routes.on(.post, "/v1/campaigns") { request, context in
            var request = request
            let input = CampaignInput(try await request.jsonBody(context: context))
            let campaign = try await campaigns.create(input, in: context.workspace())
            return EditedResponse(status: .created, response: CampaignBody(campaign))
        }
        routes.on(.get, "/v1/campaigns", query: PageRequest.queryNames) { request, context in
            let page = try await campaigns.list(in: context.workspace(), page: request.pageRequest(kind: .campaign))
            return ListBody(page, id: \.id, map: CampaignBody.init)
        }
        routes.on(.get, "/v1/campaigns/{id}") { _, context in
            let id = try context.parameters.id(kind: .campaign, resource: "campaign")
            let campaign = try await campaigns.get(id, in: context.workspace())
            return try encoded.response(for: campaign, id: campaign.id, CampaignBody.init)
        }
        routes.on(.patch, "/v1/campaigns/{id}") { request, context in
            var request = request
            let id = try context.parameters.id(kind: .campaign, resource: "campaign")
            let workspace = try context.workspace()
            _ = try await campaigns.get(id, in: workspace)
            let input = CampaignInput(try await request.jsonBody(context: context))
            return try CampaignBody(await campaigns.update(id, with: input, in: workspace))
        }
        routes.on(.delete, "/v1/campaigns/{id}") { _, context in
            let id = try context.parameters.id(kind: .campaign, resource: "campaign")
            try await campaigns.delete(id, in: context.workspace())
            return Response(status: .noContent)
        }
    }
}

extension CampaignInput {
    /// Reads a campaign body; type errors are reported together, with their paths.
    init(_ body: BodyReader) {
        self.init()
        name = body.string("name")
        description = body.string("description")
        channel = body.string("channel")
        status = body.string("status")
        dryRun = body.bool("dry_run")
        priority = body.int("priority")
        timezone = body.string("timezone")
        schedule = body.object("schedule").map(Self.schedule)
        startAt = body.date("start_at")
        senderIDs = body.strings("sender_ids")
        hourlyMessageRate = body.int("hourly_message_rate")
        dailyLimit = body.int("daily_limit")
        stopOnReply = body.bool("stop_on_reply")
        openTracking = body.bool("open_tracking")
        signature = body.string("signature")
        skipOtherCampaigns = body.bool("skip_other_campaigns")
        prioritizeNewLeads = body.bool("prioritize_new_leads")
        sendInLeadTimezone = body.bool("send_in_lead_timezone")
        simulation = body.object("simulation").map { reader in
            var input = SimulationInput()
            input.seed = reader.int("seed")
            for name in ["accept_rate", "reply_rate", "open_rate", "bounce_rate"] {
                input.rates[name] = reader.number(name)
            }
            if case .value(let items) = reader.array("signal_delay_minutes") {
                input.signalDelayMinutes = .value(items.enumerated().compactMap { index, item in
                    if case .number(let minutes) = item, minutes.rounded() == minutes, abs(minutes) < 9e15 { return Int(minutes) }
                    reader.addIssue("signal_delay_minutes[\(index)]", "must be an integer number of minutes, not \(item.typeName)")
                    return nil
                })
            }
            return input
        }
        if case .value(let items) = body.array("automations") {
            automations = .value(items.enumerated().map { index, item in
                guard case .object(let object) = item else {
                    body.addIssue("automations[\(index)]", "must be an object like {\"on\": \"replied\", \"do\": \"stop\"}")
                    return AutomationInput(on: nil, action: nil, value: nil)
                }
                func text(_ key: String) -> String? { if case .string(let s)? = object[key] { s } else { nil } }
                return AutomationInput(on: text("on"), action: text("do"), value: text("value"))
            })
        } else if body.object["automations"] == .null {
            automations = .null
        }
        leadRules = body.object("lead_rules").map { rules in
            var input = LeadRulesInput()
            input.includeListIDs = rules.strings("include_list_ids")
            input.excludeListIDs = rules.strings("exclude_list_ids")
            input.excludeContacted = rules.bool("exclude_contacted")
            input.skipActiveInOtherCampaigns = rules.bool("skip_active_in_other_campaigns")
            return input
        }
        sequence = body.object("sequence").map { reader in
            reader.ignoring("object")
            return SequenceInput(nodes: NodeReader.nodes(reader), version: reader.int("version").value)
        }
        body.ignoring(BodyReader.readOnlyMembers + ["is_rebalancing", "is_enrolling", "started_at", "paused_at", "completed_at"])
        readIssues = body.readIssues
    }

    /// `{"monday": [{"start": "09:00", "end": "17:00"}], …}`; a day that is null or `[]` has no window.
    private static func schedule(_ days: BodyReader) -> [String: [Schedule.RawWindow]] {
        var result: [String: [Schedule.RawWindow]] = [:]
        for day in days.object.keys {
            guard case .value(let windows) = days.array(day) else {
                result[day] = []
                continue
            }
            result[day] = windows.enumerated().compactMap { index, window in
                guard case .object(let object) = window else {
                    days.addIssue("\(day)[\(index)]", "must be an object like {\"start\": \"09:00\", \"end\": \"17:00\"}")
                    return nil
                }
                let start = object["start"], end = object["end"]
                guard case .string(let startText) = start, case .string(let endText) = end else {
                    if case .string = start {} else { days.addIssue("\(day)[\(index)].start", "must be a time HH:MM") }
                    if case .string = end {} else { days.addIssue("\(day)[\(index)].end", "must be a time HH:MM") }
                    return nil
                }
                return Schedule.RawWindow(start: startText, end: endText)
            }
        }
        return result
    }
}

/// A campaign as the API shows it.
struct CampaignBody: ResponseEncodable, Sendable {
    var id: String
    var object = "campaign"
    var name: String
    @Nullable var description: String?
    var channel: String
    var status: String
    var dryRun: Bool
    var priority: Int
    var timezone: String
    var schedule: [String: [WindowBody]]
    @Nullable var startAt: Date?
    var senderIds: [String]
    var hourlyMessageRate: Int
    var dailyLimit: Int
    var stopOnReply: Bool
    var openTracking: Bool
    @Nullable var signature: String?
    var skipOtherCampaigns: Bool
    var prioritizeNewLeads: Bool
    var sendInLeadTimezone: Bool
    var leadRules: LeadRulesBody
    var sequence: SequenceBody
    @Nullable var simulation: SimulationBody?
    var isRebalancing: Bool
    var isEnrolling: Bool
    var automations: [AutomationBody]
    var createdAt: Date
    var updatedAt: Date
    @Nullable var startedAt: Date?
    @Nullable var pausedAt: Date?
    @Nullable var completedAt: Date?

    struct SimulationBody: Encodable, Sendable {
        var seed: UInt64
        var acceptRate: Double
        var replyRate: Double
        var openRate: Double
        var bounceRate: Double
        var signalDelayMinutes: [Int]
    }

    struct LeadRulesBody: Encodable, Sendable {
        var includeListIds: [String]
        var excludeListIds: [String]
        var excludeContacted: Bool
        var skipActiveInOtherCampaigns: Bool
    }

    struct WindowBody: Encodable, Sendable {
        var start: String
        var end: String
    }

    init(_ campaign: Campaign) {
        id = campaign.id.rawValue
        name = campaign.name
        description = campaign.description
        channel = campaign.channel.rawValue
        status = campaign.status.rawValue
        dryRun = campaign.dryRun
        priority = campaign.priority
        timezone = campaign.timezone.identifier
        schedule = Dictionary(uniqueKeysWithValues: campaign.schedule.windows.map { day, ranges in
            (day.rawValue, ranges.map { WindowBody(start: MinuteRange.text(from: $0.start), end: MinuteRange.text(from: $0.end)) })
        })
        startAt = campaign.startAt
        senderIds = campaign.senderIDs.map(\.rawValue)
        hourlyMessageRate = campaign.hourlyMessageRate
        dailyLimit = campaign.dailyLimit
        stopOnReply = campaign.stopOnReply
        openTracking = campaign.openTracking
        signature = campaign.signature
        skipOtherCampaigns = campaign.skipOtherCampaigns
        prioritizeNewLeads = campaign.prioritizeNewLeads
        sendInLeadTimezone = campaign.sendInLeadTimezone
        leadRules = LeadRulesBody(
            includeListIds: campaign.leadRules.includeListIDs.map(\.rawValue),
            excludeListIds: campaign.leadRules.excludeListIDs.map(\.rawValue),
            excludeContacted: campaign.leadRules.excludeContacted,
            skipActiveInOtherCampaigns: campaign.skipOtherCampaigns)
        sequence = SequenceBody(campaign.sequence)
        simulation = campaign.simulation.map {
            SimulationBody(seed: $0.seed, acceptRate: $0.acceptRate, replyRate: $0.replyRate, openRate: $0.openRate,
                           bounceRate: $0.bounceRate, signalDelayMinutes: $0.signalDelayMinutes)
        }
        isRebalancing = campaign.isRebalancing
        isEnrolling = campaign.isEnrolling
        automations = campaign.automations.map(AutomationBody.init)
        createdAt = campaign.createdAt
        updatedAt = campaign.updatedAt
        startedAt = campaign.startedAt
        pausedAt = campaign.pausedAt
        completedAt = campaign.completedAt
    }
}

struct AutomationBody: Encodable, Sendable {
    var on: String
    var `do`: String
    @Nullable var value: String?

    init(_ automation: Automation) {
        on = automation.on.rawValue
        switch automation.action {
        case .setContactStatus(let status): self.do = "set_contact_status"; value = status
        case .addToList(let list): self.do = "add_to_list"; value = list.rawValue
        case .removeFromList(let list): self.do = "remove_from_list"; value = list.rawValue
        case .stop: self.do = "stop"; value = nil
        }
    }
}
