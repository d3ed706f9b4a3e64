import Foundation
import GRDB
import OutboundCore
import OutboundStoreFormats

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
