import Foundation
import OutboundCore
import PostgresNIO

// The PostgreSQL schema, migration by migration (its own list: PostgreSQL's types and DDL are not
// SQLite's). Every pending migration runs in one transaction under an advisory lock, so servers
// starting together on one database migrate it once, and a failed migration leaves nothing half
// done. Applied names are kept in `schema_migrations`.

extension PostgresStore {
    /// Each migration: a name and its statements, in order. Never edit one that has shipped; add one.
    static let migrations: [(name: String, statements: [String])] = [
        ("v1-workspaces-and-keys", [
            "CREATE TABLE instance (key text PRIMARY KEY, value bytea NOT NULL)",
            """
            CREATE TABLE workspaces (
                seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                id text NOT NULL UNIQUE,
                name text NOT NULL,
                default_phone_region text NOT NULL DEFAULT 'US',
                daily_quota integer,
                created_at bigint NOT NULL,
                updated_at bigint NOT NULL
            )
            """,
            """
            CREATE TABLE api_keys (
                seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                id text NOT NULL UNIQUE,
                workspace_id text NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
                name text NOT NULL,
                prefix text NOT NULL,
                hash text NOT NULL UNIQUE,
                created_at bigint NOT NULL,
                revoked_at bigint,
                rate_per_second integer,
                rate_burst integer
            )
            """,
            "CREATE INDEX api_keys_workspace ON api_keys (workspace_id, seq)",
        ]),
        ("v2-users-and-idempotency", [
            """
            CREATE TABLE users (
                seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                id text NOT NULL UNIQUE,
                workspace_id text NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
                email text NOT NULL UNIQUE,
                full_name text,
                access_role text NOT NULL,
                password_hash text NOT NULL,
                created_at bigint NOT NULL
            )
            """,
            "CREATE INDEX users_workspace ON users (workspace_id, created_at)",
            """
            CREATE TABLE idempotency_keys (
                workspace_id text NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
                key text NOT NULL,
                request_hash text NOT NULL,
                reply bytea,
                created_at bigint NOT NULL,
                PRIMARY KEY (workspace_id, key)
            )
            """,
            "CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at)",
        ]),
        ("v3-web-sessions", [
            """
            CREATE TABLE web_sessions (
                seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                id text NOT NULL UNIQUE,
                token_hash text NOT NULL UNIQUE,
                user_id text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                workspace_id text NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
                csrf_token text NOT NULL,
                user_agent text,
                created_at bigint NOT NULL,
                last_seen_at bigint NOT NULL,
                revoked_at bigint
            )
            """,
            "CREATE INDEX web_sessions_user ON web_sessions (user_id, seq)",
        ]),
        ("v4-outreach", PostgresSchema.outreach),
        ("v5-wake-ups", PostgresSchema.wakeUps),
        ("v6-mailbox-watches", [
            // Which process reads each mailbox (`mailboxesToWatch`).
            """
            CREATE TABLE mailbox_watches (
                sender_seq bigint PRIMARY KEY REFERENCES senders(seq) ON DELETE CASCADE,
                owner text NOT NULL
            )
            """,
        ]),
        ("v7-events-numbered-at-commit", PostgresSchema.eventsNumberedAtCommit),
        ("v8-message-events-per-statement", PostgresSchema.messageEventsPerStatement),
        ("v9-lead-events-and-deliveries-per-statement", PostgresSchema.leadEventsAndDeliveriesPerStatement),
        // The senders in flight, counted by every claim (its share of the work); dropped again by
        // v14, which counts them by their actions in flight.
        ("v10-senders-in-flight", ["CREATE INDEX senders_in_flight ON senders (seq) WHERE in_flight IS NOT NULL"]),
        ("v11-events-numbered-once-per-transaction", PostgresSchema.eventsNumberedOncePerTransaction),
        ("v12-events-look-rows-up-by-key", PostgresSchema.eventsLookRowsUpByKey),
        // The due leads' seek (`DueLeads`) reads each level's leads in the index's order,
        // tie-broken by seq, with no sort of its own.
        ("v13-due-rank-by-seq", [
            "DROP INDEX enrollments_due_rank",
            "CREATE INDEX enrollments_due_rank ON enrollments (sender_seq, priority, lane, due_at, seq) WHERE due_at IS NOT NULL",
        ]),
        // Marking a sender in flight changes no indexed column (`DueSenders`).
        ("v14-senders-in-flight-unindexed", ["DROP INDEX senders_in_flight"]),
        ("v15-events-numbered-from-the-first", PostgresSchema.eventsNumberedFromTheFirst),
    ]

    /// Brings the schema up to date; returns the names of the migrations it applied.
    @discardableResult
    func migrate() async throws -> [String] {
        try await transaction { connection in
            let logger = self.logger
            // One migrator at a time across every process on this database.
            try await connection.query("SELECT pg_advisory_xact_lock(7031996)", logger: logger)
            try await connection.query("""
                CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())
                """, logger: logger)
            let applied = Set(try await Self.values(connection.query("SELECT name FROM schema_migrations", logger: logger), as: String.self))
            var ran: [String] = []
            for migration in Self.migrations where !applied.contains(migration.name) {
                for statement in migration.statements {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.query("INSERT INTO schema_migrations (name) VALUES (\(migration.name))", logger: logger)
                ran.append(migration.name)
            }
            // The database's own secret (keyed hashes of erased identities), made once.
            var generator = SystemRandomNumberGenerator()
            let secret = Data((0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
            try await connection.query("""
                INSERT INTO instance (key, value) VALUES ('identity_hash_key', \(secret)) ON CONFLICT (key) DO NOTHING
                """, logger: logger)
            return ran
        }
    }

    /// Names of the migrations applied to this database, in the order they were listed.
    public func appliedMigrations() async throws -> [String] {
        let applied = Set(try await Self.values(client.query("SELECT name FROM schema_migrations", logger: logger), as: String.self))
        return Self.migrations.map(\.name).filter(applied.contains)
    }
}
