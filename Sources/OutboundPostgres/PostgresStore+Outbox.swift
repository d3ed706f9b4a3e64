import Foundation
import OutboundCore
import OutboundStoreFormats
import PostgresNIO

// Inbound signal targets, campaign statistics, series and forecasts' starting points, and the
// outbox as operators see it.

extension PostgresStore: InboundStore, ActionStore {
    public func signalTargets(actionID: ID?, identity: (IdentityKind, String)?, senderID: ID?, campaignID: ID?, type: SignalType,
                              in workspace: ID, at: Date) async throws -> [PendingSignal] {
        try await client.withConnection { connection in
            let sql = SQL(connection: connection, logger: self.logger, owner: nil)
            let column = identity.map { $0.0 == .email ? "email" : $0.0 == .phone ? "phone" : "linkedin_url" } ?? "email"
            let rows = try await sql.rows("""
                SELECT \(unescaped: Self.signalLeadSelect) FROM enrollments e
                JOIN contacts c ON c.seq = e.contact_seq JOIN campaigns k ON k.seq = e.campaign_seq
                LEFT JOIN senders x ON x.seq = e.sender_seq
                WHERE k.workspace_id = \(workspace.rawValue)
                  AND CASE WHEN \(actionID?.rawValue)::text IS NOT NULL
                           THEN e.seq = (SELECT enrollment_seq FROM actions WHERE id = \(actionID?.rawValue))
                           WHEN \(identity?.1)::text IS NOT NULL
                           THEN c.\(unescaped: column) = \(identity?.1) AND e.state NOT IN ('pending', 'skipped')
                                AND (\(senderID?.rawValue)::text IS NULL OR x.id = \(senderID?.rawValue))
                                AND (\(campaignID?.rawValue)::text IS NULL OR k.id = \(campaignID?.rawValue))
                           ELSE true END
                ORDER BY e.seq
                """)
            return try await Self.pendingSignals(rows, sql) { _, enrollment, campaign, contact in
                PendingSignal(seq: 0, type: type, at: at, actionID: actionID, enrollment: enrollment, campaign: campaign, contact: contact)
            }
        }
    }

    public func campaignStats(_ campaign: ID, in workspace: ID) async throws -> CampaignStats {
        try await client.withConnection { connection in
            let sql = SQL(connection: connection, logger: self.logger, owner: nil)
            guard let seq = try await sql.value("""
                SELECT seq FROM campaigns WHERE id = \(campaign.rawValue) AND workspace_id = \(workspace.rawValue)
                """, as: Int64.self) else { return CampaignStats() }
            return try await Self.stats(ofCampaign: seq, sql)
        }
    }

    public func campaignWithStats(_ campaign: ID, in workspace: ID) async throws -> (campaign: Campaign, stats: CampaignStats)? {
        try await transaction { connection in
            let sql = SQL(connection: connection, logger: self.logger, owner: nil)
            guard let value = try await Self.campaigns("""
                SELECT * FROM campaigns WHERE id = \(campaign.rawValue) AND workspace_id = \(workspace.rawValue)
                """, on: connection, logger: self.logger).first,
                  let seq = try await Self.seq(of: value.id, table: "campaigns", sql) else { return nil }
            return (value, try await Self.stats(ofCampaign: seq, sql))
        }
    }

    /// The campaign's counters read into typed statistics.
    private static func stats(ofCampaign seq: Int64, _ sql: SQL) async throws -> CampaignStats {
        CampaignStats(counters: try await sql.rows("SELECT key, value FROM campaign_counters WHERE campaign_seq = \(seq)")
            .map { (try $0["key"], try $0["value"]) })
    }

    // MARK: The outbox

    public func actions(of campaign: ID, in workspace: ID, page: PageRequest) async throws -> Page<ActionRecord> {
        try await client.withConnection { connection in
            let sql = SQL(connection: connection, logger: self.logger, owner: nil)
            guard let campaignSeq = try await sql.value("""
                SELECT seq FROM campaigns WHERE id = \(campaign.rawValue) AND workspace_id = \(workspace.rawValue)
                """, as: Int64.self) else { return Page(items: [], hasMore: false) }
            var after: Int64 = 0
            if let cursor = page.startingAfter {
                guard let seq = try await sql.value("""
                    SELECT seq FROM actions WHERE id = \(cursor.rawValue) AND campaign_seq = \(campaignSeq)
                    """, as: Int64.self)
                else { throw ValidationError("starting_after", "no such action in this campaign") }
                after = seq
            }
            let rows = try await sql.rows("""
                \(unescaped: Self.actionSelect) WHERE a.campaign_seq = \(campaignSeq) AND a.seq > \(after) ORDER BY a.seq LIMIT \(page.limit + 1)
                """)
            return Page(items: try rows.prefix(page.limit).map(Self.actionRecord), hasMore: rows.count > page.limit)
        }
    }

