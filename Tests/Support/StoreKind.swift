import Foundation
import OutboundCore
import OutboundPostgres
import OutboundStore
import Testing

/// Which store a test runs on: the engine and API suites run once per kind (one suite, two
/// stores). SQLite is always there; PostgreSQL when its server binaries are (or `Scripts/test`
/// requires them) — otherwise `PostgresStoreTests` reports the whole PostgreSQL half skipped in
/// one line.
public enum StoreKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite, postgres

    /// The kinds this run covers.
    public static let covered: [StoreKind] = TestPeer.required || TestPeer.postgres.isAvailable ? [.sqlite, .postgres] : [.sqlite]

    public var testDescription: String { rawValue }

    /// A new, empty store of this kind: a SQLite file in `directory`, or a fresh database on the
    /// test run's PostgreSQL server. Returns where it is, to open it again (`open(at:)`).
    public func make(in directory: URL) async throws -> (store: any Store, location: String) {
        let location: String
        switch self {
        case .sqlite: location = directory.appendingPathComponent("outbound.sqlite").path
        case .postgres: location = try await PostgresServer.freshDatabase()
        }
        return (try await open(at: location), location)
    }

    /// The store at `location` opened again (as a restarted server opens it).
    public func open(at location: String) async throws -> any Store {
        switch self {
        case .sqlite: try SQLiteStore(path: location)
        // A few connections each: a test run opens hundreds of stores on one server.
        case .postgres: try await PostgresStore(url: location, maximumConnections: 4)
        }
    }
}
