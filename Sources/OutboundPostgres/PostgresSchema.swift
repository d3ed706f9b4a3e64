import Foundation
import OutboundCore

/// The outreach half of the PostgreSQL schema (migration `v4-outreach`): senders, campaigns,
/// contacts, lists, leads, the outbox, signals, counters, the event log with its webhook outbox,
/// mailboxes and the inbox. The tables mirror the SQLite file's (docs/ARCHITECTURE.md §9), with
/// PostgreSQL's types: `boolean` flags, `bytea` blobs, JSON kept as the text the stores share
/// (`OutboundStoreFormats`), so a move copies every value unchanged.
///
/// As in SQLite, every event is written by a trigger on the row whose change it reports (a
/// message's and a lead's by a statement trigger over the rows its statement changed:
/// `messageEventsPerStatement`, `leadEventsAndDeliveriesPerStatement`), or by the store method
/// that makes the change, through `outbound_emit`; its deliveries are queued in the same
/// transaction, and it takes the workspace's next number when the transaction commits
/// (`eventsNumberedAtCommit`, once per transaction: `eventsNumberedOncePerTransaction`). The
/// actor is the transaction's `outbound.actor` setting (`PostgresStore.transaction`).
enum PostgresSchema {
    static var outreach: [String] { tables + functions + triggers.flatMap { $0 } }

    /// Migration `v5-wake-ups`: the dispatching processes hear, on the channel `outbound_wake`, of
    /// work that is due now and that they did not plan — a sender due within a second whose slot
    /// came earlier (a launch, a resume, a reply that met a condition, a freed sender), a campaign
    /// launched, resumed or given leads to admit, a rebalance begun — and tick at once instead of at their next poll
    /// (`PostgresStore.awaitWork`). A transaction's notifications go out once, when it commits.
    static var wakeUps: [String] {
        trigger("senders_wake", on: "AFTER UPDATE OF next_slot_at ON senders", when: """
            NEW.next_slot_at IS NOT NULL AND NEW.in_flight IS NULL AND NEW.status = 'active'
              AND (OLD.next_slot_at IS NULL OR NEW.next_slot_at < OLD.next_slot_at)
              AND NEW.next_slot_at <= (extract(epoch from clock_timestamp()) * 1000)::bigint + 1000
            """, body: "PERFORM pg_notify('\(wakeChannel)', '');")
        + trigger("campaigns_wake", on: "AFTER UPDATE OF status, rebalance_state, enrolling ON campaigns", when: """
            (NEW.status = 'active' AND OLD.status IS DISTINCT FROM 'active')
              OR (NEW.rebalance_state IS NOT NULL AND OLD.rebalance_state IS NULL) OR (NEW.enrolling AND NOT OLD.enrolling)
            """, body: "PERFORM pg_notify('\(wakeChannel)', '');")
    }

    /// Migration `v7-events-numbered-at-commit`: an event is written unnumbered and gets the
    /// workspace's next number when its transaction commits (a deferred trigger), so the
    /// workspace's row — the counter every event of the workspace takes its number from — is held
    /// for the commit only, not from a transaction's first event to its end: processes that send
    /// for one workspace side by side no longer wait for each other's whole transactions. Numbers
    /// still follow commit order, which is what a reader of `wseq > n` relies on: no event it has
    /// not seen can commit below a number it has. The first of a transaction's events to reach the
    /// trigger numbers them all, workspace by workspace in ID order (so two transactions never take
    /// two workspaces' rows in opposite orders), each workspace's in the order they were written.
    static var eventsNumberedAtCommit: [String] {
        [
            "ALTER TABLE events ALTER COLUMN wseq DROP NOT NULL",
            "CREATE INDEX events_unnumbered ON events (workspace_id, seq) WHERE wseq IS NULL",
            """
            CREATE OR REPLACE FUNCTION outbound_emit(p_type text, p_workspace text, p_campaign text, p_contact text, p_action text,
                                                     p_at bigint, p_data json) RETURNS bigint LANGUAGE plpgsql AS $$
            DECLARE row_seq bigint;
            BEGIN
                INSERT INTO events (id, workspace_id, wseq, type, campaign_id, contact_id, action_id, at, actor, data)
                SELECT 'event_' || substr(replace(gen_random_uuid()::text, '-', ''), 1, 20), p_workspace, NULL, p_type,
                       p_campaign, p_contact, p_action, p_at, outbound_actor(), p_data::text
                FROM workspaces WHERE id = p_workspace
                RETURNING seq INTO row_seq;
                RETURN row_seq;
            END $$
            """,
            numberEvents("CREATE", first: "IF NOT EXISTS (SELECT 1 FROM events WHERE seq = NEW.seq AND wseq IS NULL) THEN RETURN NULL; END IF;"),
            """
            CREATE CONSTRAINT TRIGGER events_numbering AFTER INSERT ON events DEFERRABLE INITIALLY DEFERRED
            FOR EACH ROW WHEN (NEW.wseq IS NULL) EXECUTE FUNCTION outbound_number_events()
            """,
        ]
    }

    /// A statement trigger's function `name` that writes an event, unnumbered, for each row of
    /// `select` (workspace, type, campaign, contact, action, at, data — over the statement's
    /// `old_rows` and `new_rows`), in the order `select` gives them, as `outbound_emit` writes one.
    private static func eventsFromRows(_ name: String, select: String, create: String = "CREATE") -> String {
        """
        \(create) FUNCTION \(name)() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO events (id, workspace_id, wseq, type, campaign_id, contact_id, action_id, at, actor, data)
            SELECT 'event_' || substr(replace(gen_random_uuid()::text, '-', ''), 1, 20), r.workspace_id, NULL, r.type,
                   r.campaign_id, r.contact_id, r.action_id, r.at, outbound_actor(), r.data
            FROM (\(select)) AS r (workspace_id, type, campaign_id, contact_id, action_id, at, data);
            RETURN NULL;
        END $$
        """
    }

