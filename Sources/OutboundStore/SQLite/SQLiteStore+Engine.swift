import Foundation
import GRDB
import OutboundCore

extension SQLiteStore {
    /// Scheduled (simulated) signals that are due, with their enrollments (read by position).
    static func dueSignals(_ db: Database, at now: Date, limit: Int, cache: EngineCache) throws -> [PendingSignal] {
        let signal = enrollmentColumnCount
        let rows = try Row.fetchAll(db.cachedStatement(sql: """
            SELECT \(enrollmentColumns), s.seq, s.type, s.due_at, s.action_id, x.id
            FROM scheduled_signals s JOIN enrollments e ON e.seq = s.enrollment_seq LEFT JOIN senders x ON x.seq = e.sender_seq
            JOIN contacts c ON c.seq = e.contact_seq JOIN campaigns k ON k.seq = e.campaign_seq
            WHERE s.due_at <= ? ORDER BY s.due_at, s.seq LIMIT ?
            """), arguments: [millis(now), limit])
        return try rows.compactMap { row in
            guard let campaign = try cache.campaign(row[1], revision: row[15], db) else { return nil }
            return PendingSignal(seq: row[signal], type: SignalType(rawValue: row[signal + 1]) ?? .opened,
                                 at: date(row[signal + 2] as Int64), actionID: (row[signal + 3] as String?).map(ID.init(trusted:)),
                                 enrollment: enrollment(columns: row, senderID: (row[signal + 4] as String?).map(ID.init(trusted:))),
                                 campaign: campaign, contact: try contactByPosition(row, from: contactInEnrollmentColumns))
        }
    }

    public func applySignals(_ effects: SignalEffects, at now: Date) async throws {
        try await write { db in
            var ledger = CounterLedger()
            try Self.applySignals(effects, db, at: now, ledger: &ledger)
            try ledger.flush(db)
            try Self.completeFinished(ledger.ended, db, at: now)
        }
    }

