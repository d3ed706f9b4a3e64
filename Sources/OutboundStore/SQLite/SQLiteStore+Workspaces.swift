import Foundation
import GRDB
import OutboundCore

extension SQLiteStore {
    public func insertWorkspace(_ workspace: Workspace, firstKey: ApiKey) async throws {
        try await write { db in
            try db.execute(
                sql: "INSERT INTO workspaces (id, name, default_phone_region, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
                arguments: [workspace.id.rawValue, workspace.name, workspace.defaultPhoneRegion,
                            Self.millis(workspace.createdAt), Self.millis(workspace.updatedAt)])
            try Self.insert(firstKey, db)
        }
    }

    public func workspace(_ id: ID) async throws -> Workspace? {
        try await read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM workspaces WHERE id = ?", arguments: [id.rawValue]).map(Self.workspace)
        }
    }

    public func workspaceSummaries() async throws -> [WorkspaceSummary] {
        try await read { db in
            try Row.fetchAll(db, sql: """
                SELECT w.*,
                       (SELECT count(*) FROM senders WHERE workspace_id = w.id) AS sender_count,
                       (SELECT count(*) FROM campaigns WHERE workspace_id = w.id) AS campaign_count,
                       (SELECT count(*) FROM contacts WHERE workspace_id = w.id) AS contact_count,
                       (SELECT count(*) FROM api_keys WHERE workspace_id = w.id AND revoked_at IS NULL) AS key_count
                FROM workspaces w ORDER BY w.seq
                """).map { row in
                WorkspaceSummary(workspace: Self.workspace(row), senders: row["sender_count"], campaigns: row["campaign_count"],
                                 contacts: row["contact_count"], activeKeys: row["key_count"])
            }
        }
    }

    private static func workspace(_ row: Row) -> Workspace {
        var workspace = Workspace(id: ID(trusted: row["id"]), name: row["name"], defaultPhoneRegion: row["default_phone_region"],
                                  createdAt: date(row["created_at"] as Int64), updatedAt: date(row["updated_at"] as Int64))
        workspace.dailyQuota = row["daily_quota"]
        return workspace
    }

    public func workspaceCount() async throws -> Int {
        try await read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM workspaces") ?? 0 }
    }

    public func workspaceIDs(limit: Int) async throws -> [ID] {
        try await read { db in
            try String.fetchAll(db, sql: "SELECT id FROM workspaces ORDER BY seq LIMIT ?", arguments: [limit]).map(ID.init(trusted:))
        }
    }

    public func updateWorkspace(_ workspace: Workspace) async throws {
        try await write { db in
            try db.execute(sql: "UPDATE workspaces SET name = ?, default_phone_region = ?, daily_quota = ?, updated_at = ? WHERE id = ?",
                           arguments: [workspace.name, workspace.defaultPhoneRegion, workspace.dailyQuota, Self.millis(workspace.updatedAt),
                                       workspace.id.rawValue])
        }
    }

    public func instanceSecret() async throws -> [UInt8] {
        try await read { db in
            let data = try Data.fetchOne(db, sql: "SELECT value FROM instance WHERE key = 'identity_hash_key'") ?? Data()
            return Array(data)
        }
    }

    public func insertApiKey(_ key: ApiKey) async throws {
        try await write { db in try Self.insert(key, db) }
    }

    public func apiKey(hash: String) async throws -> ApiKey? {
        try await read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM api_keys WHERE hash = ?", arguments: [hash]).map(Self.apiKey)
        }
    }

    public func apiKeys(in workspace: ID, page: PageRequest) async throws -> Page<ApiKey> {
        try await read { db in
            try Self.page(db, table: "api_keys", workspace: workspace, page: page) { _, row in Self.apiKey(row) }
        }
    }

    public func revokeApiKey(_ id: ID, in workspace: ID, at: Date) async throws -> ApiKey? {
        try await write { db in
            try db.execute(
                sql: "UPDATE api_keys SET revoked_at = coalesce(revoked_at, ?) WHERE id = ? AND workspace_id = ?",
                arguments: [Self.millis(at), id.rawValue, workspace.rawValue])
            return try Row.fetchOne(db, sql: "SELECT * FROM api_keys WHERE id = ? AND workspace_id = ?",
                                    arguments: [id.rawValue, workspace.rawValue]).map(Self.apiKey)
        }
    }

    private static func insert(_ key: ApiKey, _ db: Database) throws {
        try db.execute(
            sql: """
                INSERT INTO api_keys (id, workspace_id, name, prefix, hash, created_at, revoked_at, rate_per_second, rate_burst)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [key.id.rawValue, key.workspaceID.rawValue, key.name, key.prefix, key.hash,
                        millis(key.createdAt), millis(key.revokedAt), key.rateLimit?.perSecond, key.rateLimit?.burst])
    }

    private static func apiKey(_ row: Row) -> ApiKey {
        ApiKey(id: ID(trusted: row["id"]), workspaceID: ID(trusted: row["workspace_id"]), name: row["name"],
               prefix: row["prefix"], hash: row["hash"], createdAt: date(row["created_at"] as Int64),
               revokedAt: date(row["revoked_at"] as Int64?),
               rateLimit: (row["rate_per_second"] as Int?).flatMap { perSecond in
                   (row["rate_burst"] as Int?).map { RequestRate(perSecond: perSecond, burst: $0) }
               })
    }
}
