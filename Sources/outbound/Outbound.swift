import ArgumentParser
import Foundation
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
    @Option(name: .long, help: "SQLite database file (default: $OUTBOUND_DATABASE or ./outbound.sqlite).")
    var database: String?

    var path: String {
        if let database { return database }
        if let fromEnvironment = ProcessInfo.processInfo.environment["OUTBOUND_DATABASE"], !fromEnvironment.isEmpty {
            return fromEnvironment
        }
        return "./outbound.sqlite"
    }

    /// Opens (creating and migrating) the database and says on standard error which file it is,
    /// so a command run in another folder cannot silently work on a second database.
    func open() throws -> SQLiteStore {
        let path = self.path
        if let scheme = DatabaseOptions.urlScheme(path) {
            let origin = database == nil ? "OUTBOUND_DATABASE" : "--database"
            throw ValidationError("""
                \(origin) \(path): a \(scheme):// URL is not supported yet; Outbound stores its data in a SQLite file. \
                Give a file path (e.g. ./outbound.sqlite).
                """)
        }
        let store = try SQLiteStore(path: path)
        emitError("outbound: database \(store.location)")
        return store
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


