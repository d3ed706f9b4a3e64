import Foundation
import GRDB
import OutboundCore

/// The event log and the webhook outbox in SQLite (docs/ARCHITECTURE.md §5).
///
/// Every event is written by a trigger on the row whose change it reports (or, for signals and
/// deletions, by the store method that makes the change), so it commits or rolls back with that
/// change: never "changed but not told", never "told but not changed". Each takes the next
/// `seq` of its workspace from `workspaces.event_seq` in the same transaction, so a workspace's
/// events are numbered 1, 2, 3, … without gaps. Each new event queues one delivery per enabled
/// endpoint whose filters pass it, again in the same transaction.
enum EventSchema {
    static func migrate(_ db: Database) throws {
        try db.execute(sql: """
            ALTER TABLE events ADD COLUMN id TEXT;
            ALTER TABLE events ADD COLUMN wseq INTEGER;
            ALTER TABLE events ADD COLUMN actor TEXT NOT NULL DEFAULT 'system';
            ALTER TABLE events ADD COLUMN data TEXT NOT NULL DEFAULT '{}';
            UPDATE events SET type = CASE type
                WHEN 'lead.replied' THEN 'reply.received' WHEN 'lead.accepted' THEN 'connection.accepted'
                WHEN 'lead.opened' THEN 'message.opened' WHEN 'lead.clicked' THEN 'message.clicked'
                WHEN 'lead.bounced' THEN 'message.bounced' WHEN 'lead.unsubscribed' THEN 'contact.unsubscribed' ELSE type END;
            UPDATE events SET id = 'event_' || lower(hex(randomblob(10))), wseq = numbered.n
                FROM (SELECT seq, row_number() OVER (PARTITION BY workspace_id ORDER BY seq) AS n FROM events) AS numbered
                WHERE numbered.seq = events.seq;
            -- Paging by seq, and the guard that a number is never given twice. It replaces the
            -- (workspace_id, seq) index; pruning (hourly) and erasure (rare) scan instead of keeping
            -- two more indexes on a table every send writes to.
            CREATE UNIQUE INDEX events_workspace_wseq ON events(workspace_id, wseq);
            DROP INDEX events_workspace;
            ALTER TABLE workspaces ADD COLUMN event_seq INTEGER NOT NULL DEFAULT 0;
            UPDATE workspaces SET event_seq = (SELECT coalesce(max(wseq), 0) FROM events WHERE workspace_id = workspaces.id);

            CREATE TABLE webhook_endpoints (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                id TEXT NOT NULL UNIQUE,
                workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
                url TEXT NOT NULL,
                description TEXT,
                types TEXT NOT NULL,
                format TEXT NOT NULL,
                name TEXT,
                options TEXT,
                enabled INTEGER NOT NULL,
                secret TEXT NOT NULL,
                previous_secret TEXT,
                previous_until INTEGER,
                failing_since INTEGER,
                disabled_reason TEXT,
                created_at INTEGER NOT NULL,
                updated_at INTEGER NOT NULL
            );
            CREATE INDEX webhook_endpoints_workspace ON webhook_endpoints(workspace_id, seq);
            -- A delivery is due while next_at is set; a claim moves next_at to the end of its lease.
            CREATE TABLE webhook_deliveries (
                seq INTEGER PRIMARY KEY,
                endpoint_seq INTEGER NOT NULL REFERENCES webhook_endpoints(seq) ON DELETE CASCADE,
                event_seq INTEGER NOT NULL REFERENCES events(seq) ON DELETE CASCADE,
                state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
                attempts INTEGER NOT NULL DEFAULT 0,
                next_at INTEGER,
                claimed INTEGER NOT NULL DEFAULT 0,
                created_at INTEGER NOT NULL,
                finished_at INTEGER
            );
            CREATE INDEX webhook_deliveries_due ON webhook_deliveries(endpoint_seq, next_at) WHERE next_at IS NOT NULL;
            CREATE INDEX webhook_deliveries_event ON webhook_deliveries(event_seq);
            CREATE INDEX webhook_deliveries_claimed ON webhook_deliveries(claimed) WHERE claimed = 1;
            CREATE TABLE webhook_attempts (
                seq INTEGER PRIMARY KEY,
                delivery_seq INTEGER NOT NULL REFERENCES webhook_deliveries(seq) ON DELETE CASCADE,
                endpoint_seq INTEGER NOT NULL REFERENCES webhook_endpoints(seq) ON DELETE CASCADE,
                event_id TEXT NOT NULL,
                event_type TEXT NOT NULL,
                at INTEGER NOT NULL,
                status INTEGER,
                latency_ms INTEGER NOT NULL,
                error TEXT,
                response_head TEXT
            );
            CREATE INDEX webhook_attempts_endpoint ON webhook_attempts(endpoint_seq, seq);
            CREATE INDEX webhook_attempts_delivery ON webhook_attempts(delivery_seq);
            """)
        try db.execute(sql: triggers)
    }

