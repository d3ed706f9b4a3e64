import Foundation
import Logging
import OutboundCore
import OutboundStoreFormats
import PostgresNIO
import Synchronization

/// Outbound's data on a PostgreSQL server, through PostgresNIO's connection pool, shared by any
/// number of Outbound processes (docs/ARCHITECTURE.md §9). It passes the same suite as
/// `SQLiteStore`. Times are stored as milliseconds since 1970 (`bigint`), as in the SQLite file,
/// so a move copies them unchanged.
public final class PostgresStore: Sendable {
    let client: PostgresClient
    let logger: Logger
    private let running: Task<Void, Never>
    /// This process among those serving the database: the actions it sends are marked with it.
    public var owner: String { ownerName.value }
    private let ownerName: ProcessName
    private let role: String
    /// How long this process counts as alive after its last heartbeat.
    public let lease: Duration
    private let heartbeat: Task<Void, Never>
    /// The URL without its password.
    public let location: String
    /// Decoded campaigns (valid for one revision) and ID → seq mappings, kept between transactions.
    let cache = EngineCache()
    /// What this process hears on `outbound_wake` once its dispatcher first waits (`awaitWork`).
    private let wakeUps = WakeUps()
    /// Rows this process has written in fast-changing tables since it last refreshed their statistics.
    let statistics = TableStatistics()

