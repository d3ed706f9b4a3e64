import Foundation
import GRDB
import OutboundCore
import OutboundStoreFormats

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

    /// The event types that record signals, as an SQL list.
    private static let signalTypes = SignalType.allCases.map { "'\(EventType.of($0))'" }.joined(separator: ", ")

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
              AND e.type IN (\(signalTypes)) AND e.at >= ? AND e.at < ? GROUP BY b, e.type
            """, arguments: [fromMs, bucket] + scope + [fromMs, toMs]) {
            guard let signal = EventType.signal(of: row["type"]) else { continue }
            buckets[row["b"], default: (0, [:])].1[signal.rawValue] = row["n"]
        }
        return buckets.keys.sorted().map { key in (date(fromMs + key * bucket), buckets[key]!.0, buckets[key]!.1) }
    }
}
