import Foundation
import GRDB
import OutboundCore

extension SQLiteStore {
    public func insertWebSession(_ session: WebSession, tokenHash: String) async throws {
        try await write { db in
            try db.execute(sql: """
                INSERT INTO web_sessions (id, token_hash, user_id, workspace_id, csrf_token, user_agent, created_at, last_seen_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [session.id.rawValue, tokenHash, session.userID.rawValue, session.workspaceID.rawValue, session.csrfToken,
                                 session.userAgent, Self.millis(session.createdAt), Self.millis(session.lastSeenAt)])
        }
    }

    public func webSession(tokenHash: String) async throws -> WebSession? {
        try await read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM web_sessions WHERE token_hash = ?", arguments: [tokenHash]).map(Self.webSession)
        }
    }

    public func webSessions(of user: ID) async throws -> [WebSession] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM web_sessions WHERE user_id = ? ORDER BY seq DESC LIMIT 100", arguments: [user.rawValue])
                .map(Self.webSession)
        }
    }

    public func revokeWebSession(_ id: ID, of user: ID, at: Date) async throws -> Bool {
        try await write { db in
            try db.execute(sql: "UPDATE web_sessions SET revoked_at = coalesce(revoked_at, ?) WHERE id = ? AND user_id = ?",
                           arguments: [Self.millis(at), id.rawValue, user.rawValue])
            return db.changesCount > 0
        }
    }

    public func touchWebSession(_ id: ID, at: Date) async throws {
        try await write { db in
            try db.execute(sql: "UPDATE web_sessions SET last_seen_at = ? WHERE id = ?", arguments: [Self.millis(at), id.rawValue])
        }
    }

    private static func webSession(_ row: Row) -> WebSession {
        WebSession(id: ID(trusted: row["id"]), userID: ID(trusted: row["user_id"]), workspaceID: ID(trusted: row["workspace_id"]),
                   csrfToken: row["csrf_token"], userAgent: row["user_agent"], createdAt: date(row["created_at"] as Int64),
                   lastSeenAt: date(row["last_seen_at"] as Int64), revokedAt: date(row["revoked_at"] as Int64?))
    }
}
