import Foundation
import OutboundCore
import PostgresNIO

extension PostgresStore: WebSessionStore {
    public func insertWebSession(_ session: WebSession, tokenHash: String) async throws {
        try await conflictOnUnique {
            try await client.query("""
                INSERT INTO web_sessions (id, token_hash, user_id, workspace_id, csrf_token, user_agent, created_at, last_seen_at)
                VALUES (\(session.id.rawValue), \(tokenHash), \(session.userID.rawValue), \(session.workspaceID.rawValue), \(session.csrfToken),
                        \(session.userAgent), \(Self.millis(session.createdAt)), \(Self.millis(session.lastSeenAt)))
                """, logger: logger)
        }
    }

    public func webSession(tokenHash: String) async throws -> WebSession? {
        try await webSessions("SELECT \(unescaped: Self.sessionColumns) FROM web_sessions WHERE token_hash = \(tokenHash)").first
    }

    public func webSessions(of user: ID) async throws -> [WebSession] {
        try await webSessions("""
            SELECT \(unescaped: Self.sessionColumns) FROM web_sessions WHERE user_id = \(user.rawValue) ORDER BY seq DESC LIMIT 100
            """)
    }

    public func revokeWebSession(_ id: ID, of user: ID, at: Date) async throws -> Bool {
        try await !Self.values(client.query("""
            UPDATE web_sessions SET revoked_at = coalesce(revoked_at, \(Self.millis(at))) WHERE id = \(id.rawValue) AND user_id = \(user.rawValue)
            RETURNING 1
            """, logger: logger), as: Int.self).isEmpty
    }

    public func touchWebSession(_ id: ID, at: Date) async throws {
        try await client.query("UPDATE web_sessions SET last_seen_at = \(Self.millis(at)) WHERE id = \(id.rawValue)", logger: logger)
    }

    private static let sessionColumns = "id, user_id, workspace_id, csrf_token, user_agent, created_at, last_seen_at, revoked_at"

    /// The sessions a query selecting `sessionColumns` finds.
    private func webSessions(_ query: PostgresQuery) async throws -> [WebSession] {
        var result: [WebSession] = []
        for try await (id, user, workspace, csrf, agent, created, seen, revoked) in try await client.query(query, logger: logger)
            .decode((String, String, String, String, String?, Int64, Int64, Int64?).self) {
            result.append(WebSession(id: ID(trusted: id), userID: ID(trusted: user), workspaceID: ID(trusted: workspace), csrfToken: csrf,
                                     userAgent: agent, createdAt: Self.date(created), lastSeenAt: Self.date(seen), revokedAt: Self.date(revoked)))
        }
        return result
    }
}
