import Foundation
import GRDB
import OutboundCore
import OutboundStoreFormats

// The outbox's manual lane (docs/ARCHITECTURE.md §2): a reply written in the inbox is recorded
// `sending` with its sender in flight and counted in its usage log — the same three writes a
// claim makes — so the dispatcher's own claim, start-up's settling and every limit treat it
// like any other action.

extension SQLiteStore {
    public func startManualAction(_ reply: ManualReply, in workspace: ID, at now: Date,
                                  decide: @escaping @Sendable (ManualReplyContext) throws -> OutboundAction) async throws -> ManualStart {
        try await write { [cache] db in
            let nowMs = Self.millis(now)
            if let state = try String.fetchOne(db.cachedStatement(sql: "SELECT state FROM actions WHERE id = ? AND workspace_id = ?"),
                                               arguments: [reply.id.rawValue, workspace.rawValue]) {
                return .existing(ActionState(rawValue: state) ?? .sent)
            }
            guard let lead = try Row.fetchOne(db.cachedStatement(sql: """
                SELECT e.*, c.id AS contact_id, k.id AS campaign_id, x.id AS sender_id, k.revision AS campaign_revision
                FROM enrollments e JOIN contacts c ON c.seq = e.contact_seq JOIN campaigns k ON k.seq = e.campaign_seq
                LEFT JOIN senders x ON x.seq = e.sender_seq
                WHERE k.id = ? AND c.id = ? AND k.workspace_id = ?
                """), arguments: [reply.campaignID.rawValue, reply.contactID.rawValue, workspace.rawValue])
            else { throw NotFoundError("lead", id: reply.contactID.rawValue) }
            let enrollmentSeq: Int64 = lead["seq"], campaignSeq: Int64 = lead["campaign_seq"]
            // The conversation goes on where it happened: the sender of the last message that went out.
            let lastSender = try Int64.fetchOne(db.cachedStatement(sql: """
                SELECT sender_seq FROM actions WHERE enrollment_seq = ? AND state IN ('sent', 'uncertain') AND sender_seq IS NOT NULL
                ORDER BY seq DESC LIMIT 1
                """), arguments: [enrollmentSeq])
            guard let senderSeq = lastSender ?? lead["sender_seq"],
                  let senderRow = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM senders WHERE seq = ?"), arguments: [senderSeq])
            else { throw ConflictError("the lead has no sender to reply from") }
            if (senderRow["in_flight"] as Int64?) != nil { return .senderBusy }
            let lastSubject = try String.fetchOne(db.cachedStatement(sql: """
                SELECT subject FROM actions WHERE enrollment_seq = ? AND kind = 'email' AND subject IS NOT NULL AND state IN ('sent', 'uncertain')
                ORDER BY seq DESC LIMIT 1
                """), arguments: [enrollmentSeq])
            guard let campaign = try cache.campaign(campaignSeq, revision: lead["campaign_revision"], db),
                  let contactRow = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM contacts WHERE seq = ?"),
                                                    arguments: [lead["contact_seq"] as Int64])
            else { throw NotFoundError("lead", id: reply.contactID.rawValue) }
            let contact = try Self.contact(contactRow)
            var log = SenderUsageLog(senderRow["recent"] as Data?)
            let action = try decide(ManualReplyContext(
                campaign: campaign, contact: contact, enrollment: try Self.enrollment(lead), sender: try Self.sender(senderRow),
                lastSubject: lastSubject, usage: log.usage(at: nowMs), suppressed: try Self.suppressed([contact], db).contains(contact.id)))
            try db.cachedStatement(sql: """
                INSERT INTO actions (id, workspace_id, campaign_seq, enrollment_seq, node_id, sender_seq, kind, state, recipient,
                    subject, body, html, in_reply_to, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, 'sending', ?, ?, ?, ?, ?, ?, ?)
                """).execute(arguments: [action.id.rawValue, workspace.rawValue, campaignSeq, enrollmentSeq, action.nodeID, senderSeq,
                                 action.kind.rawValue, action.recipient, action.subject, action.body, action.html, action.inReplyTo,
                                 nowMs, nowMs])
            log.append(at: nowMs, campaign: campaignSeq, kind: action.kind)
            try db.cachedStatement(sql: "UPDATE senders SET in_flight = ?, next_slot_at = NULL, recent = ? WHERE seq = ?")
                .execute(arguments: [db.lastInsertedRowID, log.data, senderSeq])
            return .started(action)
        }
    }
}
