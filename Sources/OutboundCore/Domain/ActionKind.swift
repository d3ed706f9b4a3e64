/// One kind of thing a sender does to a lead; limits are counted per kind.
public enum ActionKind: String, Sendable, CaseIterable, Hashable {
    case connectionRequest = "connection_request"
    case message
    case inmail
    case profileVisit = "profile_visit"
    case follow
    case likePost = "like_post"
    case email
    case sms

    public var channel: ChannelKind {
        switch self {
        case .connectionRequest, .message, .inmail, .profileVisit, .follow, .likePost: .linkedin
        case .email: .email
        case .sms: .sms
        }
    }
}
