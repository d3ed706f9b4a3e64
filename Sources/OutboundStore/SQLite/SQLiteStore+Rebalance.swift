import Foundation
import GRDB
import OutboundCore

extension SQLiteStore {
    /// Marks the campaign for a rebalance from its first lead (`updateCampaign(_:rebalancing:)`).
    static func startRebalance(_ campaignSeq: Int64, _ db: Database) throws {
        try db.execute(sql: "UPDATE campaigns SET rebalance_state = 'waiting', rebalance_after = 0, rebalance_placed = 0 WHERE seq = ?",
                       arguments: [campaignSeq])
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
