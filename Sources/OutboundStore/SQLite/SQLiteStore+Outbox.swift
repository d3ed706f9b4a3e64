import Foundation
import GRDB
import OutboundCore
import OutboundStoreFormats

// Inbound signal targets, campaign statistics and the outbox as operators see it.

extension SQLiteStore {
    public func signalTargets(actionID: ID?, identity: (IdentityKind, String)?, senderID: ID?, campaignID: ID?, type: SignalType,
                              in workspace: ID, at: Date) async throws -> [PendingSignal] {
        try await read { db in
            var sql = """
                SELECT e.*, c.id AS contact_id, k.id AS campaign_id, x.id AS sender_id FROM enrollments e
                JOIN contacts c ON c.seq = e.contact_seq JOIN campaigns k ON k.seq = e.campaign_seq
                LEFT JOIN senders x ON x.seq = e.sender_seq WHERE k.workspace_id = ?
                """
            var arguments: [any DatabaseValueConvertible] = [workspace.rawValue]
            if let actionID {
                sql += " AND e.seq = (SELECT enrollment_seq FROM actions WHERE id = ?)"
                arguments.append(actionID.rawValue)
            } else if let (kind, value) = identity {
                sql += " AND c.\(kind == .email ? "email" : kind == .phone ? "phone" : "linkedin_url") = ? AND e.state NOT IN ('pending', 'skipped')"
                arguments.append(value)
                if let senderID {
                    sql += " AND x.id = ?"
                    arguments.append(senderID.rawValue)
                }
                if let campaignID {
                    sql += " AND k.id = ?"
                    arguments.append(campaignID.rawValue)
                }
            }
            var campaigns: [Int64: Campaign] = [:]
            return try Row.fetchAll(db, sql: sql, arguments: StatementArguments(arguments)).map { row in
                let campaignSeq: Int64 = row["campaign_seq"]
                if campaigns[campaignSeq] == nil {
                    campaigns[campaignSeq] = try Self.campaign(try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM campaigns WHERE seq = ?"), arguments: [campaignSeq])!, db)
                }
                let contact = try Self.contact(try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM contacts WHERE seq = ?"), arguments: [row["contact_seq"] as Int64])!)
                return PendingSignal(seq: 0, type: type, at: at, actionID: actionID, enrollment: try Self.enrollment(row),
                                     campaign: campaigns[campaignSeq]!, contact: contact)
            }
        }
    }

    /// The campaign's counters, whose keys (`state.*`, `sent`, `sent.node.*`, `sent.sender.*`,
    /// `signal.*`, `contacted`) stay inside this store, read into typed statistics.
    public func campaignStats(_ campaign: ID, in workspace: ID) async throws -> CampaignStats {
        try await read { db in
            guard let seq = try Int64.fetchOne(db.cachedStatement(sql: "SELECT seq FROM campaigns WHERE id = ? AND workspace_id = ?"),
                                               arguments: [campaign.rawValue, workspace.rawValue]) else { return CampaignStats() }
            return try Self.stats(ofCampaign: seq, db)
        }
    }

    public func campaignWithStats(_ campaign: ID, in workspace: ID) async throws -> (campaign: Campaign, stats: CampaignStats)? {
        try await read { [cache] db in
            guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT seq, revision FROM campaigns WHERE id = ? AND workspace_id = ?"),
                                             arguments: [campaign.rawValue, workspace.rawValue]),
                  let value = try cache.campaign(row[0], revision: row[1], db) else { return nil }
            return (value, try Self.stats(ofCampaign: row[0], db))
        }
    }

    private static func stats(ofCampaign seq: Int64, _ db: Database) throws -> CampaignStats {
        CampaignStats(counters: try Row.fetchAll(db.cachedStatement(sql: "SELECT key, value FROM campaign_counters WHERE campaign_seq = ?"),
                                                 arguments: [seq]).map { ($0[0], $0[1]) })
    }
}

extension SQLiteStore {
    public func actions(of campaign: ID, in workspace: ID, page: PageRequest) async throws -> Page<ActionRecord> {
        try await read { db in
            guard let campaignSeq = try Int64.fetchOne(db.cachedStatement(sql: "SELECT seq FROM campaigns WHERE id = ? AND workspace_id = ?"),
                                                       arguments: [campaign.rawValue, workspace.rawValue]) else { return Page(items: [], hasMore: false) }
            var after: Int64 = 0
            if let cursor = page.startingAfter {
                guard let seq = try Int64.fetchOne(db.cachedStatement(sql: "SELECT seq FROM actions WHERE id = ? AND campaign_seq = ?"),
                                                   arguments: [cursor.rawValue, campaignSeq])
                else { throw ValidationError("starting_after", "no such action in this campaign") }
                after = seq
            }
            let rows = try Row.fetchAll(db, sql: "\(Self.actionSelect) WHERE a.campaign_seq = ? AND a.seq > ? ORDER BY a.seq LIMIT ?",
                                        arguments: [campaignSeq, after, page.limit + 1])
            return Page(items: rows.prefix(page.limit).map(Self.actionRecord), hasMore: rows.count > page.limit)
        }
    }

