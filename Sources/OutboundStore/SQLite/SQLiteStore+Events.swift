import Foundation
import GRDB
import OutboundCore

/// The event log and the webhook outbox (schema and triggers: `EventSchema`).
extension SQLiteStore {
    public func events(in workspace: ID, afterSeq: Int64, types: [String], limit: Int) async throws -> Page<Event> {
        try await read { db in
            var filter = ""
            var arguments: [any DatabaseValueConvertible] = [workspace.rawValue, afterSeq]
            if !types.isEmpty, !types.contains("*") {
                filter = " AND (" + types.map { pattern in
                    if pattern.hasSuffix(".*") {
                        let prefix = String(pattern.dropLast())
                        arguments += [prefix.count, prefix]
                        return "substr(type, 1, ?) = ?"
                    }
                    arguments.append(pattern)
                    return "type = ?"
                }.joined(separator: " OR ") + ")"
            }
            arguments.append(limit + 1)
            let rows = try Row.fetchAll(db, sql: """
                SELECT * FROM events WHERE workspace_id = ? AND wseq > ?\(filter) ORDER BY wseq LIMIT ?
                """, arguments: StatementArguments(arguments))
            return Page(items: rows.prefix(limit).map(Self.event), hasMore: rows.count > limit)
        }
    }

    public func pruneEvents(before: Date) async throws -> Int {
        var total = 0
        while true {
            // In slices, so the writer is not held for long.
            let removed = try await write { db in
                try db.execute(sql: """
                    DELETE FROM events WHERE seq IN (
                        SELECT seq FROM events WHERE at < ? AND NOT EXISTS (
                            SELECT 1 FROM webhook_deliveries d WHERE d.event_seq = events.seq AND d.state = 'pending')
                        LIMIT 5000)
                    """, arguments: [Self.millis(before)])
                return db.changesCount
            }
            total += removed
            if removed < 5000 {
                // Inbound receipts guard against reading a message twice across a crash: they
                // need not outlive the log of what the message did.
                try await write { db in
                    try db.execute(sql: "DELETE FROM inbound_receipts WHERE at < ?", arguments: [Self.millis(before)])
                }
                return total
            }
        }
    }

    static func event(_ row: Row) -> Event {
        Event(id: row["id"], workspaceID: ID(trusted: row["workspace_id"]), seq: row["wseq"], type: row["type"], at: date(row["at"] as Int64),
              actor: row["actor"], data: row["data"])
    }

    // MARK: Endpoints

    private static let endpointColumns = """
        id, workspace_id, url, description, types, format, enabled, secret, previous_secret, previous_until, failing_since,
        disabled_reason, created_at, updated_at, name, options
        """

    private static func columns(of e: WebhookEndpoint) throws -> StatementArguments {
        let values: [(any DatabaseValueConvertible)?] = [
            e.id.rawValue, e.workspaceID.rawValue, e.url, e.description, try json(e.types), e.format.rawValue, e.enabled, e.secret,
            e.previousSecret, millis(e.previousUntil), millis(e.failingSince), e.disabledReason, millis(e.createdAt), millis(e.updatedAt),
            e.name, e.options,
        ]
        return StatementArguments(values.map { $0?.databaseValue ?? .null })
    }

    static func endpoint(_ row: Row) throws -> WebhookEndpoint {
        WebhookEndpoint(
            id: ID(trusted: row["id"]), workspaceID: ID(trusted: row["workspace_id"]), url: row["url"], description: row["description"],
            types: try decode([String].self, row["types"]), format: WebhookEndpoint.Format(rawValue: row["format"]) ?? .standard,
            enabled: row["enabled"], secret: row["secret"], previousSecret: row["previous_secret"],
            previousUntil: date(row["previous_until"] as Int64?), failingSince: date(row["failing_since"] as Int64?),
            disabledReason: row["disabled_reason"], createdAt: date(row["created_at"] as Int64), updatedAt: date(row["updated_at"] as Int64),
            name: row["name"], options: row["options"])
    }