    /// Applies reactions to signals in the caller's transaction; the caller completes the
    /// campaigns in `ledger.ended` once it has written everything else.
    static func applySignals(_ effects: SignalEffects, _ db: Database, at now: Date, ledger: inout CounterLedger) throws {
        let nowMs = millis(now)
        for seq in effects.fired { try db.cachedStatement(sql: "DELETE FROM scheduled_signals WHERE seq = ?").execute(arguments: [seq]) }
        for (enrollmentSeq, campaignID, type, actionID) in effects.observed {
            if let actionID {
                try db.cachedStatement(sql: "INSERT OR IGNORE INTO signal_receipts (action_id, type, at) VALUES (?, ?, ?)")
                    .execute(arguments: [actionID.rawValue, type.rawValue, nowMs])
                if db.changesCount == 0 { continue }
            }
            guard let row = try Row.fetchOne(db.cachedStatement(sql: """
                SELECT e.campaign_seq, k.workspace_id, c.id FROM enrollments e JOIN campaigns k ON k.seq = e.campaign_seq
                JOIN contacts c ON c.seq = e.contact_seq WHERE e.seq = ?
                """), arguments: [enrollmentSeq]) else { continue }
            ledger.add(row[0], "signal.\(type.rawValue)")
            try db.cachedStatement(sql: "INSERT INTO events (workspace_id, type, campaign_id, contact_id, action_id, at) VALUES (?, ?, ?, ?, ?, ?)")
                .execute(arguments: [row[1] as String, "lead.\(type.rawValue)", campaignID.rawValue, row[2] as String, actionID?.rawValue, nowMs])
        }
        var keys = EnrollmentKeys()
        for move in effects.moves { try keys.update(move, db, at: now, ledger: &ledger) }
        // Automations act in the same transaction as the signal that triggered them.
        for (contact, status) in effects.contactStatuses {
            try db.execute(sql: "UPDATE contacts SET status = ?, updated_at = ? WHERE id = ?", arguments: [status, nowMs, contact.rawValue])
        }
        for (list, contact) in effects.listAdditions {
            try db.execute(sql: """
                INSERT OR IGNORE INTO list_members (list_seq, contact_seq, added_at)
                SELECT l.seq, c.seq, ? FROM lists l, contacts c WHERE l.id = ? AND c.id = ? AND l.workspace_id = c.workspace_id
                """, arguments: [nowMs, list.rawValue, contact.rawValue])
        }
        for (list, contact) in effects.listRemovals {
            try db.execute(sql: """
                DELETE FROM list_members WHERE list_seq = (SELECT seq FROM lists WHERE id = ?)
                  AND contact_seq = (SELECT seq FROM contacts WHERE id = ?)
                """, arguments: [list.rawValue, contact.rawValue])
        }
        for suppression in effects.suppressions {
            try db.execute(sql: "INSERT OR IGNORE INTO suppressions (id, workspace_id, kind, value, reason, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                           arguments: [suppression.id.rawValue, suppression.workspaceID.rawValue, suppression.kind.rawValue,
                                       suppression.value, suppression.reason, nowMs])
        }
        // A lead a signal made due (a condition met) brings its sender's slot forward; one it
        // ended leaves the slot as it is, and the sender's next look finds the next lead.
        for move in effects.moves {
            guard let due = move.dueAt, let sender = move.senderID else { continue }
            try db.cachedStatement(sql: """
                UPDATE senders SET next_slot_at = max(coalesce(pacing_until, 0), ?1)
                WHERE id = ?2 AND in_flight IS NULL AND (next_slot_at IS NULL OR next_slot_at > max(coalesce(pacing_until, 0), ?1))
                """).execute(arguments: [millis(due), sender.rawValue])
        }
    }

    public func nextWake() async throws -> Date? {
        try await read { db in try Self.nextWake(db) }
    }

    public func inFlightActions() async throws -> [(action: OutboundAction, enrollmentSeq: Int64, nextNodeID: String?)] {
        try await read { db in
            try Row.fetchAll(db.cachedStatement(sql: """
                SELECT a.*, k.id AS campaign_id, k.dry_run, k.simulation, k.sequence, k.channel AS campaign_channel, k.open_tracking,
                    c.id AS contact_id
                FROM actions a JOIN campaigns k ON k.seq = a.campaign_seq JOIN enrollments e ON e.seq = a.enrollment_seq
                JOIN contacts c ON c.seq = e.contact_seq WHERE a.state = 'sending'
                """)).compactMap { row in
                guard let senderSeq = row["sender_seq"] as Int64?,
                      let senderRow = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM senders WHERE seq = ?"), arguments: [senderSeq])
                else { return nil }
                let sequence = try (row["sequence"] as String?).map { try Self.decode(StoredSequence.self, $0).sequence }
                    ?? CampaignSequence.seed(for: CampaignChannel(rawValue: row["campaign_channel"]) ?? .email)
                let action = OutboundAction(
                    id: ID(trusted: row["id"]), workspaceID: ID(trusted: row["workspace_id"]), campaignID: ID(trusted: row["campaign_id"]),
                    contactID: ID(trusted: row["contact_id"]), nodeID: row["node_id"], kind: ActionKind(rawValue: row["kind"]) ?? .email,
                    sender: try Self.sender(senderRow), recipient: row["recipient"] ?? "", subject: row["subject"], body: row["body"],
                    html: row["html"], inReplyTo: row["in_reply_to"], dryRun: row["dry_run"],
                    simulation: try (row["simulation"] as String?).map { try Self.decode(Simulation.self, $0) },
                    openTracking: row["open_tracking"])
                return (action, row["enrollment_seq"], sequence.node(row["node_id"])?.next)
            }
        }
    }

    // MARK: Shared steps

    static func count(_ campaignSeq: Int64, _ key: String, _ db: Database, by delta: Int = 1) throws {
        try db.cachedStatement(sql: """
            INSERT INTO campaign_counters (campaign_seq, key, value) VALUES (?, ?, ?)
            ON CONFLICT (campaign_seq, key) DO UPDATE SET value = value + excluded.value
            """).execute(arguments: [campaignSeq, key, delta])
    }

    /// next_slot_at = the later of the sender's pacing and its earliest due enrollment; NULL
    /// while an action is in flight or nothing is due.
    static func refreshSlots(_ senders: [ID], _ db: Database) throws {
        for sender in Set(senders) {
            if let seq = try seq(of: sender, table: "senders", db) { try refreshSlot(seq, db) }
        }
    }

    static func refreshSlots(senderSeqs: [Int64], _ db: Database) throws {
        for seq in Set(senderSeqs) { try refreshSlot(seq, db) }
    }

    private static func refreshSlot(_ sender: Int64, _ db: Database) throws {
        let due = try earliestDue(of: sender, db)
        try db.cachedStatement(sql: """
            UPDATE senders SET next_slot_at = CASE WHEN in_flight IS NOT NULL OR ? IS NULL THEN NULL ELSE max(coalesce(pacing_until, 0), ?) END
            WHERE seq = ?
            """).execute(arguments: [due, due, sender])
    }

    /// The earliest due time among a sender's enrollments: the minimum over its levels.
    static func earliestDue(of sender: Int64, _ db: Database) throws -> Int64? {
        var earliest: Int64?
        try forEachLevel(of: sender, db) { level in
            if let due = try Int64.fetchOne(db.cachedStatement(sql: """
                SELECT min(due_at) FROM enrollments WHERE sender_seq = ? AND priority = ? AND lane = ? AND due_at IS NOT NULL
                """), arguments: [sender, level.priority, level.lane]) {
                earliest = min(earliest ?? due, due)
            }
            return true
        }
        return earliest
    }

    /// Calls `body` with each (priority, lane) level among the sender's due-indexed enrollments,
    /// highest first, until it returns false: an index seek per level (the due index is ordered
    /// by sender, priority, lane, due time), and a sender rarely serves more than a few levels.
    static func forEachLevel(of sender: Int64, _ db: Database, _ body: (DueLevel) throws -> Bool) throws {
        var row = try Row.fetchOne(db.cachedStatement(sql: """
            SELECT priority, lane FROM enrollments WHERE sender_seq = ? AND due_at IS NOT NULL ORDER BY priority DESC, lane DESC LIMIT 1
            """), arguments: [sender])
        while let found = row {
            let level = DueLevel(priority: found[0], lane: found[1])
            guard try body(level) else { return }
            row = try Row.fetchOne(db.cachedStatement(sql: """
                SELECT priority, lane FROM enrollments WHERE sender_seq = ? AND (priority, lane) < (?, ?) AND due_at IS NOT NULL
                ORDER BY priority DESC, lane DESC LIMIT 1
                """), arguments: [sender, level.priority, level.lane])
        }
    }

    /// An active campaign (by seq) whose every enrollment is terminal is completed.
    static func completeFinished(_ campaigns: Set<Int64>, _ db: Database, at now: Date) throws {
        for campaign in campaigns {
            try db.cachedStatement(sql: """
                UPDATE campaigns SET status = 'completed', completed_at = ?, updated_at = ?
                WHERE seq = ? AND status = 'active' AND NOT EXISTS (
                    SELECT 1 FROM enrollments WHERE campaign_seq = campaigns.seq AND state IN ('pending', 'active', 'waiting'))
                """).execute(arguments: [millis(now), millis(now), campaign])
        }
    }

    static func seq(of id: ID, table: String, _ db: Database) throws -> Int64? {
        try Int64.fetchOne(db.cachedStatement(sql: "SELECT seq FROM \(table) WHERE id = ?"), arguments: [id.rawValue])
    }

    /// An enrollment from a row of `enrollments` joined with `contact_id` and `campaign_id`.
    static func enrollment(_ row: Row) throws -> Enrollment {
        let senderSeq: Int64? = row["sender_seq"]
        var senderID: ID?
        if senderSeq != nil, let id = row["sender_id"] as String? { senderID = ID(trusted: id) }
        let signals = (row["signals"] as String? ?? "").split(separator: ",").compactMap { Signal(rawValue: String($0)) }
        return Enrollment(
            seq: row["seq"], campaignID: ID(trusted: row["campaign_id"]), contactID: ID(trusted: row["contact_id"]),
            senderID: senderID, state: EnrollmentState(rawValue: row["state"]) ?? .pending, reason: row["reason"],
            nodeID: row["node_id"], nodeEnteredAt: date(row["node_entered_at"] as Int64?), dueAt: date(row["due_at"] as Int64?),
            attempts: row["attempts"], startedAt: date(row["started_at"] as Int64?), signals: Set(signals),
            lastMessageID: row["last_message_id"])
    }
}

