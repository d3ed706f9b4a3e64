import Foundation
import GRDB
import OutboundCore

extension SQLiteStore {
    public func claimIdempotencyKey(
        _ key: String, requestHash: String, in workspace: ID, at: Date, expiry: TimeInterval
    ) async throws -> IdempotencyClaim {
        try await write { db in
            try db.execute(sql: "DELETE FROM idempotency_keys WHERE created_at < ?",
                           arguments: [Self.millis(at.addingTimeInterval(-expiry))])
            if let row = try Row.fetchOne(db, sql: "SELECT * FROM idempotency_keys WHERE workspace_id = ? AND key = ?",
                                          arguments: [workspace.rawValue, key]) {
                guard row["request_hash"] as String == requestHash else { return .mismatch }
                guard let reply = row["reply"] as Data? else { return .inProgress }
                return .replay(Array(reply))
            }
            try db.execute(
                sql: "INSERT INTO idempotency_keys (workspace_id, key, request_hash, created_at) VALUES (?, ?, ?, ?)",
                arguments: [workspace.rawValue, key, requestHash, Self.millis(at)])
            return .claimed
        }
    }

    public func completeIdempotencyKey(_ key: String, in workspace: ID, reply: [UInt8]) async throws {
        try await write { db in
            try db.execute(sql: "UPDATE idempotency_keys SET reply = ? WHERE workspace_id = ? AND key = ?",
                           arguments: [Data(reply), workspace.rawValue, key])
        }
    }

    public func releaseIdempotencyKey(_ key: String, in workspace: ID) async throws {
        try await write { db in
            try db.execute(sql: "DELETE FROM idempotency_keys WHERE workspace_id = ? AND key = ? AND reply IS NULL",
                           arguments: [workspace.rawValue, key])
        }
    }
}