    /// SQL that logs one event: takes the workspace's next seq and inserts the row. Each
    /// argument is an SQL expression (`NEW.x` in a trigger, `?` from Swift); `joins` may bring
    /// more tables into the insert's SELECT (the workspace row is `w`).
    static func emit(type: String, workspace: String, joins: String = "", campaign: String = "NULL", contact: String = "NULL",
                     action: String = "NULL", at: String, data: String) -> String {
        let (next, insert) = emitStatements(type: type, workspace: workspace, joins: joins, campaign: campaign, contact: contact,
                                            action: action, at: at, data: data)
        return next + ";\n" + insert + ";"
    }

    /// `emit`'s two statements apart, for binding arguments from Swift.
    static func emitStatements(type: String, workspace: String, joins: String = "", campaign: String = "NULL", contact: String = "NULL",
                               action: String = "NULL", at: String, data: String) -> (next: String, insert: String) {
        ("UPDATE workspaces SET event_seq = event_seq + 1 WHERE id = \(workspace)",
         """
         INSERT INTO events (id, workspace_id, wseq, type, campaign_id, contact_id, action_id, at, actor, data)
         SELECT 'event_' || lower(hex(randomblob(10))), w.id, w.event_seq, \(type), \(campaign), \(contact), \(action), \(at),
                outbound_actor(), \(data)
         FROM workspaces w \(joins) WHERE w.id = \(workspace)
         """)
    }

    private static let swiftEmit = emitStatements(type: "?", workspace: "?", campaign: "?", contact: "?", action: "?", at: "?", data: "json(?)")

    /// Logs one event from Swift, in the caller's transaction; returns its row's `seq`.
    @discardableResult
    static func log(_ db: Database, type: String, workspace: String, campaign: String? = nil, contact: String? = nil,
                    action: String? = nil, at: Int64, data: [String: Any]) throws -> Int64 {
        let json = String(decoding: try JSONSerialization.data(withJSONObject: data, options: [.sortedKeys, .withoutEscapingSlashes]),
                          as: UTF8.self)
        try db.cachedStatement(sql: swiftEmit.next).execute(arguments: [workspace])
        try db.cachedStatement(sql: swiftEmit.insert).execute(arguments: [type, campaign, contact, action, at, json, workspace])
        return db.lastInsertedRowID
    }

    /// An RFC 3339 UTC timestamp with milliseconds from a column of epoch milliseconds (NULL stays NULL).
    static func iso(_ millis: String) -> String {
        "strftime('%Y-%m-%dT%H:%M:%fZ', \(millis) / 1000.0, 'unixepoch')"
    }

    static func bool(_ expression: String) -> String {
        "json(CASE WHEN \(expression) THEN 'true' ELSE 'false' END)"
    }

    /// Whether the endpoint row `endpoint` takes events of type `type` (its filters and its format).
    static func endpointTakes(_ endpoint: String, type: String) -> String {
        let inbox = WebhookEndpoint.Format.inbox.eventTypes!.sorted().map { "'\($0)'" }.joined(separator: ", ")
        return """
            (\(endpoint).types = '[]' OR EXISTS (SELECT 1 FROM json_each(\(endpoint).types) t WHERE t.value = '*' OR t.value = \(type)
                OR (substr(t.value, -2) = '.*' AND substr(\(type), 1, length(t.value) - 1) = substr(t.value, 1, length(t.value) - 1))))
            AND (\(endpoint).format != 'inbox' OR \(type) IN (\(inbox)))
            AND \(type) != 'webhook.ping'
            """
    }

