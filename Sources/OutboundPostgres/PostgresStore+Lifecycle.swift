import Foundation
import OutboundCore
import OutboundStoreFormats
import PostgresNIO

// Launch, pause, resume and stop; rebalancing a campaign's leads over new senders; the outbox's
// manual lane. The same rules as the SQLite store's, in engine transactions.

extension PostgresStore {
    public func pendingLeads(of campaign: Campaign, after afterSeq: Int64, limit: Int) async throws -> [(seq: Int64, candidate: LeadCandidate)] {
        let rows = try await rows("""
            SELECT e.seq, c.id FROM enrollments e JOIN contacts c ON c.seq = e.contact_seq
            WHERE e.campaign_seq = (SELECT seq FROM campaigns WHERE id = \(campaign.id.rawValue)) AND e.state = 'pending' AND e.seq > \(afterSeq)
            ORDER BY e.seq LIMIT \(limit)
            """).map { (try $0["seq"] as Int64, ID(trusted: try $0["id"])) }
        let facts = try await leadCandidates(rows.map(\.1), for: campaign)
        let byID = Dictionary(facts.map { ($0.contact.id, $0) }, uniquingKeysWith: { first, _ in first })
        return rows.compactMap { seq, id in byID[id].map { (seq, $0) } }
    }

    public func senderLoads(_ senders: [ID]) async throws -> [ID: Int] {
        guard !senders.isEmpty else { return [:] }
        // Leads waiting on the sender are the ones with a due time (in flight or paused ones aside).
        var loads = Dictionary(uniqueKeysWithValues: senders.map { ($0, 0) })
        for row in try await rows("""
            SELECT s.id, count(e.seq) AS load FROM senders s LEFT JOIN enrollments e ON e.sender_seq = s.seq AND e.due_at IS NOT NULL
            WHERE s.id = ANY(\(senders.map(\.rawValue))) GROUP BY s.id
            """) {
            loads[ID(trusted: try row["id"])] = try row["load"]
        }
        return loads
    }

    public func activate(_ enrollments: [Enrollment], at now: Date) async throws {
        try await engineTransaction { sql in
            var ledger = CounterLedger()
            var keys = EnrollmentKeys()
            try await keys.update(enrollments, sql, at: now, ledger: &ledger)
            try await ledger.flush(sql)
            var senders: Set<Int64> = []
            for sender in Set(enrollments.compactMap(\.senderID)) {
                if let seq = try await Self.seq(of: sender, table: "senders", sql) { senders.insert(seq) }
            }
            try await Self.refreshSlots(senderSeqs: senders, sql)
        }
        await noteRowsWritten(enrollments.count, to: "enrollments")
    }

    /// After a commit that wrote `count` rows of `table` (added them, or changed what the dispatcher
    /// looks them up by): refreshes its statistics when this process has written enough since the
    /// last refresh (`TableStatistics`) — before returning, or (`waiting: false`) in a task of its
    /// own. What was committed stands whatever happens here: a refresh that fails is logged and
    /// left to autovacuum.
    func noteRowsWritten(_ count: Int, to table: String, waiting: Bool = true) async {
        guard statistics.wrote(count, to: table) else { return }
        if waiting {
            await refreshStatistics(of: table)
        } else {
            Task { await self.refreshStatistics(of: table) }
        }
    }

    private func refreshStatistics(of table: String) async {
        do {
            try await client.query(PostgresQuery(unsafeSQL: "ANALYZE \(table)"), logger: logger)
            let rows = try await Self.values(client.query("SELECT reltuples::float8 FROM pg_class WHERE relname = \(table)", logger: logger),
                                             as: Double.self).first ?? 0
            statistics.refreshed(table, rows: rows)
        } catch {
            logger.warning("could not refresh the statistics of \(table): \(String(reflecting: error))")
        }
    }