    /// The trigger function that numbers the transaction's unnumbered events, workspace by
    /// workspace in ID order, each workspace's in the order they were written (a vanished
    /// workspace's are dropped); `first` is the statement it begins with, `unnumbered` the
    /// condition that finds the events.
    private static func numberEvents(_ create: String, first: String, unnumbered: String = "wseq IS NULL") -> String {
        """
        \(create) FUNCTION outbound_number_events() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE w record; last_seq bigint;
        BEGIN
            \(first)
            FOR w IN SELECT workspace_id, count(*) AS n FROM events WHERE \(unnumbered) GROUP BY workspace_id ORDER BY workspace_id LOOP
                UPDATE workspaces SET event_seq = event_seq + w.n WHERE id = w.workspace_id RETURNING event_seq INTO last_seq;
                IF last_seq IS NULL THEN
                    DELETE FROM events WHERE \(unnumbered) AND workspace_id = w.workspace_id;
                    CONTINUE;
                END IF;
                UPDATE events e SET wseq = last_seq - w.n + r.n FROM (
                    SELECT seq, row_number() OVER (ORDER BY seq) AS n FROM events WHERE \(unnumbered) AND workspace_id = w.workspace_id) r
                WHERE e.seq = r.seq;
            END LOOP;
            RETURN NULL;
        END $$
        """
    }

    /// Migration `v8-message-events-per-statement`: the events of messages that went out, failed or
    /// became uncertain are written by one `INSERT … SELECT` per statement that settles actions (a
    /// statement trigger reading the rows it changed), not by a function call per action: a
    /// dispatcher's record settles its actions in one statement, and the per-row trigger was the
    /// largest part of that statement's time. What each event says is unchanged; a statement's
    /// events are written in the order its actions were made.
    static var messageEventsPerStatement: [String] {
        eventsPerStatement("message_events", on: "actions", select: messageEvents(from: """
            new_rows n JOIN old_rows o ON o.seq = n.seq JOIN workspaces w ON w.id = n.workspace_id
            JOIN campaigns k ON k.seq = n.campaign_seq JOIN enrollments e ON e.seq = n.enrollment_seq
            JOIN contacts c ON c.seq = e.contact_seq LEFT JOIN senders s ON s.seq = n.sender_seq
            """))
    }

    /// The row trigger `name` on `table` (and its function) replaced by a statement trigger of the
    /// same name, on updates, whose function writes an event for each row of `select`.
    private static func eventsPerStatement(_ name: String, on table: String, select: String) -> [String] {
        [
            "DROP TRIGGER \(name) ON \(table)",
            "DROP FUNCTION \(name)()",
            eventsFromRows(name, select: select),
            """
            CREATE TRIGGER \(name) AFTER UPDATE ON \(table) REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION \(name)()
            """,
        ]
    }

    /// Migration `v9-lead-events-and-deliveries-per-statement`: a lead's events (enrolled, retried,
    /// ended) are written by one `INSERT … SELECT` per statement that changes leads' states, and an
    /// event's webhook deliveries by one per statement that writes events — statement triggers over
    /// the rows the statement changed, as `messageEventsPerStatement` does for messages. A
    /// dispatcher's record ends its leads and writes their events in two statements, and the
    /// function called per lead and per event was most of those statements' time. What is written
    /// is unchanged: the same events, in lead order, and a delivery per event and endpoint that takes it.
    static var leadEventsAndDeliveriesPerStatement: [String] {
        eventsPerStatement("lead_events", on: "enrollments", select: leadEvents(from: """
            new_rows n JOIN old_rows o ON o.seq = n.seq JOIN campaigns k ON k.seq = n.campaign_seq
            JOIN workspaces w ON w.id = k.workspace_id JOIN contacts c ON c.seq = n.contact_seq
            """)) + [
            "DROP TRIGGER event_deliveries ON events",
            "DROP FUNCTION event_deliveries()",
            """
            CREATE FUNCTION event_deliveries() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                INSERT INTO webhook_deliveries (endpoint_seq, event_seq, next_at, created_at)
                SELECT p.seq, e.seq, e.at, e.at FROM new_events e JOIN webhook_endpoints p ON p.workspace_id = e.workspace_id
                WHERE p.enabled AND outbound_endpoint_takes(p.types, p.format, e.type)
                  AND NOT (e.type LIKE 'webhook%' AND (e.data::json #>> '{webhook_endpoint,id}') IS NOT DISTINCT FROM p.id)
                ORDER BY e.seq, p.seq;
                RETURN NULL;
            END $$
            """,
            """
            CREATE TRIGGER event_deliveries AFTER INSERT ON events REFERENCING NEW TABLE AS new_events
            FOR EACH STATEMENT EXECUTE FUNCTION event_deliveries()
            """,
        ]
    }

    /// Migration `v11-events-numbered-once-per-transaction`: the numbering of
    /// `eventsNumberedAtCommit` runs once per transaction instead of once per event. A statement
    /// that writes events marks its transaction in `events_to_number` (one row per transaction,
    /// which the numbering deletes), and the deferred trigger is on that row. Before, every event
    /// queued a deferred trigger of its own, and all but the first found nothing left to number:
    /// about 50 µs per event at commit, more than writing the event. What is numbered, in what
    /// order, and when, is unchanged; `SET CONSTRAINTS events_numbering IMMEDIATE` still numbers
    /// what the transaction has written so far.
    static var eventsNumberedOncePerTransaction: [String] {
        [
            "DROP TRIGGER events_numbering ON events",
            "CREATE UNLOGGED TABLE events_to_number (xid xid8 PRIMARY KEY)",
            numberEvents("CREATE OR REPLACE", first: "DELETE FROM events_to_number WHERE xid = NEW.xid;"),
            """
            CREATE CONSTRAINT TRIGGER events_numbering AFTER INSERT ON events_to_number DEFERRABLE INITIALLY DEFERRED
            FOR EACH ROW EXECUTE FUNCTION outbound_number_events()
            """,
            """
            CREATE FUNCTION outbound_mark_events() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                INSERT INTO events_to_number (xid) SELECT pg_current_xact_id() WHERE EXISTS (SELECT 1 FROM new_events WHERE wseq IS NULL)
                ON CONFLICT DO NOTHING;
                RETURN NULL;
            END $$
            """,
            """
            CREATE TRIGGER events_to_number AFTER INSERT ON events REFERENCING NEW TABLE AS new_events
            FOR EACH STATEMENT EXECUTE FUNCTION outbound_mark_events()
            """,
        ]
    }

