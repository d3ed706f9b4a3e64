import Foundation
import OutboundCore
import OutboundStoreFormats
import PostgresNIO

extension PostgresStore {
    public func insertCampaign(_ campaign: Campaign) async throws {
        let json = try Self.json(of: campaign)
        try await conflictOnUnique(Self.campaignNameTaken) {
            try await transaction { connection in
                let c = campaign
                let seq = try await Self.values(connection.query("""
                    INSERT INTO campaigns (id, workspace_id, name, description, channel, status, dry_run, priority, timezone, schedule,
                        start_at, hourly_message_rate, daily_limit, stop_on_reply, open_tracking, signature, skip_other_campaigns,
                        send_in_lead_timezone, created_at, updated_at, started_at, paused_at, completed_at, exclude_contacted, sequence,
                        simulation, automations, prioritize_new_leads)
                    VALUES (\(c.id.rawValue), \(c.workspaceID.rawValue), \(c.name), \(c.description), \(c.channel.rawValue),
                        \(c.status.rawValue), \(c.dryRun), \(c.priority), \(c.timezone.identifier), \(json.schedule), \(Self.millis(c.startAt)),
                        \(c.hourlyMessageRate), \(c.dailyLimit), \(c.stopOnReply), \(c.openTracking), \(c.signature), \(c.skipOtherCampaigns),
                        \(c.sendInLeadTimezone), \(Self.millis(c.createdAt)), \(Self.millis(c.updatedAt)), \(Self.millis(c.startedAt)),
                        \(Self.millis(c.pausedAt)), \(Self.millis(c.completedAt)), \(c.leadRules.excludeContacted), \(json.sequence),
                        \(json.simulation), \(json.automations), \(c.prioritizeNewLeads))
                    RETURNING seq
                    """, logger: self.logger), as: Int64.self)[0]
                try await Self.link(campaign, seq: seq, connection, logger: self.logger)
            }
        }
    }

    public func campaign(_ id: ID, in workspace: ID) async throws -> Campaign? {
        try await campaigns("SELECT * FROM campaigns WHERE id = \(id.rawValue) AND workspace_id = \(workspace.rawValue)").first
    }

    public func campaign(named name: String, in workspace: ID) async throws -> Campaign? {
        try await campaigns("SELECT * FROM campaigns WHERE name = \(name) AND workspace_id = \(workspace.rawValue)").first
    }

    public func campaigns(in workspace: ID, page: PageRequest) async throws -> Page<Campaign> {
        try await client.withConnection { connection in
            let after = try await Self.cursorSeq("campaigns", page: page, workspace: workspace, on: connection, logger: self.logger)
            let found = try await Self.campaigns("""
                SELECT * FROM campaigns WHERE workspace_id = \(workspace.rawValue) AND seq > \(after) ORDER BY seq LIMIT \(page.limit + 1)
                """, on: connection, logger: self.logger)
            return Page(items: Array(found.prefix(page.limit)), hasMore: found.count > page.limit)
        }
    }

    public func campaigns(usingSender sender: ID, in workspace: ID) async throws -> [Campaign] {
        try await campaigns("""
            SELECT c.* FROM campaigns c JOIN campaign_senders cs ON cs.campaign_seq = c.seq JOIN senders s ON s.seq = cs.sender_seq
            WHERE s.id = \(sender.rawValue) AND c.workspace_id = \(workspace.rawValue) ORDER BY c.seq
            """)
    }