// MARK: - Lifecycle

extension SQLiteStore {
    public func pendingLeads(of campaign: Campaign, after afterSeq: Int64, limit: Int) async throws -> [(seq: Int64, candidate: LeadCandidate)] {
        let rows: [(Int64, ID)] = try await read { db in
            try Row.fetchAll(db.cachedStatement(sql: """
                SELECT e.seq, c.id FROM enrollments e JOIN contacts c ON c.seq = e.contact_seq
                WHERE e.campaign_seq = (SELECT seq FROM campaigns WHERE id = ?) AND e.state = 'pending' AND e.seq > ?
                ORDER BY e.seq LIMIT ?
                """), arguments: [campaign.id.rawValue, afterSeq, limit]).map { ($0[0], ID(trusted: $0[1])) }
        }
        let facts = try await leadCandidates(rows.map(\.1), for: campaign)
        let byID = Dictionary(facts.map { ($0.contact.id, $0) }, uniquingKeysWith: { first, _ in first })
        return rows.compactMap { seq, id in byID[id].map { (seq, $0) } }
    }

    public func senderLoads(_ senders: [ID]) async throws -> [ID: Int] {
        try await read { db in
            var loads: [ID: Int] = [:]
            for sender in senders {
                // Leads waiting on the sender are the ones with a due time (in flight or paused ones aside).
                loads[sender] = try Int.fetchOne(db.cachedStatement(sql: """
                    SELECT count(*) FROM enrollments WHERE sender_seq = (SELECT seq FROM senders WHERE id = ?) AND due_at IS NOT NULL
                    """), arguments: [sender.rawValue]) ?? 0
            }
            return loads
        }
    }

