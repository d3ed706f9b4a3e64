import Foundation

/// The event log and the webhook outbox. Events are written by the store itself, in the
/// transaction of the change they report; this protocol reads them and moves deliveries on.
public protocol EventStore: Sendable {
    /// The workspace's events with `seq` above `afterSeq`, oldest first, whose types pass `types`.
    func events(in workspace: ID, afterSeq: Int64, types: [String], limit: Int) async throws -> Page<Event>
    /// Deletes events older than `before` that no pending delivery still needs (and the inbound
    /// receipts older than `before`); returns how many events.
    func pruneEvents(before: Date) async throws -> Int

    func insertWebhookEndpoint(_ endpoint: WebhookEndpoint) async throws
    func webhookEndpoint(_ id: ID, in workspace: ID) async throws -> WebhookEndpoint?
    func webhookEndpoints(in workspace: ID, page: PageRequest) async throws -> Page<WebhookEndpoint>
    /// Reads the endpoint, lets `change` edit it and writes it back, in one transaction: what the
    /// deliverer wrote meanwhile (turned it off, a failure) is what `change` sees.
    @discardableResult
    func modifyWebhookEndpoint(_ id: ID, in workspace: ID, _ change: @escaping @Sendable (inout WebhookEndpoint) -> Void) async throws -> WebhookEndpoint
    /// False when there is no such endpoint in the workspace.
    func deleteWebhookEndpoint(_ id: ID, in workspace: ID) async throws -> Bool
    /// Deliveries still waiting (due or retrying), all endpoints together.
    func pendingWebhookDeliveries() async throws -> Int
    /// Deliveries of the endpoint still waiting (due or retrying).
    func webhookBacklog(of endpoint: ID, in workspace: ID) async throws -> Int
    /// The endpoint's attempts, newest first.
    func webhookAttempts(of endpoint: ID, in workspace: ID, page: PageRequest) async throws -> Page<WebhookAttempt>
    /// Queues again, for this endpoint only, every event after `afterSeq` its filters pass; returns how many.
    func replayEvents(to endpoint: ID, in workspace: ID, afterSeq: Int64, at: Date) async throws -> Int
    /// Logs a `webhook.ping` event and queues it for this endpoint only.
    func pingWebhookEndpoint(_ endpoint: ID, in workspace: ID, at: Date) async throws -> Event

    /// Whether an enabled endpoint has a delivery due (a read: an idle deliverer polls it).
    func hasDueWebhookDeliveries(at: Date) async throws -> Bool
    /// Claims due deliveries of enabled endpoints, at most `perEndpoint` in flight for each
    /// (counting `busy`, what the caller already has in flight) and `limit` in all; a claimed
    /// delivery is due again after `lease` unless it is settled first.
    func claimWebhookJobs(at: Date, busy: [ID: Int], perEndpoint: Int, limit: Int, lease: TimeInterval) async throws -> [WebhookJob]
    /// Records attempts and what follows them, in one transaction.
    func settleWebhookJobs(_ settlements: [WebhookSettlement]) async throws
    /// Makes every claimed delivery due now: at start-up, the attempts of a process that is gone.
    func releaseWebhookClaims(at: Date) async throws -> Int
}
