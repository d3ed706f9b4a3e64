import Foundation
import GRDB
import OutboundCore

extension SQLiteStore {
    public func leadCandidates(_ contacts: [ID], for campaign: Campaign) async throws -> [LeadCandidate] {
        guard !contacts.isEmpty else { return [] }
        return try await read { db in
            guard let campaignSeq = try Self.seq(of: campaign, db) else { return [] }
            var result: [LeadCandidate] = []
            for start in stride(from: 0, to: contacts.count, by: 500) {
                let chunk = contacts[start..<min(start + 500, contacts.count)].map(\.rawValue)
                let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
                // `+c.workspace_id` keeps SQLite on the id index (see `contacts(_:in:)`).
                let rows = try Row.fetchAll(db, sql: """
                    SELECT c.*,
                      EXISTS (SELECT 1 FROM enrollments e WHERE e.campaign_seq = ?1 AND e.contact_seq = c.seq) AS in_campaign,
                      (EXISTS (SELECT 1 FROM suppressions s WHERE s.workspace_id = c.workspace_id AND s.kind = 'email' AND s.value = c.email)
                       OR EXISTS (SELECT 1 FROM suppressions s WHERE s.workspace_id = c.workspace_id AND s.kind = 'domain'
                                  AND s.value = substr(c.email, instr(c.email, '@') + 1))
                       OR EXISTS (SELECT 1 FROM suppressions s WHERE s.workspace_id = c.workspace_id AND s.kind = 'phone' AND s.value = c.phone)
                       OR EXISTS (SELECT 1 FROM suppressions s WHERE s.workspace_id = c.workspace_id AND s.kind = 'linkedin_url'
                                  AND s.value = c.linkedin_url)) AS suppressed,
                      EXISTS (SELECT 1 FROM enrollments e JOIN campaigns k ON k.seq = e.campaign_seq
                              WHERE e.contact_seq = c.seq AND e.campaign_seq != ?1 AND k.status = 'active'
                                AND e.state IN ('pending', 'active', 'waiting')) AS active_elsewhere,
                      EXISTS (SELECT 1 FROM enrollments e WHERE e.contact_seq = c.seq AND e.campaign_seq != ?1
                                AND e.state NOT IN ('pending', 'skipped')) AS contacted,
                      EXISTS (SELECT 1 FROM list_members m JOIN campaign_lists cl ON cl.list_seq = m.list_seq
                              WHERE cl.campaign_seq = ?1 AND cl.mode = 'exclude' AND m.contact_seq = c.seq) AS in_excluded
                    FROM contacts c WHERE +c.workspace_id = ?2 AND c.id IN (\(marks))
                    """, arguments: StatementArguments([DatabaseValue(value: campaignSeq)!, campaign.workspaceID.rawValue.databaseValue]
                                                      + chunk.map(\.databaseValue)))
                for row in rows {
                    result.append(LeadCandidate(
                        contact: try Self.contact(row), inCampaign: row["in_campaign"], suppressed: row["suppressed"],
                        activeElsewhere: row["active_elsewhere"], contacted: row["contacted"], inExcludedList: row["in_excluded"]))
                }
            }
            return result
        }
    }

    public func insertLeads(_ contacts: [ID], into campaign: Campaign, at: Date) async throws -> Int {
        guard !contacts.isEmpty else { return 0 }
        return try await write { db in
            guard let campaignSeq = try Self.seq(of: campaign, db) else { return 0 }
            let insert = try db.cachedStatement(sql: """
                INSERT OR IGNORE INTO enrollments (campaign_seq, contact_seq, state, created_at, updated_at)
                SELECT ?, seq, 'pending', ?, ? FROM contacts WHERE id = ? AND workspace_id = ?
                """)
            var added = 0
            for contact in contacts {
                try insert.execute(arguments: [campaignSeq, Self.millis(at), Self.millis(at), contact.rawValue, campaign.workspaceID.rawValue])
                added += db.changesCount
            }
            if added > 0 { try Self.count(campaignSeq, "state.pending", db, by: added) }
            return added
        }
    }

    public func removePendingLeads(_ contacts: [ID], from campaign: Campaign) async throws -> [ID] {
        guard !contacts.isEmpty else { return [] }
        return try await write { db in
            guard let campaignSeq = try Self.seq(of: campaign, db) else { return [] }
            let delete = try db.cachedStatement(sql: """
                DELETE FROM enrollments WHERE campaign_seq = ? AND state = 'pending'
                  AND contact_seq = (SELECT seq FROM contacts WHERE id = ? AND workspace_id = ?)
                """)
            var removed: [ID] = []
            for contact in contacts {
                try delete.execute(arguments: [campaignSeq, contact.rawValue, campaign.workspaceID.rawValue])
                if db.changesCount > 0 { removed.append(contact) }
            }
            if !removed.isEmpty { try Self.count(campaignSeq, "state.pending", db, by: -removed.count) }
            return removed
        }
    }

