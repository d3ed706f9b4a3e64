import Foundation
import OutboundCore
import OutboundStoreFormats
import PostgresNIO

extension PostgresStore: ContactStore {
    public func contacts(emails: [String], phones: [String], linkedinURLs: [String], in workspace: ID) async throws -> [Contact] {
        guard !(emails.isEmpty && phones.isEmpty && linkedinURLs.isEmpty) else { return [] }
        return try await rows("""
            SELECT * FROM contacts WHERE workspace_id = \(workspace.rawValue)
              AND (email = ANY(\(emails)) OR phone = ANY(\(phones)) OR linkedin_url = ANY(\(linkedinURLs)))
            """).map(Self.contact)
    }

    public func saveContacts(inserting: [Contact], updating: [Contact]) async throws {
        guard !(inserting.isEmpty && updating.isEmpty) else { return }
        try await conflictOnUnique(Self.contactIdentityTaken) {
            try await transaction { connection in
                // One statement per batch: the columns as arrays, unnested into rows.
                if !inserting.isEmpty {
                    let c = ContactColumns(inserting)
                    try await connection.query("""
                        INSERT INTO contacts (id, workspace_id, first_name, last_name, email, phone, linkedin_url, company, title, timezone,
                            status, custom_fields, created_at, updated_at)
                        SELECT * FROM unnest(\(c.ids), \(c.workspaces), \(NullableTexts(c.firstNames)), \(NullableTexts(c.lastNames)), \(NullableTexts(c.emails)), \(NullableTexts(c.phones)),
                            \(NullableTexts(c.linkedinURLs)), \(NullableTexts(c.companies)), \(NullableTexts(c.titles)), \(NullableTexts(c.timezones)), \(c.statuses), \(c.customFields),
                            \(c.createdAt), \(c.updatedAt))
                        """, logger: self.logger)
                }
                if !updating.isEmpty {
                    let c = ContactColumns(updating)
                    try await connection.query("""
                        UPDATE contacts SET first_name = u.first_name, last_name = u.last_name, email = u.email, phone = u.phone,
                            linkedin_url = u.linkedin_url, company = u.company, title = u.title, timezone = u.timezone, status = u.status,
                            custom_fields = u.custom_fields, updated_at = u.updated_at
                        FROM unnest(\(c.ids), \(c.workspaces), \(NullableTexts(c.firstNames)), \(NullableTexts(c.lastNames)), \(NullableTexts(c.emails)), \(NullableTexts(c.phones)),
                            \(NullableTexts(c.linkedinURLs)), \(NullableTexts(c.companies)), \(NullableTexts(c.titles)), \(NullableTexts(c.timezones)), \(c.statuses), \(c.customFields), \(c.updatedAt))
                            AS u (id, workspace_id, first_name, last_name, email, phone, linkedin_url, company, title, timezone, status,
                                  custom_fields, updated_at)
                        WHERE contacts.id = u.id AND contacts.workspace_id = u.workspace_id
                        """, logger: self.logger)
                }
            }
        }
    }

    public func contact(_ id: ID, in workspace: ID) async throws -> Contact? {
        try await rows("SELECT * FROM contacts WHERE id = \(id.rawValue) AND workspace_id = \(workspace.rawValue)").first.map(Self.contact)
    }

    public func contacts(_ ids: [ID], in workspace: ID) async throws -> [Contact] {
        guard !ids.isEmpty else { return [] }
        return try await rows("SELECT * FROM contacts WHERE workspace_id = \(workspace.rawValue) AND id = ANY(\(ids.map(\.rawValue)))")
            .map(Self.contact)
    }

    public func contacts(in workspace: ID, page: PageRequest) async throws -> Page<Contact> {
        try await self.page(of: "contacts", in: workspace, page: page).map(Self.contact)
    }