    /// Connects to `url` (`postgres://user:password@host:port/database`, `?sslmode=disable|prefer|require`;
    /// `disable` unless said), brings the schema up to date (`migrate`) and joins the processes
    /// serving the database: a heartbeat renews this process's `lease` every third of it. When the
    /// process stops, its actions still `sending` are taken over once the lease has run out.
    public init(url: String, role: String = "all", lease: Duration = .seconds(15), maximumConnections: Int = 20,
                logger: Logger = Logger(label: "outbound.postgres")) async throws {
        var (configuration, location, probeTLS) = try Self.configuration(from: url)
        configuration.options.maximumConnections = maximumConnections
        try await Self.probe(configuration, tls: probeTLS, location: location)
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        self.client = client
        self.logger = logger
        self.location = location
        self.lease = lease
        let ownerName = ProcessName(Self.newOwner())
        self.ownerName = ownerName
        self.role = role
        // Started at once, so the pool counts as running before the first lease below.
        running = Task.immediate { await client.run() }
        let leaseMillis = Self.millis(lease)
        heartbeat = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: lease / 3)
                // A lease ended on purpose (`rejoinAsNewProcess`) stays ended, even when this
                // renewal was already on its way under the old name.
                _ = try? await client.query("""
                    UPDATE workers SET expires_at = \(unescaped: Self.databaseNow) + \(leaseMillis)
                    WHERE id = \(ownerName.value) AND expires_at > 0
                    """, logger: logger)
            }
        }
        do {
            try await migrate()
            try await join()
        } catch {
            heartbeat.cancel()
            running.cancel()
            throw Self.unreachable(location, error)
        }
    }

    /// One connection, opened and closed before the pool starts: a server that is not there, or
    /// refuses, is said at once (the pool would retry with growing pauses for a minute).
    private static func probe(_ configuration: PostgresClient.Configuration, tls: PostgresConnection.Configuration.TLS,
                              location: String) async throws {
        let quiet = Logger(label: "outbound.postgres.probe", factory: { _ in SwiftLogNoOpLogHandler() })
        do {
            let connection = try await PostgresConnection.connect(
                configuration: .init(host: configuration.host ?? "127.0.0.1", port: configuration.port ?? 5432, username: configuration.username,
                                     password: configuration.password, database: configuration.database, tls: tls),
                id: 0, logger: quiet)
            try await connection.close()
        } catch {
            throw unreachable(location, error)
        }
    }

    /// What went wrong opening the database, said for an operator: the server's own message when it
    /// answered (a wrong password, no such database), else that it took no connection.
    private static func unreachable(_ location: String, _ error: any Error) -> any Error {
        if error is ValidationError { return error }
        if let error = error as? PSQLError, let message = error.serverInfo?[.message] {
            return ValidationError("database", "\(location): the PostgreSQL server said: \(message)")
        }
        return ValidationError("database", """
            cannot connect to PostgreSQL at \(location) (is the server running, and are the host, port, user, password and \
            database right?)
            """)
    }

    private static func newOwner() -> String {
        "worker_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(20)
    }

    private static func millis(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
    }

    /// Adds this process to the workers table, alive for one lease.
    private func join() async throws {
        try await client.query("""
            INSERT INTO workers (id, role, started_at, expires_at)
            VALUES (\(owner), \(role), \(unescaped: Self.databaseNow), \(unescaped: Self.databaseNow) + \(Self.millis(lease)))
            """, logger: logger)
    }

    /// What a crash and a restart look like to the other processes: this process's lease ends
    /// now (so what it has in flight may be taken over) and it goes on under a new name. For
    /// tests of crash recovery, which cannot kill the process they run in.
    public func rejoinAsNewProcess() async throws {
        try await client.query("UPDATE workers SET expires_at = 0 WHERE id = \(owner)", logger: logger)
        ownerName.value = Self.newOwner()
        try await join()
    }

    /// The database server's clock in epoch milliseconds: leases are measured on one clock
    /// whatever machine each process runs on.
    static let databaseNow = "(extract(epoch from clock_timestamp()) * 1000)::bigint"

    /// Leaves the processes serving the database and closes the pool's connections.
    public func close() {
        wakeUps.stop()
        heartbeat.cancel()
        running.cancel()
    }

    /// Returns after `duration`, or as soon as any process's transaction that makes work due now
    /// commits (the schema's `outbound_wake` notifications). The first call starts listening, on
    /// one connection of the pool kept for it; a lost connection is listened on again after a second.
    public func awaitWork(upTo duration: Duration) async throws {
        wakeUps.start { [client, logger, wakeUps] heard in
            while !Task.isCancelled {
                do {
                    try await client.withConnection { connection in
                        try await connection.listen(on: PostgresSchema.wakeChannel) { notifications in
                            wakeUps.listening = true
                            defer { wakeUps.listening = false }
                            for try await _ in notifications { heard() }
                        }
                    }
                } catch {
                    if Task.isCancelled { return }
                    logger.debug("listening for wake-ups failed; again in a second", metadata: ["error": "\(error)"])
                    try? await Task.sleep(for: .seconds(1))
                }
            }
        }
        try await wakeUps.wait(upTo: duration)
    }

    public var hearsOfWork: Bool { true }

    /// Whether this process listens for wake-ups now (its dispatcher has waited once, and the
    /// server took its `LISTEN`).
    public var listensForWork: Bool { wakeUps.listening }

    /// The pool's configuration from a `postgres://` (or `postgresql://`) URL, and the URL as it
    /// is shown (no password). A wrong URL is a `ValidationError` on `database`.
    static func configuration(from url: String) throws -> (PostgresClient.Configuration, String, PostgresConnection.Configuration.TLS) {
        guard let parts = URLComponents(string: url), let scheme = parts.scheme?.lowercased(), scheme == "postgres" || scheme == "postgresql",
              let host = parts.host, !host.isEmpty
        else { throw ValidationError("database", "must be a postgres://user:password@host:port/database URL") }
        let user = parts.user.flatMap { $0.removingPercentEncoding } ?? "postgres"
        let password = parts.password.flatMap { $0.removingPercentEncoding }
        let database = parts.path.split(separator: "/").first.map(String.init) ?? user
        let tls: PostgresClient.Configuration.TLS
        let probeTLS: PostgresConnection.Configuration.TLS
        switch parts.queryItems?.first(where: { $0.name == "sslmode" })?.value ?? "disable" {
        case "disable": (tls, probeTLS) = (.disable, .disable)
        case "prefer", "allow": (tls, probeTLS) = (.prefer(.makeClientConfiguration()), .prefer(try .init(configuration: .makeClientConfiguration())))
        case "require", "verify-ca", "verify-full":
            (tls, probeTLS) = (.require(.makeClientConfiguration()), .require(try .init(configuration: .makeClientConfiguration())))
        case let other: throw ValidationError("database", "sslmode \(other) is not one of disable, prefer, require")
        }
        var configuration = PostgresClient.Configuration(host: host, port: parts.port ?? 5432, username: user, password: password,
                                                         database: database, tls: tls)
        configuration.options.maximumConnections = 20
        return (configuration, "postgres://\(user)@\(host):\(parts.port ?? 5432)/\(database)", probeTLS)
    }

    /// Runs `body` in one transaction (`BEGIN` … `COMMIT`, rolled back when it throws). What went
    /// wrong is thrown as itself (a `ValidationError` from `body`, the server's error), not
    /// wrapped in PostgresNIO's transaction error.
    /// The events it logs name `EventActor.current` (the `outbound.actor` setting, for this transaction only).
    func transaction<T: Sendable>(_ body: @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        let acting = EventActor.current
        do {
            return try await client.withTransaction(logger: logger) { connection in
                if acting != "system" {
                    try await connection.query("SELECT set_config('outbound.actor', \(acting), true)", logger: self.logger)
                }
                return try await body(connection)
            }
        } catch let error as PostgresTransactionError {
            throw error.closureError ?? error.beginError ?? error.commitError ?? error
        }
    }

    /// The first column of every row, decoded as `T`.
    static func values<T: PostgresDecodable>(_ rows: PostgresRowSequence, as type: T.Type) async throws -> [T] {
        var values: [T] = []
        for try await value in rows.decode(T.self) { values.append(value) }
        return values
    }

    /// Runs `body` in one transaction on one of the pool's connections (for `outbound migrate`).
    public func withTransaction<T: Sendable>(_ body: @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        try await transaction(body)
    }

    /// Runs `body` in a read-only transaction that sees one snapshot of the database throughout
    /// (`REPEATABLE READ`), as a SQLite read transaction does.
    func snapshot<T: Sendable>(_ body: @Sendable (SQL) async throws -> T) async throws -> T {
        try await client.withConnection { connection in
            let sql = SQL(connection: connection, logger: self.logger, owner: nil)
            try await sql.run("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            do {
                let result = try await body(sql)
                try await sql.run("COMMIT")
                return result
            } catch {
                try? await sql.run("ROLLBACK")
                throw error
            }
        }
    }

    /// A transaction of the engine's kind: it first takes the engine's lock (a transaction-level
    /// advisory lock). Taken alone, it makes engine writes from every process on this database
    /// apply one after another, as the SQLite file's single writer applies them
    /// (docs/ARCHITECTURE.md §9).
    ///
    /// The dispatcher's own — claiming, recording, taking over a gone process's sends
    /// (`.sending`) — take the lock shared: they run side by side in several processes, kept apart
    /// by the rows they lock — a claim takes its senders `FOR UPDATE SKIP LOCKED`, so no sender is
    /// claimed by two processes, and takes a lock per campaign and workspace before it counts the
    /// leads it starts and the actions it adds against their daily limits. Everything else
    /// (lifecycle, inbound signals, a rebalance step) takes it alone.
    /// Two dispatch transactions that still lock the same rows in opposite orders are ended by
    /// the server (a deadlock) and the loser is run again, from the start.
    func engineTransaction<T: Sendable>(_ mode: EngineLock = .exclusive, _ body: @Sendable (SQL) async throws -> T) async throws -> T {
        for attempt in 1... {
            do {
                return try await transaction { connection in
                    let sql = SQL(connection: connection, logger: self.logger, owner: self.owner, cache: self.cache)
                    switch mode {
                    case .exclusive: try await sql.run("SELECT pg_advisory_xact_lock(\(Self.engineLockKey))")
                    case .sending:
                        // Its statements run with their generic plans (`plan_cache_mode`, for this
                        // transaction only): they are the same few shapes over keys on every wake, and
                        // the server otherwise plans the due leads and the limit counts anew for each
                        // call's values, which costs more than running them. And with no JIT compiling:
                        // the server compiles a plan whose *estimated* cost passes `jit_above_cost`, and a
                        // generic plan's estimate is blind to how few rows it will meet — the due leads
                        // (six rows, 0.2 ms of work) spent 15 ms compiling.
                        try await sql.run("""
                            SELECT pg_advisory_xact_lock_shared(\(Self.engineLockKey)),
                                   set_config('plan_cache_mode', 'force_generic_plan', true), set_config('jit', 'off', true)
                            """)
                    }
                    return try await body(sql)
                }
            } catch let error as PSQLError where attempt < 5 && Self.mayRetry(error) {
                try await Task.sleep(for: .milliseconds(Int.random(in: 1...10) * attempt))
            }
        }
        fatalError("unreachable")
    }

    /// The engine lock's key, and the first half of the per-campaign and per-workspace limit locks' keys.
    static let engineLockKey: Int64 = 7_031_997
    static let limitLockSpace: Int32 = 7_031_998

    /// A deadlock or a serialization failure: the transaction did nothing and may run again.
    private static func mayRetry(_ error: PSQLError) -> Bool {
        guard let code = error.serverInfo?[.sqlState] else { return false }
        return code == "40P01" || code == "40001"
    }

    /// How an engine transaction shares the engine lock (see `engineTransaction`).
    enum EngineLock {
        case exclusive, sending
    }

    /// Statements on one connection (inside a transaction or not), read the way the store reads them.
    struct SQL: Sendable {
        let connection: PostgresConnection
        let logger: Logger
        /// The process the actions this transaction starts are marked with.
        var owner: String?
        var cache: EngineCache?

        func run(_ query: PostgresQuery) async throws {
            try await connection.query(query, logger: logger)
        }

        /// Runs a statement ending in `RETURNING 1` (or any one column) and says how many rows it touched.
        func changes(_ query: PostgresQuery) async throws -> Int {
            var count = 0
            for try await _ in try await connection.query(query, logger: logger) { count += 1 }
            return count
        }

        func rows(_ query: PostgresQuery) async throws -> [Row] {
            try await PostgresStore.rows(query, on: connection, logger: logger)
        }

        func values<T: PostgresDecodable>(_ query: PostgresQuery, as type: T.Type) async throws -> [T] {
            try await PostgresStore.values(connection.query(query, logger: logger), as: type)
        }

        /// The first column of the first row, nil when there is no row or it is NULL.
        func value<T: PostgresDecodable & Sendable>(_ query: PostgresQuery, as type: T.Type) async throws -> T? where T._DecodableType == T {
            for try await value in try await connection.query(query, logger: logger).decode(Optional<T>.self) { return value }
            return nil
        }

        /// Every row of a prepared statement (planned once per connection).
        func rows<Statement: PreparedStatement>(_ statement: Statement) async throws -> [Row] {
            var rows: [Row] = []
            for try await row in try await connection.execute(statement, logger: logger) { rows.append(row) }
            return rows
        }
    }

    /// A statement the dispatcher runs on every claim or record, kept prepared on each connection
    /// (PostgresNIO prepares it under its type's name the first time a connection runs it): the
    /// server parses and analyses it once, and — since the dispatcher's transactions ask for
    /// generic plans (`engineTransaction`) — plans it once per connection and statistics. Its SQL
    /// names its columns (no `*` in what it returns), so a migration that adds a column never
    /// changes the result of a statement already prepared.
    protocol PreparedStatement: PostgresPreparedStatement where Row == PostgresStore.Row {
        var bindings: PostgresBindings { get }
    }

    /// Every row of `query` on `connection`, each readable by column name (`row["id"]`).
    static func rows(_ query: PostgresQuery, on connection: PostgresConnection, logger: Logger) async throws -> [Row] {
        var rows: [Row] = []
        for try await row in try await connection.query(query, logger: logger) { rows.append(Row(row.makeRandomAccess())) }
        return rows
    }

    /// Every row of `query`, on a pooled connection.
    func rows(_ query: PostgresQuery) async throws -> [Row] {
        try await client.withConnection { connection in try await Self.rows(query, on: connection, logger: self.logger) }
    }

    /// A row read by column name, as the SQLite store reads GRDB's rows, so each table's
    /// decoding reads the same in both stores.
    struct Row: Sendable {
        let columns: PostgresRandomAccessRow

        init(_ columns: PostgresRandomAccessRow) { self.columns = columns }

        subscript<T: PostgresDecodable>(_ name: String) -> T {
            get throws { try columns[name].decode(T.self) }
        }

        subscript<T: PostgresDecodable>(_ index: Int) -> T {
            get throws { try columns[index].decode(T.self) }
        }
    }

    static func millis(_ date: Date) -> Int64 { StoredTime.millis(date) }
    static func millis(_ date: Date?) -> Int64? { StoredTime.millis(date) }
    static func date(_ millis: Int64) -> Date { StoredTime.date(millis) }
    static func date(_ millis: Int64?) -> Date? { StoredTime.date(millis) }
}

