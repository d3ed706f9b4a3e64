import Foundation
import GRDB
import OutboundCore
import OutboundStoreFormats

extension SQLiteStore {
    public func insertSender(_ sender: Sender) async throws {
        let values = try Self.columns(of: sender)
        try await write(conflict: Self.senderIdentityTaken) { db in
            try db.execute(
                sql: """
                    INSERT INTO senders (id, workspace_id, channel, display_name, identity, linkedin_url, email, phone,
                        timezone, status, limits, pacing, settings, created_at, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: StatementArguments(values))
        }
    }

    public func sender(_ id: ID, in workspace: ID) async throws -> Sender? {
        try await read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM senders WHERE id = ? AND workspace_id = ?",
                             arguments: [id.rawValue, workspace.rawValue]).map(Self.sender)
        }
    }

    public func campaignExists(_ id: ID) async throws -> Bool {
        try await read { db in try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM campaigns WHERE id = ?)", arguments: [id.rawValue]) ?? false }
    }

    public func sender(_ id: ID) async throws -> Sender? {
        try await read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM senders WHERE id = ?", arguments: [id.rawValue]).map(Self.sender)
        }
    }

    public func senders(_ ids: [ID], in workspace: ID) async throws -> [Sender] {
        guard !ids.isEmpty else { return [] }
        return try await read { db in
            let marks = Array(repeating: "?", count: ids.count).joined(separator: ",")
            let arguments = StatementArguments([workspace.rawValue] + ids.map(\.rawValue))
            // `+workspace_id` keeps SQLite on the id index (see `contacts(_:in:)`).
            return try Row.fetchAll(db, sql: "SELECT * FROM senders WHERE +workspace_id = ? AND id IN (\(marks))",
                                    arguments: arguments).map(Self.sender)
        }
    }

    public func senders(in workspace: ID, page: PageRequest) async throws -> Page<Sender> {
        try await read { db in
            try Self.page(db, table: "senders", workspace: workspace, page: page) { _, row in try Self.sender(row) }
        }
    }

    public func updateSender(_ sender: Sender) async throws {
        let values = try Self.columns(of: sender)
        try await write(conflict: Self.senderIdentityTaken) { db in
            // Same column order as insert, minus id/workspace/channel/created_at, keyed by id.
            try db.execute(
                sql: """
                    UPDATE senders SET display_name = ?, identity = ?, linkedin_url = ?, email = ?, phone = ?,
                        timezone = ?, status = ?, limits = ?, pacing = ?, settings = ?, updated_at = ?
                    WHERE id = ? AND workspace_id = ?
                    """,
                arguments: StatementArguments(Array(values[3...12]) + [values[14], values[0], values[1]]))
        }
    }

    public func deleteSender(_ id: ID, in workspace: ID) async throws {
        try await write { db in
            try db.execute(sql: "DELETE FROM senders WHERE id = ? AND workspace_id = ?", arguments: [id.rawValue, workspace.rawValue])
        }
    }

    /// Column values in the order of the INSERT statement.
    private static func columns(of sender: Sender) throws -> [DatabaseValue] {
        let values: [(any DatabaseValueConvertible)?] = [
            sender.id.rawValue, sender.workspaceID.rawValue, sender.channel.rawValue, sender.displayName,
            sender.identity ?? "", sender.linkedinURL, sender.email, sender.phone, sender.timezone.identifier,
            sender.status.rawValue, try json(StoredLimits(sender.limits)), try json(sender.pacing),
            try json(sender.settings), millis(sender.createdAt), millis(sender.updatedAt),
        ]
        return values.map { $0?.databaseValue ?? .null }
    }

    static func sender(_ row: Row) throws -> Sender {
        let channel = ChannelKind(rawValue: row["channel"]) ?? .linkedin
        return Sender(
            id: ID(trusted: row["id"]), workspaceID: ID(trusted: row["workspace_id"]), channel: channel,
            displayName: row["display_name"], linkedinURL: row["linkedin_url"], email: row["email"], phone: row["phone"],
            timezone: Zone(row["timezone"]) ?? .utc, status: Sender.Status(rawValue: row["status"]) ?? .paused,
            limits: try decode(StoredLimits.self, row["limits"]).limits,
            pacing: try decode(Pacing.self, row["pacing"]),
            settings: try decode(ProviderSettings.self, row["settings"]),
            createdAt: date(row["created_at"] as Int64), updatedAt: date(row["updated_at"] as Int64))
    }
}
