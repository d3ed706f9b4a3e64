import Foundation

/// A fresh directory for one test's SQLite file, removed when the test is done.
struct TemporaryDatabase: ~Copyable {
    let directory: URL
    var path: String { directory.appendingPathComponent("outbound.sqlite").path }

    init() {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("outbound-store-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(at: directory)
    }
}