    public func searchContacts(_ text: String, in workspace: ID, page: PageRequest) async throws -> Page<Contact> {
        try await client.withConnection { connection in
            let after = try await Self.cursorSeq("contacts", page: page, workspace: workspace, on: connection, logger: self.logger)
            let rows = try await Self.rows("""
                SELECT * FROM contacts WHERE workspace_id = \(workspace.rawValue) AND seq > \(after)
                  AND EXISTS (SELECT 1 FROM unnest(\(unescaped: Self.contactSearchFields(table: nil))) f(v) WHERE strpos(v, \(text.lowercased())) > 0)
                ORDER BY seq LIMIT \(page.limit + 1)
                """, on: connection, logger: self.logger)
            return Page(items: try rows.prefix(page.limit).map(Self.contact), hasMore: rows.count > page.limit)
        }
    }

    public func deleteContact(_ id: ID, in workspace: ID, at: Date) async throws {
        try await transaction { connection in
            guard let seq = try await Self.values(connection.query("""
                SELECT seq FROM contacts WHERE id = \(id.rawValue) AND workspace_id = \(workspace.rawValue) FOR UPDATE
                """, logger: self.logger), as: Int64.self).first else { return }
            try await Self.forgetLeads(ofContact: seq, connection, logger: self.logger)
            try await connection.query("DELETE FROM contacts WHERE seq = \(seq)", logger: self.logger)
            try await Self.log(connection, logger: self.logger, type: "contact.deleted", workspace: workspace.rawValue, contact: id.rawValue,
                               at: Self.millis(at), data: ["contact": ["id": id.rawValue, "object": "contact"]])
        }
    }

    public func eraseContact(_ id: ID, in workspace: ID, suppressions: [Suppression], at: Date) async throws {
        try await transaction { connection in
            let logger = self.logger
            guard let row = try await Self.rows("""
                SELECT * FROM contacts WHERE id = \(id.rawValue) AND workspace_id = \(workspace.rawValue) FOR UPDATE
                """, on: connection, logger: logger).first else { return }
            let contact = try Self.contact(row)
            // Stored API answers (idempotency replays) may quote the contact: drop them too.
            for needle in [contact.id.rawValue] + contact.identities.map(\.value) {
                try await connection.query("""
                    DELETE FROM idempotency_keys WHERE workspace_id = \(workspace.rawValue) AND position(\(Data(needle.utf8)) IN reply) > 0
                    """, logger: logger)
            }
            // Leads and list memberships go with the row (ON DELETE CASCADE).
            let seq: Int64 = try row["seq"]
            try await Self.forgetLeads(ofContact: seq, connection, logger: logger)
            try await connection.query("DELETE FROM contacts WHERE seq = \(seq)", logger: logger)
            // The log keeps its numbering, but no event says anything about the person any more.
            try await connection.query("UPDATE events SET data = '{\"redacted\":true}' WHERE contact_id = \(contact.id.rawValue)", logger: logger)
            for identity in contact.identities.map(\.value) {
                try await connection.query("""
                    UPDATE events SET data = '{"redacted":true}' WHERE workspace_id = \(workspace.rawValue) AND strpos(data, \(identity)) > 0
                    """, logger: logger)
            }
            for suppression in suppressions { try await Self.insert(suppression, connection, logger: logger) }
            try await Self.log(connection, logger: logger, type: "contact.erased", workspace: workspace.rawValue, contact: contact.id.rawValue,
                               at: Self.millis(at), data: ["contact": ["id": contact.id.rawValue, "object": "contact"]])
        }
    }

    public func hasErasures(in workspace: ID) async throws -> Bool {
        try await Self.values(client.query("""
            SELECT EXISTS (SELECT 1 FROM suppressions WHERE workspace_id = \(workspace.rawValue) AND kind = 'hash')
            """, logger: logger), as: Bool.self).first ?? false
    }

    public func suppressedHashes(_ hashes: [String], in workspace: ID) async throws -> Set<String> {
        guard !hashes.isEmpty else { return [] }
        return Set(try await Self.values(client.query("""
            SELECT value FROM suppressions WHERE workspace_id = \(workspace.rawValue) AND kind = 'hash' AND value = ANY(\(hashes))
            """, logger: logger), as: String.self))
    }

    // MARK: Lists