/// Wake-ups heard from the database, for one waiting dispatcher: a wake-up heard while it was
/// busy ends its next wait at once (one is kept, however many came).
final class WakeUps: Sendable {
    private let stream: AsyncStream<Void>
    private let heard: AsyncStream<Void>.Continuation
    private let listener = Mutex<Task<Void, Never>?>(nil)
    private let listens = Mutex(false)

    var listening: Bool {
        get { listens.withLock { $0 } }
        set { listens.withLock { $0 = newValue } }
    }

    init() {
        (stream, heard) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Starts `listen` (given what to call on each notification) unless it runs already.
    func start(_ listen: @escaping @Sendable (@escaping @Sendable () -> Void) async -> Void) {
        listener.withLock { task in
            guard task == nil else { return }
            let heard = heard
            task = Task { await listen { heard.yield() } }
        }
    }

    /// Returns after `duration` or at the first wake-up, whichever comes first.
    func wait(upTo duration: Duration) async throws {
        let stream = stream
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await Task.sleep(for: duration) }
            group.addTask { for await _ in stream { return } }
            await group.next()
            group.cancelAll()
        }
        try Task.checkCancellation()
    }

    func stop() {
        listener.withLock { $0?.cancel() }
    }
}

/// This process's name among the workers (a restart in a test gives it a new one).
final class ProcessName: Sendable {
    private let name: Mutex<String>