    public func activate(_ enrollments: [Enrollment], at now: Date) async throws {
        try await write { db in
            var ledger = CounterLedger()
            var keys = EnrollmentKeys()
            for e in enrollments { try keys.update(e, db, at: now, ledger: &ledger) }
            try ledger.flush(db)
            try Self.refreshSlots(Array(Set(enrollments.compactMap(\.senderID))), db)
        }
    }

    public func hold(_ campaign: Campaign, at now: Date) async throws {
        try await write { db in
            let seq = try Self.seq(of: campaign.id, table: "campaigns", db)
            let senders = try Int64.fetchAll(db.cachedStatement(sql: "SELECT DISTINCT sender_seq FROM enrollments WHERE campaign_seq = ? AND due_at IS NOT NULL AND sender_seq IS NOT NULL"), arguments: [seq])
            try db.cachedStatement(sql: "UPDATE enrollments SET held_due_at = due_at, due_at = NULL WHERE campaign_seq = ? AND due_at IS NOT NULL").execute(arguments: [seq])
            try Self.refreshSlots(senderSeqs: senders, db)
        }
    }

    public func release(_ campaign: Campaign, at now: Date) async throws {
        try await write { db in
            let seq = try Self.seq(of: campaign.id, table: "campaigns", db)
            try db.cachedStatement(sql: """
                UPDATE enrollments SET due_at = max(held_due_at, ?), held_due_at = NULL
                WHERE campaign_seq = ? AND held_due_at IS NOT NULL AND state IN ('active', 'waiting')
                """).execute(arguments: [Self.millis(now), seq])
            let senders = try Int64.fetchAll(db.cachedStatement(sql: "SELECT DISTINCT sender_seq FROM enrollments WHERE campaign_seq = ? AND due_at IS NOT NULL AND sender_seq IS NOT NULL"), arguments: [seq])
            try Self.refreshSlots(senderSeqs: senders, db)
        }
    }