    public func hold(_ campaign: Campaign, at now: Date) async throws {
        try await engineTransaction { sql in
            let senders = try await sql.values("""
                WITH held AS (
                    UPDATE enrollments SET held_due_at = due_at, due_at = NULL
                    WHERE campaign_seq = (SELECT seq FROM campaigns WHERE id = \(campaign.id.rawValue)) AND due_at IS NOT NULL
                    RETURNING sender_seq)
                SELECT DISTINCT sender_seq FROM held WHERE sender_seq IS NOT NULL
                """, as: Int64.self)
            try await Self.refreshSlots(senderSeqs: Set(senders), sql)
        }
    }

    public func release(_ campaign: Campaign, at now: Date) async throws {
        try await engineTransaction { sql in
            let senders = try await sql.values("""
                WITH released AS (
                    UPDATE enrollments SET due_at = greatest(held_due_at, \(Self.millis(now))), held_due_at = NULL
                    WHERE campaign_seq = (SELECT seq FROM campaigns WHERE id = \(campaign.id.rawValue)) AND held_due_at IS NOT NULL
                      AND state IN ('active', 'waiting')
                    RETURNING sender_seq)
                SELECT DISTINCT sender_seq FROM released WHERE sender_seq IS NOT NULL
                """, as: Int64.self)
            try await Self.refreshSlots(senderSeqs: Set(senders), sql)
        }
    }

    @discardableResult
    public func stopOpen(_ campaign: Campaign, contact: ID?, reason: String, at now: Date) async throws -> Int {
        try await engineTransaction { sql in
            guard let seq = try await Self.seq(of: campaign.id, table: "campaigns", sql) else { return 0 }
            let stopped = try await sql.rows("""
                WITH open AS (
                    SELECT seq, state, sender_seq FROM enrollments
                    WHERE campaign_seq = \(seq) AND state IN ('pending', 'active', 'waiting')
                      AND (\(contact?.rawValue)::text IS NULL OR contact_seq = (SELECT seq FROM contacts WHERE id = \(contact?.rawValue)))
                    FOR UPDATE),
                stopped AS (
                    UPDATE enrollments e SET state = 'stopped', reason = \(reason), due_at = NULL, held_due_at = NULL, updated_at = \(Self.millis(now))
                    FROM open WHERE e.seq = open.seq
                    RETURNING open.state AS was, open.sender_seq)
                SELECT was, sender_seq FROM stopped
                """)
            var ledger = CounterLedger()
            var senders: Set<Int64> = []
            for row in stopped {
                ledger.add(seq, "state.\(try row["was"] as String)", by: -1)
                ledger.add(seq, "state.stopped")
                if let sender: Int64 = try row["sender_seq"] { senders.insert(sender) }
            }
            if contact != nil { ledger.ended.insert(seq) }
            try await Self.refreshSlots(senderSeqs: senders, sql)
            try await Self.finish(ledger, sql, at: now)
            return stopped.count
        }
    }

    public func setEnrolling(_ campaign: ID, _ enrolling: Bool) async throws {
        try await engineTransaction { sql in
            try await sql.run("UPDATE campaigns SET enrolling = \(enrolling) WHERE id = \(campaign.rawValue)")
        }
    }

    public func finishEnrolling(_ campaign: ID) async throws -> Bool {
        try await engineTransaction { sql in
            try await sql.changes("""
                UPDATE campaigns SET enrolling = false WHERE id = \(campaign.rawValue) AND enrolling
                  AND NOT EXISTS (SELECT 1 FROM enrollments WHERE campaign_seq = campaigns.seq AND state = 'pending')
                RETURNING 1
                """) > 0
        }
    }

    public func enrollingCampaigns() async throws -> [(id: ID, workspace: ID)] {
        try await rows("SELECT id, workspace_id FROM campaigns WHERE enrolling ORDER BY seq")
            .map { (ID(trusted: try $0["id"]), ID(trusted: try $0["workspace_id"])) }
    }

    public func completeIfFinished(_ campaign: Campaign, at now: Date) async throws -> Bool {
        try await engineTransaction { sql in
            guard let seq = try await Self.seq(of: campaign.id, table: "campaigns", sql) else { return false }
            return try await Self.completeFinished([seq], sql, at: now) > 0
        }
    }

