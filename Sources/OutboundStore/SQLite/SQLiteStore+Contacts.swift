import Foundation
import GRDB
import OutboundCore
import OutboundStoreFormats

extension SQLiteStore {
    static let contactColumns = """
        id, workspace_id, first_name, last_name, email, phone, linkedin_url, company, title, timezone, status,
        custom_fields, created_at, updated_at
        """

    public func contacts(emails: [String], phones: [String], linkedinURLs: [String], in workspace: ID) async throws -> [Contact] {
        guard !(emails.isEmpty && phones.isEmpty && linkedinURLs.isEmpty) else { return [] }
        return try await read { db in
            var found: [Int64: Contact] = [:]
            for (column, values) in [("email", emails), ("phone", phones), ("linkedin_url", linkedinURLs)] {
                // Chunks keep each statement under SQLite's bound-parameter limit.
                for start in stride(from: 0, to: values.count, by: 500) {
                    let chunk = Array(values[start..<min(start + 500, values.count)])
                    let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
                    let rows = try Row.fetchAll(
                        db, sql: "SELECT * FROM contacts WHERE workspace_id = ? AND \(column) IN (\(marks))",
                        arguments: StatementArguments([workspace.rawValue] + chunk))
                    for row in rows { found[row["seq"]] = try Self.contact(row) }
                }
            }
            return Array(found.values)
        }
    }

    public func saveContacts(inserting: [Contact], updating: [Contact]) async throws {
        let inserts = try inserting.map(Self.columns)
        let updates = try updating.map(Self.columns)
        try await write(conflict: Self.contactIdentityTaken) { db in
            let marks = Array(repeating: "?", count: 14).joined(separator: ", ")
            let insert = try db.cachedStatement(sql: "INSERT INTO contacts (\(Self.contactColumns)) VALUES (\(marks))")
            for values in inserts { try insert.execute(arguments: StatementArguments(values)) }
            let update = try db.cachedStatement(sql: """
                UPDATE contacts SET first_name = ?, last_name = ?, email = ?, phone = ?, linkedin_url = ?, company = ?,
                    title = ?, timezone = ?, status = ?, custom_fields = ?, updated_at = ?
                WHERE id = ? AND workspace_id = ?
                """)
            for values in updates {
                try update.execute(arguments: StatementArguments(Array(values[2...11]) + [values[13], values[0], values[1]]))
            }
        }
    }