    @discardableResult
    public func stopOpen(_ campaign: Campaign, contact: ID?, reason: String, at now: Date) async throws -> Int {
        try await write { db in
            guard let seq = try Self.seq(of: campaign.id, table: "campaigns", db) else { return 0 }
            let only = contact == nil ? "" : " AND contact_seq = (SELECT seq FROM contacts WHERE id = ?)"
            let scope: StatementArguments = contact.map { [$0.rawValue] } ?? []
            let senders = try Int64.fetchAll(db, sql: "SELECT DISTINCT sender_seq FROM enrollments WHERE campaign_seq = ? AND sender_seq IS NOT NULL\(only)",
                                             arguments: [seq] + scope)
            var stopped = 0
            for state in ["pending", "active", "waiting"] {
                let count = try Int.fetchOne(db, sql: "SELECT count(*) FROM enrollments WHERE campaign_seq = ? AND state = ?\(only)",
                                             arguments: [seq, state] + scope) ?? 0
                guard count > 0 else { continue }
                try db.execute(sql: """
                    UPDATE enrollments SET state = 'stopped', reason = ?, due_at = NULL, held_due_at = NULL, updated_at = ?
                    WHERE campaign_seq = ? AND state = ?\(only)
                    """, arguments: [reason, Self.millis(now), seq, state] + scope)
                try Self.count(seq, "state.\(state)", db, by: -count)
                try Self.count(seq, "state.stopped", db, by: count)
                stopped += count
            }
            try Self.refreshSlots(senderSeqs: senders, db)
            if contact != nil { try Self.completeFinished([seq], db, at: now) }
            return stopped
        }
    }

    public func setEnrolling(_ campaign: ID, _ enrolling: Bool) async throws {
        try await write { db in
            try db.execute(sql: "UPDATE campaigns SET enrolling = ? WHERE id = ?", arguments: [enrolling, campaign.rawValue])
        }
    }

    public func finishEnrolling(_ campaign: ID) async throws -> Bool {
        try await write { db in
            try db.execute(sql: """
                UPDATE campaigns SET enrolling = 0 WHERE id = ? AND enrolling = 1
                  AND NOT EXISTS (SELECT 1 FROM enrollments WHERE campaign_seq = campaigns.seq AND state = 'pending')
                """, arguments: [campaign.rawValue])
            return db.changesCount > 0
        }
    }

    public func enrollingCampaigns() async throws -> [(id: ID, workspace: ID)] {
        try await read { db in
            try Row.fetchAll(db.cachedStatement(sql: "SELECT id, workspace_id FROM campaigns WHERE enrolling = 1"))
                .map { (ID(trusted: $0[0]), ID(trusted: $0[1])) }
        }
    }

    public func completeIfFinished(_ campaign: Campaign, at now: Date) async throws -> Bool {
        try await write { db in
            guard let seq = try Self.seq(of: campaign.id, table: "campaigns", db) else { return false }
            try Self.completeFinished([seq], db, at: now)
            return db.changesCount > 0
        }
    }
}

// MARK: - Inbound, stats and actions

extension SQLiteStore {
    public func signalTargets(actionID: ID?, identity: (IdentityKind, String)?, senderID: ID?, type: SignalType,
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
            var stats = CampaignStats()
            for row in try Row.fetchAll(db.cachedStatement(sql: """
                SELECT key, value FROM campaign_counters WHERE campaign_seq = (SELECT seq FROM campaigns WHERE id = ? AND workspace_id = ?)
                """), arguments: [campaign.rawValue, workspace.rawValue]) {
                let key: String = row["key"], value: Int = row["value"]
                if key == "sent" {
                    stats.sent = value
                } else if key == "contacted" {
                    stats.contacted = value
                } else if let node = key.dropPrefix("sent.node.") {
                    stats.sentPerNode[node] = value
                } else if let sender = key.dropPrefix("sent.sender.") {
                    stats.sentPerSender[ID(trusted: sender)] = value
                } else if let state = key.dropPrefix("state.").flatMap(EnrollmentState.init(rawValue:)) {
                    stats.leads[state] = value
                } else if let signal = key.dropPrefix("signal.").flatMap(SignalType.init(rawValue:)) {
                    stats.signals[signal] = value
                }
            }
            return stats
        }
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

// MARK: - Rebalancing

extension SQLiteStore {
    public func startRebalance(_ campaign: ID) async throws {
        try await write { db in
            try db.execute(sql: "UPDATE campaigns SET rebalance_state = 'waiting', rebalance_after = 0, rebalance_placed = 0 WHERE id = ?",
                           arguments: [campaign.rawValue])
        }
    }

