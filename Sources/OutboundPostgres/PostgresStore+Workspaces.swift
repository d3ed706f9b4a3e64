import Foundation
import OutboundCore
import PostgresNIO

extension PostgresStore: WorkspaceStore {
    public func insertWorkspace(_ workspace: Workspace, firstKey: ApiKey) async throws {
        try await conflictOnUnique {
            try await transaction { connection in
                try await connection.query("""
                    INSERT INTO workspaces (id, name, default_phone_region, daily_quota, created_at, updated_at)
                    VALUES (\(workspace.id.rawValue), \(workspace.name), \(workspace.defaultPhoneRegion), \(workspace.dailyQuota),
                            \(Self.millis(workspace.createdAt)), \(Self.millis(workspace.updatedAt)))
                    """, logger: self.logger)
                try await Self.insert(firstKey, connection, logger: self.logger)
            }
        }
    }

    public func workspace(_ id: ID) async throws -> Workspace? {
        try await workspaces("SELECT \(unescaped: Self.workspaceColumns) FROM workspaces WHERE id = \(id.rawValue)").first
    }

    public func workspaceCount() async throws -> Int {
        try await Self.values(client.query("SELECT count(*) FROM workspaces", logger: logger), as: Int.self).first ?? 0
    }

    public func workspaceIDs(limit: Int) async throws -> [ID] {
        try await Self.values(client.query("SELECT id FROM workspaces ORDER BY seq LIMIT \(limit)", logger: logger), as: String.self)
            .map(ID.init(trusted:))
    }

    public func updateWorkspace(_ workspace: Workspace) async throws {
        try await client.query("""
            UPDATE workspaces SET name = \(workspace.name), default_phone_region = \(workspace.defaultPhoneRegion),
                daily_quota = \(workspace.dailyQuota), updated_at = \(Self.millis(workspace.updatedAt))
            WHERE id = \(workspace.id.rawValue)
            """, logger: logger)
    }

    public func instanceSecret() async throws -> [UInt8] {
        Array(try await Self.values(client.query("SELECT value FROM instance WHERE key = 'identity_hash_key'", logger: logger), as: Data.self)
            .first ?? Data())
    }

    public func insertApiKey(_ key: ApiKey) async throws {
        try await conflictOnUnique {
            try await client.withConnection { connection in try await Self.insert(key, connection, logger: self.logger) }
        }
    }

    public func apiKey(hash: String) async throws -> ApiKey? {
        try await apiKeys("SELECT \(unescaped: Self.keyColumns) FROM api_keys WHERE hash = \(hash)").first
    }

    public func apiKeys(in workspace: ID, page: PageRequest) async throws -> Page<ApiKey> {
        var after: Int64 = 0
        if let cursor = page.startingAfter {
            guard let found = try await Self.values(client.query("""
                SELECT seq FROM api_keys WHERE id = \(cursor.rawValue) AND workspace_id = \(workspace.rawValue)
                """, logger: logger), as: Int64.self).first else { throw ValidationError("starting_after", "no such item in this list") }
            after = found
        }
        let keys = try await apiKeys("""
            SELECT \(unescaped: Self.keyColumns) FROM api_keys WHERE workspace_id = \(workspace.rawValue) AND seq > \(after)
            ORDER BY seq LIMIT \(page.limit + 1)
            """)
        return Page(items: Array(keys.prefix(page.limit)), hasMore: keys.count > page.limit)
    }

    public func revokeApiKey(_ id: ID, in workspace: ID, at: Date) async throws -> ApiKey? {
        try await client.query("""
            UPDATE api_keys SET revoked_at = coalesce(revoked_at, \(Self.millis(at))) WHERE id = \(id.rawValue) AND workspace_id = \(workspace.rawValue)
            """, logger: logger)
        return try await apiKeys("""
            SELECT \(unescaped: Self.keyColumns) FROM api_keys WHERE id = \(id.rawValue) AND workspace_id = \(workspace.rawValue)
            """).first
    }

    // MARK: Rows

    private static let workspaceColumns = "id, name, default_phone_region, daily_quota, created_at, updated_at"
    private static let keyColumns = "id, workspace_id, name, prefix, hash, created_at, revoked_at, rate_per_second, rate_burst"

    /// The workspaces a query selecting `workspaceColumns` finds.
    private func workspaces(_ query: PostgresQuery) async throws -> [Workspace] {
        var result: [Workspace] = []
        for try await (id, name, region, quota, created, updated) in try await client.query(query, logger: logger)
            .decode((String, String, String, Int?, Int64, Int64).self) {
            var workspace = Workspace(id: ID(trusted: id), name: name, defaultPhoneRegion: region, createdAt: Self.date(created),
                                      updatedAt: Self.date(updated))
            workspace.dailyQuota = quota
            result.append(workspace)
        }
        return result
    }

    /// The API keys a query selecting `keyColumns` finds.
    private func apiKeys(_ query: PostgresQuery) async throws -> [ApiKey] {
        var result: [ApiKey] = []
        for try await (id, workspace, name, prefix, hash, created, revoked, perSecond, burst) in try await client.query(query, logger: logger)
            .decode((String, String, String, String, String, Int64, Int64?, Int?, Int?).self) {
            result.append(ApiKey(id: ID(trusted: id), workspaceID: ID(trusted: workspace), name: name, prefix: prefix, hash: hash,
                                 createdAt: Self.date(created), revokedAt: Self.date(revoked),
                                 rateLimit: perSecond.flatMap { perSecond in burst.map { RequestRate(perSecond: perSecond, burst: $0) } }))
        }
        return result
    }

    private static func insert(_ key: ApiKey, _ connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("""
            INSERT INTO api_keys (id, workspace_id, name, prefix, hash, created_at, revoked_at, rate_per_second, rate_burst)
            VALUES (\(key.id.rawValue), \(key.workspaceID.rawValue), \(key.name), \(key.prefix), \(key.hash), \(millis(key.createdAt)),
                    \(millis(key.revokedAt)), \(key.rateLimit?.perSecond), \(key.rateLimit?.burst))
            """, logger: logger)
    }

    /// Runs `body`; a uniqueness violation (SQLSTATE 23505) becomes `conflict`, as in `SQLiteStore.write`.
    func conflictOnUnique<T>(_ conflict: ConflictError = ConflictError("the resource already exists"),
                             _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == "23505" {
            throw conflict
        }
    }
}