    public func leads(of campaign: Campaign, state: EnrollmentState?, matching: String?, page: PageRequest) async throws -> Page<Lead> {
        let search = matching.map { Self.contactSearch($0, table: "c") }
        return try await read { db in
            guard let campaignSeq = try Self.seq(of: campaign, db) else { return Page(items: [], hasMore: false) }
            var after: Int64 = 0
            if let cursor = page.startingAfter {
                guard let seq = try Int64.fetchOne(db, sql: """
                    SELECT e.seq FROM enrollments e JOIN contacts c ON c.seq = e.contact_seq
                    WHERE e.campaign_seq = ? AND c.id = ?
                    """, arguments: [campaignSeq, cursor.rawValue])
                else { throw ValidationError("starting_after", "no such lead in this campaign") }
                after = seq
            }
            let rows = try Row.fetchAll(db, sql: """
                SELECT c.*, e.seq AS enrollment_seq, e.state AS lead_state, e.reason AS lead_reason,
                       e.created_at AS lead_created_at, e.updated_at AS lead_updated_at, e.node_id AS lead_node, e.due_at AS lead_due
                FROM enrollments e JOIN contacts c ON c.seq = e.contact_seq
                WHERE e.campaign_seq = ? AND e.seq > ? \(state == nil ? "" : "AND e.state = ?") \(search.map { "AND \($0.sql)" } ?? "")
                ORDER BY e.seq LIMIT ?
                """, arguments: StatementArguments([campaignSeq, after] as [any DatabaseValueConvertible]
                                                  + (state.map { [$0.rawValue] } ?? []) + (search?.arguments ?? []) + [page.limit + 1]))
            let leads = try rows.prefix(page.limit).map { row in
                let state = EnrollmentState(rawValue: row["lead_state"]) ?? .pending
                return Lead(contact: try Self.contact(row), campaignID: campaign.id, state: state, reason: row["lead_reason"],
                            addedAt: Self.date(row["lead_created_at"] as Int64), updatedAt: Self.date(row["lead_updated_at"] as Int64),
                            currentStep: state == .pending ? nil : row["lead_node"], nextStepAt: Self.date(row["lead_due"] as Int64?))
            }
            return Page(items: leads, hasMore: rows.count > page.limit)
        }
    }

    public func campaigns(followingList list: ID, in workspace: ID) async throws -> [Campaign] {
        try await read { db in
            try Row.fetchAll(db, sql: """
                SELECT DISTINCT k.* FROM campaigns k
                JOIN campaign_lists cl ON cl.campaign_seq = k.seq
                JOIN lists l ON l.seq = cl.list_seq
                WHERE l.id = ? AND k.workspace_id = ? AND k.status IN ('draft', 'active', 'paused')
                ORDER BY k.seq
                """, arguments: [list.rawValue, workspace.rawValue]).map { try Self.campaign($0, db) }
        }
    }

    private static func seq(of campaign: Campaign, _ db: Database) throws -> Int64? {
        try Int64.fetchOne(db, sql: "SELECT seq FROM campaigns WHERE id = ? AND workspace_id = ?",
                           arguments: [campaign.id.rawValue, campaign.workspaceID.rawValue])
    }
}

extension SQLiteStore {
    public func leadCount(of campaign: Campaign) async throws -> Int {
        try await read { db in
            try Int.fetchOne(db, sql: """
                SELECT count(*) FROM enrollments WHERE campaign_seq = (SELECT seq FROM campaigns WHERE id = ? AND workspace_id = ?)
                """, arguments: [campaign.id.rawValue, campaign.workspaceID.rawValue]) ?? 0
        }
    }

    public func leadsLacking(_ variables: [Variable], of campaign: Campaign) async throws -> [Variable: Int] {
        guard !variables.isEmpty else { return [:] }
        return try await read { db in
            var result: [Variable: Int] = [:]
            for variable in variables {
                let (condition, argument) = Self.lackingCondition(variable)
                guard let condition else { continue }
                result[variable] = try Int.fetchOne(db, sql: """
                    SELECT count(*) FROM enrollments e JOIN contacts c ON c.seq = e.contact_seq
                    WHERE e.campaign_seq = (SELECT seq FROM campaigns WHERE id = ? AND workspace_id = ?) AND (\(condition))
                    """, arguments: StatementArguments([campaign.id.rawValue, campaign.workspaceID.rawValue] + (argument.map { [$0, $0] } ?? []))) ?? 0
            }
            return result
        }
    }

    /// SQL that is true when a contact has no value for `variable`.
    private static func lackingCondition(_ variable: Variable) -> (String?, String?) {
        func empty(_ column: String) -> String { "c.\(column) IS NULL OR c.\(column) = ''" }
        switch variable {
        case .firstName: return (empty("first_name"), nil)
        case .lastName: return (empty("last_name"), nil)
        case .fullName: return ("(c.first_name IS NULL OR c.first_name = '') AND (c.last_name IS NULL OR c.last_name = '')", nil)
        case .email: return (empty("email"), nil)
        case .phone: return (empty("phone"), nil)
        case .company: return (empty("company"), nil)
        case .title: return (empty("title"), nil)
        case .linkedinURL: return (empty("linkedin_url"), nil)
        case .custom(let key):
            let path = "$.\"" + key.replacingOccurrences(of: "\"", with: "\\\"") + "\""
            return ("json_extract(c.custom_fields, ?) IS NULL OR json_extract(c.custom_fields, ?) = ''", path)
        case .senderFirstName, .senderLastName, .senderName, .senderEmail: return (nil, nil)
        }
    }
}
