import GRDB

extension SQLiteStore {
    /// The schema, one migration per change; never edit a migration that has shipped.
    static let migrator: DatabaseMigrator = {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-foundation") { db in
            try db.execute(sql: """
                CREATE TABLE workspaces (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    id TEXT NOT NULL UNIQUE,
                    name TEXT NOT NULL,
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL
                );
                CREATE TABLE api_keys (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    id TEXT NOT NULL UNIQUE,
                    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
                    name TEXT NOT NULL,
                    prefix TEXT NOT NULL,
                    hash TEXT NOT NULL UNIQUE,
                    created_at INTEGER NOT NULL,
                    revoked_at INTEGER
                );
                CREATE INDEX api_keys_workspace ON api_keys(workspace_id, seq);
                CREATE TABLE senders (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    id TEXT NOT NULL UNIQUE,
                    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
                    channel TEXT NOT NULL,
                    display_name TEXT NOT NULL,
                    identity TEXT NOT NULL,
                    linkedin_url TEXT,
                    email TEXT,
                    phone TEXT,
                    timezone TEXT NOT NULL,
                    status TEXT NOT NULL,
                    limits TEXT NOT NULL,
                    pacing TEXT NOT NULL,
                    settings TEXT NOT NULL,
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL,
                    UNIQUE (workspace_id, channel, identity)
                );
                CREATE INDEX senders_workspace ON senders(workspace_id, seq);
                CREATE TABLE campaigns (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    id TEXT NOT NULL UNIQUE,
                    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
                    name TEXT NOT NULL,
                    description TEXT,
                    channel TEXT NOT NULL,
                    status TEXT NOT NULL,
                    dry_run INTEGER NOT NULL,
                    priority INTEGER NOT NULL,
                    timezone TEXT NOT NULL,
                    schedule TEXT NOT NULL,
                    start_at INTEGER,
                    hourly_message_rate INTEGER NOT NULL,
                    daily_limit INTEGER NOT NULL,
                    stop_on_reply INTEGER NOT NULL,
                    open_tracking INTEGER NOT NULL,
                    signature TEXT,
                    skip_other_campaigns INTEGER NOT NULL,
                    send_in_lead_timezone INTEGER NOT NULL,
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL,
                    started_at INTEGER,
                    paused_at INTEGER,
                    completed_at INTEGER,
                    UNIQUE (workspace_id, name)
                );
                CREATE INDEX campaigns_workspace ON campaigns(workspace_id, seq);
                CREATE TABLE campaign_senders (
                    campaign_seq INTEGER NOT NULL REFERENCES campaigns(seq) ON DELETE CASCADE,
                    sender_seq INTEGER NOT NULL REFERENCES senders(seq) ON DELETE CASCADE,
                    position INTEGER NOT NULL,
                    PRIMARY KEY (campaign_seq, sender_seq)
                ) WITHOUT ROWID;
                CREATE INDEX campaign_senders_sender ON campaign_senders(sender_seq);
                CREATE TABLE idempotency_keys (
                    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
                    key TEXT NOT NULL,
                    request_hash TEXT NOT NULL,
                    status INTEGER,
                    content_type TEXT,
                    body BLOB,
                    created_at INTEGER NOT NULL,
                    PRIMARY KEY (workspace_id, key)
                ) WITHOUT ROWID;
                CREATE INDEX idempotency_keys_created ON idempotency_keys(created_at);
                """)
        }
        return migrator
    }()
}