    public func action(_ id: ID, in workspace: ID) async throws -> ActionRecord? {
        try await read { db in
            try Row.fetchOne(db, sql: "\(Self.actionSelect) WHERE a.id = ? AND a.workspace_id = ?",
                             arguments: [id.rawValue, workspace.rawValue]).map(Self.actionRecord)
        }
    }

    public func retryAction(_ id: ID, in workspace: ID, at now: Date) async throws {
        try await write { db in
            guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT enrollment_seq FROM actions WHERE id = ? AND workspace_id = ?"),
                                             arguments: [id.rawValue, workspace.rawValue]) else { return }
            try db.execute(sql: "UPDATE actions SET state = 'queued', error = NULL, updated_at = ? WHERE id = ?",
                           arguments: [Self.millis(now), id.rawValue])
            let seq: Int64 = row["enrollment_seq"]
            let state = try String.fetchOne(db.cachedStatement(sql: "SELECT state FROM enrollments WHERE seq = ?"), arguments: [seq]) ?? "active"
            try db.execute(sql: "UPDATE enrollments SET state = 'active', reason = 'retry requested by an operator', due_at = ?, updated_at = ? WHERE seq = ?",
                           arguments: [Self.millis(now), Self.millis(now), seq])
            let campaignSeq = try Int64.fetchOne(db.cachedStatement(sql: "SELECT campaign_seq FROM enrollments WHERE seq = ?"), arguments: [seq]) ?? 0
            // A campaign that completed because this lead was its last open one runs again until it is done.
            try db.execute(sql: "UPDATE campaigns SET status = 'active', completed_at = NULL, updated_at = ? WHERE seq = ? AND status = 'completed'",
                           arguments: [Self.millis(now), campaignSeq])
            if state != "active" {
                try Self.count(campaignSeq, "state.\(state)", db, by: -1)
                try Self.count(campaignSeq, "state.active", db)
            }
            if let sender = try Int64.fetchOne(db.cachedStatement(sql: "SELECT sender_seq FROM enrollments WHERE seq = ?"), arguments: [seq]) {
                try Self.refreshSlots(senderSeqs: [sender], db)
            }
        }
    }

    public func dismissAction(_ id: ID, in workspace: ID, at now: Date) async throws {
        try await write { db in
            guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT enrollment_seq, campaign_seq FROM actions WHERE id = ? AND workspace_id = ?"),
                                             arguments: [id.rawValue, workspace.rawValue]) else { return }
            try db.cachedStatement(sql: "UPDATE actions SET state = 'dismissed', updated_at = ? WHERE id = ?").execute(arguments: [Self.millis(now), id.rawValue])
            let seq: Int64 = row["enrollment_seq"]
            let state = try String.fetchOne(db.cachedStatement(sql: "SELECT state FROM enrollments WHERE seq = ?"), arguments: [seq]) ?? "stopped"
            try db.execute(sql: "UPDATE enrollments SET state = 'stopped', reason = 'dismissed by an operator', due_at = NULL, updated_at = ? WHERE seq = ?",
                           arguments: [Self.millis(now), seq])
            if state != "stopped" {
                try Self.count(row["campaign_seq"], "state.\(state)", db, by: -1)
                try Self.count(row["campaign_seq"], "state.stopped", db)
            }
            try Self.completeFinished([row["campaign_seq"] as Int64], db, at: now)
        }
    }

    private static let actionSelect = """
        SELECT a.*, k.id AS campaign_id, c.id AS contact_id, s.id AS sender_id FROM actions a
        JOIN campaigns k ON k.seq = a.campaign_seq JOIN enrollments e ON e.seq = a.enrollment_seq
        JOIN contacts c ON c.seq = e.contact_seq LEFT JOIN senders s ON s.seq = a.sender_seq
        """

    private static func actionRecord(_ row: Row) -> ActionRecord {
        ActionRecord(id: ID(trusted: row["id"]), campaignID: ID(trusted: row["campaign_id"]), contactID: ID(trusted: row["contact_id"]),
                     nodeID: row["node_id"], senderID: (row["sender_id"] as String?).map(ID.init(trusted:)),
                     kind: ActionKind(rawValue: row["kind"]) ?? .email, state: ActionState(rawValue: row["state"]) ?? .failed,
                     recipient: row["recipient"], subject: row["subject"], body: row["body"], error: row["error"],
                     attempts: row["attempts"], createdAt: date(row["created_at"] as Int64), sentAt: date(row["sent_at"] as Int64?),
                     updatedAt: date(row["updated_at"] as Int64))
    }
}
