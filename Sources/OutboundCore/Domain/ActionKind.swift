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

extension ActionKind {
    /// A small number per kind, stable across releases (sender usage logs store it): never
    /// renumber a kind, give a new one the next number.
    public var code: Int {
        switch self {
        case .connectionRequest: 0
        case .message: 1
        case .inmail: 2
        case .profileVisit: 3
        case .follow: 4
        case .likePost: 5
        case .email: 6
        case .sms: 7
        }
    }

    /// The kind with `code`, nil for a number no kind has.
    public init?(code: Int) {
        guard Self.byCode.indices.contains(code), Self.byCode[code].code == code else { return nil }
        self = Self.byCode[code]
    }

    private static let byCode = allCases.sorted { $0.code < $1.code }

    /// Compared and hashed by case, not by raw string (the defaults a raw-value enum gets): kinds
    /// key the limits and usage the dispatcher looks up for every sender it visits.
    public static func == (lhs: ActionKind, rhs: ActionKind) -> Bool { lhs.code == rhs.code }

    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