    public func updateCampaign(_ campaign: Campaign, rebalancing: Bool) async throws {
        let json = try Self.json(of: campaign)
        try await conflictOnUnique(Self.campaignNameTaken) {
            try await transaction { connection in
                let c = campaign
                guard let seq = try await Self.values(connection.query("""
                    UPDATE campaigns SET name = \(c.name), description = \(c.description), channel = \(c.channel.rawValue),
                        status = \(c.status.rawValue), dry_run = \(c.dryRun), priority = \(c.priority), timezone = \(c.timezone.identifier),
                        schedule = \(json.schedule), start_at = \(Self.millis(c.startAt)), hourly_message_rate = \(c.hourlyMessageRate),
                        daily_limit = \(c.dailyLimit), stop_on_reply = \(c.stopOnReply), open_tracking = \(c.openTracking),
                        signature = \(c.signature), skip_other_campaigns = \(c.skipOtherCampaigns),
                        send_in_lead_timezone = \(c.sendInLeadTimezone), created_at = \(Self.millis(c.createdAt)),
                        updated_at = \(Self.millis(c.updatedAt)), started_at = \(Self.millis(c.startedAt)),
                        paused_at = \(Self.millis(c.pausedAt)), completed_at = \(Self.millis(c.completedAt)),
                        exclude_contacted = \(c.leadRules.excludeContacted), sequence = \(json.sequence), simulation = \(json.simulation),
                        automations = \(json.automations), prioritize_new_leads = \(c.prioritizeNewLeads)
                    WHERE id = \(c.id.rawValue) AND workspace_id = \(c.workspaceID.rawValue)
                    RETURNING seq
                    """, logger: self.logger), as: Int64.self).first
                else { throw NotFoundError("campaign", id: c.id.rawValue) }
                try await connection.query("DELETE FROM campaign_senders WHERE campaign_seq = \(seq)", logger: self.logger)
                try await connection.query("DELETE FROM campaign_lists WHERE campaign_seq = \(seq)", logger: self.logger)
                try await Self.link(campaign, seq: seq, connection, logger: self.logger)
                if rebalancing {
                    try await connection.query("""
                        UPDATE campaigns SET rebalance_state = 'waiting', rebalance_after = 0, rebalance_placed = 0 WHERE seq = \(seq)
                        """, logger: self.logger)
                }
            }
        }
    }

    public func deleteCampaign(_ id: ID, in workspace: ID) async throws {
        try await client.query("DELETE FROM campaigns WHERE id = \(id.rawValue) AND workspace_id = \(workspace.rawValue)", logger: logger)
    }

    static let campaignNameTaken = ConflictError("a campaign with this name already exists", field: "name")

    /// Links the campaign's senders and its lead rules' lists in order; one deleted since
    /// validation fails the whole transaction with the field that named it.
    private static func link(_ campaign: Campaign, seq: Int64, _ connection: PostgresConnection, logger: Logger) async throws {
        let workspace = campaign.workspaceID.rawValue
        for (position, sender) in campaign.senderIDs.enumerated() {
            let linked = try await values(connection.query("""
                INSERT INTO campaign_senders (campaign_seq, sender_seq, position)
                SELECT \(seq), seq, \(position) FROM senders WHERE id = \(sender.rawValue) AND workspace_id = \(workspace) RETURNING 1
                """, logger: logger), as: Int.self)
            if linked.isEmpty { throw ValidationError("sender_ids[\(position)]", "no sender \(sender) in this workspace") }
        }
        for (mode, ids) in [("include", campaign.leadRules.includeListIDs), ("exclude", campaign.leadRules.excludeListIDs)] {
            for (position, list) in ids.enumerated() {
                let linked = try await values(connection.query("""
                    INSERT INTO campaign_lists (campaign_seq, list_seq, mode, position)
                    SELECT \(seq), seq, \(mode), \(position) FROM lists WHERE id = \(list.rawValue) AND workspace_id = \(workspace) RETURNING 1
                    """, logger: logger), as: Int.self)
                if linked.isEmpty { throw ValidationError("lead_rules.\(mode)_list_ids[\(position)]", "no list \(list) in this workspace") }
            }
        }
    }

    private static func json(of c: Campaign) throws -> (schedule: String, sequence: String, simulation: String?, automations: String?) {
        (try StoredJSON.encode(StoredSchedule(c.schedule)), try StoredJSON.encode(StoredSequence(c.sequence)),
         try c.simulation.map { try StoredJSON.encode($0) },
         c.automations.isEmpty ? nil : try StoredJSON.encode(c.automations.map(StoredAutomation.init)))
    }