    public func contact(_ id: ID, in workspace: ID) async throws -> Contact? {
        try await read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM contacts WHERE id = ? AND workspace_id = ?",
                             arguments: [id.rawValue, workspace.rawValue]).map(Self.contact)
        }
    }

    public func contacts(_ ids: [ID], in workspace: ID) async throws -> [Contact] {
        guard !ids.isEmpty else { return [] }
        return try await read { db in
            var result: [Contact] = []
            for start in stride(from: 0, to: ids.count, by: 500) {
                let chunk = ids[start..<min(start + 500, ids.count)].map(\.rawValue)
                let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
                // `+workspace_id` keeps SQLite on the id index: left bare, it picks the workspace index
                // and reads every contact of the workspace for each chunk (quadratic at a million).
                result += try Row.fetchAll(db, sql: "SELECT * FROM contacts WHERE +workspace_id = ? AND id IN (\(marks))",
                                           arguments: StatementArguments([workspace.rawValue] + chunk)).map(Self.contact)
            }
            return result
        }
    }

    public func searchContacts(_ text: String, in workspace: ID, page: PageRequest) async throws -> Page<Contact> {
        let search = Self.contactSearch(text, table: nil)
        return try await read { db in
            let after = try Self.cursorSeq(db, table: "contacts", page: page, workspace: workspace)
            let rows = try Row.fetchAll(db, sql: """
                SELECT * FROM contacts WHERE workspace_id = ? AND seq > ? AND \(search.sql)
                ORDER BY seq LIMIT ?
                """, arguments: StatementArguments([workspace.rawValue, after] as [any DatabaseValueConvertible] + search.arguments + [page.limit + 1]))
            return Page(items: try rows.prefix(page.limit).map { try Self.contact($0) }, hasMore: rows.count > page.limit)
        }
    }

    /// A contact's name, email, phone, profile or company containing `text` in any case, as SQL
    /// on `table`'s columns (its alias, or none) with its arguments. `%` and `_` typed by the user
    /// are themselves, not wildcards.
    static func contactSearch(_ text: String, table: String?) -> (sql: String, arguments: [String]) {
        let pattern = "%" + text.lowercased().replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
            .replacingOccurrences(of: "_", with: "\\_") + "%"
        let column = { (name: String) in table.map { "\($0).\(name)" } ?? name }
        let fields = ["coalesce(\(column("first_name")), '') || ' ' || coalesce(\(column("last_name")), '')", column("email"), column("phone"),
                      column("linkedin_url"), column("company")]
        return ("(" + fields.map { "lower(coalesce(\($0), '')) LIKE ? ESCAPE '\\'" }.joined(separator: " OR ") + ")",
                Array(repeating: pattern, count: fields.count))
    }

    public func contacts(in workspace: ID, page: PageRequest) async throws -> Page<Contact> {
        try await read { db in
            try Self.page(db, table: "contacts", workspace: workspace, page: page) { _, row in try Self.contact(row) }
        }
    }

    public func deleteContact(_ id: ID, in workspace: ID, at: Date) async throws {
        try await write { db in
            guard let seq = try Int64.fetchOne(db, sql: "SELECT seq FROM contacts WHERE id = ? AND workspace_id = ?",
                                               arguments: [id.rawValue, workspace.rawValue]) else { return }
            try Self.forgetLeads(ofContact: seq, db)
            try db.execute(sql: "DELETE FROM contacts WHERE seq = ?", arguments: [seq])
            try EventSchema.log(db, type: "contact.deleted", workspace: workspace.rawValue, contact: id.rawValue,
                                at: Self.millis(at), data: ["contact": ["id": id.rawValue, "object": "contact"]])
        }
    }

    /// Takes the contact's enrollments out of their campaigns' state counters before the rows
    /// go with the contact (ON DELETE CASCADE), so stats stay true.
    static func forgetLeads(ofContact seq: Int64, _ db: Database) throws {
        for row in try Row.fetchAll(db, sql: "SELECT campaign_seq, state FROM enrollments WHERE contact_seq = ?", arguments: [seq]) {
            try count(row["campaign_seq"], "state.\(row["state"] as String)", db, by: -1)
        }
    }

    public func eraseContact(_ id: ID, in workspace: ID, suppressions: [Suppression], at: Date) async throws {
        try await write { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM contacts WHERE id = ? AND workspace_id = ?",
                                             arguments: [id.rawValue, workspace.rawValue]) else { return }
            let contact = try Self.contact(row)
            // Stored API answers (idempotency replays) may quote the contact: drop them too.
            for needle in [contact.id.rawValue] + contact.identities.map(\.value) {
                try db.execute(sql: "DELETE FROM idempotency_keys WHERE workspace_id = ? AND instr(reply, ?) > 0",
                               arguments: [workspace.rawValue, Data(needle.utf8)])
            }
            // Leads and list memberships go with the row (ON DELETE CASCADE).
            try Self.forgetLeads(ofContact: row["seq"], db)
            try db.execute(sql: "DELETE FROM contacts WHERE seq = ?", arguments: [row["seq"] as Int64])
            // The log keeps its numbering, but no event says anything about the person any more.
            try db.execute(sql: "UPDATE events SET data = '{\"redacted\":true}' WHERE contact_id = ?", arguments: [contact.id.rawValue])
            for identity in contact.identities.map(\.value) {
                try db.execute(sql: "UPDATE events SET data = '{\"redacted\":true}' WHERE workspace_id = ? AND instr(data, ?) > 0",
                               arguments: [workspace.rawValue, identity])
            }
            for suppression in suppressions { try Self.insert(suppression, db, ignoringDuplicates: true) }
            try EventSchema.log(db, type: "contact.erased", workspace: workspace.rawValue, contact: contact.id.rawValue,
                                at: Self.millis(at), data: ["contact": ["id": contact.id.rawValue, "object": "contact"]])
        }
        // Old copies of the pages may still sit in the write-ahead log: fold it into the
        // database (whose freed bytes secure_delete has zeroed) and truncate it.
        try await pool.writeWithoutTransaction { db in
            _ = try Row.fetchOne(db, sql: "PRAGMA wal_checkpoint(TRUNCATE)")
        }
    }

    public func hasErasures(in workspace: ID) async throws -> Bool {
        try await read { db in
            try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM suppressions WHERE workspace_id = ? AND kind = 'hash')",
                              arguments: [workspace.rawValue]) ?? false
        }
    }

    public func suppressedHashes(_ hashes: [String], in workspace: ID) async throws -> Set<String> {
        guard !hashes.isEmpty else { return [] }
        return try await read { db in
            var found: Set<String> = []
            for start in stride(from: 0, to: hashes.count, by: 500) {
                let chunk = Array(hashes[start..<min(start + 500, hashes.count)])
                let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
                found.formUnion(try String.fetchAll(
                    db, sql: "SELECT value FROM suppressions WHERE workspace_id = ? AND kind = 'hash' AND value IN (\(marks))",
                    arguments: StatementArguments([workspace.rawValue] + chunk)))
            }
            return found
        }
    }

    // MARK: Suppressions

    public func insertSuppression(_ suppression: Suppression) async throws -> Suppression {
        try await write { db in
            try Self.insert(suppression, db, ignoringDuplicates: true)
            let row = try Row.fetchOne(db, sql: "SELECT * FROM suppressions WHERE workspace_id = ? AND kind = ? AND value = ?",
                                       arguments: [suppression.workspaceID.rawValue, suppression.kind.rawValue, suppression.value])
            return row.map(Self.suppression) ?? suppression
        }
    }

    public func suppressions(in workspace: ID, page: PageRequest) async throws -> Page<Suppression> {
        try await read { db in
            try Self.page(db, table: "suppressions", workspace: workspace, page: page) { _, row in Self.suppression(row) }
        }
    }

    public func deleteSuppression(_ id: ID, in workspace: ID) async throws -> Bool {
        try await write { db in
            try db.execute(sql: "DELETE FROM suppressions WHERE id = ? AND workspace_id = ?", arguments: [id.rawValue, workspace.rawValue])
            return db.changesCount > 0
        }
    }

    public func suppression(_ kind: Suppression.Kind, value: String, in workspace: ID) async throws -> Suppression? {
        try await read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM suppressions WHERE workspace_id = ? AND kind = ? AND value = ?",
                             arguments: [workspace.rawValue, kind.rawValue, value]).map(Self.suppression)
        }
    }

    private static func insert(_ s: Suppression, _ db: Database, ignoringDuplicates: Bool) throws {
        try db.execute(
            sql: "INSERT \(ignoringDuplicates ? "OR IGNORE" : "") INTO suppressions (id, workspace_id, kind, value, reason, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            arguments: [s.id.rawValue, s.workspaceID.rawValue, s.kind.rawValue, s.value, s.reason, millis(s.createdAt)])
    }

    private static func suppression(_ row: Row) -> Suppression {
        Suppression(id: ID(trusted: row["id"]), workspaceID: ID(trusted: row["workspace_id"]),
                    kind: Suppression.Kind(rawValue: row["kind"]) ?? .email, value: row["value"], reason: row["reason"],
                    createdAt: date(row["created_at"] as Int64))
    }

    // MARK: Rows

    /// Column values in the order of `contactColumns`.
    static func columns(of c: Contact) throws -> [DatabaseValue] {
        let values: [(any DatabaseValueConvertible)?] = [
            c.id.rawValue, c.workspaceID.rawValue, c.firstName, c.lastName, c.email, c.phone, c.linkedinURL, c.company,
            c.title, c.timezone?.identifier, c.status, Self.customFieldsJSON(c.customFields),
            millis(c.createdAt), millis(c.updatedAt),
        ]
        return values.map { $0?.databaseValue ?? .null }
    }

    static func customFieldsJSON(_ fields: [String: CustomValue]) -> String { StoredJSON.customFields(fields) }

    /// A contact from a row holding `contactColumns` from position `first` on (by position: the
    /// dispatcher reads many).
    static func contactByPosition(_ row: Row, from first: Int) throws -> Contact {
        let custom: String = row[first + 11]
        return Contact(
            id: ID(trusted: row[first]), workspaceID: ID(trusted: row[first + 1]), firstName: row[first + 2], lastName: row[first + 3],
            email: row[first + 4], phone: row[first + 5], linkedinURL: row[first + 6], company: row[first + 7], title: row[first + 8],
            timezone: (row[first + 9] as String?).flatMap { Zone($0) }, status: row[first + 10],
            customFields: custom == "{}" ? [:] : try decode([String: CustomValue].self, custom),
            createdAt: date(row[first + 12] as Int64), updatedAt: date(row[first + 13] as Int64))
    }

    /// `contactColumns` qualified with a table alias, for joins.
    static func contactColumns(as alias: String) -> String {
        contactColumns.split(separator: ",").map { "\(alias).\($0.trimmingCharacters(in: .whitespacesAndNewlines))" }.joined(separator: ", ")
    }

    static func contact(_ row: Row) throws -> Contact {
        let custom: String = row["custom_fields"]
        return Contact(
            id: ID(trusted: row["id"]), workspaceID: ID(trusted: row["workspace_id"]), firstName: row["first_name"],
            lastName: row["last_name"], email: row["email"], phone: row["phone"], linkedinURL: row["linkedin_url"],
            company: row["company"], title: row["title"], timezone: (row["timezone"] as String?).flatMap { Zone($0) },
            status: row["status"], customFields: custom == "{}" ? [:] : try decode([String: CustomValue].self, custom),
            createdAt: date(row["created_at"] as Int64), updatedAt: date(row["updated_at"] as Int64))
    }
}