    private static var triggers: String {
        let campaignData = """
            json_object('campaign', json_object('id', NEW.id, 'object', 'campaign', 'name', NEW.name, 'description', NEW.description,
                'channel', NEW.channel, 'status', NEW.status, 'dry_run', \(bool("NEW.dry_run")), 'created_at', \(iso("NEW.created_at")),
                'updated_at', \(iso("NEW.updated_at")), 'started_at', \(iso("NEW.started_at")), 'paused_at', \(iso("NEW.paused_at")),
                'completed_at', \(iso("NEW.completed_at"))))
            """
        let campaignType = """
            CASE WHEN NEW.status = 'active' AND OLD.status = 'draft' THEN 'campaign.launched'
                 WHEN NEW.status = 'active' AND OLD.status = 'paused' THEN 'campaign.resumed'
                 WHEN NEW.status = 'active' THEN 'campaign.reopened'
                 ELSE 'campaign.' || NEW.status END
            """
        // The engine writes these two for every send and every lead, in its hot transaction: they
        // carry what a consumer needs and no timestamp the event's own `timestamp` already gives
        // (each strftime showed in `bench dispatch`).
        let leadWorkspace = "(SELECT workspace_id FROM campaigns WHERE seq = NEW.campaign_seq)"
        let leadData = """
            json_object('lead', json_object('contact_id', c.id, 'object', 'lead', 'campaign_id', k.id, 'state', NEW.state,
                'reason', NEW.reason, 'node_id', NEW.node_id))
            """
        let messageData = """
            json_object('message', json_object('id', NEW.id, 'object', 'action', 'campaign_id', k.id, 'contact_id', c.id,
                'node_id', NEW.node_id, 'sender_id', s.id, 'kind', NEW.kind, 'state', NEW.state, 'subject', NEW.subject,
                'error', NEW.error, 'attempts', NEW.attempts, 'sent_at', \(iso("NEW.sent_at")),
                'first_contact', \(bool("NOT EXISTS (SELECT 1 FROM actions p WHERE p.enrollment_seq = NEW.enrollment_seq AND p.seq < NEW.seq AND p.state IN ('sent', 'uncertain'))"))))
            """
        let senderType = """
            CASE WHEN NEW.status = 'disconnected' THEN 'sender.disconnected'
                 WHEN NEW.status = 'paused' THEN 'sender.paused'
                 WHEN OLD.status = 'disconnected' THEN 'sender.reconnected'
                 ELSE 'sender.resumed' END
            """
        let senderData = """
            json_object('sender', json_object('id', NEW.id, 'object', 'sender', 'channel', NEW.channel, 'display_name', NEW.display_name,
                'status', NEW.status, 'updated_at', \(iso("NEW.updated_at"))))
            """
        let importData = """
            json_object('import', json_object('id', NEW.id, 'object', 'import', 'state', NEW.state, 'filename', NEW.filename,
                'list_id', NEW.list_id, 'rows_read', NEW.rows_read, 'created', NEW.created, 'updated', NEW.updated,
                'duplicates', NEW.duplicates, 'invalid', NEW.invalid, 'failure', NEW.failure, 'finished_at', \(iso("NEW.finished_at"))))
            """
        let suppressionData = """
            json_object('suppression', json_object('id', NEW.id, 'object', 'suppression', 'kind', NEW.kind, 'value', NEW.value,
                'reason', NEW.reason, 'created_at', \(iso("NEW.created_at"))))
            """
        let endpointWorkspace = "(SELECT workspace_id FROM webhook_endpoints WHERE seq = NEW.endpoint_seq)"
        return """
            CREATE TRIGGER campaign_events AFTER UPDATE OF status ON campaigns
            WHEN OLD.status != NEW.status AND NEW.status != 'draft' BEGIN
            \(emit(type: campaignType, workspace: "NEW.workspace_id", campaign: "NEW.id", at: "NEW.updated_at", data: campaignData))
            END;
            CREATE TRIGGER lead_events AFTER UPDATE OF state ON enrollments
            WHEN OLD.state != NEW.state AND (NEW.state NOT IN ('pending', 'active', 'waiting') OR OLD.state NOT IN ('active', 'waiting')) BEGIN
            \(emit(type: """
                CASE WHEN NEW.state IN ('active', 'waiting') AND OLD.state = 'pending' THEN 'lead.enrolled'
                     WHEN NEW.state IN ('active', 'waiting') THEN 'lead.retried'
                     ELSE 'lead.' || NEW.state END
                """,
                   workspace: leadWorkspace, joins: "JOIN campaigns k ON k.seq = NEW.campaign_seq JOIN contacts c ON c.seq = NEW.contact_seq",
                   campaign: "k.id", contact: "c.id", at: "NEW.updated_at", data: leadData))
            END;
            CREATE TRIGGER message_events AFTER UPDATE OF state ON actions
            WHEN OLD.state != NEW.state AND NEW.state IN ('sent', 'failed', 'uncertain') BEGIN
            \(emit(type: "'message.' || NEW.state", workspace: "NEW.workspace_id", joins: """
                JOIN campaigns k ON k.seq = NEW.campaign_seq JOIN enrollments e ON e.seq = NEW.enrollment_seq
                JOIN contacts c ON c.seq = e.contact_seq LEFT JOIN senders s ON s.seq = NEW.sender_seq
                """, campaign: "k.id", contact: "c.id", action: "NEW.id", at: "NEW.updated_at", data: messageData))
            END;
            CREATE TRIGGER sender_events AFTER UPDATE OF status ON senders WHEN OLD.status != NEW.status BEGIN
            \(emit(type: senderType, workspace: "NEW.workspace_id", at: "NEW.updated_at", data: senderData))
            END;
            CREATE TRIGGER import_events AFTER UPDATE OF state ON imports
            WHEN OLD.state != NEW.state AND NEW.state IN ('completed', 'failed') BEGIN
            \(emit(type: "'import.' || NEW.state", workspace: "NEW.workspace_id", at: "coalesce(NEW.finished_at, NEW.updated_at)", data: importData))
            END;
            CREATE TRIGGER suppression_events AFTER INSERT ON suppressions BEGIN
            \(emit(type: "'contact.suppressed'", workspace: "NEW.workspace_id", at: "NEW.created_at", data: suppressionData))
            END;
            CREATE TRIGGER endpoint_disabled_events AFTER UPDATE OF enabled ON webhook_endpoints
            WHEN OLD.enabled = 1 AND NEW.enabled = 0 AND NEW.disabled_reason IS NOT NULL BEGIN
            \(emit(type: "'webhook_endpoint.disabled'", workspace: "NEW.workspace_id", at: "NEW.updated_at", data: """
                json_object('webhook_endpoint', json_object('id', NEW.id, 'object', 'webhook_endpoint', 'url', NEW.url,
                    'disabled_reason', NEW.disabled_reason))
                """))
            END;
            CREATE TRIGGER delivery_failed_events AFTER UPDATE OF state ON webhook_deliveries WHEN NEW.state = 'failed' BEGIN
            \(emit(type: "'webhook.delivery_failed'", workspace: endpointWorkspace, joins: """
                JOIN webhook_endpoints p ON p.seq = NEW.endpoint_seq JOIN events v ON v.seq = NEW.event_seq
                """, at: "NEW.finished_at", data: """
                json_object('webhook_endpoint', json_object('id', p.id, 'object', 'webhook_endpoint', 'url', p.url),
                    'event', json_object('id', v.id, 'seq', v.wseq, 'type', v.type), 'attempts', NEW.attempts)
                """))
            END;
            CREATE TRIGGER event_deliveries AFTER INSERT ON events WHEN NEW.wseq IS NOT NULL BEGIN
                INSERT INTO webhook_deliveries (endpoint_seq, event_seq, next_at, created_at)
                SELECT p.seq, NEW.seq, NEW.at, NEW.at FROM webhook_endpoints p
                WHERE p.workspace_id = NEW.workspace_id AND p.enabled = 1 AND \(endpointTakes("p", type: "NEW.type"))
                  AND NOT (NEW.type LIKE 'webhook%' AND json_extract(NEW.data, '$.webhook_endpoint.id') = p.id);
            END;
            """
    }
}
