import Foundation
import Synchronization

/// Hashes API key secrets for storage and lookup (SHA-256 in production).
public protocol SecretHasher: Sendable {
    /// Lower-case hex digest of `secret`.
    func hash(_ secret: String) -> String
}

/// A key as created: the stored record and its secret, which is never available again.
public struct IssuedKey: Sendable {
    public var key: ApiKey
    public var secret: String
}

/// Workspaces and their API keys.
public struct WorkspaceService: Sendable {
    let store: any Store
    let clock: any TimeSource
    let hasher: any SecretHasher
    let recentKeys = RecentKeys()

    public init(store: any Store, clock: any TimeSource, hasher: any SecretHasher) {
        self.store = store
        self.clock = clock
        self.hasher = hasher
    }

    /// Creates a workspace with one key named "default".
    public func createWorkspace(name: String) async throws -> (Workspace, IssuedKey) {
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...255).contains(trimmed.count) else { throw ValidationError("name", "must be 1 to 255 characters") }
        let now = clock.now
        let workspace = Workspace(id: .generate(.workspace), name: trimmed, createdAt: now, updatedAt: now)
        let issued = makeKey(name: "default", in: workspace.id, at: now)
        try await store.insertWorkspace(workspace, firstKey: issued.key)
        return (workspace, issued)
    }

    /// The workspace a presented secret belongs to; nil for an unknown or revoked key.
    public func authenticate(secret: String) async throws -> ApiKey? {
        guard secret.hasPrefix("ob_"), secret.count < 200 else { return nil }
        if let key = recentKeys.key(for: secret) { return key }
        guard let key = try await store.apiKey(hash: hasher.hash(secret)), !key.isRevoked else { return nil }
        recentKeys.remember(key, for: secret)
        return key
    }

    /// Every workspace with its counts, oldest first.
    public func list() async throws -> [WorkspaceSummary] {
        try await store.workspaceSummaries()
    }

    public func workspace(_ id: ID) async throws -> Workspace {
        guard let workspace = try await store.workspace(id) else { throw NotFoundError("workspace", id: id.rawValue) }
        return workspace
    }

    /// Renames the workspace or changes the region national phone numbers are read in.
    public func update(_ id: ID, name: Field<String>, defaultPhoneRegion: Field<String>, dailyQuota: Field<Int> = .absent) async throws -> Workspace {
        var workspace = try await self.workspace(id)
        var issues = IssueList()
        switch name {
        case .absent: break
        case .null: issues.add("name", "is required")
        case .value(let text):
            let trimmed = text.trimmingWhitespace()
            if (1...255).contains(trimmed.count) { workspace.name = trimmed } else { issues.add("name", "must be 1 to 255 characters") }
        }
        switch defaultPhoneRegion {
        case .absent: break
        case .null: workspace.defaultPhoneRegion = PhoneRegion.defaultCode
        case .value(let code):
            if PhoneRegion.all[code.uppercased()] != nil { workspace.defaultPhoneRegion = code.uppercased() } else {
                let known = PhoneRegion.all.keys.sorted().joined(separator: ", ")
                issues.add("default_phone_region", "must be one of \(known)")
            }
        }
        switch dailyQuota {
        case .absent: break
        case .null: workspace.dailyQuota = nil
        case .value(let quota):
            if (1...10_000_000).contains(quota) { workspace.dailyQuota = quota } else { issues.add("daily_quota", "must be 1 to 10000000, or null for none") }
        }
        try issues.throwIfAny()
        workspace.updatedAt = clock.now
        try await store.updateWorkspace(workspace)
        return workspace
    }

    /// A new key; `rateLimit` gives it its own request rate (else the server's default).
    public func createKey(name: String?, rateLimit: RequestRate? = nil, in workspace: ID) async throws -> IssuedKey {
        let name = (name ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        var issues = IssueList()
        if name.count > 255 { issues.add("name", "must be at most 255 characters") }
        if let rateLimit {
            issues.append(contentsOf: rateLimit.issues(perSecondField: "rate_limit.per_second", burstField: "rate_limit.burst").issues)
        }
        try issues.throwIfAny()
        var issued = makeKey(name: name.isEmpty ? "key" : name, in: workspace, at: clock.now)
        issued.key.rateLimit = rateLimit
        try await store.insertApiKey(issued.key)
        return issued
    }

    public func keys(in workspace: ID, page: PageRequest) async throws -> Page<ApiKey> {
        try await store.apiKeys(in: workspace, page: page)
    }

    /// Revokes a key; requests presenting it get 401 from then on. Revoking twice is harmless.
    public func revokeKey(_ id: ID, in workspace: ID) async throws -> ApiKey {
        guard let key = try await store.revokeApiKey(id, in: workspace, at: clock.now) else {
            throw NotFoundError("api_key", id: id.rawValue)
        }
        recentKeys.forget(id)
        return key
    }

    private func makeKey(name: String, in workspace: ID, at now: Date) -> IssuedKey {
        let secret = ApiKey.generateSecret()
        let key = ApiKey(
            id: .generate(.key), workspaceID: workspace, name: name,
            prefix: String(secret.prefix(ApiKey.prefixLength)), hash: hasher.hash(secret), createdAt: now
        )
        return IssuedKey(key: key, secret: secret)
    }
}

/// Keys that authenticated in the last few seconds, so a busy client's requests do not each
/// hash the secret and read the store (docs/ARCHITECTURE.md §3). A revocation through this
/// process forgets the key at once; one made by another process that shares the database
/// (the CLI) takes effect within `lifetime`.
final class RecentKeys: Sendable {
    static let lifetime: Duration = .seconds(5)
    private static let capacity = 10_000

    private struct Entry {
        var key: ApiKey
        var until: ContinuousClock.Instant
    }

    private let entries = Mutex<[String: Entry]>([:])

    func key(for secret: String) -> ApiKey? {
        let now = ContinuousClock.now
        return entries.withLock { entries in
            guard let entry = entries[secret] else { return nil }
            guard entry.until > now else {
                entries[secret] = nil
                return nil
            }
            return entry.key
        }
    }

    func remember(_ key: ApiKey, for secret: String) {
        let until = ContinuousClock.now.advanced(by: Self.lifetime)
        entries.withLock { entries in
            if entries.count >= Self.capacity { entries.removeAll() }
            entries[secret] = Entry(key: key, until: until)
        }
    }

    func forget(_ id: ID) {
        entries.withLock { entries in entries = entries.filter { $0.value.key.id != id } }
    }
}
