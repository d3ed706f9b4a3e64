import Foundation
import GRDB
import OutboundCore

/// The physical limit the dispatch bench is measured against: plain INSERT of an action row and
/// UPDATE of an enrollment row, in batched transactions, with the engine's durability settings.
enum SQLiteBaseline {
    /// Seconds to write `count` action/enrollment pairs in transactions of `batch`. In key order
    /// (the baseline: a batch's rows share pages), or `scattered`: the enrollments updated
    /// in a shuffled order, as an engine meets them (which lead is due is decided by time and
    /// sender, not by key), so nearly every update dirties its own page.
    static func insertUpdate(count: Int, batch: Int, path: String, scattered: Bool = false) throws -> TimeInterval {
        var configuration = Configuration()
        configuration.journalMode = .wal
        let pool = try DatabasePool(path: path, configuration: configuration)
        try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        try pool.write { db in
            try db.execute(sql: """
                CREATE TABLE enrollments (seq INTEGER PRIMARY KEY, state TEXT NOT NULL, node_id TEXT, due_at INTEGER);
                CREATE TABLE actions (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, enrollment_seq INTEGER NOT NULL,
                    node_id TEXT NOT NULL, state TEXT NOT NULL, body TEXT, created_at INTEGER NOT NULL, UNIQUE (enrollment_seq, node_id));
                """)
            let insert = try db.cachedStatement(sql: "INSERT INTO enrollments (seq, state, node_id, due_at) VALUES (?, 'active', 'n1', 0)")
            for seq in 1...max(count, 1) { try insert.execute(arguments: [seq]) }
        }
        var order = Array(1...max(count, 1))
        if scattered {
            var generator = RandomSource(seed: 42)  // the same order every run
            order.shuffle(using: &generator)
        }
        let started = Date()
        var done = 0
        while done < count {
            let upper = min(count, done + batch)
            let seqs = order[done..<upper]
            try pool.write { db in
                let insert = try db.cachedStatement(sql: """
                    INSERT INTO actions (id, enrollment_seq, node_id, state, body, created_at) VALUES (?, ?, 'n1', 'sent', ?, ?)
                    """)
                let update = try db.cachedStatement(sql: "UPDATE enrollments SET state = 'completed', node_id = 'n2', due_at = NULL WHERE seq = ?")
                for seq in seqs {
                    try insert.execute(arguments: ["action_\(seq)", seq, "Hello there, this is a message body of ordinary length.", seq])
                    try update.execute(arguments: [seq])
                }
            }
            done = upper
        }
        return Date().timeIntervalSince(started)
    }
}

