import ArgumentParser
import Foundation
import OutboundCore
import OutboundPostgres
import OutboundStore

@main
struct Outbound: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "outbound",
        abstract: "Self-hosted multi-channel outreach engine.",
        subcommands: [Serve.self, Migrate.self, WorkspaceCommand.self, UserCommand.self, Import.self, Bench.self, Simulate.self],
        defaultSubcommand: nil
    )
}

/// `--database PATH`, falling back to `OUTBOUND_DATABASE`, then `./outbound.sqlite`.
struct DatabaseOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "SQLite database file, or a PostgreSQL URL (postgres://user:password@host:port/database).",
        discussion: "Default: $OUTBOUND_DATABASE, else ./outbound.sqlite."))
    var database: String?

    var path: String {
        if let database { return database }
        if let fromEnvironment = ProcessInfo.processInfo.environment["OUTBOUND_DATABASE"], !fromEnvironment.isEmpty {
            return fromEnvironment
        }
        return "./outbound.sqlite"
    }

    /// Whether the database is a PostgreSQL server (a `postgres://` or `postgresql://` URL).
    var isPostgres: Bool { ["postgres", "postgresql"].contains(DatabaseOptions.urlScheme(path)?.lowercased() ?? "") }

    /// Where files that live beside the database go (the sealing key): the SQLite file's folder,
    /// or the working folder for a PostgreSQL database.
    var folder: String {
        isPostgres ? FileManager.default.currentDirectoryPath : URL(fileURLWithPath: path).deletingLastPathComponent().path
    }

    /// Opens (creating and migrating) the database and says on standard error which it is, so a
    /// command run in another folder cannot silently work on a second database. `role` and
    /// `lease` are how this process joins the others serving a PostgreSQL database.
    func open(role: String = "all", lease: Duration = .seconds(15)) async throws -> any Store {
        let path = self.path
        let store: any Store
        if isPostgres {
            do {
                store = try await PostgresStore(url: path, role: role, lease: lease)
            } catch let error as OutboundCore.ValidationError {
                let origin = database == nil ? "OUTBOUND_DATABASE" : "--database"
                throw ValidationError("\(origin): " + (error.issues.first?.message ?? "\(error)"))
            }
        } else if let scheme = DatabaseOptions.urlScheme(path) {
            let origin = database == nil ? "OUTBOUND_DATABASE" : "--database"
            throw ValidationError("""
                \(origin) \(path): a \(scheme):// URL is not a database Outbound can use. Give a SQLite file path \
                (e.g. ./outbound.sqlite) or a postgres://user:password@host:port/database URL.
                """)
        } else {
            store = try SQLiteStore(path: path)
        }
        emitError("outbound: database \(store.location)")
        return store
    }

    /// Names of the migrations applied to the database, in order.
    static func appliedMigrations(of store: any Store) async throws -> [String] {
        switch store {
        case let sqlite as SQLiteStore: try sqlite.appliedMigrations()
        case let postgres as PostgresStore: try await postgres.appliedMigrations()
        default: []
        }
    }

    /// The scheme of a value written as a URL (`postgres://…`, `file://…`), or nil for a path.
    static func urlScheme(_ value: String) -> String? {
        guard let colon = value.range(of: "://") else { return nil }
        let scheme = value[..<colon.lowerBound]
        guard let first = scheme.first, first.isLetter,
              scheme.allSatisfy({ $0.isLetter || $0.isNumber || "+-.".contains($0) }) else { return nil }
        return String(scheme)
    }
}


