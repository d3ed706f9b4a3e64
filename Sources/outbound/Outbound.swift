import Foundation
import ArgumentParser

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
}