    public func holdReason(_ reason: String?, forSender sender: ID, at now: Date) async throws {
        try await engineTransaction { sql in
            try await sql.run("""
                UPDATE enrollments SET reason = \(reason), updated_at = \(Self.millis(now))
                WHERE sender_seq = (SELECT seq FROM senders WHERE id = \(sender.rawValue)) AND due_at IS NOT NULL
                  AND state IN ('active', 'waiting') AND (\(reason)::text IS NOT NULL OR reason LIKE 'waiting: sender %')
                """)
        }
    }

    // MARK: Rebalance

    /// One step of a campaign's pending rebalance, run in the claim's transaction: up to
    /// `RebalanceStep.chunk`-sized slices of its open, not yet contacted leads are dealt
    /// round-robin over the campaign's senders of its first channel, the cursor kept on the
    /// campaign's row (the SQLite store's `rebalanceStep` documents the rules).
    static func rebalanceStep(_ sql: SQL, at now: Date) async throws -> Int {
        guard let row = try await sql.rows("""
            SELECT seq, rebalance_state, rebalance_after, rebalance_placed FROM campaigns WHERE rebalance_state IS NOT NULL LIMIT 1
            """).first else { return 0 }
        let campaignSeq: Int64 = try row["seq"]
        var state: String = try row["rebalance_state"], after: Int64 = try row["rebalance_after"], position: Int64 = try row["rebalance_placed"]
        var shelf = CampaignShelf()
        guard let campaign = try await shelf.campaign(campaignSeq, sql), campaign.status == .active || campaign.status == .paused,
              let channel = campaign.sequence.nodes.lazy.compactMap(\.channel).first else {
            try await sql.run("UPDATE campaigns SET rebalance_state = NULL WHERE seq = \(campaignSeq)")
            return 0
        }
        let senderSeqs = try await sql.values("""
            SELECT s.seq FROM campaign_senders cs JOIN senders s ON s.seq = cs.sender_seq
            WHERE cs.campaign_seq = \(campaignSeq) AND s.channel = \(channel.rawValue) ORDER BY cs.position
            """, as: Int64.self)
        guard !senderSeqs.isEmpty else {
            try await sql.run("UPDATE campaigns SET rebalance_state = NULL WHERE seq = \(campaignSeq)")
            return 0
        }
        var touched = Set(senderSeqs)
        var moved = 0
        while true {
            let rows = try await sql.rows("""
                SELECT e.seq, e.sender_seq, e.started_at IS NULL AND NOT EXISTS (
                    SELECT 1 FROM actions a WHERE a.enrollment_seq = e.seq AND a.state = 'sending') AS movable
                FROM enrollments e WHERE e.campaign_seq = \(campaignSeq) AND e.state = \(state) AND e.seq > \(after)
                ORDER BY e.seq LIMIT \(RebalanceStep.chunk)
                """)
            var targets: [Int64] = [], seqs: [Int64] = []
            for row in rows where try row["movable"] as Bool {
                let target = senderSeqs[Int(position % Int64(senderSeqs.count))]
                position += 1
                let current: Int64? = try row["sender_seq"]
                if let current { touched.insert(current) }
                guard current != target else { continue }
                seqs.append(try row["seq"])
                targets.append(target)
            }
            if !seqs.isEmpty {
                try await sql.run("""
                    UPDATE enrollments e SET sender_seq = m.target, updated_at = \(millis(now))
                    FROM unnest(\(seqs), \(targets)) AS m(seq, target) WHERE e.seq = m.seq
                    """)
                moved += seqs.count
            }
            if rows.count == RebalanceStep.chunk, let last = rows.last {
                // More to deal: the next tick goes on from here (and counts this step as work).
                try await sql.run("""
                    UPDATE campaigns SET rebalance_state = \(state), rebalance_after = \(try last["seq"] as Int64),
                        rebalance_placed = \(position) WHERE seq = \(campaignSeq)
                    """)
                moved = max(moved, 1)
                break
            }
            guard state == "waiting" else {
                try await sql.run("UPDATE campaigns SET rebalance_state = NULL WHERE seq = \(campaignSeq)")
                break
            }
            (state, after) = ("active", 0)
        }
        try await refreshSlots(senderSeqs: touched, sql)
        return moved
    }