    public func insertList(_ list: ContactList) async throws {
        try await conflictOnUnique(Self.listNameTaken) {
            try await client.query("""
                INSERT INTO lists (id, workspace_id, name, description, created_at, updated_at)
                VALUES (\(list.id.rawValue), \(list.workspaceID.rawValue), \(list.name), \(list.description),
                        \(Self.millis(list.createdAt)), \(Self.millis(list.updatedAt)))
                """, logger: logger)
        }
    }

    public func list(_ id: ID, in workspace: ID) async throws -> ContactList? {
        try await rows("\(unescaped: Self.listSelect) WHERE l.id = \(id.rawValue) AND l.workspace_id = \(workspace.rawValue)")
            .first.map(Self.list)
    }

    public func list(named name: String, in workspace: ID) async throws -> ContactList? {
        try await rows("\(unescaped: Self.listSelect) WHERE l.name = \(name) AND l.workspace_id = \(workspace.rawValue)").first.map(Self.list)
    }

    public func lists(_ ids: [ID], in workspace: ID) async throws -> [ContactList] {
        guard !ids.isEmpty else { return [] }
        return try await rows("\(unescaped: Self.listSelect) WHERE l.workspace_id = \(workspace.rawValue) AND l.id = ANY(\(ids.map(\.rawValue)))")
            .map(Self.list)
    }

    public func lists(in workspace: ID, page: PageRequest) async throws -> Page<ContactList> {
        try await client.withConnection { connection in
            let after = try await Self.cursorSeq("lists", page: page, workspace: workspace, on: connection, logger: self.logger)
            let rows = try await Self.rows("""
                \(unescaped: Self.listSelect) WHERE l.workspace_id = \(workspace.rawValue) AND l.seq > \(after) ORDER BY l.seq LIMIT \(page.limit + 1)
                """, on: connection, logger: self.logger)
            return Page(items: try rows.prefix(page.limit).map(Self.list), hasMore: rows.count > page.limit)
        }
    }

    public func updateList(_ list: ContactList) async throws {
        try await conflictOnUnique(Self.listNameTaken) {
            try await client.query("""
                UPDATE lists SET name = \(list.name), description = \(list.description), updated_at = \(Self.millis(list.updatedAt))
                WHERE id = \(list.id.rawValue) AND workspace_id = \(list.workspaceID.rawValue)
                """, logger: logger)
        }
    }

    public func deleteList(_ id: ID, in workspace: ID) async throws {
        try await client.query("DELETE FROM lists WHERE id = \(id.rawValue) AND workspace_id = \(workspace.rawValue)", logger: logger)
    }

    public func addMembers(_ contacts: [ID], to list: ID, in workspace: ID, at: Date) async throws -> [ID] {
        guard !contacts.isEmpty else { return [] }
        return try await transaction { connection in
            guard let listSeq = try await Self.values(connection.query("""
                UPDATE lists SET updated_at = \(Self.millis(at)) WHERE id = \(list.rawValue) AND workspace_id = \(workspace.rawValue) RETURNING seq
                """, logger: self.logger), as: Int64.self).first else { return [] }
            let added = Set(try await Self.values(connection.query("""
                INSERT INTO list_members (list_seq, contact_seq, added_at)
                SELECT \(listSeq), seq, \(Self.millis(at)) FROM contacts
                WHERE workspace_id = \(workspace.rawValue) AND id = ANY(\(contacts.map(\.rawValue)))
                ON CONFLICT DO NOTHING
                RETURNING (SELECT id FROM contacts WHERE seq = contact_seq)
                """, logger: self.logger), as: String.self))
            return contacts.filter { added.contains($0.rawValue) }
        }
    }

    public func removeMembers(_ contacts: [ID], from list: ID, in workspace: ID) async throws -> [ID] {
        guard !contacts.isEmpty else { return [] }
        let removed = Set(try await Self.values(client.query("""
            DELETE FROM list_members m USING contacts c
            WHERE m.list_seq = (SELECT seq FROM lists WHERE id = \(list.rawValue) AND workspace_id = \(workspace.rawValue))
              AND c.seq = m.contact_seq AND c.workspace_id = \(workspace.rawValue) AND c.id = ANY(\(contacts.map(\.rawValue)))
            RETURNING c.id
            """, logger: logger), as: String.self))
        return contacts.filter { removed.contains($0.rawValue) }
    }

