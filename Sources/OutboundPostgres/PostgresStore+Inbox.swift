import Foundation
import OutboundCore
import PostgresNIO

extension PostgresStore: MailboxStore, LinkedInMemberStore, InboxStore {
    // MARK: Mailboxes

    public func mailboxSenders() async throws -> [Sender] {
        try await rows("SELECT * FROM senders WHERE channel = 'email' AND settings::json -> 'imap' IS NOT NULL ORDER BY seq").map(Self.sender)
    }

    /// Each mailbox is read by one process (`mailbox_watches`): the ones no live process reads
    /// become this one's, and this one's stay its own while it lives. A process that stops loses
    /// them when its lease runs out; the next look of another (its watch service looks every few
    /// seconds) takes them over.
    public func mailboxesToWatch() async throws -> [Sender] {
        try await transaction { connection in
            try await connection.query("""
                INSERT INTO mailbox_watches (sender_seq, owner)
                SELECT seq, \(self.owner) FROM senders WHERE channel = 'email' AND settings::json -> 'imap' IS NOT NULL ORDER BY seq
                ON CONFLICT (sender_seq) DO UPDATE SET owner = excluded.owner
                WHERE mailbox_watches.owner <> excluded.owner AND NOT EXISTS (
                    SELECT 1 FROM workers w WHERE w.id = mailbox_watches.owner AND w.expires_at > \(unescaped: Self.databaseNow))
                """, logger: self.logger)
            return try await Self.rows("""
                SELECT s.* FROM senders s JOIN mailbox_watches m ON m.sender_seq = s.seq
                WHERE m.owner = \(self.owner) AND s.channel = 'email' AND s.settings::json -> 'imap' IS NOT NULL ORDER BY s.seq
                """, on: connection, logger: self.logger).map(Self.sender)
        }
    }

    public func mailboxState(of sender: ID) async throws -> MailboxState? {
        try await rows("SELECT * FROM mailboxes WHERE sender_id = \(sender.rawValue)").first.map { row in
            MailboxState(senderID: ID(trusted: try row["sender_id"]), uidValidity: try row["uid_validity"], lastUID: try row["last_uid"],
                         status: MailboxState.Status(rawValue: try row["status"]) ?? .failing, error: try row["error"],
                         checkedAt: Self.date(try row["checked_at"] as Int64), messagesRead: try row["messages_read"])
        }
    }

    public func saveMailboxState(_ state: MailboxState) async throws {
        // A sender deleted meanwhile has no mailbox to remember.
        try await client.query("""
            INSERT INTO mailboxes (sender_id, uid_validity, last_uid, status, error, checked_at, messages_read)
            SELECT id, \(state.uidValidity), \(state.lastUID), \(state.status.rawValue), \(state.error), \(Self.millis(state.checkedAt)),
                   \(state.messagesRead) FROM senders WHERE id = \(state.senderID.rawValue)
            ON CONFLICT (sender_id) DO UPDATE SET uid_validity = excluded.uid_validity, last_uid = excluded.last_uid,
                status = excluded.status, error = excluded.error, checked_at = excluded.checked_at, messages_read = excluded.messages_read
            """, logger: logger)
    }

    // MARK: LinkedIn members

    public func linkedinMemberID(of linkedinURL: String, in workspace: ID) async throws -> String? {
        try await Self.values(client.query("""
            SELECT linkedin_member_id FROM contacts
            WHERE workspace_id = \(workspace.rawValue) AND linkedin_url = \(linkedinURL) AND linkedin_member_id IS NOT NULL LIMIT 1
            """, logger: logger), as: String.self).first
    }

    public func rememberLinkedInMember(_ memberID: String, of linkedinURL: String, in workspace: ID) async throws {
        try await client.query("""
            UPDATE contacts SET linkedin_member_id = \(memberID) WHERE workspace_id = \(workspace.rawValue) AND linkedin_url = \(linkedinURL)
            """, logger: logger)
    }

    public func linkedinURL(ofMember memberID: String, in workspace: ID) async throws -> String? {
        try await Self.values(client.query("""
            SELECT linkedin_url FROM contacts WHERE workspace_id = \(workspace.rawValue) AND linkedin_member_id = \(memberID) LIMIT 1
            """, logger: logger), as: String?.self).first.flatMap { $0 }
    }

    // MARK: Inbox

