import Foundation
import OutboundCore
import OutboundStoreFormats
import PostgresNIO

extension PostgresStore {
    /// Logs one event from Swift, in the caller's transaction (`outbound_emit`: the row and its
    /// deliveries; its number comes at the commit, `PostgresSchema.eventsNumberedAtCommit`);
    /// returns its row's `seq`.
    @discardableResult
    static func log(_ connection: PostgresConnection, logger: Logger, type: String, workspace: String, campaign: String? = nil,
                    contact: String? = nil, action: String? = nil, at: Int64, data: [String: Any]) async throws -> Int64 {
        let json = try eventJSON(data)
        return try await values(connection.query("""
            SELECT outbound_emit(\(type), \(workspace), \(campaign), \(contact), \(action), \(at), \(json)::json)
            """, logger: logger), as: Int64?.self).first.flatMap { $0 } ?? 0
    }

    /// An event's data as the text it is stored as (keys sorted, as the SQLite store writes it).
    static func eventJSON(_ data: [String: Any]) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: data, options: [.sortedKeys, .withoutEscapingSlashes]), as: UTF8.self)
    }
}

/// The event log and the webhook outbox (schema and triggers: `PostgresSchema`). Several
/// processes deliver from one database: a claim locks its rows with `SKIP LOCKED` and holds the
/// delivery until its lease ends, so a process that dies lets its deliveries go at that moment.
extension PostgresStore: EventStore {
    public func events(in workspace: ID, afterSeq: Int64, types: [String], limit: Int) async throws -> Page<Event> {
        let all = types.isEmpty || types.contains("*")
        let exact = types.filter { !$0.hasSuffix(".*") }
        let prefixes = types.filter { $0.hasSuffix(".*") }.map { String($0.dropLast()) }
        let rows = try await rows("""
            SELECT * FROM events WHERE workspace_id = \(workspace.rawValue) AND wseq > \(afterSeq)
              AND (\(all) OR type = ANY(\(exact)) OR EXISTS (SELECT 1 FROM unnest(\(prefixes)) p(prefix) WHERE left(type, length(p.prefix)) = p.prefix))
            ORDER BY wseq LIMIT \(limit + 1)
            """)
        return Page(items: try rows.prefix(limit).map(Self.event), hasMore: rows.count > limit)
    }

    public func pruneEvents(before: Date) async throws -> Int {
        var total = 0
        while true {
            // In slices, so no transaction holds many rows for long.
            let removed = try await Self.values(client.query("""
                WITH gone AS (
                    DELETE FROM events WHERE seq IN (
                        SELECT seq FROM events v WHERE v.at < \(Self.millis(before)) AND NOT EXISTS (
                            SELECT 1 FROM webhook_deliveries d WHERE d.event_seq = v.seq AND d.state = 'pending')
                        LIMIT 5000)
                    RETURNING 1)
                SELECT count(*) FROM gone
                """, logger: logger), as: Int.self).first ?? 0
            total += removed
            if removed < 5000 {
                // Inbound receipts guard against reading a message twice across a crash: they
                // need not outlive the log of what the message did.
                try await client.query("DELETE FROM inbound_receipts WHERE at < \(Self.millis(before))", logger: logger)
                return total
            }
        }
    }

    static func event(_ row: Row) throws -> Event {
        Event(id: try row["id"], workspaceID: ID(trusted: try row["workspace_id"]), seq: try row["wseq"], type: try row["type"],
              at: date(try row["at"] as Int64), actor: try row["actor"], data: try row["data"])
    }

    // MARK: Endpoints

    static func endpoint(_ row: Row) throws -> WebhookEndpoint {
        WebhookEndpoint(
            id: ID(trusted: try row["id"]), workspaceID: ID(trusted: try row["workspace_id"]), url: try row["url"],
            description: try row["description"], types: try StoredJSON.decode([String].self, try row["types"]),
            format: WebhookEndpoint.Format(rawValue: try row["format"]) ?? .standard,
            enabled: try row["enabled"], secret: try row["secret"], previousSecret: try row["previous_secret"],
            previousUntil: date(try row["previous_until"] as Int64?), failingSince: date(try row["failing_since"] as Int64?),
            disabledReason: try row["disabled_reason"], createdAt: date(try row["created_at"] as Int64),
            updatedAt: date(try row["updated_at"] as Int64), name: try row["name"], options: try row["options"])
    }

