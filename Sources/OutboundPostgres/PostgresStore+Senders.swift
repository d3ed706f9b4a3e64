import Foundation
import OutboundCore
import OutboundStoreFormats
import PostgresNIO

extension PostgresStore: CampaignStore {
    public func workspaceSummaries() async throws -> [WorkspaceSummary] {
        try await rows("""
            SELECT w.id, w.name, w.default_phone_region, w.daily_quota, w.created_at, w.updated_at,
                   (SELECT count(*) FROM senders WHERE workspace_id = w.id) AS sender_count,
                   (SELECT count(*) FROM campaigns WHERE workspace_id = w.id) AS campaign_count,
                   (SELECT count(*) FROM contacts WHERE workspace_id = w.id) AS contact_count,
                   (SELECT count(*) FROM api_keys WHERE workspace_id = w.id AND revoked_at IS NULL) AS key_count
            FROM workspaces w ORDER BY w.seq
            """).map { row in
            var workspace = Workspace(id: ID(trusted: try row["id"]), name: try row["name"], defaultPhoneRegion: try row["default_phone_region"],
                                      createdAt: Self.date(try row["created_at"] as Int64), updatedAt: Self.date(try row["updated_at"] as Int64))
            workspace.dailyQuota = try row["daily_quota"]
            return WorkspaceSummary(workspace: workspace, senders: try row["sender_count"], campaigns: try row["campaign_count"],
                                    contacts: try row["contact_count"], activeKeys: try row["key_count"])
        }
    }

    // MARK: Senders

    public func insertSender(_ sender: Sender) async throws {
        let (limits, pacing, settings) = try Self.json(of: sender)
        try await conflictOnUnique(Self.senderIdentityTaken) {
            try await client.query("""
                INSERT INTO senders (id, workspace_id, channel, display_name, identity, linkedin_url, email, phone,
                    timezone, status, limits, pacing, settings, created_at, updated_at)
                VALUES (\(sender.id.rawValue), \(sender.workspaceID.rawValue), \(sender.channel.rawValue), \(sender.displayName),
                        \(sender.identity ?? ""), \(sender.linkedinURL), \(sender.email), \(sender.phone), \(sender.timezone.identifier),
                        \(sender.status.rawValue), \(limits), \(pacing), \(settings), \(Self.millis(sender.createdAt)),
                        \(Self.millis(sender.updatedAt)))
                """, logger: logger)
        }
    }

    public func sender(_ id: ID, in workspace: ID) async throws -> Sender? {
        try await rows("SELECT * FROM senders WHERE id = \(id.rawValue) AND workspace_id = \(workspace.rawValue)").first.map(Self.sender)
    }

    public func sender(_ id: ID) async throws -> Sender? {
        try await rows("SELECT * FROM senders WHERE id = \(id.rawValue)").first.map(Self.sender)
    }

    public func hasBeenContacted(_ contact: ID, in workspace: ID) async throws -> Bool {
        try await Self.values(client.query("""
            SELECT EXISTS (SELECT 1 FROM enrollments e JOIN contacts c ON c.seq = e.contact_seq
                           WHERE c.id = \(contact.rawValue) AND c.workspace_id = \(workspace.rawValue) AND e.started_at IS NOT NULL)
            """, logger: logger), as: Bool.self).first ?? false
    }

    public func campaignExists(_ id: ID) async throws -> Bool {
        try await Self.values(client.query("SELECT EXISTS (SELECT 1 FROM campaigns WHERE id = \(id.rawValue))", logger: logger),
                              as: Bool.self).first ?? false
    }

    public func senders(_ ids: [ID], in workspace: ID) async throws -> [Sender] {
        guard !ids.isEmpty else { return [] }
        return try await rows("SELECT * FROM senders WHERE workspace_id = \(workspace.rawValue) AND id = ANY(\(ids.map(\.rawValue)))")
            .map(Self.sender)
    }