    init(_ name: String) { self.name = Mutex(name) }

    var value: String {
        get { name.withLock { $0 } }
        set { name.withLock { $0 = newValue } }
    }
}

/// How many entries each of the engine's caches keeps before it starts again empty.
private let engineCacheCapacity = 20_000

/// Decoded campaigns and senders kept between the dispatcher's transactions, each valid for one
/// `revision` of its row (the schema's triggers bump it on every change of the campaign, its
/// senders or lists, and of the sender's settings), and the immutable ID → seq mappings of
/// campaigns and senders.
final class EngineCache: Sendable {
    private let campaigns = RevisionShelf<Campaign>()
    let senders = RevisionShelf<Sender>()
    private let seqs = Mutex([String: Int64]())
    /// The earliest scheduled signal as this process last read it (`Int64.min`: look again).
    private let earliestSignal = Mutex(Int64.min)

    /// Whether a claim at `now` should look for due signals: one was due by this process's last
    /// look (which every transaction of its dispatcher ends with), or it has not looked since it
    /// applied some. Signals are scheduled by dispatchers only, each of which sees its own.
    func signalsMayBeDue(at now: Int64) -> Bool { earliestSignal.withLock { $0 <= now } }

    /// Notes the earliest scheduled signal read (nil: none), or that the next claim should look.
    func noteEarliestSignal(_ at: Int64?) { earliestSignal.withLock { $0 = at ?? .max } }
    func lookForSignalsAgain() { earliestSignal.withLock { $0 = .min } }

