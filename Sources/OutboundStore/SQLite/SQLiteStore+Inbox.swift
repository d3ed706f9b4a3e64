import Foundation
import GRDB
import OutboundCore

/// The unified inbox in SQLite: a trigger on the event log keeps every reply (with its text) and
/// opens or reopens its conversation in the same transaction as the reply itself.
enum InboxSchema {
    static func migrate(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE inbox_replies (
                seq INTEGER PRIMARY KEY,
                workspace_id TEXT NOT NULL,
                campaign_id TEXT NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
                contact_id TEXT NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
                at INTEGER NOT NULL,
                text TEXT
            );
            CREATE INDEX inbox_replies_lead ON inbox_replies(campaign_id, contact_id, seq);
            CREATE INDEX inbox_replies_contact ON inbox_replies(contact_id);
            CREATE TABLE inbox_threads (
                campaign_id TEXT NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
                contact_id TEXT NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
                workspace_id TEXT NOT NULL,
                last_reply_at INTEGER NOT NULL,
                last_reply TEXT,
                read_at INTEGER,
                done_at INTEGER,
                PRIMARY KEY (campaign_id, contact_id)
            ) WITHOUT ROWID;
            CREATE INDEX inbox_threads_recent ON inbox_threads(workspace_id, done_at IS NOT NULL, last_reply_at);
            CREATE INDEX inbox_threads_contact ON inbox_threads(contact_id);
            -- A new reply is unread and takes a done conversation back into the inbox.
            CREATE TRIGGER inbox_reply AFTER INSERT ON events
            WHEN NEW.type = 'reply.received' AND NEW.campaign_id IS NOT NULL AND NEW.contact_id IS NOT NULL
            BEGIN
                INSERT INTO inbox_replies (workspace_id, campaign_id, contact_id, at, text)
                VALUES (NEW.workspace_id, NEW.campaign_id, NEW.contact_id, NEW.at, json_extract(NEW.data, '$.reply.text'));
                INSERT INTO inbox_threads (campaign_id, contact_id, workspace_id, last_reply_at, last_reply)
                VALUES (NEW.campaign_id, NEW.contact_id, NEW.workspace_id, NEW.at, json_extract(NEW.data, '$.reply.text'))
                ON CONFLICT (campaign_id, contact_id) DO UPDATE SET last_reply_at = excluded.last_reply_at,
                    last_reply = excluded.last_reply, read_at = NULL, done_at = NULL;
            END;
            -- The replies the log holds already.
            INSERT INTO inbox_replies (workspace_id, campaign_id, contact_id, at, text)
            SELECT e.workspace_id, e.campaign_id, e.contact_id, e.at, json_extract(e.data, '$.reply.text') FROM events e
            WHERE e.type = 'reply.received' AND e.campaign_id IN (SELECT id FROM campaigns) AND e.contact_id IN (SELECT id FROM contacts)
            ORDER BY e.seq;
            INSERT OR REPLACE INTO inbox_threads (campaign_id, contact_id, workspace_id, last_reply_at, last_reply)
            SELECT campaign_id, contact_id, workspace_id, at, text FROM inbox_replies ORDER BY seq;
            """)
    }
}

extension SQLiteStore {
    private static let threadColumns = """
        t.campaign_id, k.name AS campaign_name, k.channel, t.contact_id, c.first_name, c.last_name, c.email, c.linkedin_url, c.phone,
        c.status AS contact_status, t.last_reply_at, t.last_reply, t.read_at, t.done_at
        FROM inbox_threads t JOIN campaigns k ON k.id = t.campaign_id JOIN contacts c ON c.id = t.contact_id
        """

    public func inboxThreads(in workspace: ID, done: Bool, before: Date?, limit: Int) async throws -> [InboxThread] {
        try await read { db in
            try Row.fetchAll(db, sql: """
                SELECT \(Self.threadColumns)
                WHERE t.workspace_id = ? AND (t.done_at IS NOT NULL) = ? AND t.last_reply_at < ?
                ORDER BY t.last_reply_at DESC LIMIT ?
                """, arguments: [workspace.rawValue, done, before.map { Self.millis($0) } ?? Int64.max, limit]).map(Self.thread)
        }
    }

    public func inboxThread(campaign: ID, contact: ID, in workspace: ID) async throws -> InboxThread? {
        try await read { db in
            try Row.fetchOne(db, sql: "SELECT \(Self.threadColumns) WHERE t.campaign_id = ? AND t.contact_id = ? AND t.workspace_id = ?",
                             arguments: [campaign.rawValue, contact.rawValue, workspace.rawValue]).map(Self.thread)
        }
    }

    public func inboxMessages(campaign: ID, contact: ID, in workspace: ID) async throws -> [InboxMessage] {
        try await read { db in
            let ours = try Row.fetchAll(db, sql: """
                SELECT coalesce(a.sent_at, a.created_at) AS at, a.kind, a.subject, a.body, a.state, a.error FROM actions a
                JOIN enrollments e ON e.seq = a.enrollment_seq JOIN contacts c ON c.seq = e.contact_seq JOIN campaigns k ON k.seq = a.campaign_seq
                WHERE k.id = ? AND c.id = ? AND k.workspace_id = ?
                    AND (a.state IN ('sent', 'uncertain', 'sending') OR (a.state = 'failed' AND a.node_id LIKE '\(ReplyService.nodePrefix)%'))
                """, arguments: [campaign.rawValue, contact.rawValue, workspace.rawValue]).map { row in
                InboxMessage(at: Self.date(row["at"] as Int64), fromUs: true, kind: row["kind"], subject: row["subject"], text: row["body"],
                             state: ActionState(rawValue: row["state"]) ?? .sent, error: row["error"])
            }
            let theirs = try Row.fetchAll(db, sql: """
                SELECT at, text FROM inbox_replies WHERE campaign_id = ? AND contact_id = ? AND workspace_id = ? ORDER BY seq
                """, arguments: [campaign.rawValue, contact.rawValue, workspace.rawValue]).map { row in
                InboxMessage(at: Self.date(row["at"] as Int64), fromUs: false, kind: "reply", subject: nil, text: row["text"])
            }
            return (ours + theirs).sorted { $0.at < $1.at }
        }
    }

    public func markInboxThread(campaign: ID, contact: ID, in workspace: ID, read: Date?, done: Bool?, at: Date) async throws -> Bool {
        try await write { db in
            try db.execute(sql: """
                UPDATE inbox_threads SET read_at = coalesce(?, read_at),
                    done_at = CASE ? WHEN 1 THEN coalesce(done_at, ?) WHEN 0 THEN NULL ELSE done_at END
                WHERE campaign_id = ? AND contact_id = ? AND workspace_id = ?
                """, arguments: [Self.millis(read), done.map { $0 ? 1 : 0 }, Self.millis(at), campaign.rawValue, contact.rawValue,
                                 workspace.rawValue])
            return db.changesCount > 0
        }
    }

    private static func thread(_ row: Row) -> InboxThread {
        let name = [row["first_name"] as String?, row["last_name"] as String?].compactMap { $0 }.joined(separator: " ")
        let identity = (row["email"] as String?) ?? (row["linkedin_url"] as String?) ?? (row["phone"] as String?) ?? ""
        return InboxThread(campaignID: ID(trusted: row["campaign_id"]), campaignName: row["campaign_name"],
                           channel: CampaignChannel(rawValue: row["channel"]) ?? .email, contactID: ID(trusted: row["contact_id"]),
                           contactName: name.isEmpty ? identity : name, identity: identity, contactStatus: row["contact_status"] ?? "",
                           lastReplyAt: date(row["last_reply_at"] as Int64), lastReply: row["last_reply"],
                           unread: (row["read_at"] as Int64?) == nil, done: (row["done_at"] as Int64?) != nil)
    }
}
