import Foundation
import OutboundCore
import PostgresNIO

extension PostgresStore: LeadStore {
    public func leadCandidates(_ contacts: [ID], for campaign: Campaign) async throws -> [LeadCandidate] {
        guard !contacts.isEmpty else { return [] }
        return try await client.withConnection { connection in
            guard let campaignSeq = try await Self.seq(of: campaign, connection, logger: self.logger) else { return [] }
            return try await Self.rows("""
                SELECT c.*,
                  EXISTS (SELECT 1 FROM enrollments e WHERE e.campaign_seq = \(campaignSeq) AND e.contact_seq = c.seq) AS in_campaign,
                  (\(unescaped: Self.contactSuppressed)) AS suppressed,
                  EXISTS (SELECT 1 FROM enrollments e JOIN campaigns k ON k.seq = e.campaign_seq
                          WHERE e.contact_seq = c.seq AND e.campaign_seq != \(campaignSeq) AND k.status = 'active'
                            AND e.state IN ('pending', 'active', 'waiting')) AS active_elsewhere,
                  EXISTS (SELECT 1 FROM enrollments e WHERE e.contact_seq = c.seq AND e.campaign_seq != \(campaignSeq)
                            AND e.state NOT IN ('pending', 'skipped')) AS contacted,
                  EXISTS (SELECT 1 FROM list_members m JOIN campaign_lists cl ON cl.list_seq = m.list_seq
                          WHERE cl.campaign_seq = \(campaignSeq) AND cl.mode = 'exclude' AND m.contact_seq = c.seq) AS in_excluded
                FROM contacts c WHERE c.workspace_id = \(campaign.workspaceID.rawValue) AND c.id = ANY(\(contacts.map(\.rawValue)))
                """, on: connection, logger: self.logger).map { row in
                LeadCandidate(contact: try Self.contact(row), inCampaign: try row["in_campaign"], suppressed: try row["suppressed"],
                              activeElsewhere: try row["active_elsewhere"], contacted: try row["contacted"],
                              inExcludedList: try row["in_excluded"])
            }
        }
    }

    public func insertLeads(_ contacts: [ID], into campaign: Campaign, at: Date) async throws -> Int {
        guard !contacts.isEmpty else { return 0 }
        return try await transaction { connection in
            guard let campaignSeq = try await Self.seq(of: campaign, connection, logger: self.logger) else { return 0 }
            let now = Self.millis(at)
            let added = try await Self.values(connection.query("""
                WITH added AS (
                    INSERT INTO enrollments (campaign_seq, contact_seq, state, created_at, updated_at, priority)
                    SELECT \(campaignSeq), c.seq, 'pending', \(now), \(now), k.priority
                    FROM unnest(\(contacts.map(\.rawValue))) WITH ORDINALITY AS wanted(id, position)
                    JOIN contacts c ON c.id = wanted.id AND c.workspace_id = \(campaign.workspaceID.rawValue)
                    JOIN campaigns k ON k.seq = \(campaignSeq)
                    ORDER BY wanted.position
                    ON CONFLICT (campaign_seq, contact_seq) DO NOTHING
                    RETURNING 1
                )
                SELECT count(*) FROM added
                """, logger: self.logger), as: Int.self).first ?? 0
            if added > 0 { try await Self.count(campaignSeq, "state.pending", by: added, connection, logger: self.logger) }
            return added
        }
    }

    public func removePendingLeads(_ contacts: [ID], from campaign: Campaign) async throws -> [ID] {
        guard !contacts.isEmpty else { return [] }
        return try await transaction { connection in
            guard let campaignSeq = try await Self.seq(of: campaign, connection, logger: self.logger) else { return [] }
            let removed = Set(try await Self.values(connection.query("""
                DELETE FROM enrollments e USING contacts c
                WHERE e.campaign_seq = \(campaignSeq) AND e.state = 'pending' AND c.seq = e.contact_seq
                  AND c.workspace_id = \(campaign.workspaceID.rawValue) AND c.id = ANY(\(contacts.map(\.rawValue)))
                RETURNING c.id
                """, logger: self.logger), as: String.self))
            if !removed.isEmpty { try await Self.count(campaignSeq, "state.pending", by: -removed.count, connection, logger: self.logger) }
            return contacts.filter { removed.contains($0.rawValue) }
        }
    }

