import Foundation
import GRDB
import OutboundCore

extension SQLiteStore {
    public func insertUser(_ user: User) async throws {
        try await write { db in
            try db.execute(sql: """
                INSERT INTO users (id, workspace_id, email, full_name, access_role, password_hash, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
                """, arguments: [user.id.rawValue, user.workspaceID.rawValue, user.email, user.fullName, user.accessRole,
                                 user.passwordHash, Self.millis(user.createdAt)])
        }
    }

    public func user(email: String) async throws -> User? {
        try await read { db in try Row.fetchOne(db, sql: "SELECT * FROM users WHERE email = ?", arguments: [email]).map(Self.user) }
    }

    public func user(id: ID) async throws -> User? {
        try await read { db in try Row.fetchOne(db, sql: "SELECT * FROM users WHERE id = ?", arguments: [id.rawValue]).map(Self.user) }
    }

    public func userCount() async throws -> Int {
        try await read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM users") ?? 0 }
    }

    public func users(in workspace: ID) async throws -> [User] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM users WHERE workspace_id = ? ORDER BY created_at, id", arguments: [workspace.rawValue]).map(Self.user)
        }
    }

    public func hasBeenContacted(_ contact: ID, in workspace: ID) async throws -> Bool {
        try await read { db in
            try Bool.fetchOne(db, sql: """
                SELECT EXISTS (SELECT 1 FROM enrollments e JOIN contacts c ON c.seq = e.contact_seq
                               WHERE c.id = ? AND c.workspace_id = ? AND e.started_at IS NOT NULL)
                """, arguments: [contact.rawValue, workspace.rawValue]) ?? false
        }
    }

    private static func user(_ row: Row) -> User {
        User(id: ID(trusted: row["id"]), workspaceID: ID(trusted: row["workspace_id"]), email: row["email"], fullName: row["full_name"],
             accessRole: row["access_role"], passwordHash: row["password_hash"], createdAt: date(row["created_at"] as Int64))
    }
}