    func campaign(_ seq: Int64, revision: Int64) -> Campaign? { campaigns.value(seq, revision: revision) }

    func keep(_ campaign: Campaign, seq: Int64, revision: Int64) { campaigns.keep(campaign, seq: seq, revision: revision) }

    func seq(of id: String) -> Int64? { seqs.withLock { $0[id] } }

    func keep(seq: Int64, of id: String) {
        seqs.withLock { map in
            if map.count >= engineCacheCapacity { map.removeAll() }
            map[id] = seq
        }
    }
}

/// Rows written in the tables that change by thousands at once — leads added and then activated
/// by a launch, actions added by the dispatcher — since this process last refreshed each one's
/// statistics, and how many rows the table had then. Until the server's statistics know of those
/// rows (autovacuum looks once a minute), the dispatcher's statements over them are planned blind,
/// and a generic plan made then is kept: `bench dispatch` ran at three quarters of its speed until
/// autovacuum had looked. So the store refreshes a table's statistics itself once this process has
/// written a fifth of the table (and at least a thousand rows) since the last refresh
/// (`PostgresStore.noteRowsWritten`).
final class TableStatistics: Sendable {
    private let tables = Mutex([String: (written: Int, rows: Double)]())

    /// Notes `count` rows of `table` written; whether its statistics are now due for a refresh
    /// (the count starts again from there, so a refresh under way is not asked for twice).
    func wrote(_ count: Int, to table: String) -> Bool {
        tables.withLock { tables in
            var entry = tables[table] ?? (0, 0)
            entry.written += count
            let due = Double(entry.written) >= max(1_000, entry.rows / 5)
            if due { entry.written = 0 }
            tables[table] = entry
            return due
        }
    }

