import Foundation

/// A sending account: a LinkedIn seat, an email mailbox or an SMS number.
public struct Sender: Sendable, Hashable {
    /// Whether the engine may use a sender.
    public enum Status: String, Sendable, CaseIterable {
        case active, paused, disconnected
    }

    public let id: ID
    public let workspaceID: ID
    public let channel: ChannelKind
    public var displayName: String
    /// The identity matching the channel is required; the others stay nil.
    public var linkedinURL: String?
    public var email: String?
    /// E.164 (`+14155550133`).
    public var phone: String?
    public var timezone: Zone
    public var status: Status
    /// Caps per action kind; kinds not listed fall back to the channel's defaults.
    public var limits: [ActionKind: RateLimit]
    public var pacing: Pacing
    public var settings: ProviderSettings
    public let createdAt: Date
    public var updatedAt: Date

    public init(
        id: ID, workspaceID: ID, channel: ChannelKind, displayName: String,
        linkedinURL: String? = nil, email: String? = nil, phone: String? = nil,
        timezone: Zone = .utc, status: Status = .active,
        limits: [ActionKind: RateLimit]? = nil, pacing: Pacing? = nil,
        settings: ProviderSettings = ProviderSettings(), createdAt: Date, updatedAt: Date
    ) {
        self.id = id
        self.workspaceID = workspaceID
        self.channel = channel
        self.displayName = displayName
        self.linkedinURL = linkedinURL
        self.email = email
        self.phone = phone
        self.timezone = timezone
        self.status = status
        self.limits = limits ?? RateLimit.defaults(for: channel)
        self.pacing = pacing ?? Pacing.defaults(for: channel)
        self.settings = settings
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// The identity the channel uses: profile URL, address or number.
    public var identity: String? {
        switch channel {
        case .linkedin: linkedinURL
        case .email: email
        case .sms: phone
        }
    }
}
