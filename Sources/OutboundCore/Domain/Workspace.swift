import Foundation

/// A tenant: owns keys, senders, campaigns and everything below them.
public struct Workspace: Sendable, Hashable {
    public let id: ID
    public var name: String
    public let createdAt: Date
    public var updatedAt: Date

    public init(id: ID, name: String, createdAt: Date, updatedAt: Date) {
        self.id = id
        self.name = name
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}