    /// Notes a refresh of `table` that found `rows` rows.
    func refreshed(_ table: String, rows: Double) { tables.withLock { $0[table]?.rows = rows } }
}

/// Values decoded from rows of one table, by seq, each valid while its row's `revision` is the one
/// it was decoded at.
final class RevisionShelf<Value: Sendable>: Sendable {
    private let values = Mutex([Int64: (revision: Int64, value: Value)]())

    func value(_ seq: Int64, revision: Int64) -> Value? {
        values.withLock { $0[seq] }.flatMap { $0.revision == revision ? $0.value : nil }
    }

    func keep(_ value: Value, seq: Int64, revision: Int64) {
        values.withLock { shelf in
            if shelf.count >= engineCacheCapacity { shelf.removeAll() }
            shelf[seq] = (revision, value)
        }
    }
}

/// An array parameter whose elements may be NULL (PostgresNIO encodes arrays of non-optional
/// values only): a batch's optional column, for `unnest`.
struct NullableArray<Element: NullableArrayElement>: PostgresNonThrowingEncodable, Sendable {
    var values: [Element?]

    init(_ values: [Element?]) { self.values = values }

    static var psqlType: PostgresDataType { Element.arrayType }
    static var psqlFormat: PostgresFormat { .binary }

    func encode<JSONEncoder: PostgresJSONEncoder>(into buffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>) {
        // The binary array format: dimensions, has-NULL flag, element type, then per dimension
        // its length and lower bound, then each element as a length (-1: NULL) and its bytes.
        buffer.writeInteger(values.isEmpty ? 0 : 1, as: Int32.self)
        buffer.writeInteger(values.contains(where: { $0 == nil }) ? 1 : 0, as: Int32.self)
        buffer.writeInteger(Element.elementType.rawValue)
        guard !values.isEmpty else { return }
        buffer.writeInteger(Int32(values.count))
        buffer.writeInteger(1, as: Int32.self)
        for value in values {
            if let value {
                value.writeElement(into: &buffer)
            } else {
                buffer.writeInteger(-1, as: Int32.self)
            }
        }
    }
}

/// A value `NullableArray` can carry: its types and its binary form, length first.
protocol NullableArrayElement: Sendable {
    static var arrayType: PostgresDataType { get }
    static var elementType: PostgresDataType { get }
    func writeElement(into buffer: inout ByteBuffer)
}

extension String: NullableArrayElement {
    static var arrayType: PostgresDataType { .textArray }
    static var elementType: PostgresDataType { .text }
    func writeElement(into buffer: inout ByteBuffer) {
        buffer.writeInteger(Int32(utf8.count))
        buffer.writeString(self)
    }
}

extension Int64: NullableArrayElement {
    static var arrayType: PostgresDataType { .int8Array }
    static var elementType: PostgresDataType { .int8 }
    func writeElement(into buffer: inout ByteBuffer) {
        buffer.writeInteger(Int32(8))
        buffer.writeInteger(self)
    }
}

typealias NullableTexts = NullableArray<String>
typealias NullableInts = NullableArray<Int64>

extension PostgresStore: Store, ManualActionStore {}

extension PostgresStore.PreparedStatement {
    func makeBindings() -> PostgresBindings { bindings }

    func decodeRow(_ row: PostgresRow) -> PostgresStore.Row { PostgresStore.Row(row.makeRandomAccess()) }
}

extension PostgresBindings {
    /// Bindings of these values, in order (`$1`, `$2`, …).
    init(_ values: any PostgresNonThrowingEncodable...) {
        self.init(capacity: values.count)
        for value in values { append(value) }
    }
}
