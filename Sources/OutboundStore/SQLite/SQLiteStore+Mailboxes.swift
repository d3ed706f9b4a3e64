import Foundation
import GRDB
import OutboundCore

extension SQLiteStore {
    public func mailboxSenders() async throws -> [Sender] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM senders WHERE channel = 'email' AND json_extract(settings, '$.imap') IS NOT NULL ORDER BY seq")
                .map(Self.sender)
        }
    }

    public func mailboxState(of sender: ID) async throws -> MailboxState? {
        try await read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM mailboxes WHERE sender_id = ?", arguments: [sender.rawValue]).map { row in
                MailboxState(senderID: ID(trusted: row["sender_id"]), uidValidity: row["uid_validity"], lastUID: row["last_uid"],
                             status: MailboxState.Status(rawValue: row["status"]) ?? .failing, error: row["error"],
                             checkedAt: Self.date(row["checked_at"] as Int64), messagesRead: row["messages_read"])
            }
        }
    }

    public func saveMailboxState(_ state: MailboxState) async throws {
        try await write { db in
            // A sender deleted meanwhile has no mailbox to remember.
            try db.execute(sql: """
                INSERT INTO mailboxes (sender_id, uid_validity, last_uid, status, error, checked_at, messages_read)
                SELECT id, ?, ?, ?, ?, ?, ? FROM senders WHERE id = ?
                ON CONFLICT (sender_id) DO UPDATE SET uid_validity = excluded.uid_validity, last_uid = excluded.last_uid,
                    status = excluded.status, error = excluded.error, checked_at = excluded.checked_at,
                    messages_read = excluded.messages_read
                """, arguments: [state.uidValidity, state.lastUID, state.status.rawValue, state.error, Self.millis(state.checkedAt),
                                 state.messagesRead, state.senderID.rawValue])
        }
    }
}

extension SQLiteStore {
    public func linkedinMemberID(of linkedinURL: String, in workspace: ID) async throws -> String? {
        try await read { db in
            try String.fetchOne(db, sql: """
                SELECT linkedin_member_id FROM contacts WHERE workspace_id = ? AND linkedin_url = ? AND linkedin_member_id IS NOT NULL LIMIT 1
                """, arguments: [workspace.rawValue, linkedinURL])
        }
    }

    public func rememberLinkedInMember(_ memberID: String, of linkedinURL: String, in workspace: ID) async throws {
        try await write { db in
            try db.execute(sql: "UPDATE contacts SET linkedin_member_id = ? WHERE workspace_id = ? AND linkedin_url = ?",
                           arguments: [memberID, workspace.rawValue, linkedinURL])
        }
    }

    public func linkedinURL(ofMember memberID: String, in workspace: ID) async throws -> String? {
        try await read { db in
            try String.fetchOne(db, sql: "SELECT linkedin_url FROM contacts WHERE workspace_id = ? AND linkedin_member_id = ? LIMIT 1",
                                arguments: [workspace.rawValue, memberID])
        }
    }
}