    public func insertWebhookEndpoint(_ endpoint: WebhookEndpoint) async throws {
        let arguments = try Self.columns(of: endpoint)
        try await write { db in
            try db.execute(sql: "INSERT INTO webhook_endpoints (\(Self.endpointColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                           arguments: arguments)
        }
    }

    public func webhookEndpoint(_ id: ID, in workspace: ID) async throws -> WebhookEndpoint? {
        try await read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM webhook_endpoints WHERE id = ? AND workspace_id = ?",
                             arguments: [id.rawValue, workspace.rawValue]).map(Self.endpoint)
        }
    }

    public func webhookEndpoints(in workspace: ID, page: PageRequest) async throws -> Page<WebhookEndpoint> {
        try await read { db in
            try Self.page(db, table: "webhook_endpoints", workspace: workspace, page: page) { _, row in try Self.endpoint(row) }
        }
    }

    public func modifyWebhookEndpoint(_ id: ID, in workspace: ID,
                                      _ change: @escaping @Sendable (inout WebhookEndpoint) -> Void) async throws -> WebhookEndpoint {
        try await write { db in
            guard var endpoint = try Row.fetchOne(db, sql: "SELECT * FROM webhook_endpoints WHERE id = ? AND workspace_id = ?",
                                                  arguments: [id.rawValue, workspace.rawValue]).map(Self.endpoint)
            else { throw NotFoundError("webhook endpoint", id: id.rawValue) }
            change(&endpoint)
            let assignments = Self.endpointColumns.split(separator: ",").map { "\($0.trimmingCharacters(in: .whitespacesAndNewlines)) = ?" }
            try db.execute(sql: "UPDATE webhook_endpoints SET \(assignments.joined(separator: ", ")) WHERE id = ? AND workspace_id = ?",
                           arguments: try Self.columns(of: endpoint) + [id.rawValue, workspace.rawValue])
            return endpoint
        }
    }

    public func deleteWebhookEndpoint(_ id: ID, in workspace: ID) async throws -> Bool {
        try await write { db in
            try db.execute(sql: "DELETE FROM webhook_endpoints WHERE id = ? AND workspace_id = ?", arguments: [id.rawValue, workspace.rawValue])
            return db.changesCount > 0
        }
    }

    public func webhookBacklog(of endpoint: ID, in workspace: ID) async throws -> Int {
        try await read { db in
            try Int.fetchOne(db, sql: """
                SELECT count(*) FROM webhook_deliveries d JOIN webhook_endpoints p ON p.seq = d.endpoint_seq
                WHERE p.id = ? AND p.workspace_id = ? AND d.next_at IS NOT NULL
                """, arguments: [endpoint.rawValue, workspace.rawValue]) ?? 0
        }
    }

    public func pendingWebhookDeliveries() async throws -> Int {
        try await read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM webhook_deliveries WHERE next_at IS NOT NULL") ?? 0 }
    }

    public func webhookAttempts(of endpoint: ID, in workspace: ID, page: PageRequest) async throws -> Page<WebhookAttempt> {
        let before = page.startingAfter.flatMap { Int64($0.rawValue.dropFirst("attempt_".count), radix: 16) } ?? Int64.max
        return try await read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT a.* FROM webhook_attempts a JOIN webhook_endpoints p ON p.seq = a.endpoint_seq
                WHERE p.id = ? AND p.workspace_id = ? AND a.seq < ? ORDER BY a.seq DESC LIMIT ?
                """, arguments: [endpoint.rawValue, workspace.rawValue, before, page.limit + 1])
            return Page(items: rows.prefix(page.limit).map(Self.attempt), hasMore: rows.count > page.limit)
        }
    }

    static func attempt(_ row: Row) -> WebhookAttempt {
        let seq: Int64 = row["seq"]
        let hex = String(seq, radix: 16)
        return WebhookAttempt(
            delivery: row["delivery_seq"], eventID: row["event_id"], eventType: row["event_type"], at: date(row["at"] as Int64),
            status: row["status"], latency: Double(row["latency_ms"] as Int64) / 1000, error: row["error"],
            responseHead: row["response_head"], id: ID(trusted: "attempt_" + String(repeating: "0", count: max(0, 20 - hex.count)) + hex))
    }

    public func replayEvents(to endpoint: ID, in workspace: ID, afterSeq: Int64, at: Date) async throws -> Int {
        try await write { db in
            try db.execute(sql: """
                INSERT INTO webhook_deliveries (endpoint_seq, event_seq, next_at, created_at)
                SELECT p.seq, v.seq, ?, ? FROM webhook_endpoints p JOIN events v ON v.workspace_id = p.workspace_id
                WHERE p.id = ? AND p.workspace_id = ? AND v.wseq > ? AND \(EventSchema.endpointTakes("p", type: "v.type"))
                ORDER BY v.wseq
                """, arguments: [Self.millis(at), Self.millis(at), endpoint.rawValue, workspace.rawValue, afterSeq])
            return db.changesCount
        }
    }

    public func pingWebhookEndpoint(_ endpoint: ID, in workspace: ID, at: Date) async throws -> Event {
        try await write { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT seq, url FROM webhook_endpoints WHERE id = ? AND workspace_id = ?",
                                             arguments: [endpoint.rawValue, workspace.rawValue])
            else { throw NotFoundError("webhook endpoint", id: endpoint.rawValue) }
            let nowMs = Self.millis(at)
            let seq = try EventSchema.log(db, type: "webhook.ping", workspace: workspace.rawValue, at: nowMs, data: [
                "webhook_endpoint": ["id": endpoint.rawValue, "object": "webhook_endpoint", "url": row["url"] as String],
            ])
            try db.execute(sql: "INSERT INTO webhook_deliveries (endpoint_seq, event_seq, next_at, created_at) VALUES (?, ?, ?, ?)",
                           arguments: [row["seq"] as Int64, seq, nowMs, nowMs])
            return try Self.event(Row.fetchOne(db, sql: "SELECT * FROM events WHERE seq = ?", arguments: [seq])!)
        }
    }

    // MARK: Delivery

    /// A read beside the writer (WAL), so an idle deliverer's poll never takes the write lock.
    /// CROSS JOIN keeps the endpoints outside: one seek per endpoint, not a scan of every retry.
    public func hasDueWebhookDeliveries(at now: Date) async throws -> Bool {
        try await read { db in
            try Bool.fetchOne(db.cachedStatement(sql: """
                SELECT EXISTS (SELECT 1 FROM webhook_endpoints p CROSS JOIN webhook_deliveries d ON d.endpoint_seq = p.seq
                               WHERE p.enabled = 1 AND d.next_at IS NOT NULL AND d.next_at <= ?)
                """), arguments: [Self.millis(now)]) ?? false
        }
    }

    public func claimWebhookJobs(at now: Date, busy: [ID: Int], perEndpoint: Int, limit: Int, lease: TimeInterval) async throws -> [WebhookJob] {
        // A lost claim (a power cut) only leaves the delivery due: relaxed durability is safe.
        try await writeRelaxed { db in
            let nowMs = Self.millis(now), leaseMs = Self.millis(now.addingTimeInterval(lease))
            var jobs: [WebhookJob] = []
            for row in try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM webhook_endpoints WHERE enabled = 1 ORDER BY seq")) {
                let endpoint = try Self.endpoint(row)
                let take = min(perEndpoint - (busy[endpoint.id] ?? 0), limit - jobs.count)
                if take <= 0 { continue }
                let due = try Row.fetchAll(db.cachedStatement(sql: """
                    SELECT d.seq AS delivery, d.attempts, v.* FROM webhook_deliveries d JOIN events v ON v.seq = d.event_seq
                    WHERE d.endpoint_seq = ? AND d.next_at IS NOT NULL AND d.next_at <= ? ORDER BY d.next_at LIMIT ?
                    """), arguments: [row["seq"] as Int64, nowMs, take])
                for job in due {
                    // The attempt is counted when it is recorded: a claim lost to a crash is not an attempt.
                    try db.cachedStatement(sql: "UPDATE webhook_deliveries SET next_at = ?, claimed = 1 WHERE seq = ?")
                        .execute(arguments: [leaseMs, job["delivery"] as Int64])
                    jobs.append(WebhookJob(delivery: job["delivery"], attempt: (job["attempts"] as Int) + 1, endpoint: endpoint, event: Self.event(job)))
                }
                if jobs.count >= limit { break }
            }
            return jobs
        }
    }

    public func settleWebhookJobs(_ settlements: [WebhookSettlement]) async throws {
        guard !settlements.isEmpty else { return }
        // A lost outcome (a power cut) leaves the delivery claimed, so it is sent again: at least once.
        try await writeRelaxed { db in
            for settlement in settlements {
                let attempt = settlement.attempt
                let at = Self.millis(attempt.at)
                guard let endpointSeq = try Int64.fetchOne(db.cachedStatement(sql: "SELECT endpoint_seq FROM webhook_deliveries WHERE seq = ?"),
                                                           arguments: [attempt.delivery]) else { continue }
                try db.cachedStatement(sql: """
                    INSERT INTO webhook_attempts (delivery_seq, endpoint_seq, event_id, event_type, at, status, latency_ms, error, response_head)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """).execute(arguments: [attempt.delivery, endpointSeq, attempt.eventID, attempt.eventType, at, attempt.status,
                                     Int64((attempt.latency * 1000).rounded()), attempt.error, attempt.responseHead])
                switch settlement.next {
                case .delivered:
                    try db.cachedStatement(sql: """
                        UPDATE webhook_deliveries SET state = 'delivered', next_at = NULL, claimed = 0, attempts = attempts + 1, finished_at = ?
                        WHERE seq = ?
                        """)
                        .execute(arguments: [at, attempt.delivery])
                    try db.cachedStatement(sql: "UPDATE webhook_endpoints SET failing_since = NULL WHERE seq = ? AND failing_since IS NOT NULL")
                        .execute(arguments: [endpointSeq])
                case .retry(let next):
                    try db.cachedStatement(sql: "UPDATE webhook_deliveries SET next_at = ?, claimed = 0, attempts = attempts + 1 WHERE seq = ?")
                        .execute(arguments: [Self.millis(next), attempt.delivery])
                case .failed:
                    try db.cachedStatement(sql: """
                        UPDATE webhook_deliveries SET state = 'failed', next_at = NULL, claimed = 0, attempts = attempts + 1, finished_at = ?
                        WHERE seq = ?
                        """)
                        .execute(arguments: [at, attempt.delivery])
                }
                if settlement.next != .delivered {
                    try db.cachedStatement(sql: "UPDATE webhook_endpoints SET failing_since = coalesce(failing_since, ?) WHERE seq = ?")
                        .execute(arguments: [at, endpointSeq])
                }
                if let reason = settlement.disableEndpoint {
                    try db.cachedStatement(sql: """
                        UPDATE webhook_endpoints SET enabled = 0, disabled_reason = ?, updated_at = ? WHERE seq = ? AND enabled = 1
                        """).execute(arguments: [reason, at, endpointSeq])
                }
            }
        }
    }

    public func releaseWebhookClaims(at now: Date) async throws -> Int {
        try await write { db in
            try db.execute(sql: "UPDATE webhook_deliveries SET next_at = ?, claimed = 0 WHERE claimed = 1", arguments: [Self.millis(now)])
            return db.changesCount
        }
    }
}
