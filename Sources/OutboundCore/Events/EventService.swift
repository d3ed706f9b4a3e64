import Foundation

/// Reading the event log, and keeping it to its retention.
public struct EventService: Sendable {
    let store: any Store
    let clock: any TimeSource
    /// How long events are kept (default 30 days).
    public let retention: TimeInterval

    public static let defaultRetention: TimeInterval = 30 * 24 * 3600
    public static let maximumPage = 1000

    public init(store: any Store, clock: any TimeSource, retention: TimeInterval = EventService.defaultRetention) {
        self.store = store
        self.clock = clock
        self.retention = retention
    }

    /// Events after `afterSeq` whose types pass `types` (exact, `family.*` or `*`).
    public func list(in workspace: ID, afterSeq: Int64?, types: [String], limit: Int?) async throws -> Page<Event> {
        var issues = IssueList()
        if let afterSeq, afterSeq < 0 { issues.add("after_seq", "must be 0 or more") }
        if let limit, !(1...Self.maximumPage).contains(limit) { issues.add("limit", "must be between 1 and \(Self.maximumPage)") }
        EventType.validate(types, field: "types", into: &issues)
        try issues.throwIfAny()
        return try await store.events(in: workspace, afterSeq: afterSeq ?? 0, types: types, limit: limit ?? 100)
    }

    /// Webhook deliveries waiting, all endpoints together (the metrics' backlog).
    public func webhookBacklog() async throws -> Int {
        try await store.pendingWebhookDeliveries()
    }

    /// Deletes what is past retention (events a delivery still waits on stay).
    @discardableResult
    public func prune() async throws -> Int {
        try await store.pruneEvents(before: clock.now.addingTimeInterval(-retention))
    }
}
