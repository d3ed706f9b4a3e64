import Foundation

/// An API key of a workspace. Only its SHA-256 hash and a short display prefix are stored;
/// the secret itself is shown once, when the key is created.
public struct ApiKey: Sendable, Hashable {
    public let id: ID
    public let workspaceID: ID
    public var name: String
    /// The first characters of the secret (`ob_live_3f9a`), enough to recognise it in a list.
    public let prefix: String
    /// Lower-case hex SHA-256 of the secret.
    public let hash: String
    public let createdAt: Date
    public var revokedAt: Date?
    /// Its own request rate, or nil for the server's default (`outbound serve --rate-limit`).
    public var rateLimit: RequestRate?

    public init(id: ID, workspaceID: ID, name: String, prefix: String, hash: String, createdAt: Date, revokedAt: Date? = nil,
                rateLimit: RequestRate? = nil) {
        self.id = id
        self.workspaceID = workspaceID
        self.name = name
        self.prefix = prefix
        self.hash = hash
        self.createdAt = createdAt
        self.revokedAt = revokedAt
        self.rateLimit = rateLimit
    }

    /// A new secret: `ob_live_` and 40 random lower-case hex digits (160 bits).
    public static func generateSecret() -> String {
        var generator = SystemRandomNumberGenerator()
        let digits = Array("0123456789abcdef")
        return "ob_live_" + String((0..<40).map { _ in digits[Int(generator.next() % 16)] })
    }

    /// How many characters of the secret are kept for display.
    public static let prefixLength = 12

    public var isRevoked: Bool { revokedAt != nil }
}

/// A token bucket: `perSecond` requests a second on average, up to `burst` at once.
public struct RequestRate: Sendable, Hashable {
    public var perSecond: Int
    public var burst: Int

    public init(perSecond: Int, burst: Int) {
        self.perSecond = perSecond
        self.burst = burst
    }

    /// What a key gets unless it has its own (the server's `--rate-limit` and `--rate-burst`).
    public static let standard = RequestRate(perSecond: 50, burst: 100)
    /// The bounds a rate may be set within.
    public static let allowed = 1...100_000
    /// The most a rate may be: what benches and tests use so they measure the server, not the limit.
    public static let unthrottled = RequestRate(perSecond: allowed.upperBound, burst: allowed.upperBound)

    /// What is wrong with this rate, named by the caller's names for its two values.
    public func issues(perSecondField: String, burstField: String) -> IssueList {
        var issues = IssueList()
        let bounds = "must be \(Self.allowed.lowerBound) to \(Self.allowed.upperBound)"
        if !Self.allowed.contains(perSecond) { issues.add(perSecondField, bounds) }
        if !Self.allowed.contains(burst) {
            issues.add(burstField, bounds)
        } else if burst < perSecond {
            issues.add(burstField, "must be at least \(perSecondField) (\(perSecond))")
        }
        return issues
    }
}
