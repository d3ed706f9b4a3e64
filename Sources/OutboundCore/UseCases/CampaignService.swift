import Foundation

/// Creating, reading, changing and removing campaigns (the lifecycle comes with the engine).
public struct CampaignService: Sendable {
    let store: any Store
    let clock: any TimeSource
    let leads: LeadService

    public init(store: any Store, clock: any TimeSource, leads: LeadService) {
        self.store = store
        self.clock = clock
        self.leads = leads
    }

    /// Creates a draft; `id` is a caller-chosen ID (a dialect's `campaign_id`), 409 when taken.
    public func create(_ input: CampaignInput, in workspace: ID, id: ID? = nil) async throws -> Campaign {
        var issues = IssueList()
        issues.append(contentsOf: input.readIssues)
        if input.name.isAbsent { issues.addIfNone("name", "is required") }
        let channel: CampaignChannel
        switch input.channel {
        case .value(let raw) where CampaignChannel(rawValue: raw) != nil:
            channel = CampaignChannel(rawValue: raw)!
        case .value:
            issues.add("channel", "must be one of linkedin, email, sms, multichannel")
            channel = .linkedin
        default:
            issues.addIfNone("channel", "is required: one of linkedin, email, sms, multichannel")
            channel = .linkedin
        }
        if case .value(let status) = input.status, status != Campaign.Status.draft.rawValue {
            issues.add("status", "a new campaign is a draft; launch it once it is ready")
        }
        var creation = input
        creation.status = .absent
        creation.channel = .absent
        let now = clock.now
        var campaign = Campaign(id: id ?? .generate(.campaign), workspaceID: workspace, name: "", channel: channel,
                                createdAt: now, updatedAt: now)
        campaign.apply(creation, issues: &issues)
        // A sequence sent with the campaign is its first version, not an edit of the seeded one.
        campaign.sequence.version = 1
        try await checkSenders(of: campaign, issues: &issues)
        try await checkLists(of: campaign, automations: creation.automations.value, issues: &issues)
        try issues.throwIfAny()
        try await checkNameIsFree(campaign)
        if let id, try await store.campaignExists(id) { throw ConflictError("campaign_id \(id) is taken", field: "campaign_id") }
        try await store.insertCampaign(campaign)
        try await leads.sync(campaign)
        return campaign
    }

    public func get(_ id: ID, in workspace: ID) async throws -> Campaign {
        guard let campaign = try await store.campaign(id, in: workspace) else {
            throw NotFoundError("campaign", id: id.rawValue)
        }
        return campaign
    }

    public func list(in workspace: ID, page: PageRequest) async throws -> Page<Campaign> {
        try await store.campaigns(in: workspace, page: page)
    }

    public func update(_ id: ID, with input: CampaignInput, in workspace: ID) async throws -> Campaign {
        var campaign = try await get(id, in: workspace)
        if campaign.status == .archived {
            throw ConflictError("campaign is archived and can no longer change")
        }
        let previousName = campaign.name
        var issues = IssueList()
        issues.append(contentsOf: input.readIssues)
        campaign.apply(input, issues: &issues)
        if !input.senderIDs.isAbsent { try await checkSenders(of: campaign, issues: &issues) }
        if !input.leadRules.isAbsent || !input.automations.isAbsent { try await checkLists(of: campaign, automations: input.automations.value, issues: &issues) }
        try issues.throwIfAny()
        if campaign.name != previousName { try await checkNameIsFree(campaign) }
        campaign.updatedAt = clock.now
        // Leads not yet contacted follow a new sender list (the dispatcher moves them in steps,
        // marked in the same transaction as the list); contacted ones keep their sender.
        let rebalancing = !input.senderIDs.isAbsent && (campaign.status == .active || campaign.status == .paused)
            && campaign.sequence.nodes.contains(where: { $0.channel != nil })
        try await store.updateCampaign(campaign, rebalancing: rebalancing)
        if rebalancing { campaign.isRebalancing = true }
        if !input.leadRules.isAbsent { try await leads.sync(campaign) }
        return campaign
    }

    /// Deletes a campaign that is not running.
    public func delete(_ id: ID, in workspace: ID) async throws {
        let campaign = try await get(id, in: workspace)
        if campaign.status == .active {
            throw ConflictError("campaign is active; pause or complete it before deleting it")
        }
        try await store.deleteCampaign(id, in: workspace)
    }

    /// Every sender must exist in the workspace and speak a channel the campaign accepts.
    private func checkSenders(of campaign: Campaign, issues: inout IssueList) async throws {
        guard !campaign.senderIDs.isEmpty else { return }
        let found = try await store.senders(campaign.senderIDs, in: campaign.workspaceID)
        let byID = Dictionary(uniqueKeysWithValues: found.map { ($0.id, $0) })
        for (index, id) in campaign.senderIDs.enumerated() {
            guard let sender = byID[id] else {
                issues.add("sender_ids[\(index)]", "no sender \(id) in this workspace")
                continue
            }
            if !campaign.channel.accepts(sender.channel) {
                issues.add("sender_ids[\(index)]",
                           "sender \(id) speaks \(sender.channel.rawValue); this is a \(campaign.channel.rawValue) campaign")
            }
        }
    }

    /// Every list named in the lead rules must exist in the workspace.
    private func checkLists(of campaign: Campaign, automations: [AutomationInput]?, issues: inout IssueList) async throws {
        let rules = campaign.leadRules
        // Indices of the request's automations, so an error names the entry the client sent.
        let automationLists: [(Int, ID)] = (automations ?? []).enumerated().compactMap { index, input in
            guard input.action == "add_to_list" || input.action == "remove_from_list" else { return nil }
            return input.value.flatMap { ID($0, kind: .list) }.map { (index, $0) }
        }
        let known = Set(try await store.lists(rules.includeListIDs + rules.excludeListIDs + automationLists.map(\.1),
                                              in: campaign.workspaceID).map(\.id))
        for (field, ids) in [("include_list_ids", rules.includeListIDs), ("exclude_list_ids", rules.excludeListIDs)] {
            for (index, id) in ids.enumerated() where !known.contains(id) {
                issues.add("lead_rules.\(field)[\(index)]", "no list \(id) in this workspace")
            }
        }
        for (index, list) in automationLists where !known.contains(list) {
            issues.add("automations[\(index)].value", "no list \(list) in this workspace")
        }
    }

    private func checkNameIsFree(_ campaign: Campaign) async throws {
        if let other = try await store.campaign(named: campaign.name, in: campaign.workspaceID), other.id != campaign.id {
            throw ConflictError("a campaign named \"\(campaign.name)\" already exists (\(other.id))", field: "name")
        }
    }
}