    public func action(_ id: ID, in workspace: ID) async throws -> ActionRecord? {
        try await rows("\(unescaped: Self.actionSelect) WHERE a.id = \(id.rawValue) AND a.workspace_id = \(workspace.rawValue)")
            .first.map(Self.actionRecord)
    }

    public func retryAction(_ id: ID, in workspace: ID, at now: Date) async throws {
        try await engineTransaction { sql in
            let nowMs = Self.millis(now)
            guard let seq = try await sql.value("""
                SELECT enrollment_seq FROM actions WHERE id = \(id.rawValue) AND workspace_id = \(workspace.rawValue)
                """, as: Int64.self) else { return }
            try await sql.run("UPDATE actions SET state = 'queued', error = NULL, updated_at = \(nowMs) WHERE id = \(id.rawValue)")
            guard let lead = try await sql.rows("SELECT state, campaign_seq, sender_seq FROM enrollments WHERE seq = \(seq)").first else { return }
            let state: String = try lead["state"], campaignSeq: Int64 = try lead["campaign_seq"]
            try await sql.run("""
                UPDATE enrollments SET state = 'active', reason = 'retry requested by an operator', due_at = \(nowMs), updated_at = \(nowMs)
                WHERE seq = \(seq)
                """)
            // A campaign that completed because this lead was its last open one runs again until it is done.
            try await sql.run("""
                UPDATE campaigns SET status = 'active', completed_at = NULL, updated_at = \(nowMs) WHERE seq = \(campaignSeq) AND status = 'completed'
                """)
            if state != "active" {
                var ledger = CounterLedger()
                ledger.add(campaignSeq, "state.\(state)", by: -1)
                ledger.add(campaignSeq, "state.active")
                try await ledger.flush(sql)
            }
            if let sender: Int64 = try lead["sender_seq"] { try await Self.refreshSlots(senderSeqs: [sender], sql) }
        }
    }

    public func dismissAction(_ id: ID, in workspace: ID, at now: Date) async throws {
        try await engineTransaction { sql in
            let nowMs = Self.millis(now)
            guard let row = try await sql.rows("""
                SELECT enrollment_seq, campaign_seq FROM actions WHERE id = \(id.rawValue) AND workspace_id = \(workspace.rawValue)
                """).first else { return }
            let seq: Int64 = try row["enrollment_seq"], campaignSeq: Int64 = try row["campaign_seq"]
            try await sql.run("UPDATE actions SET state = 'dismissed', updated_at = \(nowMs) WHERE id = \(id.rawValue)")
            let state = try await sql.value("SELECT state FROM enrollments WHERE seq = \(seq)", as: String.self) ?? "stopped"
            try await sql.run("""
                UPDATE enrollments SET state = 'stopped', reason = 'dismissed by an operator', due_at = NULL, updated_at = \(nowMs)
                WHERE seq = \(seq)
                """)
            var ledger = CounterLedger()
            if state != "stopped" {
                ledger.add(campaignSeq, "state.\(state)", by: -1)
                ledger.add(campaignSeq, "state.stopped")
            }
            ledger.ended.insert(campaignSeq)
            try await Self.finish(ledger, sql, at: now)
        }
    }

    private static let actionSelect = """
        SELECT a.*, k.id AS campaign_id, c.id AS contact_id, s.id AS sender_id FROM actions a
        JOIN campaigns k ON k.seq = a.campaign_seq JOIN enrollments e ON e.seq = a.enrollment_seq
        JOIN contacts c ON c.seq = e.contact_seq LEFT JOIN senders s ON s.seq = a.sender_seq
        """

    private static func actionRecord(_ row: Row) throws -> ActionRecord {
        ActionRecord(id: ID(trusted: try row["id"]), campaignID: ID(trusted: try row["campaign_id"]), contactID: ID(trusted: try row["contact_id"]),
                     nodeID: try row["node_id"], senderID: (try row["sender_id"] as String?).map(ID.init(trusted:)),
                     kind: ActionKind(rawValue: try row["kind"]) ?? .email, state: ActionState(rawValue: try row["state"]) ?? .failed,
                     recipient: try row["recipient"], subject: try row["subject"], body: try row["body"], error: try row["error"],
                     attempts: try row["attempts"], createdAt: date(try row["created_at"] as Int64), sentAt: date(try row["sent_at"] as Int64?),
                     updatedAt: date(try row["updated_at"] as Int64))
    }