    /// Migration `v15-events-numbered-from-the-first`: the numbering finds the transaction's events
    /// from the first one it wrote (`events_to_number.first_seq`, an index range on `seq`), not
    /// through an index of the unnumbered ones. That index took an entry for every event and kept
    /// it, dead, after the event was numbered, so each look walked past the dead entries of the
    /// events numbered since the last vacuum (80 µs a commit in the dispatch bench), and every
    /// event paid for one more index. Only this transaction's unnumbered events can be seen there:
    /// another's are invisible until it commits, and numbered by then. (The range has an upper
    /// bound so that the function's cached plan, made without the value, still expects few rows
    /// and seeks the index.) Identities only grow, so
    /// the first statement's smallest seq is the transaction's; numbering early (`SET CONSTRAINTS
    /// events_numbering IMMEDIATE`) deletes the mark, and the next event makes a new one.
    static var eventsNumberedFromTheFirst: [String] {
        [
            "ALTER TABLE events_to_number ADD COLUMN first_seq bigint NOT NULL DEFAULT 0",
            """
            CREATE OR REPLACE FUNCTION outbound_mark_events() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                INSERT INTO events_to_number (xid, first_seq)
                SELECT pg_current_xact_id(), min(seq) FROM new_events WHERE wseq IS NULL HAVING count(*) > 0
                ON CONFLICT DO NOTHING;
                RETURN NULL;
            END $$
            """,
            numberEvents("CREATE OR REPLACE", first: "DELETE FROM events_to_number WHERE xid = NEW.xid;",
                         unnumbered: "seq BETWEEN NEW.first_seq AND NEW.first_seq + \(Int64.max / 2) AND wseq IS NULL"),
            "DROP INDEX events_unnumbered",
        ]
    }

    /// The events of the settled messages among a statement's changed actions (`new_rows n`,
    /// `old_rows o`), `from` joining each with its workspace `w`, campaign `k`, lead `e`, contact
    /// `c` and (left) sender `s`.
    private static func messageEvents(from: String) -> String {
        """
        SELECT n.workspace_id, 'message.' || n.state, k.id, c.id, n.id, n.updated_at,
               json_build_object('message', json_build_object('id', n.id, 'object', 'action', 'campaign_id', k.id,
                   'contact_id', c.id, 'node_id', n.node_id, 'sender_id', s.id, 'kind', n.kind, 'state', n.state,
                   'subject', n.subject, 'error', n.error, 'attempts', n.attempts, 'sent_at', \(iso("n.sent_at")),
                   'first_contact', NOT EXISTS (SELECT 1 FROM actions p WHERE p.enrollment_seq = n.enrollment_seq
                       AND p.seq < n.seq AND p.state IN ('sent', 'uncertain'))))::text
        FROM \(from)
        WHERE o.state != n.state AND n.state IN ('sent', 'failed', 'uncertain')
        ORDER BY n.seq
        """
    }

    /// The events of a statement's changed leads (`new_rows n`, `old_rows o`), `from` joining
    /// each with its campaign `k`, workspace `w` and contact `c`.
    private static func leadEvents(from: String) -> String {
        """
        SELECT k.workspace_id,
               CASE WHEN n.state IN ('active', 'waiting') AND o.state = 'pending' THEN 'lead.enrolled'
                    WHEN n.state IN ('active', 'waiting') THEN 'lead.retried'
                    ELSE 'lead.' || n.state END,
               k.id, c.id, NULL, n.updated_at,
               json_build_object('lead', json_build_object('contact_id', c.id, 'object', 'lead', 'campaign_id', k.id,
                   'state', n.state, 'reason', n.reason, 'node_id', n.node_id))::text
        FROM \(from)
        WHERE o.state != n.state AND (n.state NOT IN ('pending', 'active', 'waiting') OR o.state NOT IN ('active', 'waiting'))
        ORDER BY n.seq
        """
    }

    /// Migration `v12-events-look-rows-up-by-key`: the statement triggers of `messageEventsPerStatement`
    /// and `leadEventsAndDeliveriesPerStatement` look each changed row's workspace, campaign, lead,
    /// contact and sender up by key (an index seek each; `OFFSET 0` keeps the planner from turning
    /// them into joins). Planned as joins, they hashed whole tables for a few rows — the contacts,
    /// 0.6 of the 0.9 ms a dispatcher took to move one lead — whenever the statistics were older
    /// than the rows. The events are unchanged.
    static var eventsLookRowsUpByKey: [String] {
        [
            eventsFromRows("message_events", select: messageEvents(from: """
                new_rows n JOIN old_rows o ON o.seq = n.seq
                CROSS JOIN LATERAL (SELECT 1 FROM workspaces WHERE id = n.workspace_id OFFSET 0) w
                CROSS JOIN LATERAL (SELECT id FROM campaigns WHERE seq = n.campaign_seq OFFSET 0) k
                CROSS JOIN LATERAL (SELECT contact_seq FROM enrollments WHERE seq = n.enrollment_seq OFFSET 0) e
                CROSS JOIN LATERAL (SELECT id FROM contacts WHERE seq = e.contact_seq OFFSET 0) c
                LEFT JOIN LATERAL (SELECT id FROM senders WHERE seq = n.sender_seq OFFSET 0) s ON true
                """), create: "CREATE OR REPLACE"),
            eventsFromRows("lead_events", select: leadEvents(from: """
                new_rows n JOIN old_rows o ON o.seq = n.seq
                CROSS JOIN LATERAL (SELECT id, workspace_id FROM campaigns WHERE seq = n.campaign_seq OFFSET 0) k
                CROSS JOIN LATERAL (SELECT 1 FROM workspaces WHERE id = k.workspace_id OFFSET 0) w
                CROSS JOIN LATERAL (SELECT id FROM contacts WHERE seq = n.contact_seq OFFSET 0) c
                """), create: "CREATE OR REPLACE"),
        ]
    }

