import Foundation
import GRDB
import OutboundCore

extension SQLiteStore {
    public func actionTimes(of campaign: ID, in workspace: ID) async throws -> [Date] {
        try await read { db in
            try Int64.fetchAll(db, sql: """
                SELECT a.created_at FROM actions a JOIN campaigns k ON k.seq = a.campaign_seq
                WHERE k.id = ? AND k.workspace_id = ? AND a.state IN ('sent', 'sending', 'uncertain')
                """, arguments: [campaign.rawValue, workspace.rawValue]).map(Self.date)
        }
    }

    /// A consistent copy of the whole database at `path` (`VACUUM INTO`), opened as a store
    /// (not `durable`: for a throwaway copy).
    public func copy(to path: String, durable: Bool = true) throws -> SQLiteStore {
        try pool.writeWithoutTransaction { db in try db.execute(sql: "VACUUM INTO ?", arguments: [path]) }
        return try SQLiteStore(path: path, durable: durable)
    }
}

extension SQLiteStore {
    /// Copies for forecasts. A forecast needs no durability: by default the copy is a file in
    /// the temporary directory that is never flushed to disk (`synchronous=OFF`, WAL: the
    /// fastest measured here, see `bench forecast`); `inMemory: true` backs it up into memory
    /// instead (SQLite's online backup of a consistent snapshot).
    public func forecastSandbox(inMemory: Bool = false) -> ForecastService.Sandbox {
        { [self] in
            if inMemory {
                let memory = try DatabaseQueue(configuration: SQLiteStore.configuration)
                try pool.backup(to: memory)
                return (try SQLiteStore(writer: memory, path: SQLiteStore.memory, durable: false), {})
            }
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("outbound-forecast-\(UUID().uuidString).sqlite").path
            let copy = try self.copy(to: path, durable: false)
            return (copy, {
                for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
            })
        }
    }
}
