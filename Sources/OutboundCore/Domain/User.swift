import Foundation

/// A person who signs in with an email and a password (the Tether dialect's login). A user
/// belongs to one workspace; the password is stored only as a bcrypt hash.
public struct User: Sendable, Hashable {
    public let id: ID
    public let workspaceID: ID
    /// Lower-case; unique across the server (login names no workspace).
    public var email: String
    public var fullName: String?
    /// `ADMIN` or `MEMBER`.
    public var accessRole: String
    public var passwordHash: String
    public let createdAt: Date

    public init(id: ID, workspaceID: ID, email: String, fullName: String?, accessRole: String, passwordHash: String, createdAt: Date) {
        self.id = id
        self.workspaceID = workspaceID
        self.email = email
        self.fullName = fullName
        self.accessRole = accessRole
        self.passwordHash = passwordHash
        self.createdAt = createdAt
    }
}

/// Hashes and checks passwords (bcrypt in the API module; the core only calls it).
public protocol PasswordHasher: Sendable {
    func hash(_ password: String) -> String
    func verify(_ password: String, hash: String) -> Bool
}

/// Creating users and checking their passwords.
public struct UserService: Sendable {
    let store: any Store
    let clock: any TimeSource
    let hasher: any PasswordHasher

    public static let roles = ["ADMIN", "MEMBER"]

    public init(store: any Store, clock: any TimeSource, hasher: any PasswordHasher) {
        self.store = store
        self.clock = clock
        self.hasher = hasher
    }

    public func create(email rawEmail: String?, password: String?, fullName: String?, accessRole: String?, in workspace: ID) async throws -> User {
        var issues = IssueList()
        let email = rawEmail.flatMap(Identity.email)
        if rawEmail == nil { issues.add("email", "is required") } else if email == nil { issues.add("email", "is not an email address") }
        if let password {
            if password.count < 8 { issues.add("password", "must be at least 8 characters") }
            if password.utf8.count > 72 { issues.add("password", "must be at most 72 bytes (bcrypt's limit)") }
        } else {
            issues.add("password", "is required")
        }
        let role = accessRole?.uppercased() ?? "ADMIN"
        if !Self.roles.contains(role) { issues.add("access_role", "must be ADMIN or MEMBER") }
        if let fullName, fullName.count > 200 { issues.add("full_name", "must be at most 200 characters") }
        try issues.throwIfAny()
        if try await store.user(email: email!) != nil { throw ConflictError("a user with this email already exists", field: "email") }
        let user = User(id: .generate(.user), workspaceID: workspace, email: email!, fullName: fullName?.trimmingWhitespace(),
                        accessRole: role, passwordHash: hasher.hash(password!), createdAt: clock.now)
        try await store.insertUser(user)
        return user
    }

    /// The user with this email and password, or nil (the same nil for either mistake).
    public func authenticate(email: String, password: String) async throws -> User? {
        guard let normalised = Identity.email(email), let user = try await store.user(email: normalised) else {
            _ = hasher.verify(password, hash: Self.decoy)  // the same work whether or not the email exists
            return nil
        }
        return hasher.verify(password, hash: user.passwordHash) ? user : nil
    }

    /// Whether anyone can sign in yet (the first run offers a link to set the first password).
    public func hasUsers() async throws -> Bool {
        try await store.userCount() > 0
    }

    public func list(in workspace: ID) async throws -> [User] {
        try await store.users(in: workspace)
    }

    public func get(_ id: ID) async throws -> User? {
        try await store.user(id: id)
    }

    /// A valid bcrypt hash of a random string, checked when the email is unknown.
    static let decoy = "$2b$12$C6UzMDM.H6dfI/f/IKcEeO5Q8RZ6Rf3b0QdF7xAbPp9Wv2b1o8n3a"
}
