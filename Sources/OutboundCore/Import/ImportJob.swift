import Foundation

/// A CSV import and its progress; one bad row never stops it.
public struct ImportJob: Sendable, Hashable {
    public enum State: String, Sendable { case running, completed, failed }

    /// One row that was not imported.
    public struct RowError: Sendable, Hashable {
        public var row: Int
        public var message: String
        public init(row: Int, message: String) {
            self.row = row
            self.message = message
        }
    }

    public let id: ID
    public let workspaceID: ID
    public var state: State
    public var filename: String?
    public var listID: ID?
    public var rowsRead: Int = 0
    public var created: Int = 0
    public var updated: Int = 0
    public var duplicates: Int = 0
    public var invalid: Int = 0
    /// The first `maximumErrors` row errors.
    public var errors: [RowError] = []
    /// Why the whole import failed (no header, unreadable body).
    public var failure: String?
    public let createdAt: Date
    public var updatedAt: Date
    public var finishedAt: Date?

    public static let maximumErrors = 100

    public init(id: ID, workspaceID: ID, filename: String?, listID: ID?, createdAt: Date) {
        self.id = id
        self.workspaceID = workspaceID
        self.state = .running
        self.filename = filename
        self.listID = listID
        self.createdAt = createdAt
        self.updatedAt = createdAt
    }

    mutating func record(error message: String, row: Int) {
        invalid += 1
        if errors.count < ImportJob.maximumErrors { errors.append(RowError(row: row, message: message)) }
    }
}