    /// Leads a rebalance step moves at most, inside one dispatcher transaction.
    public static let rebalanceChunk = 2_000

    /// One step of a campaign's pending rebalance, run by the dispatcher in its own transaction
    /// (so it never races a claim): up to `rebalanceChunk` of its open, not yet contacted leads,
    /// taken in index order (`waiting` ones first, then `active`: an uncontacted lead only goes
    /// from waiting to active, so none is skipped), are dealt round-robin over the campaign's
    /// senders of its first channel. The cursor lives on the campaign row, so a restart resumes
    /// where it stopped, and the campaign reads `is_rebalancing` until the last step. Returns the
    /// leads that changed sender (at least 1 when more steps are left, so the tick counts as work).
    static func rebalanceStep(_ db: Database, at now: Date, cache: EngineCache) throws -> Int {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: """
            SELECT seq, revision, rebalance_state, rebalance_after, rebalance_placed FROM campaigns WHERE rebalance_state IS NOT NULL LIMIT 1
            """)) else { return 0 }
        let campaignSeq: Int64 = row[0]
        var state: String = row[2], after: Int64 = row[3], position: Int64 = row[4]
        let finish = { try db.cachedStatement(sql: "UPDATE campaigns SET rebalance_state = NULL WHERE seq = ?").execute(arguments: [campaignSeq]) }
        guard let campaign = try cache.campaign(campaignSeq, revision: row[1], db),
              campaign.status == .active || campaign.status == .paused,
              let channel = campaign.sequence.nodes.lazy.compactMap(\.channel).first else {
            try finish()
            return 0
        }
        let senderSeqs = try Int64.fetchAll(db.cachedStatement(sql: """
            SELECT s.seq FROM campaign_senders cs JOIN senders s ON s.seq = cs.sender_seq WHERE cs.campaign_seq = ? AND s.channel = ?
            ORDER BY cs.position
            """), arguments: [campaignSeq, channel.rawValue])
        guard !senderSeqs.isEmpty else {
            try finish()
            return 0
        }
        var touched = Set(senderSeqs)
        var moved = 0
        while true {
            let rows = try Row.fetchAll(db.cachedStatement(sql: """
                SELECT e.seq, e.sender_seq, e.started_at IS NULL AND NOT EXISTS (
                    SELECT 1 FROM actions a WHERE a.enrollment_seq = e.seq AND a.state = 'sending') AS movable
                FROM enrollments e WHERE e.campaign_seq = ? AND e.state = ? AND e.seq > ? ORDER BY e.seq LIMIT ?
                """), arguments: [campaignSeq, state, after, rebalanceChunk])
            for row in rows where row[2] as Bool {
                let target = senderSeqs[Int(position % Int64(senderSeqs.count))]
                position += 1
                let current: Int64? = row[1]
                if let current { touched.insert(current) }
                guard current != target else { continue }
                try db.cachedStatement(sql: "UPDATE enrollments SET sender_seq = ?, updated_at = ? WHERE seq = ?")
                    .execute(arguments: [target, millis(now), row[0] as Int64])
                moved += 1
            }
            if rows.count == rebalanceChunk, let last = rows.last {
                // More to deal: the next tick goes on from here (and counts this step as work).
                try db.cachedStatement(sql: "UPDATE campaigns SET rebalance_state = ?, rebalance_after = ?, rebalance_placed = ? WHERE seq = ?")
                    .execute(arguments: [state, last[0] as Int64, position, campaignSeq])
                moved = max(moved, 1)
                break
            }
            guard state == "waiting" else {
                try finish()
                break
            }
            (state, after) = ("active", 0)
        }
        try refreshSlots(senderSeqs: Array(touched), db)
        return moved
    }

    public func holdReason(_ reason: String?, forSender sender: ID, at now: Date) async throws {
        try await write { db in
            try db.execute(sql: """
                UPDATE enrollments SET reason = ?, updated_at = ?
                WHERE sender_seq = (SELECT seq FROM senders WHERE id = ?) AND due_at IS NOT NULL AND state IN ('active', 'waiting')
                  AND (? IS NOT NULL OR reason LIKE 'waiting: sender %')
                """, arguments: [reason, Self.millis(now), sender.rawValue, reason])
        }
    }
}

