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

    /// A consistent copy of the whole database at `path` (`VACUUM INTO`), opened as a store that
    /// never flushes to disk: a throwaway copy.
    func throwawayCopy(at path: String) throws -> SQLiteStore {
        try pool.writeWithoutTransaction { db in try db.execute(sql: "VACUUM INTO ?", arguments: [path]) }
        return try SQLiteStore(path: path, durable: false)
    }
}

extension SQLiteStore {
    /// Copies for forecasts. A forecast needs no durability, so the copy is a file in the
    /// temporary directory that is never flushed to disk (`synchronous=OFF`): measured faster
    /// than an in-memory copy and than a flushed file (docs/benchmarks.md, `bench forecast`).
    public func forecastSandbox() -> ForecastService.Sandbox {
        { [self] in
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("outbound-forecast-\(UUID().uuidString).sqlite").path
            let copy = try self.throwawayCopy(at: path)
            return (copy, {
                for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
            })
        }
    }
}