    public func leads(of campaign: Campaign, state: EnrollmentState?, matching: String?, page: PageRequest) async throws -> Page<Lead> {
        try await client.withConnection { connection in
            guard let campaignSeq = try await Self.seq(of: campaign, connection, logger: self.logger) else { return Page(items: [], hasMore: false) }
            var after: Int64 = 0
            if let cursor = page.startingAfter {
                guard let seq = try await Self.values(connection.query("""
                    SELECT e.seq FROM enrollments e JOIN contacts c ON c.seq = e.contact_seq
                    WHERE e.campaign_seq = \(campaignSeq) AND c.id = \(cursor.rawValue)
                    """, logger: self.logger), as: Int64.self).first
                else { throw ValidationError("starting_after", "no such lead in this campaign") }
                after = seq
            }
            let rows = try await Self.rows("""
                SELECT c.*, e.seq AS enrollment_seq, e.state AS lead_state, e.reason AS lead_reason,
                       e.created_at AS lead_created_at, e.updated_at AS lead_updated_at, e.node_id AS lead_node, e.due_at AS lead_due
                FROM enrollments e JOIN contacts c ON c.seq = e.contact_seq
                WHERE e.campaign_seq = \(campaignSeq) AND e.seq > \(after)
                  AND (\(state?.rawValue)::text IS NULL OR e.state = \(state?.rawValue))
                  AND (\(matching?.lowercased())::text IS NULL OR EXISTS (SELECT 1 FROM unnest(\(unescaped: Self.contactSearchFields(table: "c"))) f(v)
                                                                        WHERE strpos(v, \(matching?.lowercased() ?? "")) > 0))
                ORDER BY e.seq LIMIT \(page.limit + 1)
                """, on: connection, logger: self.logger)
            let leads = try rows.prefix(page.limit).map { row in
                let state = EnrollmentState(rawValue: try row["lead_state"]) ?? .pending
                return Lead(contact: try Self.contact(row), campaignID: campaign.id, state: state, reason: try row["lead_reason"],
                            addedAt: Self.date(try row["lead_created_at"] as Int64), updatedAt: Self.date(try row["lead_updated_at"] as Int64),
                            currentStep: state == .pending ? nil : try row["lead_node"], nextStepAt: Self.date(try row["lead_due"] as Int64?))
            }
            return Page(items: leads, hasMore: rows.count > page.limit)
        }
    }

    public func leadCount(of campaign: Campaign) async throws -> Int {
        try await Self.values(client.query("""
            SELECT count(*) FROM enrollments
            WHERE campaign_seq = (SELECT seq FROM campaigns WHERE id = \(campaign.id.rawValue) AND workspace_id = \(campaign.workspaceID.rawValue))
            """, logger: logger), as: Int.self).first ?? 0
    }

    public func leadsLacking(_ variables: [Variable], of campaign: Campaign) async throws -> [Variable: Int] {
        var result: [Variable: Int] = [:]
        for variable in variables {
            let empty = { (column: String) in "c.\(column) IS NULL OR c.\(column) = ''" }
            let condition: String
            // The custom field's name is always bound, third (`$3`); other conditions do not read it.
            var key = ""
            switch variable {
            case .firstName: condition = empty("first_name")
            case .lastName: condition = empty("last_name")
            case .fullName: condition = "(c.first_name IS NULL OR c.first_name = '') AND (c.last_name IS NULL OR c.last_name = '')"
            case .email: condition = empty("email")
            case .phone: condition = empty("phone")
            case .company: condition = empty("company")
            case .title: condition = empty("title")
            case .linkedinURL: condition = empty("linkedin_url")
            case .custom(let name):
                key = name
                condition = "coalesce(c.custom_fields::json ->> $3, '') = ''"
            case .senderFirstName, .senderLastName, .senderName, .senderEmail: continue
            }
            result[variable] = try await Self.values(client.query("""
                SELECT count(*) FROM enrollments e JOIN contacts c ON c.seq = e.contact_seq
                WHERE e.campaign_seq = (SELECT seq FROM campaigns WHERE id = \(campaign.id.rawValue) AND workspace_id = \(campaign.workspaceID.rawValue))
                  AND (\(unescaped: condition)) AND length(\(key)) >= 0
                """, logger: logger), as: Int.self).first ?? 0
        }
        return result
    }

    public func campaigns(followingList list: ID, in workspace: ID) async throws -> [Campaign] {
        try await campaigns("""
            SELECT k.* FROM campaigns k
            WHERE k.workspace_id = \(workspace.rawValue) AND k.status IN ('draft', 'active', 'paused')
              AND EXISTS (SELECT 1 FROM campaign_lists cl JOIN lists l ON l.seq = cl.list_seq WHERE cl.campaign_seq = k.seq AND l.id = \(list.rawValue))
            ORDER BY k.seq
            """)
    }

    static func seq(of campaign: Campaign, _ connection: PostgresConnection, logger: Logger) async throws -> Int64? {
        try await values(connection.query("""
            SELECT seq FROM campaigns WHERE id = \(campaign.id.rawValue) AND workspace_id = \(campaign.workspaceID.rawValue)
            """, logger: logger), as: Int64.self).first
    }

    /// Adds `delta` to a campaign's counter.
    static func count(_ campaignSeq: Int64, _ key: String, by delta: Int = 1, _ connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("""
            INSERT INTO campaign_counters (campaign_seq, key, value) VALUES (\(campaignSeq), \(key), \(delta))
            ON CONFLICT (campaign_seq, key) DO UPDATE SET value = campaign_counters.value + excluded.value
            """, logger: logger)
    }
}
