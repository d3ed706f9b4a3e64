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
