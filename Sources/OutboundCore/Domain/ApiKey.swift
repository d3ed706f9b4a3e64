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

    public init(id: ID, workspaceID: ID, name: String, prefix: String, hash: String, createdAt: Date, revokedAt: Date? = nil) {
        self.id = id
        self.workspaceID = workspaceID
        self.name = name
        self.prefix = prefix
        self.hash = hash
        self.createdAt = createdAt
        self.revokedAt = revokedAt
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
