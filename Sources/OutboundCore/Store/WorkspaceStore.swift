import Foundation

/// Workspaces, their API keys and the database's own secret: the part of `Store` every request
/// reads first (`AuthMiddleware`). Each method is one transaction.
public protocol WorkspaceStore: Sendable {
    /// Where the data lives, as an operator would look for it (an absolute file path, or a
    /// PostgreSQL URL without its password).
    var location: String { get }

    /// Inserts a workspace and its first key together.
    func insertWorkspace(_ workspace: Workspace, firstKey: ApiKey) async throws
    func workspace(_ id: ID) async throws -> Workspace?
    func workspaceCount() async throws -> Int
    /// The first `limit` workspaces' IDs, oldest first (the CLI picks the only one).
    func workspaceIDs(limit: Int) async throws -> [ID]
    func updateWorkspace(_ workspace: Workspace) async throws
    /// A random key made once per database, for keyed hashes of erased identities.
    func instanceSecret() async throws -> [UInt8]

    func insertApiKey(_ key: ApiKey) async throws
    /// The key whose secret hashes to `hash`, revoked or not.
    func apiKey(hash: String) async throws -> ApiKey?
    /// A workspace's keys, oldest first; `starting_after` naming no key of it is a `ValidationError`.
    func apiKeys(in workspace: ID, page: PageRequest) async throws -> Page<ApiKey>
    /// Marks a key revoked at `at` (once; a second revoke keeps the first time); nil if unknown.
    func revokeApiKey(_ id: ID, in workspace: ID, at: Date) async throws -> ApiKey?
}

/// The people who sign in (the web app, Tether's login). Emails are unique across the server.
public protocol UserStore: Sendable {
    /// A taken email (or ID) is a `ConflictError`.
    func insertUser(_ user: User) async throws
    func user(email: String) async throws -> User?
    func user(id: ID) async throws -> User?
    func userCount() async throws -> Int
    /// A workspace's users, oldest first.
    func users(in workspace: ID) async throws -> [User]
}

/// `Idempotency-Key`s: what each holds, per workspace.
public protocol IdempotencyStore: Sendable {
    /// Claims `key` for a request whose body hashes to `requestHash`, or says what the key
    /// already holds. Keys older than `expiry` are forgotten first. Two claims of one key at
    /// once: one is `claimed`, the other `inProgress`.
    func claimIdempotencyKey(
        _ key: String, requestHash: String, in workspace: ID, at: Date, expiry: TimeInterval
    ) async throws -> IdempotencyClaim
    /// Stores the response a claimed key will replay.
    func completeIdempotencyKey(_ key: String, in workspace: ID, reply: [UInt8]) async throws
    /// Frees a claimed key whose request failed on our side, so the client may try again.
    func releaseIdempotencyKey(_ key: String, in workspace: ID) async throws
}