    /// The channel of `wakeUps`.
    static let wakeChannel = "outbound_wake"

    private static let tables = [
        "ALTER TABLE workspaces ADD COLUMN event_seq bigint NOT NULL DEFAULT 0",
        """
        CREATE TABLE senders (
            seq bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            id text NOT NULL UNIQUE,
            workspace_id text NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
            channel text NOT NULL,
            display_name text NOT NULL,
            identity text NOT NULL,
            linkedin_url text, email text, phone text,
            timezone text NOT NULL,
            status text NOT NULL,
            limits text NOT NULL,
            pacing text NOT NULL,
            settings text NOT NULL,
            created_at bigint NOT NULL,
            updated_at bigint NOT NULL,
            pacing_until bigint,
            next_slot_at bigint,
            in_flight bigint,
            revision bigint NOT NULL DEFAULT 0,
            recent bytea,
            UNIQUE (workspace_id, channel, identity)
        )
        """,
        "CREATE INDEX senders_workspace ON senders (workspace_id, seq)",
        "CREATE INDEX senders_next_slot ON senders (next_slot_at) WHERE next_slot_at IS NOT NULL",
        """
        CREATE TABLE campaigns (
            seq bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            id text NOT NULL UNIQUE,
            workspace_id text NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
            name text NOT NULL,
            description text,
            channel text NOT NULL,
            status text NOT NULL,
            dry_run boolean NOT NULL,
            priority integer NOT NULL,
            timezone text NOT NULL,
            schedule text NOT NULL,
            start_at bigint,
            hourly_message_rate integer NOT NULL,
            daily_limit integer NOT NULL,
            stop_on_reply boolean NOT NULL,
            open_tracking boolean NOT NULL,
            signature text,
            skip_other_campaigns boolean NOT NULL,
            send_in_lead_timezone boolean NOT NULL,
            created_at bigint NOT NULL,
            updated_at bigint NOT NULL,
            started_at bigint,
            paused_at bigint,
            completed_at bigint,
            exclude_contacted boolean NOT NULL DEFAULT false,
            sequence text,
            simulation text,
            automations text,
            revision bigint NOT NULL DEFAULT 0,
            enrolling boolean NOT NULL DEFAULT false,
            rebalance_state text,
            rebalance_after bigint NOT NULL DEFAULT 0,
            rebalance_placed bigint NOT NULL DEFAULT 0,
            prioritize_new_leads boolean NOT NULL DEFAULT false,
            UNIQUE (workspace_id, name)
        )
        """,
        "CREATE INDEX campaigns_workspace ON campaigns (workspace_id, seq)",
        "CREATE INDEX campaigns_enrolling ON campaigns (seq) WHERE enrolling",
        "CREATE INDEX campaigns_rebalancing ON campaigns (seq) WHERE rebalance_state IS NOT NULL",
        """
        CREATE TABLE campaign_senders (
            campaign_seq bigint NOT NULL REFERENCES campaigns(seq) ON DELETE CASCADE,
            sender_seq bigint NOT NULL REFERENCES senders(seq) ON DELETE CASCADE,
            position integer NOT NULL,
            PRIMARY KEY (campaign_seq, sender_seq)
        )
        """,
        "CREATE INDEX campaign_senders_sender ON campaign_senders (sender_seq)",
        """
        CREATE TABLE contacts (
            seq bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            id text NOT NULL UNIQUE,
            workspace_id text NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
            first_name text, last_name text, email text, phone text, linkedin_url text,
            company text, title text, timezone text,
            status text NOT NULL,
            custom_fields text NOT NULL,
            created_at bigint NOT NULL,
            updated_at bigint NOT NULL,
            linkedin_member_id text
        )
        """,
        "CREATE INDEX contacts_workspace ON contacts (workspace_id, seq)",
        "CREATE UNIQUE INDEX contacts_email ON contacts (workspace_id, email) WHERE email IS NOT NULL",
        "CREATE UNIQUE INDEX contacts_phone ON contacts (workspace_id, phone) WHERE phone IS NOT NULL",
        "CREATE UNIQUE INDEX contacts_linkedin ON contacts (workspace_id, linkedin_url) WHERE linkedin_url IS NOT NULL",
        "CREATE INDEX contacts_linkedin_member ON contacts (workspace_id, linkedin_member_id) WHERE linkedin_member_id IS NOT NULL",
        """
        CREATE TABLE lists (
            seq bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            id text NOT NULL UNIQUE,
            workspace_id text NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
            name text NOT NULL,
            description text,
            created_at bigint NOT NULL,
            updated_at bigint NOT NULL,
            UNIQUE (workspace_id, name)
        )
        """,
        "CREATE INDEX lists_workspace ON lists (workspace_id, seq)",
        """
        CREATE TABLE list_members (
            list_seq bigint NOT NULL REFERENCES lists(seq) ON DELETE CASCADE,
            contact_seq bigint NOT NULL REFERENCES contacts(seq) ON DELETE CASCADE,
            added_at bigint NOT NULL,
            PRIMARY KEY (list_seq, contact_seq)
        )
        """,
        "CREATE INDEX list_members_contact ON list_members (contact_seq)",
        """
        CREATE TABLE campaign_lists (
            campaign_seq bigint NOT NULL REFERENCES campaigns(seq) ON DELETE CASCADE,
            list_seq bigint NOT NULL REFERENCES lists(seq) ON DELETE CASCADE,
            mode text NOT NULL CHECK (mode IN ('include', 'exclude')),
            position integer NOT NULL,
            PRIMARY KEY (campaign_seq, list_seq)
        )
        """,
        "CREATE INDEX campaign_lists_list ON campaign_lists (list_seq)",
        """
        CREATE TABLE suppressions (
            seq bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            id text NOT NULL UNIQUE,
            workspace_id text NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
            kind text NOT NULL,
            value text NOT NULL,
            reason text,
            created_at bigint NOT NULL,
            UNIQUE (workspace_id, kind, value)
        )
        """,
        "CREATE INDEX suppressions_workspace ON suppressions (workspace_id, seq)",
        """
        CREATE TABLE enrollments (
            seq bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            campaign_seq bigint NOT NULL REFERENCES campaigns(seq) ON DELETE CASCADE,
            contact_seq bigint NOT NULL REFERENCES contacts(seq) ON DELETE CASCADE,
            state text NOT NULL,
            reason text,
            created_at bigint NOT NULL,
            updated_at bigint NOT NULL,
            sender_seq bigint REFERENCES senders(seq) ON DELETE SET NULL,
            node_id text,
            node_entered_at bigint,
            due_at bigint,
            held_due_at bigint,
            attempts integer NOT NULL DEFAULT 0,
            started_at bigint,
            signals text NOT NULL DEFAULT '',
            last_message_id text,
            priority integer NOT NULL DEFAULT 0,
            lane integer NOT NULL DEFAULT 0,
            UNIQUE (campaign_seq, contact_seq)
        )
        """,
        "CREATE INDEX enrollments_contact ON enrollments (contact_seq)",
        "CREATE INDEX enrollments_campaign_state ON enrollments (campaign_seq, state, seq)",
        "CREATE INDEX enrollments_started ON enrollments (campaign_seq, started_at) WHERE started_at IS NOT NULL",
        "CREATE INDEX enrollments_due_rank ON enrollments (sender_seq, priority, lane, due_at) WHERE due_at IS NOT NULL",
        "CREATE INDEX enrollments_campaign ON enrollments (campaign_seq, seq)",
        """
        CREATE TABLE imports (
            seq bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            id text NOT NULL UNIQUE,
            workspace_id text NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
            state text NOT NULL,
            filename text,
            list_id text,
            rows_read bigint NOT NULL,
            created bigint NOT NULL,
            updated bigint NOT NULL,
            duplicates bigint NOT NULL,
            invalid bigint NOT NULL,
            errors text NOT NULL,
            failure text,
            created_at bigint NOT NULL,
            updated_at bigint NOT NULL,
            finished_at bigint
        )
        """,
        """
        CREATE TABLE actions (
            seq bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            id text NOT NULL UNIQUE,
            workspace_id text NOT NULL,
            campaign_seq bigint NOT NULL REFERENCES campaigns(seq) ON DELETE CASCADE,
            enrollment_seq bigint NOT NULL REFERENCES enrollments(seq) ON DELETE CASCADE,
            node_id text NOT NULL,
            sender_seq bigint,
            kind text NOT NULL,
            state text NOT NULL,
            recipient text, subject text, body text, html text, in_reply_to text, provider_id text, error text,
            attempts integer NOT NULL DEFAULT 1,
            created_at bigint NOT NULL,
            sent_at bigint,
            updated_at bigint NOT NULL,
            UNIQUE (enrollment_seq, node_id)
        )
        """,
        "CREATE INDEX actions_workspace_day ON actions (workspace_id, created_at)",
        "CREATE INDEX actions_sending ON actions (state) WHERE state = 'sending'",
        "CREATE INDEX actions_campaign ON actions (campaign_seq, seq)",
        "CREATE INDEX actions_provider ON actions (provider_id) WHERE provider_id IS NOT NULL",
        """
        CREATE TABLE scheduled_signals (
            seq bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            enrollment_seq bigint NOT NULL REFERENCES enrollments(seq) ON DELETE CASCADE,
            action_id text,
            type text NOT NULL,
            due_at bigint NOT NULL
        )
        """,
        "CREATE INDEX scheduled_signals_due ON scheduled_signals (due_at)",
        """
        CREATE TABLE campaign_counters (
            campaign_seq bigint NOT NULL REFERENCES campaigns(seq) ON DELETE CASCADE,
            key text NOT NULL,
            value bigint NOT NULL,
            PRIMARY KEY (campaign_seq, key)
        )
        """,
        """
        CREATE TABLE signal_receipts (
            action_id text NOT NULL,
            type text NOT NULL,
            at bigint NOT NULL,
            PRIMARY KEY (action_id, type)
        )
        """,
        "CREATE TABLE inbound_receipts (key text PRIMARY KEY, at bigint NOT NULL)",
        """
        CREATE TABLE events (
            seq bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            id text NOT NULL UNIQUE,
            workspace_id text NOT NULL,
            wseq bigint NOT NULL,
            type text NOT NULL,
            campaign_id text,
            contact_id text,
            action_id text,
            at bigint NOT NULL,
            actor text NOT NULL DEFAULT 'system',
            data text NOT NULL DEFAULT '{}'
        )
        """,
        "CREATE UNIQUE INDEX events_workspace_wseq ON events (workspace_id, wseq)",
        "CREATE INDEX events_campaign ON events (campaign_id, seq) WHERE campaign_id IS NOT NULL",
        """
        CREATE TABLE webhook_endpoints (
            seq bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            id text NOT NULL UNIQUE,
            workspace_id text NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
            url text NOT NULL,
            description text,
            types text NOT NULL,
            format text NOT NULL,
            name text,
            options text,
            enabled boolean NOT NULL,
            secret text NOT NULL,
            previous_secret text,
            previous_until bigint,
            failing_since bigint,
            disabled_reason text,
            created_at bigint NOT NULL,
            updated_at bigint NOT NULL
        )
        """,
        "CREATE INDEX webhook_endpoints_workspace ON webhook_endpoints (workspace_id, seq)",
        // A delivery is due while next_at is set. A claim holds it until `claimed_until`: a
        // process that dies mid-delivery lets it go at that moment (several processes deliver).
        """
        CREATE TABLE webhook_deliveries (
            seq bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            endpoint_seq bigint NOT NULL REFERENCES webhook_endpoints(seq) ON DELETE CASCADE,
            event_seq bigint NOT NULL REFERENCES events(seq) ON DELETE CASCADE,
            state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
            attempts integer NOT NULL DEFAULT 0,
            next_at bigint,
            claimed_until bigint,
            created_at bigint NOT NULL,
            finished_at bigint
        )
        """,
        "CREATE INDEX webhook_deliveries_due ON webhook_deliveries (endpoint_seq, next_at) WHERE next_at IS NOT NULL",
        "CREATE INDEX webhook_deliveries_event ON webhook_deliveries (event_seq)",
        """
        CREATE TABLE webhook_attempts (
            seq bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            delivery_seq bigint NOT NULL REFERENCES webhook_deliveries(seq) ON DELETE CASCADE,
            endpoint_seq bigint NOT NULL REFERENCES webhook_endpoints(seq) ON DELETE CASCADE,
            event_id text NOT NULL,
            event_type text NOT NULL,
            at bigint NOT NULL,
            status integer,
            latency_ms bigint NOT NULL,
            error text,
            response_head text
        )
        """,
        "CREATE INDEX webhook_attempts_endpoint ON webhook_attempts (endpoint_seq, seq)",
        "CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_seq)",
        """
        CREATE TABLE mailboxes (
            sender_id text PRIMARY KEY REFERENCES senders(id) ON DELETE CASCADE,
            uid_validity bigint,
            last_uid bigint,
            status text NOT NULL,
            error text,
            checked_at bigint NOT NULL,
            messages_read bigint NOT NULL DEFAULT 0
        )
        """,
        """
        CREATE TABLE inbox_replies (
            seq bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            workspace_id text NOT NULL,
            campaign_id text NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
            contact_id text NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
            at bigint NOT NULL,
            text text
        )
        """,
        "CREATE INDEX inbox_replies_lead ON inbox_replies (campaign_id, contact_id, seq)",
        "CREATE INDEX inbox_replies_contact ON inbox_replies (contact_id)",
        """
        CREATE TABLE inbox_threads (
            campaign_id text NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
            contact_id text NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
            workspace_id text NOT NULL,
            last_reply_at bigint NOT NULL,
            last_reply text,
            read_at bigint,
            done_at bigint,
            PRIMARY KEY (campaign_id, contact_id)
        )
        """,
        "CREATE INDEX inbox_threads_recent ON inbox_threads (workspace_id, (done_at IS NOT NULL), last_reply_at)",
        "CREATE INDEX inbox_threads_contact ON inbox_threads (contact_id)",
        // The processes serving this database, each alive while its lease lasts (its heartbeat
        // renews it); an action in flight names the process that sends it.
        "CREATE TABLE workers (id text PRIMARY KEY, role text NOT NULL, started_at bigint NOT NULL, expires_at bigint NOT NULL)",
        "ALTER TABLE actions ADD COLUMN owner text",
        "CREATE INDEX actions_owner ON actions (owner) WHERE state = 'sending'",
    ]