    // MARK: The manual lane

    public func startManualAction(_ reply: ManualReply, in workspace: ID, at now: Date,
                                  decide: @escaping @Sendable (ManualReplyContext) throws -> OutboundAction) async throws -> ManualStart {
        try await engineTransaction { sql in
            let nowMs = Self.millis(now)
            if let state = try await sql.value("""
                SELECT state FROM actions WHERE id = \(reply.id.rawValue) AND workspace_id = \(workspace.rawValue)
                """, as: String.self) {
                return .existing(ActionState(rawValue: state) ?? .sent)
            }
            guard let lead = try await sql.rows("""
                SELECT \(unescaped: Self.enrollmentSelect)
                FROM enrollments e JOIN contacts c ON c.seq = e.contact_seq JOIN campaigns k ON k.seq = e.campaign_seq
                LEFT JOIN senders x ON x.seq = e.sender_seq
                WHERE k.id = \(reply.campaignID.rawValue) AND c.id = \(reply.contactID.rawValue) AND k.workspace_id = \(workspace.rawValue)
                """).first
            else { throw NotFoundError("lead", id: reply.contactID.rawValue) }
            let enrollmentSeq: Int64 = try lead["seq"], campaignSeq: Int64 = try lead["campaign_seq"]
            // The conversation goes on where it happened: the sender of the last message that went out.
            let lastSender = try await sql.value("""
                SELECT sender_seq FROM actions WHERE enrollment_seq = \(enrollmentSeq) AND state IN ('sent', 'uncertain')
                  AND sender_seq IS NOT NULL
                ORDER BY seq DESC LIMIT 1
                """, as: Int64.self)
            let leadSender: Int64? = try lead["sender_seq"]
            guard let senderSeq = lastSender ?? leadSender,
                  let senderRow = try await sql.rows("SELECT * FROM senders WHERE seq = \(senderSeq)").first
            else { throw ConflictError("the lead has no sender to reply from") }
            if (try senderRow["in_flight"] as Int64?) != nil { return .senderBusy }
            let lastSubject = try await sql.value("""
                SELECT subject FROM actions WHERE enrollment_seq = \(enrollmentSeq) AND kind = 'email' AND subject IS NOT NULL
                  AND state IN ('sent', 'uncertain')
                ORDER BY seq DESC LIMIT 1
                """, as: String.self)
            var shelf = CampaignShelf()
            guard let campaign = try await shelf.campaign(campaignSeq, sql),
                  let contact = try await Self.contacts(seqs: [try lead["contact_seq"]], sql).values.first
            else { throw NotFoundError("lead", id: reply.contactID.rawValue) }
            var log = SenderUsageLog(try senderRow["recent"] as Data?)
            let action = try decide(ManualReplyContext(
                campaign: campaign, contact: contact, enrollment: try Self.enrollment(lead), sender: try Self.sender(senderRow),
                lastSubject: lastSubject, usage: log.usage(at: nowMs), suppressed: try await Self.suppressed([contact], sql).contains(contact.id)))
            let actionSeq = try await sql.value("""
                INSERT INTO actions (id, workspace_id, campaign_seq, enrollment_seq, node_id, sender_seq, kind, state, recipient,
                    subject, body, html, in_reply_to, created_at, updated_at, owner)
                VALUES (\(action.id.rawValue), \(workspace.rawValue), \(campaignSeq), \(enrollmentSeq), \(action.nodeID), \(senderSeq),
                        \(action.kind.rawValue), 'sending', \(action.recipient), \(action.subject), \(action.body), \(action.html),
                        \(action.inReplyTo), \(nowMs), \(nowMs), \(sql.owner))
                RETURNING seq
                """, as: Int64.self)
            log.append(at: nowMs, campaign: campaignSeq, kind: action.kind)
            try await sql.run("UPDATE senders SET in_flight = \(actionSeq), next_slot_at = NULL, recent = \(log.data) WHERE seq = \(senderSeq)")
            return .started(action)
        }
    }
}

/// How many leads a rebalance step looks at in one slice, as in the SQLite store.
enum RebalanceStep {
    static let chunk = 2_000
}
