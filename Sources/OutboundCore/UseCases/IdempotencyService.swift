import Foundation

/// `Idempotency-Key`s: the first request with a key claims it; its answer is kept for
/// `expiry` and replayed for the same request; another request with the key is refused.
public struct IdempotencyService: Sendable {
    let store: any Store
    let clock: any TimeSource
    /// How long a key and its answer are kept.
    public static let expiry: TimeInterval = 24 * 3600

    public init(store: any Store, clock: any TimeSource) {
        self.store = store
        self.clock = clock
    }

    /// Claims `key` for a request whose content hashes to `requestHash`, or says what it holds.
    public func claim(_ key: String, requestHash: String, in workspace: ID) async throws -> IdempotencyClaim {
        try await store.claimIdempotencyKey(key, requestHash: requestHash, in: workspace, at: clock.now, expiry: Self.expiry)
    }

    /// Keeps the answer a claimed key replays: bytes only the caller reads (the API keeps an
    /// HTTP response in them; the core knows nothing of HTTP).
    public func complete(_ key: String, in workspace: ID, reply: [UInt8]) async throws {
        try await store.completeIdempotencyKey(key, in: workspace, reply: reply)
    }

    /// Frees a claimed key whose request failed on the server's side, so a retry runs again.
    public func release(_ key: String, in workspace: ID) async throws {
        try await store.releaseIdempotencyKey(key, in: workspace)
    }
}
