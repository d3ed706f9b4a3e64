import Foundation
import GRDB
import OutboundCore
import OutboundStoreFormats

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
        migrator.registerMigration("v2-contacts-lists-leads") { db in
            try db.execute(sql: """
                ALTER TABLE workspaces ADD COLUMN default_phone_region TEXT NOT NULL DEFAULT 'US';
                CREATE TABLE instance (key TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID;
                INSERT INTO instance (key, value) VALUES ('identity_hash_key', randomblob(32));
                CREATE TABLE contacts (
                    seq INTEGER PRIMARY KEY,
                    id TEXT NOT NULL UNIQUE,
                    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
                    first_name TEXT, last_name TEXT, email TEXT, phone TEXT, linkedin_url TEXT,
                    company TEXT, title TEXT, timezone TEXT,
                    status TEXT NOT NULL,
                    custom_fields TEXT NOT NULL,
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL
                );
                CREATE INDEX contacts_workspace ON contacts(workspace_id, seq);
                CREATE UNIQUE INDEX contacts_email ON contacts(workspace_id, email) WHERE email IS NOT NULL;
                CREATE UNIQUE INDEX contacts_phone ON contacts(workspace_id, phone) WHERE phone IS NOT NULL;
                CREATE UNIQUE INDEX contacts_linkedin ON contacts(workspace_id, linkedin_url) WHERE linkedin_url IS NOT NULL;
                CREATE TABLE lists (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    id TEXT NOT NULL UNIQUE,
                    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
                    name TEXT NOT NULL,
                    description TEXT,
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL,
                    UNIQUE (workspace_id, name)
                );
                CREATE INDEX lists_workspace ON lists(workspace_id, seq);
                CREATE TABLE list_members (
                    list_seq INTEGER NOT NULL REFERENCES lists(seq) ON DELETE CASCADE,
                    contact_seq INTEGER NOT NULL REFERENCES contacts(seq) ON DELETE CASCADE,
                    added_at INTEGER NOT NULL,
                    PRIMARY KEY (list_seq, contact_seq)
                ) WITHOUT ROWID;
                CREATE INDEX list_members_contact ON list_members(contact_seq);
                CREATE TABLE campaign_lists (
                    campaign_seq INTEGER NOT NULL REFERENCES campaigns(seq) ON DELETE CASCADE,
                    list_seq INTEGER NOT NULL REFERENCES lists(seq) ON DELETE CASCADE,
                    mode TEXT NOT NULL CHECK (mode IN ('include', 'exclude')),
                    position INTEGER NOT NULL,
                    PRIMARY KEY (campaign_seq, list_seq)
                ) WITHOUT ROWID;
                CREATE INDEX campaign_lists_list ON campaign_lists(list_seq);
                ALTER TABLE campaigns ADD COLUMN exclude_contacted INTEGER NOT NULL DEFAULT 0;
                CREATE TABLE suppressions (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    id TEXT NOT NULL UNIQUE,
                    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
                    kind TEXT NOT NULL,
                    value TEXT NOT NULL,
                    reason TEXT,
                    created_at INTEGER NOT NULL,
                    UNIQUE (workspace_id, kind, value)
                );
                CREATE INDEX suppressions_workspace ON suppressions(workspace_id, seq);
                CREATE TABLE enrollments (
                    seq INTEGER PRIMARY KEY,
                    campaign_seq INTEGER NOT NULL REFERENCES campaigns(seq) ON DELETE CASCADE,
                    contact_seq INTEGER NOT NULL REFERENCES contacts(seq) ON DELETE CASCADE,
                    state TEXT NOT NULL,
                    reason TEXT,
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL,
                    UNIQUE (campaign_seq, contact_seq)
                );
                CREATE INDEX enrollments_contact ON enrollments(contact_seq);
                CREATE INDEX enrollments_campaign_state ON enrollments(campaign_seq, state, seq);
                CREATE TABLE imports (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    id TEXT NOT NULL UNIQUE,
                    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
                    state TEXT NOT NULL,
                    filename TEXT,
                    list_id TEXT,
                    rows_read INTEGER NOT NULL,
                    created INTEGER NOT NULL,
                    updated INTEGER NOT NULL,
                    duplicates INTEGER NOT NULL,
                    invalid INTEGER NOT NULL,
                    errors TEXT NOT NULL,
                    failure TEXT,
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL,
                    finished_at INTEGER
                );
                """)
        }
        migrator.registerMigration("v3-sequences") { db in
            // NULL reads as the channel's seeded sequence.
            try db.execute(sql: "ALTER TABLE campaigns ADD COLUMN sequence TEXT")
        }
        migrator.registerMigration("v4-engine") { db in
            try db.execute(sql: """
                ALTER TABLE enrollments ADD COLUMN sender_seq INTEGER REFERENCES senders(seq) ON DELETE SET NULL;
                ALTER TABLE enrollments ADD COLUMN node_id TEXT;
                ALTER TABLE enrollments ADD COLUMN node_entered_at INTEGER;
                ALTER TABLE enrollments ADD COLUMN due_at INTEGER;
                ALTER TABLE enrollments ADD COLUMN held_due_at INTEGER;
                ALTER TABLE enrollments ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
                ALTER TABLE enrollments ADD COLUMN started_at INTEGER;
                ALTER TABLE enrollments ADD COLUMN signals TEXT NOT NULL DEFAULT '';
                ALTER TABLE enrollments ADD COLUMN last_message_id TEXT;
                CREATE INDEX enrollments_due ON enrollments(sender_seq, due_at) WHERE due_at IS NOT NULL;
                CREATE INDEX enrollments_started ON enrollments(campaign_seq, started_at) WHERE started_at IS NOT NULL;
                CREATE INDEX enrollments_sender_open ON enrollments(sender_seq, state);
                ALTER TABLE senders ADD COLUMN pacing_until INTEGER;
                ALTER TABLE senders ADD COLUMN next_slot_at INTEGER;
                ALTER TABLE senders ADD COLUMN in_flight INTEGER;
                CREATE INDEX senders_next_slot ON senders(next_slot_at) WHERE next_slot_at IS NOT NULL;
                ALTER TABLE campaigns ADD COLUMN simulation TEXT;
                ALTER TABLE workspaces ADD COLUMN daily_quota INTEGER;
                CREATE TABLE actions (
                    seq INTEGER PRIMARY KEY,
                    id TEXT NOT NULL UNIQUE,
                    workspace_id TEXT NOT NULL,
                    campaign_seq INTEGER NOT NULL REFERENCES campaigns(seq) ON DELETE CASCADE,
                    enrollment_seq INTEGER NOT NULL REFERENCES enrollments(seq) ON DELETE CASCADE,
                    node_id TEXT NOT NULL,
                    sender_seq INTEGER,
                    kind TEXT NOT NULL,
                    state TEXT NOT NULL,
                    recipient TEXT,
                    subject TEXT,
                    body TEXT,
                    html TEXT,
                    in_reply_to TEXT,
                    provider_id TEXT,
                    error TEXT,
                    attempts INTEGER NOT NULL DEFAULT 1,
                    created_at INTEGER NOT NULL,
                    sent_at INTEGER,
                    updated_at INTEGER NOT NULL,
                    UNIQUE (enrollment_seq, node_id)
                );
                CREATE INDEX actions_sender_kind ON actions(sender_seq, kind, created_at);
                CREATE INDEX actions_campaign_sender ON actions(campaign_seq, sender_seq, created_at);
                CREATE INDEX actions_workspace_day ON actions(workspace_id, created_at);
                CREATE INDEX actions_sending ON actions(state) WHERE state = 'sending';
                CREATE INDEX actions_campaign ON actions(campaign_seq, seq);
                CREATE TABLE scheduled_signals (
                    seq INTEGER PRIMARY KEY,
                    enrollment_seq INTEGER NOT NULL REFERENCES enrollments(seq) ON DELETE CASCADE,
                    action_id TEXT,
                    type TEXT NOT NULL,
                    due_at INTEGER NOT NULL
                );
                CREATE INDEX scheduled_signals_due ON scheduled_signals(due_at);
                CREATE TABLE campaign_counters (
                    campaign_seq INTEGER NOT NULL REFERENCES campaigns(seq) ON DELETE CASCADE,
                    key TEXT NOT NULL,
                    value INTEGER NOT NULL,
                    PRIMARY KEY (campaign_seq, key)
                ) WITHOUT ROWID;
                CREATE TABLE events (
                    seq INTEGER PRIMARY KEY,
                    workspace_id TEXT NOT NULL,
                    type TEXT NOT NULL,
                    campaign_id TEXT,
                    contact_id TEXT,
                    action_id TEXT,
                    at INTEGER NOT NULL
                );
                CREATE INDEX events_workspace ON events(workspace_id, seq);
                """)
        }
        migrator.registerMigration("v5-automations") { db in
            try db.execute(sql: "ALTER TABLE campaigns ADD COLUMN automations TEXT")
        }
        migrator.registerMigration("v6-channels") { db in
            // One receipt per (action, signal type): a second open or reply counts once.
            try db.execute(sql: """
                CREATE TABLE signal_receipts (
                    action_id TEXT NOT NULL,
                    type TEXT NOT NULL,
                    at INTEGER NOT NULL,
                    PRIMARY KEY (action_id, type)
                ) WITHOUT ROWID;
                CREATE INDEX actions_provider ON actions(provider_id) WHERE provider_id IS NOT NULL;
                """)
        }
        migrator.registerMigration("v7-users") { db in
            try db.execute(sql: """
                CREATE TABLE users (
                    seq INTEGER PRIMARY KEY,
                    id TEXT NOT NULL UNIQUE,
                    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
                    email TEXT NOT NULL UNIQUE,
                    full_name TEXT,
                    access_role TEXT NOT NULL,
                    password_hash TEXT NOT NULL,
                    created_at INTEGER NOT NULL
                );
                """)
        }
        migrator.registerMigration("v8-engine-throughput") { db in
            // `revision` lets the dispatcher keep decoded campaigns and senders between ticks: any
            // change of their settings (or of a campaign's senders and lists) bumps it. The engine's
            // own bookkeeping columns (slots, pacing, usage) do not.
            // `priority` copies the campaign's onto its enrollments so the most urgent due lead of a
            // sender is an index seek per priority level, not a sort of everything due; that one
            // index replaces the two per-sender ones (fewer pages written per action).
            // `recent` is each sender's usage log (see SenderUsageLog): the times, campaigns and kinds
            // of its actions in the last week, read with the sender instead of scanning `actions`
            // (whose per-sender indexes, kept only for that, go).
            try db.execute(sql: """
                ALTER TABLE campaigns ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
                ALTER TABLE senders ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
                ALTER TABLE senders ADD COLUMN recent BLOB;
                ALTER TABLE enrollments ADD COLUMN priority INTEGER NOT NULL DEFAULT 0;
                UPDATE enrollments SET priority = (SELECT priority FROM campaigns WHERE seq = enrollments.campaign_seq);
                CREATE INDEX enrollments_due_rank ON enrollments(sender_seq, priority, due_at) WHERE due_at IS NOT NULL;
                DROP INDEX enrollments_due;
                DROP INDEX enrollments_sender_open;
                DROP INDEX actions_sender_kind;
                DROP INDEX actions_campaign_sender;
                CREATE TRIGGER campaigns_revision AFTER UPDATE ON campaigns WHEN NEW.revision = OLD.revision
                BEGIN UPDATE campaigns SET revision = OLD.revision + 1 WHERE seq = NEW.seq; END;
                CREATE TRIGGER campaigns_priority AFTER UPDATE OF priority ON campaigns WHEN NEW.priority != OLD.priority
                BEGIN UPDATE enrollments SET priority = NEW.priority WHERE campaign_seq = NEW.seq; END;
                CREATE TRIGGER campaign_senders_added AFTER INSERT ON campaign_senders
                BEGIN UPDATE campaigns SET revision = revision + 1 WHERE seq = NEW.campaign_seq; END;
                CREATE TRIGGER campaign_senders_removed AFTER DELETE ON campaign_senders
                BEGIN UPDATE campaigns SET revision = revision + 1 WHERE seq = OLD.campaign_seq; END;
                CREATE TRIGGER campaign_lists_added AFTER INSERT ON campaign_lists
                BEGIN UPDATE campaigns SET revision = revision + 1 WHERE seq = NEW.campaign_seq; END;
                CREATE TRIGGER campaign_lists_removed AFTER DELETE ON campaign_lists
                BEGIN UPDATE campaigns SET revision = revision + 1 WHERE seq = OLD.campaign_seq; END;
                CREATE TRIGGER senders_revision AFTER UPDATE OF workspace_id, channel, display_name, identity, linkedin_url, email,
                    phone, timezone, status, limits, pacing, settings, updated_at ON senders WHEN NEW.revision = OLD.revision
                BEGIN UPDATE senders SET revision = OLD.revision + 1 WHERE seq = NEW.seq; END;
                """)
            // Frozen: the log's encoding as it was when this migration shipped (8 bytes a record,
            // little-endian: the second rounded up << 32 | campaign seq (24 bits) << 8 | kind code),
            // written here rather than through `SenderUsageLog`, whose code may change. The week is
            // counted back from the newest action, not from the clock: older records are pruned
            // by the first append and ignored by every read anyway.
            let codes = ["connection_request": 0, "message": 1, "inmail": 2, "profile_visit": 3, "follow": 4, "like_post": 5,
                         "email": 6, "sms": 7]
            let newest = try Int64.fetchOne(db, sql: "SELECT max(created_at) FROM actions") ?? 0
            var logs: [Int64: Data] = [:]
            for row in try Row.fetchAll(db, sql: """
                SELECT sender_seq, campaign_seq, kind, created_at FROM actions
                WHERE sender_seq IS NOT NULL AND created_at > ? AND state IN ('sending', 'sent', 'uncertain') ORDER BY created_at
                """, arguments: [newest - 7 * 86_400_000]) {
                guard let code = codes[row[2] as String] else { continue }
                let seconds = ((row[3] as Int64) + 999) / 1000, campaign = (row[1] as Int64) & 0xFF_FFFF
                let packed = UInt64(seconds) << 32 | UInt64(campaign) << 8 | UInt64(code)
                withUnsafeBytes(of: packed.littleEndian) { logs[row[0], default: Data()].append(contentsOf: $0) }
            }
            for (sender, log) in logs {
                try db.execute(sql: "UPDATE senders SET recent = ? WHERE seq = ?", arguments: [log, sender])
            }
        }
        migrator.registerMigration("v9-rebalance-steps") { db in
            // A pending rebalance: which state's leads are being dealt (`waiting`, then `active`;
            // NULL: none), the last enrollment seq dealt, and how many were dealt so far (the
            // round-robin position). The dispatcher advances it in steps.
            // `enrolling`: the campaign still has pending leads to admit after its launch, resume
            // or a large arrival answered (LifecycleService.continueEnrolling admits the rest).
            try db.execute(sql: """
                ALTER TABLE campaigns ADD COLUMN enrolling INTEGER NOT NULL DEFAULT 0;
                CREATE INDEX campaigns_enrolling ON campaigns(seq) WHERE enrolling = 1;
                ALTER TABLE campaigns ADD COLUMN rebalance_state TEXT;
                ALTER TABLE campaigns ADD COLUMN rebalance_after INTEGER NOT NULL DEFAULT 0;
                ALTER TABLE campaigns ADD COLUMN rebalance_placed INTEGER NOT NULL DEFAULT 0;
                CREATE INDEX campaigns_rebalancing ON campaigns(seq) WHERE rebalance_state IS NOT NULL;
                """)
        }
        migrator.registerMigration("v10-follow-ups-first") { db in
            // `lane` orders a sender's due leads within one priority (the higher lane first, then
            // the earliest due): leads already contacted are lane 1 unless their campaign
            // `prioritize_new_leads`, which swaps the lanes (Campaign.lane(started:)). Before, due
            // time alone decided, so a launch's new leads (all due at once) held every follow-up.
            try db.execute(sql: """
                ALTER TABLE campaigns ADD COLUMN prioritize_new_leads INTEGER NOT NULL DEFAULT 0;
                ALTER TABLE enrollments ADD COLUMN lane INTEGER NOT NULL DEFAULT 0;
                UPDATE enrollments SET lane = 1 WHERE started_at IS NOT NULL;
                DROP INDEX enrollments_due_rank;
                CREATE INDEX enrollments_due_rank ON enrollments(sender_seq, priority, lane, due_at) WHERE due_at IS NOT NULL;
                CREATE TRIGGER campaigns_lanes AFTER UPDATE OF prioritize_new_leads ON campaigns
                    WHEN NEW.prioritize_new_leads != OLD.prioritize_new_leads
                BEGIN UPDATE enrollments SET lane = 1 - lane WHERE campaign_seq = NEW.seq; END;
                """)
        }
        migrator.registerMigration("v11-opaque-idempotent-replies") { db in
            // The answer an Idempotency-Key replays becomes bytes the store does not read (the API
            // keeps its HTTP response in them). Kept answers are folded into the API's envelope of
            // this release — "STATUS\nCONTENT-TYPE\nBODY" — so a retry across the upgrade still replays.
            try db.execute(sql: """
                ALTER TABLE idempotency_keys ADD COLUMN reply BLOB;
                UPDATE idempotency_keys SET reply = CAST(CAST(status AS TEXT) || char(10) || coalesce(content_type, 'application/json')
                    || char(10) AS BLOB) || coalesce(body, x'') WHERE status IS NOT NULL;
                ALTER TABLE idempotency_keys DROP COLUMN status;
                ALTER TABLE idempotency_keys DROP COLUMN content_type;
                ALTER TABLE idempotency_keys DROP COLUMN body;
                """)
        }
        migrator.registerMigration("v12-leads-in-order") { db in
            // A page of a campaign's leads (`ORDER BY seq` after a cursor) read every lead of the
            // campaign and sorted them: neither (campaign, contact) nor (campaign, state, seq) is in
            // seq order for the whole campaign. An index on the campaign alone is (its rowid
            // appended), so a page is a range seek of `limit` rows.
            try db.execute(sql: "CREATE INDEX enrollments_campaign ON enrollments(campaign_seq)")
        }
        migrator.registerMigration("v13-key-rate-limits") { db in
            // A key's own request rate (a token bucket); NULL is the server's default.
            try db.execute(sql: """
                ALTER TABLE api_keys ADD COLUMN rate_per_second INTEGER;
                ALTER TABLE api_keys ADD COLUMN rate_burst INTEGER;
                """)
        }
        migrator.registerMigration("v14-event-log-and-webhooks") { db in
            try EventSchema.migrate(db)
        }
        migrator.registerMigration("v15-mailboxes-and-members") { db in
            // A contact's LinkedIn member ID at a provider (Unipile's provider_id), looked up once.
            try db.execute(sql: """
                ALTER TABLE contacts ADD COLUMN linkedin_member_id TEXT;
                CREATE INDEX contacts_linkedin_member ON contacts(workspace_id, linkedin_member_id) WHERE linkedin_member_id IS NOT NULL;
                """)
            // Where the reading of each sender's mailbox stands (IMAP: UIDVALIDITY, last UID read).
            try db.execute(sql: """
                CREATE TABLE mailboxes (
                    sender_id TEXT PRIMARY KEY REFERENCES senders(id) ON DELETE CASCADE,
                    uid_validity INTEGER,
                    last_uid INTEGER,
                    status TEXT NOT NULL,
                    error TEXT,
                    checked_at INTEGER NOT NULL,
                    messages_read INTEGER NOT NULL DEFAULT 0
                ) WITHOUT ROWID
                """)
        }
        migrator.registerMigration("v16-web-app") { db in
            // Signed-in browsers of the web app: only the token's SHA-256 is kept.
            try db.execute(sql: """
                CREATE TABLE web_sessions (
                    seq INTEGER PRIMARY KEY,
                    id TEXT NOT NULL UNIQUE,
                    token_hash TEXT NOT NULL UNIQUE,
                    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
                    csrf_token TEXT NOT NULL,
                    user_agent TEXT,
                    created_at INTEGER NOT NULL,
                    last_seen_at INTEGER NOT NULL,
                    revoked_at INTEGER
                );
                CREATE INDEX web_sessions_user ON web_sessions(user_id, seq);
                """)
            try InboxSchema.migrate(db)
        }
        migrator.registerMigration("v17-inbound-receipts") { db in
            // The inbound messages whose effects are recorded (`SignalEffects.receipt`): a mailbox
            // message read again after a crash is applied once.
            try db.execute(sql: "CREATE TABLE inbound_receipts (key TEXT PRIMARY KEY, at INTEGER NOT NULL) WITHOUT ROWID")
        }
        return migrator
    }()
}
