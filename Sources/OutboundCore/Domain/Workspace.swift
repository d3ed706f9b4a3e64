import Foundation

/// A tenant: owns keys, senders, campaigns and everything below them.
public struct Workspace: Sendable, Hashable {
    public let id: ID
    public var name: String
    /// ISO 3166 region for reading national phone numbers (`0301234567` in `DE`).
    public var defaultPhoneRegion: String
    /// Most actions all senders together may make per UTC day; nil for no quota.
    public var dailyQuota: Int?
    public let createdAt: Date
    public var updatedAt: Date

    public init(id: ID, name: String, defaultPhoneRegion: String = PhoneRegion.defaultCode, createdAt: Date, updatedAt: Date) {
        self.id = id
        self.name = name
        self.defaultPhoneRegion = defaultPhoneRegion
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    public var phoneRegion: PhoneRegion { PhoneRegion.all[defaultPhoneRegion] ?? PhoneRegion.all[PhoneRegion.defaultCode]! }
}
