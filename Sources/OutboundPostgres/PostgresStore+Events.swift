import Foundation
import OutboundCore
import PostgresNIO

extension PostgresStore {
    /// Logs one event from Swift, in the caller's transaction (`outbound_emit`: the workspace's
    /// next number, the row, its deliveries); returns its row's `seq`.
    @discardableResult
    static func log(_ connection: PostgresConnection, logger: Logger, type: String, workspace: String, campaign: String? = nil,
                    contact: String? = nil, action: String? = nil, at: Int64, data: [String: Any]) async throws -> Int64 {
        let json = String(decoding: try JSONSerialization.data(withJSONObject: data, options: [.sortedKeys, .withoutEscapingSlashes]),
                          as: UTF8.self)
        return try await values(connection.query("""
            SELECT outbound_emit(\(type), \(workspace), \(campaign), \(contact), \(action), \(at), \(json)::json)
            """, logger: logger), as: Int64?.self).first.flatMap { $0 } ?? 0
    }
}
