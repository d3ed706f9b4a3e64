import Foundation

/// A named set of contacts; campaigns can follow lists through their lead rules.
public struct ContactList: Sendable, Hashable {
    public let id: ID
    public let workspaceID: ID
    /// Unique per workspace.
    public var name: String
    public var description: String?
    public var memberCount: Int
    public let createdAt: Date
    public var updatedAt: Date

    public init(id: ID, workspaceID: ID, name: String, description: String? = nil, memberCount: Int = 0,
                createdAt: Date, updatedAt: Date) {
        self.id = id
        self.workspaceID = workspaceID
        self.name = name
        self.description = description
        self.memberCount = memberCount
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// An entry that stops anyone matching it from being added to a campaign or sent to.
public struct Suppression: Sendable, Hashable {
    public enum Kind: String, Sendable, CaseIterable {
        case email, domain, phone
        case linkedinURL = "linkedin_url"
        /// A keyed hash of an erased contact's identity: matches without revealing it.
        case hash

        /// The entry kind that suppresses an identity of this kind.
        public init(_ identity: IdentityKind) {
            switch identity {
            case .email: self = .email
            case .phone: self = .phone
            case .linkedinURL: self = .linkedinURL
            }
        }
    }

    public let id: ID
    public let workspaceID: ID
    public var kind: Kind
    /// Normalised: lower-case email or domain, E.164 phone, canonical LinkedIn URL, or hex hash.
    public var value: String
    public var reason: String?
    public let createdAt: Date

    public init(id: ID, workspaceID: ID, kind: Kind, value: String, reason: String?, createdAt: Date) {
        self.id = id
        self.workspaceID = workspaceID
        self.kind = kind
        self.value = value
        self.reason = reason
        self.createdAt = createdAt
    }
}

/// Which contacts a campaign takes from lists, and whom it leaves out.
public struct LeadRules: Sendable, Hashable {
    /// Members of these lists become leads, and keep doing so as the lists change, until the
    /// campaign completes.
    public var includeListIDs: [ID]
    /// Members of these lists are never leads (they are removed while still pending).
    public var excludeListIDs: [ID]
    /// Leave out contacts that any campaign has already contacted.
    public var excludeContacted: Bool

    public init(includeListIDs: [ID] = [], excludeListIDs: [ID] = [], excludeContacted: Bool = false) {
        self.includeListIDs = includeListIDs
        self.excludeListIDs = excludeListIDs
        self.excludeContacted = excludeContacted
    }
}