    public func insertWebhookEndpoint(_ e: WebhookEndpoint) async throws {
        try await client.query("""
            INSERT INTO webhook_endpoints (id, workspace_id, url, description, types, format, enabled, secret, previous_secret,
                previous_until, failing_since, disabled_reason, created_at, updated_at, name, options)
            VALUES (\(e.id.rawValue), \(e.workspaceID.rawValue), \(e.url), \(e.description), \(try StoredJSON.encode(e.types)),
                    \(e.format.rawValue), \(e.enabled), \(e.secret), \(e.previousSecret), \(Self.millis(e.previousUntil)),
                    \(Self.millis(e.failingSince)), \(e.disabledReason), \(Self.millis(e.createdAt)), \(Self.millis(e.updatedAt)),
                    \(e.name), \(e.options))
            """, logger: logger)
    }

    public func webhookEndpoint(_ id: ID, in workspace: ID) async throws -> WebhookEndpoint? {
        try await rows("SELECT * FROM webhook_endpoints WHERE id = \(id.rawValue) AND workspace_id = \(workspace.rawValue)").first
            .map(Self.endpoint)
    }

    public func webhookEndpoints(in workspace: ID, page: PageRequest) async throws -> Page<WebhookEndpoint> {
        try await self.page(of: "webhook_endpoints", in: workspace, page: page).map(Self.endpoint)
    }

    public func modifyWebhookEndpoint(_ id: ID, in workspace: ID,
                                      _ change: @escaping @Sendable (inout WebhookEndpoint) -> Void) async throws -> WebhookEndpoint {
        try await transaction { connection in
            guard var e = try await Self.rows("""
                SELECT * FROM webhook_endpoints WHERE id = \(id.rawValue) AND workspace_id = \(workspace.rawValue) FOR UPDATE
                """, on: connection, logger: self.logger).first.map(Self.endpoint)
            else { throw NotFoundError("webhook endpoint", id: id.rawValue) }
            change(&e)
            try await connection.query("""
                UPDATE webhook_endpoints SET url = \(e.url), description = \(e.description), types = \(try StoredJSON.encode(e.types)),
                    format = \(e.format.rawValue), enabled = \(e.enabled), secret = \(e.secret), previous_secret = \(e.previousSecret),
                    previous_until = \(Self.millis(e.previousUntil)), failing_since = \(Self.millis(e.failingSince)),
                    disabled_reason = \(e.disabledReason), created_at = \(Self.millis(e.createdAt)), updated_at = \(Self.millis(e.updatedAt)),
                    name = \(e.name), options = \(e.options)
                WHERE id = \(id.rawValue) AND workspace_id = \(workspace.rawValue)
                """, logger: self.logger)
            return e
        }
    }

    public func deleteWebhookEndpoint(_ id: ID, in workspace: ID) async throws -> Bool {
        !(try await Self.values(client.query("""
            DELETE FROM webhook_endpoints WHERE id = \(id.rawValue) AND workspace_id = \(workspace.rawValue) RETURNING 1
            """, logger: logger), as: Int.self).isEmpty)
    }

    public func webhookBacklog(of endpoint: ID, in workspace: ID) async throws -> Int {
        try await Self.values(client.query("""
            SELECT count(*) FROM webhook_deliveries d JOIN webhook_endpoints p ON p.seq = d.endpoint_seq
            WHERE p.id = \(endpoint.rawValue) AND p.workspace_id = \(workspace.rawValue) AND d.next_at IS NOT NULL
            """, logger: logger), as: Int.self).first ?? 0
    }

    public func pendingWebhookDeliveries() async throws -> Int {
        try await Self.values(client.query("SELECT count(*) FROM webhook_deliveries WHERE next_at IS NOT NULL", logger: logger), as: Int.self)
            .first ?? 0
    }

    public func webhookAttempts(of endpoint: ID, in workspace: ID, page: PageRequest) async throws -> Page<WebhookAttempt> {
        let before = page.startingAfter.flatMap { Int64($0.rawValue.dropFirst("attempt_".count), radix: 16) } ?? Int64.max
        let rows = try await rows("""
            SELECT a.* FROM webhook_attempts a JOIN webhook_endpoints p ON p.seq = a.endpoint_seq
            WHERE p.id = \(endpoint.rawValue) AND p.workspace_id = \(workspace.rawValue) AND a.seq < \(before)
            ORDER BY a.seq DESC LIMIT \(page.limit + 1)
            """)
        return Page(items: try rows.prefix(page.limit).map(Self.attempt), hasMore: rows.count > page.limit)
    }