    private static let threadColumns = """
        t.campaign_id, k.name AS campaign_name, k.channel, t.contact_id, c.first_name, c.last_name, c.email, c.linkedin_url, c.phone,
        c.status AS contact_status, t.last_reply_at, t.last_reply, t.read_at, t.done_at
        FROM inbox_threads t JOIN campaigns k ON k.id = t.campaign_id JOIN contacts c ON c.id = t.contact_id
        """

    public func inboxThreads(in workspace: ID, done: Bool, before: Date?, limit: Int) async throws -> [InboxThread] {
        try await rows("""
            SELECT \(unescaped: Self.threadColumns)
            WHERE t.workspace_id = \(workspace.rawValue) AND (t.done_at IS NOT NULL) = \(done) AND t.last_reply_at < \(before.map { Self.millis($0) } ?? Int64.max)
            ORDER BY t.last_reply_at DESC LIMIT \(limit)
            """).map(Self.thread)
    }

    public func inboxThread(campaign: ID, contact: ID, in workspace: ID) async throws -> InboxThread? {
        try await rows("""
            SELECT \(unescaped: Self.threadColumns)
            WHERE t.campaign_id = \(campaign.rawValue) AND t.contact_id = \(contact.rawValue) AND t.workspace_id = \(workspace.rawValue)
            """).first.map(Self.thread)
    }

    public func inboxMessages(campaign: ID, contact: ID, in workspace: ID) async throws -> [InboxMessage] {
        let ours = try await rows("""
            SELECT coalesce(a.sent_at, a.created_at) AS at, a.kind, a.subject, a.body, a.state, a.error FROM actions a
            JOIN enrollments e ON e.seq = a.enrollment_seq JOIN contacts c ON c.seq = e.contact_seq JOIN campaigns k ON k.seq = a.campaign_seq
            WHERE k.id = \(campaign.rawValue) AND c.id = \(contact.rawValue) AND k.workspace_id = \(workspace.rawValue)
                AND (a.state IN ('sent', 'uncertain', 'sending') OR (a.state = 'failed' AND a.node_id LIKE \(ReplyService.nodePrefix + "%")))
            ORDER BY a.seq
            """).map { row in
            InboxMessage(at: Self.date(try row["at"] as Int64), fromUs: true, kind: try row["kind"], subject: try row["subject"],
                         text: try row["body"], state: ActionState(rawValue: try row["state"]) ?? .sent, error: try row["error"])
        }
        let theirs = try await rows("""
            SELECT at, text FROM inbox_replies
            WHERE campaign_id = \(campaign.rawValue) AND contact_id = \(contact.rawValue) AND workspace_id = \(workspace.rawValue) ORDER BY seq
            """).map { row in
            InboxMessage(at: Self.date(try row["at"] as Int64), fromUs: false, kind: "reply", subject: nil, text: try row["text"])
        }
        return (ours + theirs).sorted { $0.at < $1.at }
    }

    public func markInboxThread(campaign: ID, contact: ID, in workspace: ID, read: Date?, done: Bool?, at: Date) async throws -> Bool {
        !(try await Self.values(client.query("""
            UPDATE inbox_threads SET read_at = coalesce(\(Self.millis(read)), read_at),
                done_at = CASE \(done)::boolean WHEN true THEN coalesce(done_at, \(Self.millis(at))) WHEN false THEN NULL ELSE done_at END
            WHERE campaign_id = \(campaign.rawValue) AND contact_id = \(contact.rawValue) AND workspace_id = \(workspace.rawValue)
            RETURNING 1
            """, logger: logger), as: Int.self).isEmpty)
    }

    private static func thread(_ row: Row) throws -> InboxThread {
        let name = [try row["first_name"] as String?, try row["last_name"] as String?].compactMap { $0 }.joined(separator: " ")
        let email: String? = try row["email"], profile: String? = try row["linkedin_url"], phone: String? = try row["phone"]
        let identity = email ?? profile ?? phone ?? ""
        return InboxThread(campaignID: ID(trusted: try row["campaign_id"]), campaignName: try row["campaign_name"],
                           channel: CampaignChannel(rawValue: try row["channel"]) ?? .email, contactID: ID(trusted: try row["contact_id"]),
                           contactName: name.isEmpty ? identity : name, identity: identity, contactStatus: (try row["contact_status"] as String?) ?? "",
                           lastReplyAt: date(try row["last_reply_at"] as Int64), lastReply: try row["last_reply"],
                           unread: (try row["read_at"] as Int64?) == nil, done: (try row["done_at"] as Int64?) != nil)
    }
}