    public func members(of list: ID, in workspace: ID, page: PageRequest) async throws -> Page<Contact> {
        try await client.withConnection { connection in
            let after = try await Self.cursorSeq("contacts", page: page, workspace: workspace, on: connection, logger: self.logger)
            let rows = try await Self.rows("""
                SELECT c.* FROM list_members m JOIN contacts c ON c.seq = m.contact_seq
                WHERE m.list_seq = (SELECT seq FROM lists WHERE id = \(list.rawValue) AND workspace_id = \(workspace.rawValue))
                  AND m.contact_seq > \(after)
                ORDER BY m.contact_seq LIMIT \(page.limit + 1)
                """, on: connection, logger: self.logger)
            return Page(items: try rows.prefix(page.limit).map(Self.contact), hasMore: rows.count > page.limit)
        }
    }

    public func memberIDs(of list: ID, in workspace: ID) async throws -> [ID] {
        try await Self.values(client.query("""
            SELECT c.id FROM list_members m JOIN contacts c ON c.seq = m.contact_seq
            WHERE m.list_seq = (SELECT seq FROM lists WHERE id = \(list.rawValue) AND workspace_id = \(workspace.rawValue))
            ORDER BY m.added_at, m.contact_seq
            """, logger: logger), as: String.self).map(ID.init(trusted:))
    }

    // MARK: Suppressions

    public func insertSuppression(_ suppression: Suppression) async throws -> Suppression {
        try await transaction { connection in
            try await Self.insert(suppression, connection, logger: self.logger)
            return try await Self.rows("""
                SELECT * FROM suppressions WHERE workspace_id = \(suppression.workspaceID.rawValue) AND kind = \(suppression.kind.rawValue)
                  AND value = \(suppression.value)
                """, on: connection, logger: self.logger).first.map(Self.suppression) ?? suppression
        }
    }

    public func suppressions(in workspace: ID, page: PageRequest) async throws -> Page<Suppression> {
        try await self.page(of: "suppressions", in: workspace, page: page).map(Self.suppression)
    }

    public func deleteSuppression(_ id: ID, in workspace: ID) async throws -> Bool {
        !(try await Self.values(client.query("""
            DELETE FROM suppressions WHERE id = \(id.rawValue) AND workspace_id = \(workspace.rawValue) RETURNING 1
            """, logger: logger), as: Int.self).isEmpty)
    }

    public func suppression(_ kind: Suppression.Kind, value: String, in workspace: ID) async throws -> Suppression? {
        try await rows("""
            SELECT * FROM suppressions WHERE workspace_id = \(workspace.rawValue) AND kind = \(kind.rawValue) AND value = \(value)
            """).first.map(Self.suppression)
    }

    /// Inserts a suppression unless the same kind and value is there (its trigger logs `contact.suppressed`).
    static func insert(_ s: Suppression, _ connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("""
            INSERT INTO suppressions (id, workspace_id, kind, value, reason, created_at)
            VALUES (\(s.id.rawValue), \(s.workspaceID.rawValue), \(s.kind.rawValue), \(s.value), \(s.reason), \(millis(s.createdAt)))
            ON CONFLICT DO NOTHING
            """, logger: logger)
    }

    private static func suppression(_ row: Row) throws -> Suppression {
        Suppression(id: ID(trusted: try row["id"]), workspaceID: ID(trusted: try row["workspace_id"]),
                    kind: Suppression.Kind(rawValue: try row["kind"]) ?? .email, value: try row["value"], reason: try row["reason"],
                    createdAt: date(try row["created_at"] as Int64))
    }

    // MARK: Imports

    public func insertImport(_ job: ImportJob) async throws {
        try await client.query("""
            INSERT INTO imports (id, workspace_id, state, filename, list_id, rows_read, created, updated, duplicates, invalid,
                errors, failure, created_at, updated_at, finished_at)
            VALUES (\(job.id.rawValue), \(job.workspaceID.rawValue), \(job.state.rawValue), \(job.filename), \(job.listID?.rawValue),
                    \(job.rowsRead), \(job.created), \(job.updated), \(job.duplicates), \(job.invalid), \(try Self.errors(of: job)),
                    \(job.failure), \(Self.millis(job.createdAt)), \(Self.millis(job.updatedAt)), \(Self.millis(job.finishedAt)))
            """, logger: logger)
    }