    public func senders(in workspace: ID, page: PageRequest) async throws -> Page<Sender> {
        try await self.page(of: "senders", in: workspace, page: page).map(Self.sender)
    }

    public func updateSender(_ sender: Sender) async throws {
        let (limits, pacing, settings) = try Self.json(of: sender)
        try await conflictOnUnique(Self.senderIdentityTaken) {
            try await transaction { connection in
                try await connection.query("""
                    UPDATE senders SET display_name = \(sender.displayName), identity = \(sender.identity ?? ""),
                        linkedin_url = \(sender.linkedinURL), email = \(sender.email), phone = \(sender.phone),
                        timezone = \(sender.timezone.identifier), status = \(sender.status.rawValue), limits = \(limits),
                        pacing = \(pacing), settings = \(settings), updated_at = \(Self.millis(sender.updatedAt))
                    WHERE id = \(sender.id.rawValue) AND workspace_id = \(sender.workspaceID.rawValue)
                    """, logger: self.logger)
            }
        }
    }

    public func deleteSender(_ id: ID, in workspace: ID) async throws {
        try await client.query("DELETE FROM senders WHERE id = \(id.rawValue) AND workspace_id = \(workspace.rawValue)", logger: logger)
    }

    static let senderIdentityTaken = ConflictError("a sender with this identity already exists")

    private static func json(of sender: Sender) throws -> (limits: String, pacing: String, settings: String) {
        (try StoredJSON.encode(StoredLimits(sender.limits)), try StoredJSON.encode(sender.pacing), try StoredJSON.encode(sender.settings))
    }

    static func sender(_ row: Row) throws -> Sender {
        Sender(
            id: ID(trusted: try row["id"]), workspaceID: ID(trusted: try row["workspace_id"]),
            channel: ChannelKind(rawValue: try row["channel"]) ?? .linkedin,
            displayName: try row["display_name"], linkedinURL: try row["linkedin_url"], email: try row["email"], phone: try row["phone"],
            timezone: Zone(try row["timezone"]) ?? .utc, status: Sender.Status(rawValue: try row["status"]) ?? .paused,
            limits: try StoredJSON.decode(StoredLimits.self, try row["limits"]).limits,
            pacing: try StoredJSON.decode(Pacing.self, try row["pacing"]),
            settings: try StoredJSON.decode(ProviderSettings.self, try row["settings"]),
            createdAt: date(try row["created_at"] as Int64), updatedAt: date(try row["updated_at"] as Int64))
    }

    // MARK: Pages

    /// `seq` of the row of `table` named by a cursor, or a validation error on `starting_after`.
    static func cursorSeq(_ table: String, page: PageRequest, workspace: ID, on connection: PostgresConnection, logger: Logger) async throws -> Int64 {
        guard let after = page.startingAfter else { return 0 }
        guard let seq = try await values(connection.query("""
            SELECT seq FROM \(unescaped: table) WHERE id = \(after.rawValue) AND workspace_id = \(workspace.rawValue)
            """, logger: logger), as: Int64.self).first
        else { throw ValidationError("starting_after", "no such item in this list") }
        return seq
    }

    /// One page of `table`'s rows of the workspace, in creation order.
    func page(of table: String, in workspace: ID, page: PageRequest) async throws -> Page<Row> {
        try await client.withConnection { connection in
            let after = try await Self.cursorSeq(table, page: page, workspace: workspace, on: connection, logger: self.logger)
            let rows = try await Self.rows("""
                SELECT * FROM \(unescaped: table) WHERE workspace_id = \(workspace.rawValue) AND seq > \(after) ORDER BY seq LIMIT \(page.limit + 1)
                """, on: connection, logger: self.logger)
            return Page(items: Array(rows.prefix(page.limit)), hasMore: rows.count > page.limit)
        }
    }
}

extension Page {
    /// The same page with each item mapped.
    func map<T>(_ transform: (Item) throws -> T) rethrows -> Page<T> {
        Page<T>(items: try items.map(transform), hasMore: hasMore)
    }
}
