import Foundation
import GRDB
import OutboundCore
import OutboundStoreFormats

extension SQLiteStore {
    /// Duplicates (two actions for one lead and step), actions over a sender's rolling hour/day
    /// caps, and actions outside their campaign's window, recomputed from the actions table.
    public func benchCheck() throws -> BenchCheck {
        try pool.read { db in
            let actions = try Int.fetchOne(db, sql: "SELECT count(*) FROM actions WHERE state IN ('sent', 'sending', 'uncertain')") ?? 0
            let duplicates = try Int.fetchOne(db, sql: """
                SELECT count(*) FROM (SELECT enrollment_seq, node_id FROM actions GROUP BY 1, 2 HAVING count(*) > 1)
                """) ?? 0
            var capViolations = 0
            var limits: [Int64: RateLimit] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT seq, limits FROM senders") {
                limits[row["seq"]] = try Self.decode(StoredLimits.self, row["limits"]).limits[.email]
            }
            for (window, key) in [(3_600_000, \RateLimit.perHour), (86_400_000, \RateLimit.perDay)] as [(Int64, KeyPath<RateLimit, Int?>)] {
                let rows = try Row.fetchAll(db, sql: """
                    SELECT sender_seq, max(n) AS peak FROM (
                      SELECT sender_seq, count(*) OVER (PARTITION BY sender_seq ORDER BY created_at
                        RANGE BETWEEN ? PRECEDING AND CURRENT ROW) AS n
                      FROM actions WHERE state IN ('sent', 'sending', 'uncertain')) GROUP BY sender_seq
                    """, arguments: [window - 1])
                for row in rows {
                    if let cap = limits[row["sender_seq"]]?[keyPath: key], (row["peak"] as Int) > cap { capViolations += 1 }
                }
            }
            var windowViolations = 0
            var campaigns: [Int64: Campaign] = [:]
            let cursor = try Row.fetchCursor(db, sql: "SELECT campaign_seq, created_at FROM actions WHERE state IN ('sent', 'sending', 'uncertain')")
            while let row = try cursor.next() {
                let seq: Int64 = row["campaign_seq"]
                if campaigns[seq] == nil {
                    campaigns[seq] = try Self.campaign(try Row.fetchOne(db, sql: "SELECT * FROM campaigns WHERE seq = ?", arguments: [seq])!, db)
                }
                let campaign = campaigns[seq]!
                if !campaign.schedule.contains(Self.date(row["created_at"] as Int64), in: campaign.timezone) { windowViolations += 1 }
            }
            let open = try Int.fetchOne(db, sql: "SELECT count(*) FROM enrollments WHERE state IN ('pending', 'active', 'waiting')") ?? 0
            return BenchCheck(actions: actions, duplicates: duplicates, capViolations: capViolations, windowViolations: windowViolations, open: open)
        }
    }
}

extension SQLiteStore {
    /// Logs `count` `contact.suppressed`-shaped events in one transaction (the webhook bench's
    /// backlog); the fan-out trigger queues their deliveries as it does for any event.
    public func insertBenchEvents(_ count: Int, in workspace: ID, at: Date) async throws {
        try await write { db in
            for index in 0..<count {
                try EventSchema.log(db, type: "contact.suppressed", workspace: workspace.rawValue, at: Self.millis(at), data: [
                    "suppression": ["id": "bench_\(index)", "object": "suppression", "kind": "email", "value": "bench\(index)@example.com"],
                ])
            }
        }
    }
}
