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

    /// A consistent copy of the whole database at `path` (`VACUUM INTO`), opened as a store.
    public func copy(to path: String) throws -> SQLiteStore {
        try pool.writeWithoutTransaction { db in try db.execute(sql: "VACUUM INTO ?", arguments: [path]) }
        return try SQLiteStore(path: path)
    }
}

extension SQLiteStore {
    /// Copies for forecasts. A forecast needs no durability, so by default the copy lives in
    /// memory (SQLite's online backup of a consistent snapshot): no file, no fsync per simulated
    /// transaction. `inMemory: false` copies to a file in the temporary directory instead.
    public func forecastSandbox(inMemory: Bool = true) -> ForecastService.Sandbox {
        { [self] in
            if inMemory {
                let memory = try DatabaseQueue(configuration: SQLiteStore.configuration)
                try pool.backup(to: memory)
                return (try SQLiteStore(writer: memory, path: SQLiteStore.memory), {})
            }
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("outbound-forecast-\(UUID().uuidString).sqlite").path
            let copy = try self.copy(to: path)
            return (copy, {
                for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
            })
        }
    }
}
