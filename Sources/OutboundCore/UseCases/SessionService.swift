import Foundation

/// A signed-in browser: the web app's session. Only the SHA-256 of its token is stored; the token
/// itself lives in the browser's cookie.
public struct WebSession: Sendable, Hashable {
    public let id: ID
    public let userID: ID
    public let workspaceID: ID
    /// The value every form of this session posts back (`_csrf`).
    public let csrfToken: String
    /// The browser as it named itself at sign-in, for the list of sessions.
    public var userAgent: String?
    public let createdAt: Date
    public var lastSeenAt: Date
    public var revokedAt: Date?

    public init(id: ID, userID: ID, workspaceID: ID, csrfToken: String, userAgent: String?, createdAt: Date, lastSeenAt: Date,
                revokedAt: Date?) {
        self.id = id
        self.userID = userID
        self.workspaceID = workspaceID
        self.csrfToken = csrfToken
        self.userAgent = userAgent
        self.createdAt = createdAt
        self.lastSeenAt = lastSeenAt
        self.revokedAt = revokedAt
    }
}

/// Storage of web sessions.
public protocol WebSessionStore: Sendable {
    func insertWebSession(_ session: WebSession, tokenHash: String) async throws
    func webSession(tokenHash: String) async throws -> WebSession?
    /// A user's sessions, newest first, revoked ones included.
    func webSessions(of user: ID) async throws -> [WebSession]
    /// Revokes one of the user's sessions (once); false when the user has no such session.
    func revokeWebSession(_ id: ID, of user: ID, at: Date) async throws -> Bool
    func touchWebSession(_ id: ID, at: Date) async throws
}

/// Signing in to the web app, and the sessions that follow: a session lasts while it is used
/// (idle for `idleLimit` it ends) and at most `lifetime`; each is listed and can be revoked.
public struct SessionService: Sendable {
    let store: any Store
    let clock: any TimeSource
    let users: UserService
    let hasher: any SecretHasher

    public static let idleLimit: TimeInterval = 14 * 86_400
    public static let lifetime: TimeInterval = 90 * 86_400
    /// `lastSeenAt` is written at most this often (a page view is not a write).
    static let touchInterval: TimeInterval = 300

    public init(store: any Store, clock: any TimeSource, users: UserService, hasher: any SecretHasher) {
        self.store = store
        self.clock = clock
        self.users = users
        self.hasher = hasher
    }

    /// A new session for the user with this email and password, and its token (for the cookie);
    /// nil for a wrong email or password (the same nil for either).
    public func signIn(email: String, password: String, userAgent: String?) async throws -> (session: WebSession, token: String)? {
        guard let user = try await users.authenticate(email: email, password: password) else { return nil }
        let now = clock.now
        let token = Self.randomToken()
        let session = WebSession(id: .generate(.session), userID: user.id, workspaceID: user.workspaceID, csrfToken: Self.randomToken(),
                                 userAgent: userAgent.map { String($0.prefix(300)) }, createdAt: now, lastSeenAt: now, revokedAt: nil)
        try await store.insertWebSession(session, tokenHash: hasher.hash(token))
        return (session, token)
    }

    /// The live session a cookie's token names, with its user; nil when unknown, revoked, idle
    /// too long, too old, or its user is gone.
    public func session(token: String) async throws -> (session: WebSession, user: User)? {
        guard !token.isEmpty, let session = try await store.webSession(tokenHash: hasher.hash(token)), session.revokedAt == nil else { return nil }
        let now = clock.now
        guard now.timeIntervalSince(session.lastSeenAt) < Self.idleLimit, now.timeIntervalSince(session.createdAt) < Self.lifetime,
              let user = try await users.get(session.userID)
        else { return nil }
        if now.timeIntervalSince(session.lastSeenAt) > Self.touchInterval { try await store.touchWebSession(session.id, at: now) }
        return (session, user)
    }

    public func sessions(of user: ID) async throws -> [WebSession] {
        try await store.webSessions(of: user)
    }

    /// Signs one of the user's sessions out (the current one, or another from the list).
    public func revoke(_ id: ID, of user: ID) async throws {
        guard try await store.revokeWebSession(id, of: user, at: clock.now) else { throw NotFoundError("session", id: id.rawValue) }
    }

    /// 256 random bits, as 64 hex digits.
    public static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        let digits = Array("0123456789abcdef")
        return String((0..<64).map { _ in digits[Int(generator.next() % 16)] })
    }
}