    /// The campaigns a query selecting `campaigns.*` finds, with their senders and lists.
    func campaigns(_ query: PostgresQuery) async throws -> [Campaign] {
        try await client.withConnection { connection in try await Self.campaigns(query, on: connection, logger: self.logger) }
    }

    static func campaigns(_ query: PostgresQuery, on connection: PostgresConnection, logger: Logger) async throws -> [Campaign] {
        let rows = try await rows(query, on: connection, logger: logger)
        guard !rows.isEmpty else { return [] }
        let seqs = try rows.map { try $0["seq"] as Int64 }
        var senders: [Int64: [ID]] = [:], includes: [Int64: [ID]] = [:], excludes: [Int64: [ID]] = [:]
        for try await (campaign, id) in try await connection.query("""
            SELECT cs.campaign_seq, s.id FROM campaign_senders cs JOIN senders s ON s.seq = cs.sender_seq
            WHERE cs.campaign_seq = ANY(\(seqs)) ORDER BY cs.campaign_seq, cs.position
            """, logger: logger).decode((Int64, String).self) {
            senders[campaign, default: []].append(ID(trusted: id))
        }
        for try await (campaign, id, mode) in try await connection.query("""
            SELECT cl.campaign_seq, l.id, cl.mode FROM campaign_lists cl JOIN lists l ON l.seq = cl.list_seq
            WHERE cl.campaign_seq = ANY(\(seqs)) ORDER BY cl.campaign_seq, cl.position
            """, logger: logger).decode((Int64, String, String).self) {
            if mode == "include" { includes[campaign, default: []].append(ID(trusted: id)) } else { excludes[campaign, default: []].append(ID(trusted: id)) }
        }
        return try rows.map { row in
            let seq: Int64 = try row["seq"]
            return try campaign(row, senders: senders[seq] ?? [], includes: includes[seq] ?? [], excludes: excludes[seq] ?? [])
        }
    }

    static func campaign(_ row: Row, senders: [ID], includes: [ID], excludes: [ID]) throws -> Campaign {
        let rules = LeadRules(includeListIDs: includes, excludeListIDs: excludes, excludeContacted: try row["exclude_contacted"])
        var campaign = Campaign(
            id: ID(trusted: try row["id"]), workspaceID: ID(trusted: try row["workspace_id"]), name: try row["name"],
            description: try row["description"], channel: CampaignChannel(rawValue: try row["channel"]) ?? .linkedin,
            status: Campaign.Status(rawValue: try row["status"]) ?? .paused, dryRun: try row["dry_run"], priority: try row["priority"],
            timezone: Zone(try row["timezone"]) ?? .utc, schedule: try StoredJSON.decode(StoredSchedule.self, try row["schedule"]).schedule,
            startAt: date(try row["start_at"] as Int64?), senderIDs: senders,
            hourlyMessageRate: try row["hourly_message_rate"], dailyLimit: try row["daily_limit"],
            stopOnReply: try row["stop_on_reply"], openTracking: try row["open_tracking"], signature: try row["signature"],
            skipOtherCampaigns: try row["skip_other_campaigns"], sendInLeadTimezone: try row["send_in_lead_timezone"], leadRules: rules,
            sequence: try (try row["sequence"] as String?).map { try StoredJSON.decode(StoredSequence.self, $0).sequence },
            createdAt: date(try row["created_at"] as Int64), updatedAt: date(try row["updated_at"] as Int64),
            startedAt: date(try row["started_at"] as Int64?), pausedAt: date(try row["paused_at"] as Int64?),
            completedAt: date(try row["completed_at"] as Int64?))
        campaign.simulation = try (try row["simulation"] as String?).map { try StoredJSON.decode(Simulation.self, $0) }
        campaign.isRebalancing = (try row["rebalance_state"] as String?) != nil
        campaign.isEnrolling = try row["enrolling"]
        campaign.prioritizeNewLeads = try row["prioritize_new_leads"]
        campaign.automations = try (try row["automations"] as String?)
            .map { try StoredJSON.decode([StoredAutomation].self, $0).compactMap(\.automation) } ?? []
        return campaign
    }
}
