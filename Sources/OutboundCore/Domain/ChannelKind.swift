/// The medium a sender speaks and a campaign runs on.
public enum ChannelKind: String, Sendable, CaseIterable, Hashable {
    case linkedin, email, sms

    /// The action kinds a sender of this channel can perform.
    public var actionKinds: [ActionKind] {
        switch self {
        case .linkedin: [.connectionRequest, .message, .inmail, .profileVisit, .follow, .likePost]
        case .email: [.email]
        case .sms: [.sms]
        }
    }
}

/// The channel(s) a campaign runs on: one channel, or several mixed in one sequence.
public enum CampaignChannel: String, Sendable, CaseIterable, Hashable {
    case linkedin, email, sms, multichannel

    /// Whether a sender of `channel` may serve this campaign.
    public func accepts(_ channel: ChannelKind) -> Bool {
        self == .multichannel || rawValue == channel.rawValue
    }
}
