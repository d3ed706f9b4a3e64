/// Caps on one action kind over rolling windows; nil means "no cap on that window".
public struct RateLimit: Sendable, Hashable, Codable {
    public var perHour: Int?
    public var perDay: Int?
    public var perWeek: Int?

    public init(perHour: Int? = nil, perDay: Int? = nil, perWeek: Int? = nil) {
        self.perHour = perHour
        self.perDay = perDay
        self.perWeek = perWeek
    }

    /// The largest value accepted for any window.
    public static let maximum = 100_000
}

/// A random gap between two actions of the same sender, as a person would leave.
public struct Pacing: Sendable, Hashable, Codable {
    public var minGapSeconds: Int
    public var maxGapSeconds: Int

    public init(minGapSeconds: Int, maxGapSeconds: Int) {
        self.minGapSeconds = minGapSeconds
        self.maxGapSeconds = maxGapSeconds
    }

    /// 2–6 minutes on LinkedIn, 30–120 s for email, 5–20 s for SMS.
    public static func defaults(for channel: ChannelKind) -> Pacing {
        switch channel {
        case .linkedin: Pacing(minGapSeconds: 120, maxGapSeconds: 360)
        case .email: Pacing(minGapSeconds: 30, maxGapSeconds: 120)
        case .sms: Pacing(minGapSeconds: 5, maxGapSeconds: 20)
        }
    }

    /// The longest gap accepted: one day.
    public static let maximumGap = 86_400
}

extension RateLimit {
    /// Conservative defaults per action kind. LinkedIn's terms restrict automation, so these stay
    /// well under the levels at which LinkedIn is known to restrict accounts.
    public static func defaults(for channel: ChannelKind) -> [ActionKind: RateLimit] {
        switch channel {
        case .linkedin:
            [
                .connectionRequest: RateLimit(perDay: 20, perWeek: 100),
                .message: RateLimit(perDay: 80),
                .inmail: RateLimit(perDay: 20),
                .profileVisit: RateLimit(perDay: 80),
                .follow: RateLimit(perDay: 30),
                .likePost: RateLimit(perDay: 40),
            ]
        case .email:
            [.email: RateLimit(perHour: 20, perDay: 50)]
        case .sms:
            [.sms: RateLimit(perHour: 60, perDay: 200)]
        }
    }
}