// MARK: - Forecast support

extension SQLiteStore {
    public func actionTimes(of campaign: ID, in workspace: ID) async throws -> [Date] {
        try await read { db in
            try Int64.fetchAll(db, sql: """
                SELECT a.created_at FROM actions a JOIN campaigns k ON k.seq = a.campaign_seq
                WHERE k.id = ? AND k.workspace_id = ? AND a.state IN ('sent', 'sending', 'uncertain')
                """, arguments: [campaign.rawValue, workspace.rawValue]).map(Self.date)
        }
    }

    /// A consistent copy of the whole database at `path` (`VACUUM INTO`), opened as a store.
    public func copy(to path: String) throws -> SQLiteStore {
        try pool.writeWithoutTransaction { db in try db.execute(sql: "VACUUM INTO ?", arguments: [path]) }
        return try SQLiteStore(path: path)
    }
}

extension SQLiteStore {
    /// Copies for forecasts, made in the temporary directory and removed after use.
    public func forecastSandbox() -> ForecastService.Sandbox {
        { [self] in
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("outbound-forecast-\(UUID().uuidString).sqlite").path
            let copy = try self.copy(to: path)
            return (copy, {
                for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
            })
        }
    }
}

// MARK: - Usage and series

extension SQLiteStore {
    /// The sender's usage as the dispatcher counts it (its usage log), its next slot, and whether it is busy.
    public func senderActivity(_ sender: ID, in workspace: ID, at now: Date) async throws -> (usage: [ActionKind: RollingUsage], nextSlotAt: Date?, inFlight: Bool) {
        try await read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT recent, next_slot_at, in_flight FROM senders WHERE id = ? AND workspace_id = ?",
                                             arguments: [sender.rawValue, workspace.rawValue]) else { return ([:], nil, false) }
            return (SenderUsageLog(row[0] as Data?).usage(at: Self.millis(now)), Self.date(row[1] as Int64?), (row[2] as Int64?) != nil)
        }
    }

    public func series(of campaign: ID, in workspace: ID, from: Date, to: Date, bucketSeconds: Int) async throws -> [(start: Date, actions: Int, signals: [String: Int])] {
        try await read { db in
            try Self.buckets(db, from: from, to: to, bucketSeconds: bucketSeconds,
                             actions: "JOIN campaigns k ON k.seq = a.campaign_seq WHERE k.id = ? AND k.workspace_id = ?",
                             events: "WHERE e.campaign_id = ? AND e.workspace_id = ?", arguments: [campaign.rawValue, workspace.rawValue])
        }
    }

    public func series(ofSender sender: ID, in workspace: ID, from: Date, to: Date, bucketSeconds: Int) async throws -> [(start: Date, actions: Int, signals: [String: Int])] {
        try await read { db in
            try Self.buckets(db, from: from, to: to, bucketSeconds: bucketSeconds,
                             actions: "JOIN senders s ON s.seq = a.sender_seq WHERE s.id = ? AND a.workspace_id = ?",
                             events: """
                                 JOIN actions a ON a.id = e.action_id JOIN senders s ON s.seq = a.sender_seq
                                 WHERE s.id = ? AND e.workspace_id = ?
                                 """, arguments: [sender.rawValue, workspace.rawValue])
        }
    }

    public func series(ofWorkspace workspace: ID, kind: ActionKind, from: Date, to: Date, bucketSeconds: Int) async throws -> [(start: Date, actions: Int, signals: [String: Int])] {
        try await read { db in
            try Self.buckets(db, from: from, to: to, bucketSeconds: bucketSeconds,
                             actions: "WHERE a.workspace_id = ? AND a.kind = ?",
                             events: "JOIN actions a ON a.id = e.action_id WHERE e.workspace_id = ? AND a.kind = ?",
                             arguments: [workspace.rawValue, kind.rawValue])
        }
    }

    /// Actions sent (or possibly sent) and signals, counted in buckets of `bucketSeconds` from `from`.
    private static func buckets(_ db: Database, from: Date, to: Date, bucketSeconds: Int, actions: String, events: String,
                                arguments: [String]) throws -> [(start: Date, actions: Int, signals: [String: Int])] {
        let bucket = Int64(bucketSeconds) * 1000
        let fromMs = millis(from), toMs = millis(to)
        let scope = StatementArguments(arguments)
        var buckets: [Int64: (Int, [String: Int])] = [:]
        for row in try Row.fetchAll(db, sql: """
            SELECT (a.created_at - ?) / ? AS b, count(*) AS n FROM actions a \(actions)
              AND a.created_at >= ? AND a.created_at < ? AND a.state IN ('sent', 'sending', 'uncertain')
            GROUP BY b
            """, arguments: [fromMs, bucket] + scope + [fromMs, toMs]) {
            buckets[row["b"], default: (0, [:])].0 = row["n"]
        }
        for row in try Row.fetchAll(db, sql: """
            SELECT (e.at - ?) / ? AS b, e.type, count(*) AS n FROM events e \(events)
              AND e.type LIKE 'lead.%' AND e.at >= ? AND e.at < ? GROUP BY b, e.type
            """, arguments: [fromMs, bucket] + scope + [fromMs, toMs]) {
            let type = String((row["type"] as String).dropFirst(5))
            buckets[row["b"], default: (0, [:])].1[type] = row["n"]
        }
        return buckets.keys.sorted().map { key in (date(fromMs + key * bucket), buckets[key]!.0, buckets[key]!.1) }
    }
}

