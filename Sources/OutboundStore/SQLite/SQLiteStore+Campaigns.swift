import Foundation
import GRDB
import OutboundCore
import OutboundStoreFormats

extension SQLiteStore {
    private static let campaignColumns = """
        id, workspace_id, name, description, channel, status, dry_run, priority, timezone, schedule, start_at,
        hourly_message_rate, daily_limit, stop_on_reply, open_tracking, signature, skip_other_campaigns,
        send_in_lead_timezone, created_at, updated_at, started_at, paused_at, completed_at, exclude_contacted, sequence, simulation, automations,
        prioritize_new_leads
        """

    public func insertCampaign(_ campaign: Campaign) async throws {
        let values = try Self.columns(of: campaign)
        try await write(conflict: Self.campaignNameTaken) { db in
            let marks = Array(repeating: "?", count: values.count).joined(separator: ", ")
            try db.execute(sql: "INSERT INTO campaigns (\(Self.campaignColumns)) VALUES (\(marks))", arguments: StatementArguments(values))
            let seq = db.lastInsertedRowID
            try Self.replaceSenders(of: campaign, seq: seq, db)
            try Self.replaceLists(of: campaign, seq: seq, db)
        }
    }

    /// Decoded once per revision (every change of a campaign, its senders or lists bumps it) and
    /// shared with the dispatcher's cache: a read of an unchanged campaign is one index lookup.
    public func campaign(_ id: ID, in workspace: ID) async throws -> Campaign? {
        try await read { [cache] db in
            guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT seq, revision FROM campaigns WHERE id = ? AND workspace_id = ?"),
                                             arguments: [id.rawValue, workspace.rawValue]) else { return nil }
            return try cache.campaign(row[0], revision: row[1], db)
        }
    }

    public func campaign(named name: String, in workspace: ID) async throws -> Campaign? {
        try await read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM campaigns WHERE name = ? AND workspace_id = ?",
                             arguments: [name, workspace.rawValue]).map { try Self.campaign($0, db) }
        }
    }

    public func campaigns(in workspace: ID, page: PageRequest) async throws -> Page<Campaign> {
        try await read { [cache] db in
            // Decoded once per revision, as the dispatcher and single reads have them.
            try Self.page(db, table: "campaigns", workspace: workspace, page: page) { db, row in
                try cache.campaign(row["seq"], revision: row["revision"], db) ?? Self.campaign(row, db)
            }
        }
    }

    public func campaigns(usingSender sender: ID, in workspace: ID) async throws -> [Campaign] {
        try await read { db in
            try Row.fetchAll(db, sql: """
                SELECT c.* FROM campaigns c
                JOIN campaign_senders cs ON cs.campaign_seq = c.seq
                JOIN senders s ON s.seq = cs.sender_seq
                WHERE s.id = ? AND c.workspace_id = ?
                ORDER BY c.seq
                """, arguments: [sender.rawValue, workspace.rawValue]).map { try Self.campaign($0, db) }
        }
    }

    public func updateCampaign(_ campaign: Campaign, rebalancing: Bool) async throws {
        let values = try Self.columns(of: campaign)
        try await write(conflict: Self.campaignNameTaken) { db in
            let assignments = Self.campaignColumns.split(separator: ",").map { "\($0.trimmingCharacters(in: .whitespacesAndNewlines)) = ?" }
            try db.execute(
                sql: "UPDATE campaigns SET \(assignments.joined(separator: ", ")) WHERE id = ? AND workspace_id = ?",
                arguments: StatementArguments(values + [campaign.id.rawValue, campaign.workspaceID.rawValue]))
            guard let seq = try Int64.fetchOne(db, sql: "SELECT seq FROM campaigns WHERE id = ?", arguments: [campaign.id.rawValue]) else {
                throw NotFoundError("campaign", id: campaign.id.rawValue)
            }
            try db.execute(sql: "DELETE FROM campaign_senders WHERE campaign_seq = ?", arguments: [seq])
            try Self.replaceSenders(of: campaign, seq: seq, db)
            try db.execute(sql: "DELETE FROM campaign_lists WHERE campaign_seq = ?", arguments: [seq])
            try Self.replaceLists(of: campaign, seq: seq, db)
            if rebalancing { try Self.startRebalance(seq, db) }
        }
    }

    public func deleteCampaign(_ id: ID, in workspace: ID) async throws {
        try await write { db in
            try db.execute(sql: "DELETE FROM campaigns WHERE id = ? AND workspace_id = ?", arguments: [id.rawValue, workspace.rawValue])
        }
    }

    /// Links the campaign's senders in order; a sender deleted since validation fails the
    /// whole transaction with the field that named it.
    private static func replaceSenders(of campaign: Campaign, seq: Int64, _ db: Database) throws {
        for (position, sender) in campaign.senderIDs.enumerated() {
            try db.execute(
                sql: """
                    INSERT INTO campaign_senders (campaign_seq, sender_seq, position)
                    SELECT ?, seq, ? FROM senders WHERE id = ? AND workspace_id = ?
                    """,
                arguments: [seq, position, sender.rawValue, campaign.workspaceID.rawValue])
            if db.changesCount == 0 {
                throw ValidationError("sender_ids[\(position)]", "no sender \(sender) in this workspace")
            }
        }
    }

    /// Links the lists of the lead rules; a list deleted since validation fails the transaction.
    private static func replaceLists(of campaign: Campaign, seq: Int64, _ db: Database) throws {
        for (mode, ids) in [("include", campaign.leadRules.includeListIDs), ("exclude", campaign.leadRules.excludeListIDs)] {
            for (position, list) in ids.enumerated() {
                try db.execute(
                    sql: """
                        INSERT INTO campaign_lists (campaign_seq, list_seq, mode, position)
                        SELECT ?, seq, ?, ? FROM lists WHERE id = ? AND workspace_id = ?
                        """,
                    arguments: [seq, mode, position, list.rawValue, campaign.workspaceID.rawValue])
                if db.changesCount == 0 {
                    throw ValidationError("lead_rules.\(mode)_list_ids[\(position)]", "no list \(list) in this workspace")
                }
            }
        }
    }

    private static func columns(of c: Campaign) throws -> [DatabaseValue] {
        let values: [(any DatabaseValueConvertible)?] = [
            c.id.rawValue, c.workspaceID.rawValue, c.name, c.description, c.channel.rawValue, c.status.rawValue,
            c.dryRun, c.priority, c.timezone.identifier, try json(StoredSchedule(c.schedule)), millis(c.startAt),
            c.hourlyMessageRate, c.dailyLimit, c.stopOnReply, c.openTracking, c.signature, c.skipOtherCampaigns,
            c.sendInLeadTimezone, millis(c.createdAt), millis(c.updatedAt), millis(c.startedAt), millis(c.pausedAt),
            millis(c.completedAt), c.leadRules.excludeContacted, try json(StoredSequence(c.sequence)),
            try c.simulation.map { try json($0) },
            c.automations.isEmpty ? nil : try json(c.automations.map(StoredAutomation.init)),
            c.prioritizeNewLeads,
        ]
        return values.map { $0?.databaseValue ?? .null }
    }

    static func campaign(_ row: Row, _ db: Database) throws -> Campaign {
        let lists = try Row.fetchAll(db, sql: """
            SELECT l.id, cl.mode FROM campaign_lists cl JOIN lists l ON l.seq = cl.list_seq
            WHERE cl.campaign_seq = ? ORDER BY cl.position
            """, arguments: [row["seq"] as Int64])
        let rules = LeadRules(
            includeListIDs: lists.filter { $0["mode"] == "include" }.map { ID(trusted: $0["id"]) },
            excludeListIDs: lists.filter { $0["mode"] == "exclude" }.map { ID(trusted: $0["id"]) },
            excludeContacted: row["exclude_contacted"])
        let senders = try String.fetchAll(db, sql: """
            SELECT s.id FROM campaign_senders cs JOIN senders s ON s.seq = cs.sender_seq
            WHERE cs.campaign_seq = ? ORDER BY cs.position
            """, arguments: [row["seq"] as Int64])
        var campaign = Campaign(
            id: ID(trusted: row["id"]), workspaceID: ID(trusted: row["workspace_id"]), name: row["name"],
            description: row["description"], channel: CampaignChannel(rawValue: row["channel"]) ?? .linkedin,
            status: Campaign.Status(rawValue: row["status"]) ?? .paused, dryRun: row["dry_run"], priority: row["priority"],
            timezone: Zone(row["timezone"]) ?? .utc, schedule: try decode(StoredSchedule.self, row["schedule"]).schedule,
            startAt: date(row["start_at"] as Int64?), senderIDs: senders.map(ID.init(trusted:)),
            hourlyMessageRate: row["hourly_message_rate"], dailyLimit: row["daily_limit"],
            stopOnReply: row["stop_on_reply"], openTracking: row["open_tracking"], signature: row["signature"],
            skipOtherCampaigns: row["skip_other_campaigns"], sendInLeadTimezone: row["send_in_lead_timezone"], leadRules: rules,
            sequence: try (row["sequence"] as String?).map { try decode(StoredSequence.self, $0).sequence },
            createdAt: date(row["created_at"] as Int64), updatedAt: date(row["updated_at"] as Int64),
            startedAt: date(row["started_at"] as Int64?), pausedAt: date(row["paused_at"] as Int64?),
            completedAt: date(row["completed_at"] as Int64?))
        campaign.simulation = try (row["simulation"] as String?).map { try decode(Simulation.self, $0) }
        campaign.isRebalancing = (row["rebalance_state"] as String?) != nil
        campaign.isEnrolling = row["enrolling"]
        campaign.prioritizeNewLeads = row["prioritize_new_leads"]
        campaign.automations = try (row["automations"] as String?).map { try decode([StoredAutomation].self, $0).compactMap(\.automation) } ?? []
        return campaign
    }
}