    public func updateImport(_ job: ImportJob) async throws {
        try await transaction { connection in
            try await connection.query("""
                UPDATE imports SET state = \(job.state.rawValue), filename = \(job.filename), rows_read = \(job.rowsRead),
                    created = \(job.created), updated = \(job.updated), duplicates = \(job.duplicates), invalid = \(job.invalid),
                    errors = \(try Self.errors(of: job)), failure = \(job.failure), updated_at = \(Self.millis(job.updatedAt)),
                    finished_at = \(Self.millis(job.finishedAt))
                WHERE id = \(job.id.rawValue) AND workspace_id = \(job.workspaceID.rawValue)
                """, logger: self.logger)
        }
    }

    public func importJob(_ id: ID, in workspace: ID) async throws -> ImportJob? {
        guard let row = try await rows("SELECT * FROM imports WHERE id = \(id.rawValue) AND workspace_id = \(workspace.rawValue)").first
        else { return nil }
        var job = ImportJob(id: ID(trusted: try row["id"]), workspaceID: ID(trusted: try row["workspace_id"]), filename: try row["filename"],
                            listID: (try row["list_id"] as String?).map(ID.init(trusted:)), createdAt: Self.date(try row["created_at"] as Int64))
        job.state = ImportJob.State(rawValue: try row["state"]) ?? .failed
        job.rowsRead = try row["rows_read"]
        job.created = try row["created"]
        job.updated = try row["updated"]
        job.duplicates = try row["duplicates"]
        job.invalid = try row["invalid"]
        job.errors = try StoredJSON.decode([StoredRowError].self, try row["errors"]).map { ImportJob.RowError(row: $0.row, message: $0.message) }
        job.failure = try row["failure"]
        job.updatedAt = Self.date(try row["updated_at"] as Int64)
        job.finishedAt = Self.date(try row["finished_at"] as Int64?)
        return job
    }

    private static func errors(of job: ImportJob) throws -> String {
        try StoredJSON.encode(job.errors.map { StoredRowError(row: $0.row, message: $0.message) })
    }

    // MARK: Rows

    static let listNameTaken = ConflictError("a list with this name already exists", field: "name")
    static let contactIdentityTaken = ConflictError("another contact already has one of these identities (email, phone or LinkedIn URL)")

    private static let listSelect = """
        SELECT l.*, (SELECT count(*) FROM list_members m WHERE m.list_seq = l.seq) AS member_count FROM lists l
        """

    private static func list(_ row: Row) throws -> ContactList {
        ContactList(id: ID(trusted: try row["id"]), workspaceID: ID(trusted: try row["workspace_id"]), name: try row["name"],
                    description: try row["description"], memberCount: try row["member_count"],
                    createdAt: date(try row["created_at"] as Int64), updatedAt: date(try row["updated_at"] as Int64))
    }

    /// Takes the contact's enrollments out of their campaigns' state counters before the rows
    /// go with the contact (ON DELETE CASCADE), so stats stay true.
    static func forgetLeads(ofContact seq: Int64, _ connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("""
            INSERT INTO campaign_counters (campaign_seq, key, value)
            SELECT campaign_seq, 'state.' || state, -count(*) FROM enrollments WHERE contact_seq = \(seq) GROUP BY campaign_seq, state
            ON CONFLICT (campaign_seq, key) DO UPDATE SET value = campaign_counters.value + excluded.value
            """, logger: logger)
    }

    /// The texts a contact search looks in, as an SQL array on `table`'s columns (its alias, or
    /// none), lowercased: the name, email, phone, profile and company. A search is
    /// `EXISTS (SELECT 1 FROM unnest(<this>) f(v) WHERE strpos(v, <lowercased text>) > 0)`, so `%`
    /// and `_` are themselves.
    static func contactSearchFields(table: String?) -> String {
        let column = { (name: String) in table.map { "\($0).\(name)" } ?? name }
        let fields = ["coalesce(\(column("first_name")), '') || ' ' || coalesce(\(column("last_name")), '')"]
            + ["email", "phone", "linkedin_url", "company"].map { "coalesce(\(column($0)), '')" }
        return "ARRAY[" + fields.map { "lower(\($0))" }.joined(separator: ", ") + "]"
    }