    /// An RFC 3339 UTC timestamp with milliseconds from epoch milliseconds (NULL stays NULL), as SQLite's `strftime` writes it.
    static func iso(_ millis: String) -> String {
        "to_char(to_timestamp(\(millis) / 1000.0) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"
    }

    private static var functions: [String] {
        let inbox = WebhookEndpoint.Format.inbox.eventTypes!.sorted().map { "'\($0)'" }.joined(separator: ", ")
        return [
            // Who the transaction acts for (`PostgresStore.transaction` sets it when not the system).
            """
            CREATE FUNCTION outbound_actor() RETURNS text LANGUAGE sql STABLE AS $$
                SELECT coalesce(nullif(current_setting('outbound.actor', true), ''), 'system')
            $$
            """,
            // Logs one event: the workspace's next number, the row; returns the row's seq.
            """
            CREATE FUNCTION outbound_emit(p_type text, p_workspace text, p_campaign text, p_contact text, p_action text,
                                          p_at bigint, p_data json) RETURNS bigint LANGUAGE plpgsql AS $$
            DECLARE next_seq bigint; row_seq bigint;
            BEGIN
                UPDATE workspaces SET event_seq = event_seq + 1 WHERE id = p_workspace RETURNING event_seq INTO next_seq;
                IF next_seq IS NULL THEN RETURN NULL; END IF;
                INSERT INTO events (id, workspace_id, wseq, type, campaign_id, contact_id, action_id, at, actor, data)
                VALUES ('event_' || substr(replace(gen_random_uuid()::text, '-', ''), 1, 20), p_workspace, next_seq, p_type,
                        p_campaign, p_contact, p_action, p_at, outbound_actor(), p_data::text)
                RETURNING seq INTO row_seq;
                RETURN row_seq;
            END $$
            """,
            // Whether an endpoint with these filters and format takes events of this type.
            """
            CREATE FUNCTION outbound_endpoint_takes(p_types text, p_format text, p_type text) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
                SELECT (p_types = '[]' OR EXISTS (SELECT 1 FROM json_array_elements_text(p_types::json) t(value)
                        WHERE t.value = '*' OR t.value = p_type
                           OR (right(t.value, 2) = '.*' AND left(p_type, length(t.value) - 1) = left(t.value, length(t.value) - 1))))
                   AND (p_format != 'inbox' OR p_type IN (\(inbox)))
                   AND p_type != 'webhook.ping'
            $$
            """,
        ]
    }

