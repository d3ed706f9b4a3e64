import Foundation
import GRDB
import OutboundCore
import OutboundStoreFormats

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
            // A message recorded before (its receipt is there) is applied once; one that matched
            // nothing records nothing, so a wider match may still take it.
            if let receipt = effects.receipt, !effects.observed.isEmpty || !effects.suppressions.isEmpty {
                try db.cachedStatement(sql: "INSERT OR IGNORE INTO inbound_receipts (key, at) VALUES (?, ?)")
                    .execute(arguments: [receipt, Self.millis(now)])
                if db.changesCount == 0 { return }
            }
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
        for signal in effects.observed {
            let (enrollmentSeq, campaignID, type, actionID) = (signal.enrollmentSeq, signal.campaignID, signal.type, signal.actionID)
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
            if Self.funnelSignals.contains(type), let node = try Self.answeredNode(actionID, enrollmentSeq: enrollmentSeq, db) {
                ledger.add(row[0], "signal.node.\(type.rawValue).\(node)")
            }
            try logSignal(type, db, workspace: row[1], campaign: campaignID.rawValue, contact: row[2], action: actionID?.rawValue,
                          text: effects.text, at: nowMs)
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

    /// The signals the campaign page's funnel counts per step.
    static let funnelSignals: Set<SignalType> = [.opened, .clicked, .accepted, .replied]

    /// The step a signal answers: its action's, else the lead's last step that went out.
    private static func answeredNode(_ actionID: ID?, enrollmentSeq: Int64, _ db: Database) throws -> String? {
        if let actionID {
            return try String.fetchOne(db.cachedStatement(sql: "SELECT node_id FROM actions WHERE id = ?"), arguments: [actionID.rawValue])
        }
        return try String.fetchOne(db.cachedStatement(sql: """
            SELECT node_id FROM actions WHERE enrollment_seq = ? AND state IN ('sent', 'uncertain') AND node_id NOT LIKE '\(ReplyService.nodePrefix)%'
            ORDER BY seq DESC LIMIT 1
            """), arguments: [enrollmentSeq])
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

    /// Logs an observed signal as its event, with the resource it is about.
    private static func logSignal(_ type: SignalType, _ db: Database, workspace: String, campaign: String, contact: String,
                                  action: String?, text: String?, at: Int64) throws {
        let data = SignalEventData.data(type, campaign: campaign, contact: contact, action: action, text: text, at: date(at))
        try EventSchema.log(db, type: EventType.of(type), workspace: workspace, campaign: campaign, contact: contact,
                            action: action, at: at, data: data)
    }
}