    /// A contact from a row of `contacts`.
    static func contact(_ row: Row) throws -> Contact { try contact(row, prefix: "") }

    /// What a join names the contact's columns with before them (`contactColumns`).
    static let contactPrefix = "c_"

    /// A contact from a join whose contact columns are named with `prefix` before them (`contactColumns`).
    static func contact(_ row: Row, prefix: String) throws -> Contact {
        let custom: String = try row[prefix + "custom_fields"]
        return Contact(
            id: ID(trusted: try row[prefix + "id"]), workspaceID: ID(trusted: try row[prefix + "workspace_id"]),
            firstName: try row[prefix + "first_name"], lastName: try row[prefix + "last_name"], email: try row[prefix + "email"],
            phone: try row[prefix + "phone"], linkedinURL: try row[prefix + "linkedin_url"], company: try row[prefix + "company"],
            title: try row[prefix + "title"], timezone: (try row[prefix + "timezone"] as String?).flatMap { Zone($0) },
            status: try row[prefix + "status"],
            customFields: custom == "{}" ? [:] : try StoredJSON.decode([String: CustomValue].self, custom),
            createdAt: date(try row[prefix + "created_at"] as Int64), updatedAt: date(try row[prefix + "updated_at"] as Int64))
    }

    /// Whether contact `c` has an address its workspace suppresses: one probe of the suppressions'
    /// unique key (workspace, kind, value) per kind of address, so the plan stays four index seeks
    /// however many suppressions there are and however old the statistics (a generic plan made
    /// while the table was small read all of a workspace's suppressions for each contact, and one
    /// that hashes the subquery reads every suppression of a kind; `OFFSET 0` rules that out).
    static let contactSuppressed = [("email", "c.email"), ("domain", "split_part(c.email, '@', 2)"), ("phone", "c.phone"),
                                    ("linkedin_url", "c.linkedin_url")]
        .map { kind, value in
            "EXISTS (SELECT 1 FROM suppressions s WHERE s.workspace_id = c.workspace_id AND s.kind = '\(kind)' AND s.value = \(value) OFFSET 0)"
        }
        .joined(separator: "\n    OR ")

    /// The columns `contact(_:prefix:)` reads, from `contacts c`, each named with `contactPrefix` before it.
    static var contactColumns: String {
        ["id", "workspace_id", "first_name", "last_name", "email", "phone", "linkedin_url", "company", "title", "timezone", "status",
         "custom_fields", "created_at", "updated_at"].map { "c.\($0) AS \(contactPrefix)\($0)" }.joined(separator: ", ")
    }
}

/// A batch of contacts as one array per column (`unnest` turns them back into rows).
private struct ContactColumns {
    var ids: [String] = [], workspaces: [String] = [], firstNames: [String?] = [], lastNames: [String?] = []
    var emails: [String?] = [], phones: [String?] = [], linkedinURLs: [String?] = [], companies: [String?] = [], titles: [String?] = []
    var timezones: [String?] = [], statuses: [String] = [], customFields: [String] = [], createdAt: [Int64] = [], updatedAt: [Int64] = []

    init(_ contacts: [Contact]) {
        for c in contacts {
            ids.append(c.id.rawValue); workspaces.append(c.workspaceID.rawValue); firstNames.append(c.firstName); lastNames.append(c.lastName)
            emails.append(c.email); phones.append(c.phone); linkedinURLs.append(c.linkedinURL); companies.append(c.company)
            titles.append(c.title); timezones.append(c.timezone?.identifier); statuses.append(c.status)
            customFields.append(StoredJSON.customFields(c.customFields))
            createdAt.append(PostgresStore.millis(c.createdAt)); updatedAt.append(PostgresStore.millis(c.updatedAt))
        }
    }
}

private struct StoredRowError: Codable {
    var row: Int
    var message: String
}