    // MARK: Activity and series

    public func senderActivity(_ sender: ID, in workspace: ID, at now: Date) async throws -> (usage: [ActionKind: RollingUsage], nextSlotAt: Date?, inFlight: Bool) {
        guard let row = try await rows("""
            SELECT recent, CASE WHEN in_flight IS NULL THEN next_slot_at END AS next_slot_at, in_flight FROM senders
            WHERE id = \(sender.rawValue) AND workspace_id = \(workspace.rawValue)
            """).first else { return ([:], nil, false) }
        return (SenderUsageLog(try row["recent"] as Data?).usage(at: Self.millis(now)), Self.date(try row["next_slot_at"] as Int64?),
                (try row["in_flight"] as Int64?) != nil)
    }

    public func series(of campaign: ID, in workspace: ID, from: Date, to: Date, bucketSeconds: Int) async throws -> [(start: Date, actions: Int, signals: [String: Int])] {
        try await buckets(from: from, to: to, bucketSeconds: bucketSeconds,
                          actions: "JOIN campaigns k ON k.seq = a.campaign_seq WHERE k.id = $4 AND k.workspace_id = $5",
                          events: "WHERE e.campaign_id = $4 AND e.workspace_id = $5", scope: [campaign.rawValue, workspace.rawValue])
    }

    public func series(ofSender sender: ID, in workspace: ID, from: Date, to: Date, bucketSeconds: Int) async throws -> [(start: Date, actions: Int, signals: [String: Int])] {
        try await buckets(from: from, to: to, bucketSeconds: bucketSeconds,
                          actions: "JOIN senders s ON s.seq = a.sender_seq WHERE s.id = $4 AND a.workspace_id = $5",
                          events: "JOIN actions a ON a.id = e.action_id JOIN senders s ON s.seq = a.sender_seq WHERE s.id = $4 AND e.workspace_id = $5",
                          scope: [sender.rawValue, workspace.rawValue])
    }

    public func series(ofWorkspace workspace: ID, kind: ActionKind, from: Date, to: Date, bucketSeconds: Int) async throws -> [(start: Date, actions: Int, signals: [String: Int])] {
        try await buckets(from: from, to: to, bucketSeconds: bucketSeconds,
                          actions: "WHERE a.workspace_id = $4 AND a.kind = $5",
                          events: "JOIN actions a ON a.id = e.action_id WHERE e.workspace_id = $4 AND a.kind = $5",
                          scope: [workspace.rawValue, kind.rawValue])
    }

    /// The event types that record signals, as an SQL list.
    private static let signalTypes = SignalType.allCases.map { "'\(EventType.of($0))'" }.joined(separator: ", ")

    /// Actions sent (or possibly sent) and signals, counted in buckets of `bucketSeconds` from
    /// `from`. The scope's SQL names its two values `$4` and `$5` (after the start, the bucket's
    /// length and the end).
    private func buckets(from: Date, to: Date, bucketSeconds: Int, actions: String, events: String,
                         scope: [String]) async throws -> [(start: Date, actions: Int, signals: [String: Int])] {
        let bucket = Int64(bucketSeconds) * 1000
        let fromMs = Self.millis(from), toMs = Self.millis(to)
        var binds = PostgresBindings()
        binds.append(fromMs)
        binds.append(bucket)
        binds.append(toMs)
        for value in scope { binds.append(value) }
        var buckets: [Int64: (Int, [String: Int])] = [:]
        for row in try await rows(PostgresQuery(unsafeSQL: """
            SELECT (a.created_at - $1) / $2 AS b, count(*) AS n FROM actions a \(actions)
              AND a.created_at >= $1 AND a.created_at < $3 AND a.state IN ('sent', 'sending', 'uncertain')
            GROUP BY b
            """, binds: binds)) {
            buckets[try row["b"], default: (0, [:])].0 = try row["n"]
        }
        for row in try await rows(PostgresQuery(unsafeSQL: """
            SELECT (e.at - $1) / $2 AS b, e.type, count(*) AS n FROM events e \(events)
              AND e.type IN (\(Self.signalTypes)) AND e.at >= $1 AND e.at < $3 GROUP BY b, e.type
            """, binds: binds)) {
            guard let signal = EventType.signal(of: try row["type"]) else { continue }
            buckets[try row["b"], default: (0, [:])].1[signal.rawValue] = try row["n"]
        }
        return buckets.keys.sorted().map { key in (Self.date(fromMs + key * bucket), buckets[key]!.0, buckets[key]!.1) }
    }
}