    private static var triggers: [[String]] {
        [
            trigger("campaign_events", on: "AFTER UPDATE OF status ON campaigns",
                    when: "OLD.status != NEW.status AND NEW.status != 'draft'", body: """
                PERFORM outbound_emit(CASE WHEN NEW.status = 'active' AND OLD.status = 'draft' THEN 'campaign.launched'
                                           WHEN NEW.status = 'active' AND OLD.status = 'paused' THEN 'campaign.resumed'
                                           WHEN NEW.status = 'active' THEN 'campaign.reopened'
                                           ELSE 'campaign.' || NEW.status END,
                    NEW.workspace_id, NEW.id, NULL, NULL, NEW.updated_at,
                    json_build_object('campaign', json_build_object('id', NEW.id, 'object', 'campaign', 'name', NEW.name,
                        'description', NEW.description, 'channel', NEW.channel, 'status', NEW.status, 'dry_run', NEW.dry_run,
                        'created_at', \(iso("NEW.created_at")), 'updated_at', \(iso("NEW.updated_at")),
                        'started_at', \(iso("NEW.started_at")), 'paused_at', \(iso("NEW.paused_at")),
                        'completed_at', \(iso("NEW.completed_at")))));
                """),
            trigger("lead_events", on: "AFTER UPDATE OF state ON enrollments", when: """
                OLD.state != NEW.state AND (NEW.state NOT IN ('pending', 'active', 'waiting') OR OLD.state NOT IN ('active', 'waiting'))
                """, body: """
                PERFORM outbound_emit(CASE WHEN NEW.state IN ('active', 'waiting') AND OLD.state = 'pending' THEN 'lead.enrolled'
                                           WHEN NEW.state IN ('active', 'waiting') THEN 'lead.retried'
                                           ELSE 'lead.' || NEW.state END,
                    k.workspace_id, k.id, c.id, NULL, NEW.updated_at,
                    json_build_object('lead', json_build_object('contact_id', c.id, 'object', 'lead', 'campaign_id', k.id,
                        'state', NEW.state, 'reason', NEW.reason, 'node_id', NEW.node_id)))
                FROM campaigns k, contacts c WHERE k.seq = NEW.campaign_seq AND c.seq = NEW.contact_seq;
                """),
            trigger("message_events", on: "AFTER UPDATE OF state ON actions",
                    when: "OLD.state != NEW.state AND NEW.state IN ('sent', 'failed', 'uncertain')", body: """
                PERFORM outbound_emit('message.' || NEW.state, NEW.workspace_id, k.id, c.id, NEW.id, NEW.updated_at,
                    json_build_object('message', json_build_object('id', NEW.id, 'object', 'action', 'campaign_id', k.id,
                        'contact_id', c.id, 'node_id', NEW.node_id, 'sender_id', s.id, 'kind', NEW.kind, 'state', NEW.state,
                        'subject', NEW.subject, 'error', NEW.error, 'attempts', NEW.attempts, 'sent_at', \(iso("NEW.sent_at")),
                        'first_contact', NOT EXISTS (SELECT 1 FROM actions p WHERE p.enrollment_seq = NEW.enrollment_seq
                            AND p.seq < NEW.seq AND p.state IN ('sent', 'uncertain')))))
                FROM campaigns k JOIN enrollments e ON e.seq = NEW.enrollment_seq JOIN contacts c ON c.seq = e.contact_seq
                    LEFT JOIN senders s ON s.seq = NEW.sender_seq
                WHERE k.seq = NEW.campaign_seq;
                """),
            trigger("sender_events", on: "AFTER UPDATE OF status ON senders", when: "OLD.status != NEW.status", body: """
                PERFORM outbound_emit(CASE WHEN NEW.status = 'disconnected' THEN 'sender.disconnected'
                                           WHEN NEW.status = 'paused' THEN 'sender.paused'
                                           WHEN OLD.status = 'disconnected' THEN 'sender.reconnected'
                                           ELSE 'sender.resumed' END,
                    NEW.workspace_id, NULL, NULL, NULL, NEW.updated_at,
                    json_build_object('sender', json_build_object('id', NEW.id, 'object', 'sender', 'channel', NEW.channel,
                        'display_name', NEW.display_name, 'status', NEW.status, 'updated_at', \(iso("NEW.updated_at")))));
                """),
            trigger("import_events", on: "AFTER UPDATE OF state ON imports",
                    when: "OLD.state != NEW.state AND NEW.state IN ('completed', 'failed')", body: """
                PERFORM outbound_emit('import.' || NEW.state, NEW.workspace_id, NULL, NULL, NULL, coalesce(NEW.finished_at, NEW.updated_at),
                    json_build_object('import', json_build_object('id', NEW.id, 'object', 'import', 'state', NEW.state,
                        'filename', NEW.filename, 'list_id', NEW.list_id, 'rows_read', NEW.rows_read, 'created', NEW.created,
                        'updated', NEW.updated, 'duplicates', NEW.duplicates, 'invalid', NEW.invalid, 'failure', NEW.failure,
                        'finished_at', \(iso("NEW.finished_at")))));
                """),
            trigger("suppression_events", on: "AFTER INSERT ON suppressions", when: nil, body: """
                PERFORM outbound_emit('contact.suppressed', NEW.workspace_id, NULL, NULL, NULL, NEW.created_at,
                    json_build_object('suppression', json_build_object('id', NEW.id, 'object', 'suppression', 'kind', NEW.kind,
                        'value', NEW.value, 'reason', NEW.reason, 'created_at', \(iso("NEW.created_at")))));
                """),
            trigger("endpoint_disabled_events", on: "AFTER UPDATE OF enabled ON webhook_endpoints",
                    when: "OLD.enabled AND NOT NEW.enabled AND NEW.disabled_reason IS NOT NULL", body: """
                PERFORM outbound_emit('webhook_endpoint.disabled', NEW.workspace_id, NULL, NULL, NULL, NEW.updated_at,
                    json_build_object('webhook_endpoint', json_build_object('id', NEW.id, 'object', 'webhook_endpoint', 'url', NEW.url,
                        'disabled_reason', NEW.disabled_reason)));
                """),
            trigger("delivery_failed_events", on: "AFTER UPDATE OF state ON webhook_deliveries", when: "NEW.state = 'failed'", body: """
                PERFORM outbound_emit('webhook.delivery_failed', p.workspace_id, NULL, NULL, NULL, NEW.finished_at,
                    json_build_object('webhook_endpoint', json_build_object('id', p.id, 'object', 'webhook_endpoint', 'url', p.url),
                        'event', json_build_object('id', v.id, 'seq', v.wseq, 'type', v.type), 'attempts', NEW.attempts))
                FROM webhook_endpoints p, events v WHERE p.seq = NEW.endpoint_seq AND v.seq = NEW.event_seq;
                """),
            trigger("event_deliveries", on: "AFTER INSERT ON events", when: nil, body: """
                INSERT INTO webhook_deliveries (endpoint_seq, event_seq, next_at, created_at)
                SELECT p.seq, NEW.seq, NEW.at, NEW.at FROM webhook_endpoints p
                WHERE p.workspace_id = NEW.workspace_id AND p.enabled AND outbound_endpoint_takes(p.types, p.format, NEW.type)
                  AND NOT (NEW.type LIKE 'webhook%' AND (NEW.data::json #>> '{webhook_endpoint,id}') IS NOT DISTINCT FROM p.id);
                """),
            // A new reply is unread and takes a done conversation back into the inbox.
            trigger("inbox_reply", on: "AFTER INSERT ON events",
                    when: "NEW.type = 'reply.received' AND NEW.campaign_id IS NOT NULL AND NEW.contact_id IS NOT NULL", body: """
                INSERT INTO inbox_replies (workspace_id, campaign_id, contact_id, at, text)
                VALUES (NEW.workspace_id, NEW.campaign_id, NEW.contact_id, NEW.at, NEW.data::json #>> '{reply,text}');
                INSERT INTO inbox_threads (campaign_id, contact_id, workspace_id, last_reply_at, last_reply)
                VALUES (NEW.campaign_id, NEW.contact_id, NEW.workspace_id, NEW.at, NEW.data::json #>> '{reply,text}')
                ON CONFLICT (campaign_id, contact_id) DO UPDATE SET last_reply_at = excluded.last_reply_at,
                    last_reply = excluded.last_reply, read_at = NULL, done_at = NULL;
                """),
            // A campaign's or sender's settings changed: the dispatcher's decoded copy is stale.
            // Any change of a campaign (or of its senders and lists, below) makes the dispatcher's decoded copy stale.
            trigger("campaigns_revision", on: "BEFORE UPDATE ON campaigns", when: "NEW.revision = OLD.revision", returning: "NEW", body: """
                NEW.revision := OLD.revision + 1;
                """),
            trigger("campaigns_priority", on: "AFTER UPDATE OF priority ON campaigns", when: "NEW.priority != OLD.priority", body: """
                UPDATE enrollments SET priority = NEW.priority WHERE campaign_seq = NEW.seq;
                """),
            trigger("campaigns_lanes", on: "AFTER UPDATE OF prioritize_new_leads ON campaigns",
                    when: "NEW.prioritize_new_leads != OLD.prioritize_new_leads", body: """
                UPDATE enrollments SET lane = 1 - lane WHERE campaign_seq = NEW.seq;
                """),
            trigger("campaign_links_changed", on: "AFTER INSERT OR DELETE ON campaign_senders", when: nil, body: """
                IF TG_OP = 'DELETE' THEN
                    UPDATE campaigns SET revision = revision + 1 WHERE seq = OLD.campaign_seq;
                ELSE
                    UPDATE campaigns SET revision = revision + 1 WHERE seq = NEW.campaign_seq;
                END IF;
                """),
            trigger("campaign_lists_changed", on: "AFTER INSERT OR DELETE ON campaign_lists", when: nil, body: """
                IF TG_OP = 'DELETE' THEN
                    UPDATE campaigns SET revision = revision + 1 WHERE seq = OLD.campaign_seq;
                ELSE
                    UPDATE campaigns SET revision = revision + 1 WHERE seq = NEW.campaign_seq;
                END IF;
                """),
            // A sender's settings changed (not the engine's own bookkeeping: slots, pacing, usage).
            trigger("senders_revision", on: """
                BEFORE UPDATE OF workspace_id, channel, display_name, identity, linkedin_url, email, phone, timezone, status, limits,
                    pacing, settings, updated_at ON senders
                """, when: "NEW.revision = OLD.revision", returning: "NEW", body: """
                NEW.revision := OLD.revision + 1;
                """),
        ]
    }

    /// A row trigger and its function (two statements): `body` runs for each row for which `when` holds.
    private static func trigger(_ name: String, on event: String, when condition: String?, returning: String = "NULL",
                                body: String) -> [String] {
        ["""
         CREATE FUNCTION \(name)() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN
         \(body)
         RETURN \(returning);
         END $$
         """,
         "CREATE TRIGGER \(name) \(event) FOR EACH ROW \(condition.map { "WHEN (\($0))" } ?? "") EXECUTE FUNCTION \(name)()"]
    }
}
