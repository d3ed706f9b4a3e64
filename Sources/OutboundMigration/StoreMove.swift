import Foundation
import GRDB
import Logging
import OutboundPostgres
import PostgresNIO

/// `outbound migrate --from FILE --to URL`: copies every row of a SQLite file into an empty
/// PostgreSQL database in one transaction (docs/ARCHITECTURE.md §9), so a campaign running
/// before the move goes on after it exactly where it was.
///
/// Both schemas name their tables and columns alike, so each table is copied by the columns the
/// two share, with `COPY … FROM STDIN` (text format; 0/1 flags become booleans, blobs hex). The
/// target's triggers are off during the copy: the rows are copied, not made again (an event
/// copied must not queue its deliveries a second time). Each identity sequence is then set past
/// the copied rows, the row counts are compared table by table, and only then is it committed.
public enum StoreMove {
    /// Tables in an order that satisfies their foreign keys.
    static let tables = [
        "instance", "workspaces", "api_keys", "users", "idempotency_keys", "web_sessions", "senders", "campaigns", "campaign_senders",
        "contacts", "lists", "list_members", "campaign_lists", "suppressions", "enrollments", "imports", "actions", "scheduled_signals",
        "campaign_counters", "signal_receipts", "inbound_receipts", "events", "webhook_endpoints", "webhook_deliveries",
        "webhook_attempts", "mailboxes", "inbox_replies", "inbox_threads",
    ]

    /// What a move copied: rows per table, in copy order.
    public struct Report: Sendable {
        public var rows: [(table: String, count: Int)] = []
        public var total: Int { rows.reduce(0) { $0 + $1.count } }
    }

    public struct MoveError: Error, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }

    /// Copies the SQLite file at `path` into the PostgreSQL database at `url` (which must hold no
    /// workspace), reporting each table as it is done.
    public static func run(from path: String, to url: String, logger: Logger = Logger(label: "outbound.migrate"),
                           progress: @Sendable (String, Int) -> Void = { _, _ in }) async throws -> Report {
        guard FileManager.default.fileExists(atPath: path) else { throw MoveError("--from \(path): no such file") }
        var configuration = Configuration()
        configuration.readonly = true
        let source = try DatabaseQueue(path: path, configuration: configuration)
        defer { try? source.close() }
        // The target's schema, made by the store itself.
        let target = try await PostgresStore(url: url, role: "migrate", logger: logger)
        defer { target.close() }
        return try await target.withTransaction { connection in
            let workspaces = try await count("workspaces", connection, logger)
            guard workspaces == 0 else { throw MoveError("--to \(target.location) is not empty (\(workspaces) workspaces): give an empty database") }
            try await connection.query("DELETE FROM instance", logger: logger)
            var report = Report()
            for table in tables {
                let columns = try await targetColumns(table, connection, logger)
                let sourceColumns = try await source.read { db in try db.columns(in: table).map(\.name) }
                let shared = columns.filter { sourceColumns.contains($0.name) }
                try await connection.query(PostgresQuery(unsafeSQL: "ALTER TABLE \(table) DISABLE TRIGGER USER"), logger: logger)
                let copied = try await copy(table, columns: shared, from: source, to: connection, logger)
                try await connection.query(PostgresQuery(unsafeSQL: "ALTER TABLE \(table) ENABLE TRIGGER USER"), logger: logger)
                if columns.contains(where: { $0.name == "seq" }) {
                    try await connection.query(PostgresQuery(unsafeSQL: """
                        SELECT setval(pg_get_serial_sequence('\(table)', 'seq'), coalesce((SELECT max(seq) FROM \(table)), 0) + 1, false)
                        """), logger: logger)
                }
                let expected = try await source.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM \(table)") ?? 0 }
                let found = try await count(table, connection, logger)
                guard copied == expected, found == expected else {
                    throw MoveError("\(table): \(expected) rows in the file, \(found) in the database after the copy; nothing was committed")
                }
                report.rows.append((table, found))
                progress(table, found)
            }
            return report
        }
    }

    private static func count(_ table: String, _ connection: PostgresConnection, _ logger: Logger) async throws -> Int {
        for try await value in try await connection.query(PostgresQuery(unsafeSQL: "SELECT count(*) FROM \(table)"), logger: logger).decode(Int.self) {
            return value
        }
        return 0
    }

    private static func targetColumns(_ table: String, _ connection: PostgresConnection, _ logger: Logger) async throws -> [(name: String, type: String)] {
        var columns: [(name: String, type: String)] = []
        for try await (name, type) in try await connection.query("""
            SELECT column_name::text, data_type::text FROM information_schema.columns
            WHERE table_schema = current_schema() AND table_name = \(table) ORDER BY ordinal_position
            """, logger: logger).decode((String, String).self) {
            columns.append((name, type))
        }
        return columns
    }

    /// Streams `table`'s rows in `COPY`'s text format; returns how many.
    private static func copy(_ table: String, columns: [(name: String, type: String)], from source: DatabaseQueue,
                             to connection: PostgresConnection, _ logger: Logger) async throws -> Int {
        let names = columns.map(\.name)
        let select = "SELECT \(names.map { "\"\($0)\"" }.joined(separator: ", ")) FROM \(table)"
        let total = try await source.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM \(table)") ?? 0 }
        guard total > 0 else { return 0 }
        var copied = 0
        try await connection.copyFrom(table: table, columns: names, logger: logger) { writer in
            var offset = 0
            while offset < total {
                // Slices of the file (which nothing writes meanwhile), so a large table is never held in memory whole.
                let start = offset
                let text = try await source.read { db -> (String, Int) in
                    var out = ""
                    var rows = 0
                    let cursor = try Row.fetchCursor(db, sql: "\(select) LIMIT 5000 OFFSET \(start)")
                    while let row = try cursor.next() {
                        for (index, column) in columns.enumerated() {
                            if index > 0 { out += "\t" }
                            out += field(row[index] as DatabaseValue, as: column.type)
                        }
                        out += "\n"
                        rows += 1
                    }
                    return (out, rows)
                }
                guard text.1 > 0 else { break }
                try await writer.write(ByteBuffer(string: text.0))
                offset += text.1
                copied += text.1
            }
        }
        return copied
    }

    /// One value in `COPY`'s text format for a column of `type`.
    static func field(_ value: DatabaseValue, as type: String) -> String {
        switch value.storage {
        case .null: return "\\N"
        case .int64(let number): return type == "boolean" ? (number != 0 ? "t" : "f") : String(number)
        case .double(let number): return String(number)
        case .string(let text): return escape(text)
        case .blob(let data):
            if type == "bytea" { return "\\\\x" + data.map { String(format: "%02x", $0) }.joined() }
            return escape(String(decoding: data, as: UTF8.self))
        }
    }

    /// Text with the backslash, tab, newline and carriage return escaped, as `COPY` reads it.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text.unicodeScalars {
            switch character {
            case "\\": out += "\\\\"
            case "\t": out += "\\t"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            default: out.unicodeScalars.append(character)
            }
        }
        return out
    }
}
