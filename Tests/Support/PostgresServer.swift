import Foundation
import Logging
import PostgresNIO
import Synchronization

/// One throwaway PostgreSQL server per test process (`Scripts/postgres-server`, started on first
/// use; it stops when this process ends), and a fresh, empty database on it per test.
public enum PostgresServer {
    private static let server = Mutex<(process: Process, port: Int)?>(nil)
    private static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Scripts/postgres-server").path

    /// The server's port, starting it the first time.
    public static func port() throws -> Int {
        try server.withLock { server in
            if let server { return server.port }
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("outbound-postgres-\(UUID().uuidString)").path
            let (process, words) = try startServerScript([script, "--dir", folder, "--with-parent"], name: "postgres-server",
                                                         hint: "are PostgreSQL's server binaries installed? apt-get install postgresql")
            guard words.count >= 2, let port = Int(words[1]) else { throw SinkError("postgres-server said: \(words.joined(separator: " "))") }
            server = (process, port)
            return port
        }
    }

    /// A connection of the test's own to the database of `url` (one of `freshDatabase`'s); the
    /// caller closes it.
    public static func connection(to url: String) async throws -> PostgresConnection {
        let name = String(url.split(separator: "/").last ?? "")
        let configuration = PostgresConnection.Configuration(host: "127.0.0.1", port: try port(), username: "outbound", password: nil,
                                                             database: name, tls: .disable)
        return try await PostgresConnection.connect(configuration: configuration, id: 2, logger: Logger(label: "test.postgres"))
    }

    /// Runs `sql` on the database of `url` (one of `freshDatabase`'s) and returns each row's first
    /// two columns as text and integer (a test's own look at the tables).
    public static func counts(_ sql: String, in url: String) async throws -> [String: Int] {
        let logger = Logger(label: "test.postgres")
        let connection = try await connection(to: url)
        defer { Task { try? await connection.close() } }
        var result: [String: Int] = [:]
        for try await (key, value) in try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger).decode((String, Int).self) {
            result[key] = value
        }
        return result
    }

    /// Runs statements on the database of `url` (a test's own change to the schema, such as a fault to inject).
    public static func execute(_ statements: [String], in url: String) async throws {
        let name = String(url.split(separator: "/").last ?? "")
        let configuration = PostgresConnection.Configuration(host: "127.0.0.1", port: try port(), username: "outbound", password: nil,
                                                             database: name, tls: .disable)
        let logger = Logger(label: "test.postgres")
        let connection = try await PostgresConnection.connect(configuration: configuration, id: 3, logger: logger)
        do {
            for statement in statements { try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger) }
            try await connection.close()
        } catch {
            try? await connection.close()
            throw error
        }
    }

    /// The URL of a new database of its own (`postgres://outbound@127.0.0.1:<port>/t_…`).
    public static func freshDatabase() async throws -> String {
        let port = try port()
        let name = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        let configuration = PostgresConnection.Configuration(host: "127.0.0.1", port: port, username: "outbound", password: nil,
                                                             database: "postgres", tls: .disable)
        let logger = Logger(label: "test.postgres")
        let connection = try await PostgresConnection.connect(configuration: configuration, id: 1, logger: logger)
        do {
            try await connection.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"), logger: logger)
            try await connection.close()
        } catch {
            try? await connection.close()
            throw error
        }
        return "postgres://outbound@127.0.0.1:\(port)/\(name)"
    }
}

/// A transaction of a test's own on a test database, open until `commit()`: for what another
/// transaction meanwhile may or may not do.
public final class OpenTransaction: Sendable {
    private let connection: PostgresConnection
    private let logger = Logger(label: "test.postgres")

    public init(on url: String) async throws {
        connection = try await PostgresServer.connection(to: url)
        try await connection.query("BEGIN", logger: logger)
    }

    /// Runs `sql` (a test's own text).
    public func run(_ sql: String) async throws {
        try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger)
    }

    public func commit() async throws {
        try await connection.query("COMMIT", logger: logger)
        try await connection.close()
    }
}
