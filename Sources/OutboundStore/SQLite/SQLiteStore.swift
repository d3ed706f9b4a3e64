import Foundation
import GRDB
import Synchronization
import OutboundCore
import OutboundStoreFormats

/// The embedded store over any GRDB writer: in production one SQLite file in WAL mode
/// (`init(path:)`), in fast tests an in-memory database (`inMemory()`). Foreign keys on,
/// `synchronous=FULL` (a lost commit could later mean a duplicate send), and a busy timeout so a
/// CLI command beside a running server waits for the write lock instead of failing.
public final class SQLiteStore: Store {
    let pool: any DatabaseWriter
    /// The file, or `:memory:`.
    public let path: String
    /// The file's absolute path.
    public var location: String { path == SQLiteStore.memory ? path : URL(fileURLWithPath: path).standardizedFileURL.path }
    /// Decoded campaigns and senders between dispatcher ticks.
    let cache = EngineCache()
    /// Who the current write acts for; the event triggers read it through `outbound_actor()`.
    let actor: ActorSlot
    static let memory = ":memory:"

    /// Opens (creating if needed) and migrates the database file at `path`.
    public convenience init(path: String) throws {
        let actor = ActorSlot()
        var configuration = SQLiteStore.configuration(actor: actor)
        configuration.journalMode = .wal
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try self.init(writer: DatabasePool(path: path, configuration: configuration), path: path, actor: actor)
    }

    /// A store in memory: the same schema and behaviour, gone with the value (fast tests).
    public static func inMemory() throws -> SQLiteStore {
        let actor = ActorSlot()
        return try SQLiteStore(writer: DatabaseQueue(configuration: configuration(actor: actor)), path: memory, actor: actor)
    }

    private static func configuration(actor: ActorSlot) -> Configuration {
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            db.add(function: DatabaseFunction("outbound_actor", argumentCount: 0, pure: false) { _ in actor.value })
        }
        return configuration
    }

    /// Sets the connection up and migrates: `writer` may be a pool over a file or an in-memory queue.
    init(writer: any DatabaseWriter, path: String, actor: ActorSlot) throws {
        self.path = path
        self.actor = actor
        pool = writer
        // GRDB sets NORMAL when it enables WAL; the single writer connection needs FULL.
        // secure_delete: erased personal data is overwritten on disk, not left in free pages.
        // The writer keeps 24 MB of pages (the dispatcher's working set) and checkpoints every
        // 10,000 pages (a page rewritten by many ticks is copied back once, not once per tick).
        try pool.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA synchronous = FULL; PRAGMA secure_delete = ON; PRAGMA wal_autocheckpoint = 10000; PRAGMA cache_size = -24576")
        }
        try SQLiteStore.migrator.migrate(pool)
    }

    /// Names of the migrations applied to this database, oldest first.
    public func appliedMigrations() throws -> [String] {
        try pool.read { db in try SQLiteStore.migrator.appliedMigrations(db) }
    }

    /// Runs `body` in one write transaction. A uniqueness violation (told apart by SQLite's
    /// extended result code) becomes `conflict`: the caller knows which unique key its statements
    /// can break, so no error message is read.
    func write<T: Sendable>(conflict: ConflictError = ConflictError("the resource already exists"),
                            _ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        let acting = EventActor.current
        do {
            return try await pool.write { [actor] db in
                actor.value = acting
                return try body(db)
            }
        } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
            throw conflict
        }
    }

    /// A write whose loss in a power cut can never cause a duplicate send: outcomes of actions
    /// already committed as `sending` (a lost outcome leaves the row `sending`, which start-up
    /// turns into `uncertain`). It skips the fsync at commit (`synchronous=NORMAL`); a killed
    /// process loses nothing, as the OS still holds the pages.
    func writeRelaxed<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        let acting = EventActor.current
        do {
            return try await pool.writeWithoutTransaction { [actor] db in
                actor.value = acting
                try db.cachedStatement(sql: "PRAGMA synchronous = NORMAL").execute()
                defer { try? db.cachedStatement(sql: "PRAGMA synchronous = FULL").execute() }
                var result: T?
                try db.inTransaction {
                    result = try body(db)
                    return .commit
                }
                return result!
            }
        } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
            throw ConflictError("the resource already exists")
        }
    }

    func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await pool.read(body)
    }

    static let campaignNameTaken = ConflictError("a campaign with this name already exists", field: "name")
    static let senderIdentityTaken = ConflictError("a sender with this identity already exists")
    static let listNameTaken = ConflictError("a list with this name already exists", field: "name")
    static let contactIdentityTaken = ConflictError("another contact already has one of these identities (email, phone or LinkedIn URL)")
}

/// The actor of the write in progress. Writes are serialised on the one writer connection, and
/// each sets it before its statements run, so the triggers read the right one.
final class ActorSlot: Sendable {
    private let slot = Mutex("system")

    var value: String {
        get { slot.withLock { $0 } }
        set { slot.withLock { $0 = newValue } }
    }
}

// MARK: - Shared row helpers

extension SQLiteStore {
    static func millis(_ date: Date) -> Int64 { StoredTime.millis(date) }
    static func millis(_ date: Date?) -> Int64? { StoredTime.millis(date) }
    static func date(_ millis: Int64) -> Date { StoredTime.date(millis) }
    static func date(_ millis: Int64?) -> Date? { StoredTime.date(millis) }

    static func json<T: Encodable>(_ value: T) throws -> String { try StoredJSON.encode(value) }
    static func decode<T: Decodable>(_ type: T.Type, _ text: String) throws -> T { try StoredJSON.decode(type, text) }

    /// `seq` of the row named by a cursor, or a validation error on `starting_after`.
    static func cursorSeq(_ db: Database, table: String, page: PageRequest, workspace: ID) throws -> Int64 {
        guard let after = page.startingAfter else { return 0 }
        guard let seq = try Int64.fetchOne(db, sql: "SELECT seq FROM \(table) WHERE id = ? AND workspace_id = ?",
                                           arguments: [after.rawValue, workspace.rawValue])
        else { throw ValidationError("starting_after", "no such item in this list") }
        return seq
    }

    /// Reads one page of `table` (ordered by creation) and maps each row.
    static func page<T: Sendable>(
        _ db: Database, table: String, workspace: ID, page: PageRequest, map: (Database, Row) throws -> T
    ) throws -> Page<T> {
        let after = try cursorSeq(db, table: table, page: page, workspace: workspace)
        let rows = try Row.fetchAll(
            db, sql: "SELECT * FROM \(table) WHERE workspace_id = ? AND seq > ? ORDER BY seq LIMIT ?",
            arguments: [workspace.rawValue, after, page.limit + 1])
        return Page(items: try rows.prefix(page.limit).map { try map(db, $0) }, hasMore: rows.count > page.limit)
    }
}