    static func attempt(_ row: Row) throws -> WebhookAttempt {
        let seq: Int64 = try row["seq"]
        let hex = String(seq, radix: 16)
        return WebhookAttempt(
            delivery: try row["delivery_seq"], eventID: try row["event_id"], eventType: try row["event_type"], at: date(try row["at"] as Int64),
            status: try row["status"], latency: Double(try row["latency_ms"] as Int64) / 1000, error: try row["error"],
            responseHead: try row["response_head"], id: ID(trusted: "attempt_" + String(repeating: "0", count: max(0, 20 - hex.count)) + hex))
    }

    public func replayEvents(to endpoint: ID, in workspace: ID, afterSeq: Int64, at: Date) async throws -> Int {
        try await Self.values(client.query("""
            WITH queued AS (
                INSERT INTO webhook_deliveries (endpoint_seq, event_seq, next_at, created_at)
                SELECT p.seq, v.seq, \(Self.millis(at)), \(Self.millis(at)) FROM webhook_endpoints p JOIN events v ON v.workspace_id = p.workspace_id
                WHERE p.id = \(endpoint.rawValue) AND p.workspace_id = \(workspace.rawValue) AND v.wseq > \(afterSeq)
                  AND outbound_endpoint_takes(p.types, p.format, v.type)
                ORDER BY v.wseq
                RETURNING 1)
            SELECT count(*) FROM queued
            """, logger: logger), as: Int.self).first ?? 0
    }

    public func pingWebhookEndpoint(_ endpoint: ID, in workspace: ID, at: Date) async throws -> Event {
        try await transaction { connection in
            guard let (endpointSeq, url) = try await connection.query("""
                SELECT seq, url FROM webhook_endpoints WHERE id = \(endpoint.rawValue) AND workspace_id = \(workspace.rawValue)
                """, logger: self.logger).decode((Int64, String).self).first(where: { _ in true })
            else { throw NotFoundError("webhook endpoint", id: endpoint.rawValue) }
            let now = Self.millis(at)
            let seq = try await Self.log(connection, logger: self.logger, type: "webhook.ping", workspace: workspace.rawValue, at: now, data: [
                "webhook_endpoint": ["id": endpoint.rawValue, "object": "webhook_endpoint", "url": url],
            ])
            try await connection.query("""
                INSERT INTO webhook_deliveries (endpoint_seq, event_seq, next_at, created_at) VALUES (\(endpointSeq), \(seq), \(now), \(now))
                """, logger: self.logger)
            // Numbered now rather than at the commit, to be answered with its number.
            try await connection.query("SET CONSTRAINTS events_numbering IMMEDIATE", logger: self.logger)
            return try Self.event(try await Self.rows("SELECT * FROM events WHERE seq = \(seq)", on: connection, logger: self.logger)[0])
        }
    }

    // MARK: Delivery

    public func hasDueWebhookDeliveries(at now: Date) async throws -> Bool {
        try await Self.values(client.query("""
            SELECT EXISTS (SELECT 1 FROM webhook_endpoints p JOIN webhook_deliveries d ON d.endpoint_seq = p.seq
                           WHERE p.enabled AND d.next_at IS NOT NULL AND d.next_at <= \(Self.millis(now)))
            """, logger: logger), as: Bool.self).first ?? false
    }

