import Foundation
import GRDB
import Synchronization

/// Time spent per statement shape on the writer connection, for `outbound bench … --profile-sql`.
public final class StatementProfile: Sendable {
    public struct Entry: Sendable {
        public var sql: String
        public var count: Int
        public var seconds: Double
    }

    private let entries = Mutex([String: (count: Int, seconds: Double)]())

    func add(_ sql: String, _ seconds: Double) {
        entries.withLock { $0[sql, default: (0, 0)].count += 1; $0[sql, default: (0, 0)].seconds += seconds }
    }

    /// Every statement shape seen, the most time first.
    public var top: [Entry] {
        entries.withLock { $0.map { Entry(sql: $0.key, count: $0.value.count, seconds: $0.value.seconds) } }
            .sorted { $0.seconds > $1.seconds }
    }
}

extension SQLiteStore {
    /// Starts timing every statement the writer runs (SQLite's profile hook; costs a little per statement).
    public func profileStatements() -> StatementProfile {
        let profile = StatementProfile()
        pool.writeWithoutTransaction { db in
            db.trace(options: .profile) { event in
                if case let .profile(statement, duration) = event { profile.add(statement.sql, duration) }
            }
        }
        return profile
    }
}
