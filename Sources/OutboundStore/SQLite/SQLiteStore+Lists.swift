import Foundation
import GRDB
import OutboundCore

extension SQLiteStore {
    public func insertList(_ list: ContactList) async throws {
        try await write(conflict: Self.listNameTaken) { db in
            try db.execute(sql: "INSERT INTO lists (id, workspace_id, name, description, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                           arguments: [list.id.rawValue, list.workspaceID.rawValue, list.name, list.description,
                                       Self.millis(list.createdAt), Self.millis(list.updatedAt)])
        }
    }

    public func list(_ id: ID, in workspace: ID) async throws -> ContactList? {
        try await read { db in
            try Row.fetchOne(db, sql: "\(Self.listSelect) WHERE l.id = ? AND l.workspace_id = ?",
                             arguments: [id.rawValue, workspace.rawValue]).map(Self.list)
        }
    }

    public func list(named name: String, in workspace: ID) async throws -> ContactList? {
        try await read { db in
            try Row.fetchOne(db, sql: "\(Self.listSelect) WHERE l.name = ? AND l.workspace_id = ?",
                             arguments: [name, workspace.rawValue]).map(Self.list)
        }
    }

    public func lists(_ ids: [ID], in workspace: ID) async throws -> [ContactList] {
        guard !ids.isEmpty else { return [] }
        return try await read { db in
            let marks = Array(repeating: "?", count: ids.count).joined(separator: ",")
            // `+l.workspace_id` keeps SQLite on the id index (see `contacts(_:in:)`).
            return try Row.fetchAll(db, sql: "\(Self.listSelect) WHERE +l.workspace_id = ? AND l.id IN (\(marks))",
                                    arguments: StatementArguments([workspace.rawValue] + ids.map(\.rawValue))).map(Self.list)
        }
    }

    public func lists(in workspace: ID, page: PageRequest) async throws -> Page<ContactList> {
        try await read { db in
            let after = try Self.cursorSeq(db, table: "lists", page: page, workspace: workspace)
            let rows = try Row.fetchAll(db, sql: "\(Self.listSelect) WHERE l.workspace_id = ? AND l.seq > ? ORDER BY l.seq LIMIT ?",
                                        arguments: [workspace.rawValue, after, page.limit + 1])
            return Page(items: rows.prefix(page.limit).map(Self.list), hasMore: rows.count > page.limit)
        }
    }

    public func updateList(_ list: ContactList) async throws {
        try await write(conflict: Self.listNameTaken) { db in
            try db.execute(sql: "UPDATE lists SET name = ?, description = ?, updated_at = ? WHERE id = ? AND workspace_id = ?",
                           arguments: [list.name, list.description, Self.millis(list.updatedAt), list.id.rawValue, list.workspaceID.rawValue])
        }
    }

    public func deleteList(_ id: ID, in workspace: ID) async throws {
        try await write { db in
            try db.execute(sql: "DELETE FROM lists WHERE id = ? AND workspace_id = ?", arguments: [id.rawValue, workspace.rawValue])
        }
    }

    public func addMembers(_ contacts: [ID], to list: ID, in workspace: ID, at: Date) async throws -> [ID] {
        guard !contacts.isEmpty else { return [] }
        return try await write { db in
            guard let listSeq = try Int64.fetchOne(db, sql: "SELECT seq FROM lists WHERE id = ? AND workspace_id = ?",
                                                   arguments: [list.rawValue, workspace.rawValue]) else { return [] }
            let insert = try db.cachedStatement(sql: """
                INSERT OR IGNORE INTO list_members (list_seq, contact_seq, added_at)
                SELECT ?, seq, ? FROM contacts WHERE id = ? AND workspace_id = ?
                """)
            var added: [ID] = []
            for contact in contacts {
                try insert.execute(arguments: [listSeq, Self.millis(at), contact.rawValue, workspace.rawValue])
                if db.changesCount > 0 { added.append(contact) }
            }
            try db.execute(sql: "UPDATE lists SET updated_at = ? WHERE seq = ?", arguments: [Self.millis(at), listSeq])
            return added
        }
    }

    public func removeMembers(_ contacts: [ID], from list: ID, in workspace: ID) async throws -> [ID] {
        guard !contacts.isEmpty else { return [] }
        return try await write { db in
            let delete = try db.cachedStatement(sql: """
                DELETE FROM list_members
                WHERE list_seq = (SELECT seq FROM lists WHERE id = ? AND workspace_id = ?)
                  AND contact_seq = (SELECT seq FROM contacts WHERE id = ? AND workspace_id = ?)
                """)
            var removed: [ID] = []
            for contact in contacts {
                try delete.execute(arguments: [list.rawValue, workspace.rawValue, contact.rawValue, workspace.rawValue])
                if db.changesCount > 0 { removed.append(contact) }
            }
            return removed
        }
    }

    public func members(of list: ID, in workspace: ID, page: PageRequest) async throws -> Page<Contact> {
        try await read { db in
            var after: Int64 = 0
            if let cursor = page.startingAfter {
                guard let seq = try Int64.fetchOne(db, sql: "SELECT seq FROM contacts WHERE id = ? AND workspace_id = ?",
                                                   arguments: [cursor.rawValue, workspace.rawValue])
                else { throw ValidationError("starting_after", "no such item in this list") }
                after = seq
            }
            let rows = try Row.fetchAll(db, sql: """
                SELECT c.* FROM list_members m JOIN contacts c ON c.seq = m.contact_seq
                WHERE m.list_seq = (SELECT seq FROM lists WHERE id = ? AND workspace_id = ?) AND m.contact_seq > ?
                ORDER BY m.contact_seq LIMIT ?
                """, arguments: [list.rawValue, workspace.rawValue, after, page.limit + 1])
            return Page(items: try rows.prefix(page.limit).map(Self.contact), hasMore: rows.count > page.limit)
        }
    }

    public func memberIDs(of list: ID, in workspace: ID) async throws -> [ID] {
        try await read { db in
            try String.fetchAll(db, sql: """
                SELECT c.id FROM list_members m JOIN contacts c ON c.seq = m.contact_seq
                WHERE m.list_seq = (SELECT seq FROM lists WHERE id = ? AND workspace_id = ?)
                ORDER BY m.added_at, m.contact_seq
                """, arguments: [list.rawValue, workspace.rawValue]).map(ID.init(trusted:))
        }
    }

    private static let listSelect = """
        SELECT l.*, (SELECT count(*) FROM list_members m WHERE m.list_seq = l.seq) AS member_count FROM lists l
        """

    private static func list(_ row: Row) -> ContactList {
        ContactList(id: ID(trusted: row["id"]), workspaceID: ID(trusted: row["workspace_id"]), name: row["name"],
                    description: row["description"], memberCount: row["member_count"],
                    createdAt: date(row["created_at"] as Int64), updatedAt: date(row["updated_at"] as Int64))
    }

    // MARK: Imports

    public func insertImport(_ job: ImportJob) async throws {
        let values = try Self.columns(of: job)
        try await write { db in
            try db.execute(sql: """
                INSERT INTO imports (id, workspace_id, state, filename, list_id, rows_read, created, updated, duplicates, invalid,
                    errors, failure, created_at, updated_at, finished_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: StatementArguments(values))
        }
    }

    public func updateImport(_ job: ImportJob) async throws {
        let values = try Self.columns(of: job)
        try await write { db in
            try db.execute(sql: """
                UPDATE imports SET state = ?, filename = ?, rows_read = ?, created = ?, updated = ?, duplicates = ?, invalid = ?,
                    errors = ?, failure = ?, updated_at = ?, finished_at = ? WHERE id = ? AND workspace_id = ?
                """, arguments: StatementArguments([values[2], values[3]] + Array(values[5...11]) + [values[13], values[14], values[0], values[1]]))
        }
    }

    public func importJob(_ id: ID, in workspace: ID) async throws -> ImportJob? {
        try await read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM imports WHERE id = ? AND workspace_id = ?",
                                             arguments: [id.rawValue, workspace.rawValue]) else { return nil }
            var job = ImportJob(id: ID(trusted: row["id"]), workspaceID: ID(trusted: row["workspace_id"]), filename: row["filename"],
                                listID: (row["list_id"] as String?).map(ID.init(trusted:)), createdAt: Self.date(row["created_at"] as Int64))
            job.state = ImportJob.State(rawValue: row["state"]) ?? .failed
            job.rowsRead = row["rows_read"]
            job.created = row["created"]
            job.updated = row["updated"]
            job.duplicates = row["duplicates"]
            job.invalid = row["invalid"]
            job.errors = try Self.decode([StoredRowError].self, row["errors"]).map { ImportJob.RowError(row: $0.row, message: $0.message) }
            job.failure = row["failure"]
            job.updatedAt = Self.date(row["updated_at"] as Int64)
            job.finishedAt = Self.date(row["finished_at"] as Int64?)
            return job
        }
    }

    private static func columns(of job: ImportJob) throws -> [DatabaseValue] {
        let values: [(any DatabaseValueConvertible)?] = [
            job.id.rawValue, job.workspaceID.rawValue, job.state.rawValue, job.filename, job.listID?.rawValue, job.rowsRead,
            job.created, job.updated, job.duplicates, job.invalid,
            try json(job.errors.map { StoredRowError(row: $0.row, message: $0.message) }), job.failure,
            millis(job.createdAt), millis(job.updatedAt), millis(job.finishedAt),
        ]
        return values.map { $0?.databaseValue ?? .null }
    }
}

private struct StoredRowError: Codable {
    var row: Int
    var message: String
}
