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

/// A workspace and how much it holds, for listing workspaces to an operator.
public struct WorkspaceSummary: Sendable, Hashable {
    public var workspace: Workspace
    public var senders: Int
    public var campaigns: Int
    public var contacts: Int
    public var activeKeys: Int

    public init(workspace: Workspace, senders: Int, campaigns: Int, contacts: Int, activeKeys: Int) {
        self.workspace = workspace
        self.senders = senders
        self.campaigns = campaigns
        self.contacts = contacts
        self.activeKeys = activeKeys
    }
}
