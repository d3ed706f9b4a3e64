import Foundation
import OutboundCore
import PostgresNIO

extension PostgresStore: UserStore {
    public func insertUser(_ user: User) async throws {
        try await conflictOnUnique {
            try await client.query("""
                INSERT INTO users (id, workspace_id, email, full_name, access_role, password_hash, created_at)
                VALUES (\(user.id.rawValue), \(user.workspaceID.rawValue), \(user.email), \(user.fullName), \(user.accessRole),
                        \(user.passwordHash), \(Self.millis(user.createdAt)))
                """, logger: logger)
        }
    }

    public func user(email: String) async throws -> User? {
        try await users("SELECT \(unescaped: Self.userColumns) FROM users WHERE email = \(email)").first
    }

    public func user(id: ID) async throws -> User? {
        try await users("SELECT \(unescaped: Self.userColumns) FROM users WHERE id = \(id.rawValue)").first
    }

    public func userCount() async throws -> Int {
        try await Self.values(client.query("SELECT count(*) FROM users", logger: logger), as: Int.self).first ?? 0
    }

    public func users(in workspace: ID) async throws -> [User] {
        try await users("SELECT \(unescaped: Self.userColumns) FROM users WHERE workspace_id = \(workspace.rawValue) ORDER BY created_at, id")
    }

    private static let userColumns = "id, workspace_id, email, full_name, access_role, password_hash, created_at"

    /// The users a query selecting `userColumns` finds.
    private func users(_ query: PostgresQuery) async throws -> [User] {
        var result: [User] = []
        for try await (id, workspace, email, name, role, hash, created) in try await client.query(query, logger: logger)
            .decode((String, String, String, String?, String, String, Int64).self) {
            result.append(User(id: ID(trusted: id), workspaceID: ID(trusted: workspace), email: email, fullName: name, accessRole: role,
                               passwordHash: hash, createdAt: Self.date(created)))
        }
        return result
    }
}

extension PostgresStore: IdempotencyStore {
    public func claimIdempotencyKey(_ key: String, requestHash: String, in workspace: ID, at: Date,
                                    expiry: TimeInterval) async throws -> IdempotencyClaim {
        try await transaction { connection in
            try await connection.query("DELETE FROM idempotency_keys WHERE created_at < \(Self.millis(at.addingTimeInterval(-expiry)))",
                                       logger: self.logger)
            // The insert waits for a concurrent one of the same key to end, then finds it there.
            let inserted = try await Self.values(connection.query("""
                INSERT INTO idempotency_keys (workspace_id, key, request_hash, created_at)
                VALUES (\(workspace.rawValue), \(key), \(requestHash), \(Self.millis(at)))
                ON CONFLICT (workspace_id, key) DO NOTHING RETURNING 1
                """, logger: self.logger), as: Int.self)
            if !inserted.isEmpty { return .claimed }
            for try await (hash, reply) in try await connection.query("""
                SELECT request_hash, reply FROM idempotency_keys WHERE workspace_id = \(workspace.rawValue) AND key = \(key)
                """, logger: self.logger).decode((String, Data?).self) {
                guard hash == requestHash else { return .mismatch }
                guard let reply else { return .inProgress }
                return .replay(Array(reply))
            }
            // Claimed and released by another request between the two statements: ours to take.
            try await connection.query("""
                INSERT INTO idempotency_keys (workspace_id, key, request_hash, created_at)
                VALUES (\(workspace.rawValue), \(key), \(requestHash), \(Self.millis(at)))
                """, logger: self.logger)
            return .claimed
        }
    }

    public func completeIdempotencyKey(_ key: String, in workspace: ID, reply: [UInt8]) async throws {
        try await client.query("""
            UPDATE idempotency_keys SET reply = \(Data(reply)) WHERE workspace_id = \(workspace.rawValue) AND key = \(key)
            """, logger: logger)
    }

    public func releaseIdempotencyKey(_ key: String, in workspace: ID) async throws {
        try await client.query("""
            DELETE FROM idempotency_keys WHERE workspace_id = \(workspace.rawValue) AND key = \(key) AND reply IS NULL
            """, logger: logger)
    }
}