    public func claimWebhookJobs(at now: Date, busy: [ID: Int], perEndpoint: Int, limit: Int, lease: TimeInterval) async throws -> [WebhookJob] {
        try await transaction { connection in
            let logger = self.logger
            let nowMs = Self.millis(now), leaseMs = Self.millis(now.addingTimeInterval(lease))
            var jobs: [WebhookJob] = []
            for row in try await Self.rows("SELECT * FROM webhook_endpoints WHERE enabled ORDER BY seq", on: connection, logger: logger) {
                let endpoint = try Self.endpoint(row)
                let take = min(perEndpoint - (busy[endpoint.id] ?? 0), limit - jobs.count)
                if take <= 0 { continue }
                // Another process's claim in progress is skipped, not waited for.
                let due = try await Self.rows("""
                    WITH claimed AS (
                        UPDATE webhook_deliveries SET next_at = \(leaseMs), claimed_until = \(leaseMs)
                        WHERE seq IN (SELECT seq FROM webhook_deliveries
                                      WHERE endpoint_seq = \(try row["seq"] as Int64) AND next_at IS NOT NULL AND next_at <= \(nowMs)
                                      ORDER BY next_at LIMIT \(take) FOR UPDATE SKIP LOCKED)
                        RETURNING seq, attempts, event_seq, created_at AS queued_at)
                    SELECT c.seq AS delivery, c.attempts, v.* FROM claimed c JOIN events v ON v.seq = c.event_seq ORDER BY c.seq
                    """, on: connection, logger: logger)
                for job in due {
                    // The attempt is counted when it is recorded: a claim lost to a crash is not an attempt.
                    jobs.append(WebhookJob(delivery: try job["delivery"], attempt: (try job["attempts"] as Int) + 1, endpoint: endpoint,
                                           event: try Self.event(job)))
                }
                if jobs.count >= limit { break }
            }
            return jobs
        }
    }

    public func settleWebhookJobs(_ settlements: [WebhookSettlement]) async throws {
        guard !settlements.isEmpty else { return }
        try await transaction { connection in
            let logger = self.logger
            for settlement in settlements {
                let attempt = settlement.attempt
                let at = Self.millis(attempt.at)
                guard let endpointSeq = try await Self.values(connection.query("""
                    SELECT endpoint_seq FROM webhook_deliveries WHERE seq = \(attempt.delivery)
                    """, logger: logger), as: Int64.self).first else { continue }
                try await connection.query("""
                    INSERT INTO webhook_attempts (delivery_seq, endpoint_seq, event_id, event_type, at, status, latency_ms, error, response_head)
                    VALUES (\(attempt.delivery), \(endpointSeq), \(attempt.eventID), \(attempt.eventType), \(at), \(attempt.status),
                            \(Int64((attempt.latency * 1000).rounded())), \(attempt.error), \(attempt.responseHead))
                    """, logger: logger)
                switch settlement.next {
                case .delivered:
                    try await connection.query("""
                        UPDATE webhook_deliveries SET state = 'delivered', next_at = NULL, claimed_until = NULL, attempts = attempts + 1,
                            finished_at = \(at)
                        WHERE seq = \(attempt.delivery)
                        """, logger: logger)
                    try await connection.query("""
                        UPDATE webhook_endpoints SET failing_since = NULL WHERE seq = \(endpointSeq) AND failing_since IS NOT NULL
                        """, logger: logger)
                case .retry(let next):
                    try await connection.query("""
                        UPDATE webhook_deliveries SET next_at = \(Self.millis(next)), claimed_until = NULL, attempts = attempts + 1
                        WHERE seq = \(attempt.delivery)
                        """, logger: logger)
                case .failed:
                    try await connection.query("""
                        UPDATE webhook_deliveries SET state = 'failed', next_at = NULL, claimed_until = NULL, attempts = attempts + 1,
                            finished_at = \(at)
                        WHERE seq = \(attempt.delivery)
                        """, logger: logger)
                }
                if settlement.next != .delivered {
                    try await connection.query("""
                        UPDATE webhook_endpoints SET failing_since = coalesce(failing_since, \(at)) WHERE seq = \(endpointSeq)
                        """, logger: logger)
                }
                if let reason = settlement.disableEndpoint {
                    try await connection.query("""
                        UPDATE webhook_endpoints SET enabled = false, disabled_reason = \(reason), updated_at = \(at)
                        WHERE seq = \(endpointSeq) AND enabled
                        """, logger: logger)
                }
            }
        }
    }

    /// Claims are not released at start-up here: another process may be delivering them. Each
    /// is due again when its lease ends; this only clears the marks of leases already over.
    public func releaseWebhookClaims(at now: Date) async throws -> Int {
        try await Self.values(client.query("""
            WITH released AS (
                UPDATE webhook_deliveries SET claimed_until = NULL
                WHERE claimed_until IS NOT NULL AND claimed_until <= \(Self.millis(now)) RETURNING 1)
            SELECT count(*) FROM released
            """, logger: logger), as: Int.self).first ?? 0
    }
}
