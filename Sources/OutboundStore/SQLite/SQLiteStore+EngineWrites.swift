import Foundation
import GRDB
import OutboundCore
import OutboundStoreFormats

/// The steps every engine transaction shares: counters, the enrollment writer, slots.
extension SQLiteStore {
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


/// One level of a sender's due index: a campaign priority and a lane (`Campaign.lane(started:)`).
struct DueLevel {
    var priority: Int
    var lane: Int
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