/// One level of a sender's due index: a campaign priority and a lane (`Campaign.lane(started:)`).
struct DueLevel {
    var priority: Int
    var lane: Int
}

/// What orders a campaign's enrollments on their sender: its priority and which lane goes first.
struct Rank {
    var priority: Int
    var prioritizeNewLeads: Bool
}

/// What writing an enrollment needs beyond the enrollment itself (its sender's seq, its
/// campaign's rank), read once per transaction however many enrollments share them.
struct EnrollmentKeys {
    private var senders: [ID: Int64?] = [:]
    private var ranks: [Int64: Rank?] = [:]

    /// Writes `e` over what it was (read in this transaction, for the counters).
    mutating func update(_ e: Enrollment, _ db: Database, at now: Date, ledger: inout CounterLedger) throws {
        guard let old = try SQLiteStore.stored(e.seq, db) else { return }
        var senderSeq: Int64?
        if let sender = e.senderID {
            if senders[sender] == nil { senders[sender] = try SQLiteStore.seq(of: sender, table: "senders", db) }
            senderSeq = senders[sender] ?? nil
        }
        if ranks[old.campaignSeq] == nil {
            ranks[old.campaignSeq] = try Row.fetchOne(db.cachedStatement(sql: "SELECT priority, prioritize_new_leads FROM campaigns WHERE seq = ?"),
                                                      arguments: [old.campaignSeq]).map { Rank(priority: $0[0], prioritizeNewLeads: $0[1]) }
        }
        try SQLiteStore.write(e, old: old, senderSeq: senderSeq, rank: ranks[old.campaignSeq] ?? nil, db, at: now, ledger: &ledger)
    }
}
