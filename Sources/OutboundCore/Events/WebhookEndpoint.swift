import Foundation

/// Where a workspace wants its events posted, and how.
public struct WebhookEndpoint: Sendable, Equatable {
    public enum Format: String, Sendable, CaseIterable {
        /// `{id, seq, type, timestamp, data}`, signed per Standard Webhooks.
        case standard
        /// Inbox's envelope and event names (reference dialects §2.6), signed the same way.
        case inbox
        /// A Tether automation's webhook (`sendToWebhook`): its payload and the event (reference dialects §3.4).
        case tether

        /// The event types this format has a name for (nil: every type).
        public var eventTypes: Set<String>? {
            switch self {
            case .standard, .tether: nil
            case .inbox: ["campaign.launched", "campaign.resumed", "campaign.paused", "campaign.completed", "message.sent", "reply.received"]
            }
        }
    }

    public let id: ID
    public let workspaceID: ID
    public var url: String
    public var description: String?
    /// Type filters (`message.sent`, `message.*`, `*`); empty means every type.
    public var types: [String]
    public var format: Format
    public var enabled: Bool
    /// The signing secret (`whsec_…`), sealed at rest.
    public var secret: String
    /// The secret before the last rotation, still signing until `previousUntil`.
    public var previousSecret: String?
    public var previousUntil: Date?
    /// Since when every attempt has failed (nil after a success).
    public var failingSince: Date?
    /// Why the server turned it off (a 410, or failing for too long); nil when a user did.
    public var disabledReason: String?
    public var createdAt: Date
    public var updatedAt: Date
    /// A name, for endpoints a dialect made (a Tether automation's).
    public var name: String?
    /// What a dialect's format needs beside the event, as JSON it wrote and reads (opaque here).
    public var options: String?

    public init(id: ID, workspaceID: ID, url: String, description: String?, types: [String], format: Format, enabled: Bool,
                secret: String, previousSecret: String? = nil, previousUntil: Date? = nil, failingSince: Date? = nil,
                disabledReason: String? = nil, createdAt: Date, updatedAt: Date, name: String? = nil, options: String? = nil) {
        self.name = name
        self.options = options
        self.id = id
        self.workspaceID = workspaceID
        self.url = url
        self.description = description
        self.types = types
        self.format = format
        self.enabled = enabled
        self.secret = secret
        self.previousSecret = previousSecret
        self.previousUntil = previousUntil
        self.failingSince = failingSince
        self.disabledReason = disabledReason
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// One event on its way to one endpoint: a durable row, claimed for an attempt.
public struct WebhookJob: Sendable {
    public var delivery: Int64
    public var attempt: Int
    public var endpoint: WebhookEndpoint
    public var event: Event

    public init(delivery: Int64, attempt: Int, endpoint: WebhookEndpoint, event: Event) {
        self.delivery = delivery
        self.attempt = attempt
        self.endpoint = endpoint
        self.event = event
    }
}

/// What one POST came to.
public struct WebhookAttempt: Sendable, Equatable {
    /// Set once stored (`attempt_…`).
    public var id: ID?
    public var delivery: Int64
    public var eventID: String
    public var eventType: String
    public var at: Date
    /// The HTTP status, or nil when no answer came (refused, timed out, connection failed).
    public var status: Int?
    public var latency: TimeInterval
    /// Why there was no usable answer.
    public var error: String?
    /// The first bytes of the answer: its status line, headers and the start of its body.
    public var responseHead: String?

    public init(delivery: Int64, eventID: String, eventType: String, at: Date, status: Int?, latency: TimeInterval,
                error: String?, responseHead: String?, id: ID? = nil) {
        self.id = id
        self.delivery = delivery
        self.eventID = eventID
        self.eventType = eventType
        self.at = at
        self.status = status
        self.latency = latency
        self.error = error
        self.responseHead = responseHead
    }

    public var delivered: Bool { status.map { (200..<300).contains($0) } ?? false }
    /// 410 Gone: the receiver asks never to be called again.
    public var gone: Bool { status == 410 }
}

/// How an attempt is settled: the attempt, and what becomes of the delivery and the endpoint.
public struct WebhookSettlement: Sendable {
    public enum Next: Sendable, Equatable {
        case delivered
        case retry(at: Date)
        /// No attempt is left: the delivery failed.
        case failed
    }

    public var endpoint: ID
    public var attempt: WebhookAttempt
    public var next: Next
    /// Turn the endpoint off, with this reason.
    public var disableEndpoint: String?

    public init(endpoint: ID, attempt: WebhookAttempt, next: Next, disableEndpoint: String?) {
        self.endpoint = endpoint
        self.attempt = attempt
        self.next = next
        self.disableEndpoint = disableEndpoint
    }
}

/// Retries: exponential, with jitter, over about three days.
public struct WebhookRetryPolicy: Sendable {
    /// Seconds to wait after attempt 1, 2, …; after the last, the delivery fails.
    public var delays: [TimeInterval]
    /// How long an endpoint may fail every attempt before it is turned off.
    public var disableAfter: TimeInterval
    /// ± this fraction of each delay, so a receiver that was down is not hit by every retry at once.
    public var jitter: Double

    public static let standard = WebhookRetryPolicy(
        delays: [5, 30, 120, 600, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 24 * 3600, 24 * 3600],
        disableAfter: 5 * 24 * 3600, jitter: 0.1)

    public init(delays: [TimeInterval], disableAfter: TimeInterval, jitter: Double) {
        self.delays = delays
        self.disableAfter = disableAfter
        self.jitter = jitter
    }

    /// What follows `attempt` (the `number`th) of a delivery to `endpoint`.
    public func settle(_ attempt: WebhookAttempt, number: Int, endpoint: WebhookEndpoint,
                       random: inout some RandomNumberGenerator) -> WebhookSettlement {
        if attempt.delivered { return WebhookSettlement(endpoint: endpoint.id, attempt: attempt, next: .delivered, disableEndpoint: nil) }
        if attempt.gone {
            return WebhookSettlement(endpoint: endpoint.id, attempt: attempt, next: .failed, disableEndpoint: "the endpoint answered 410 Gone")
        }
        var disable: String?
        let failingSince = endpoint.failingSince ?? attempt.at
        if attempt.at.timeIntervalSince(failingSince) >= disableAfter {
            disable = "every attempt has failed since \(Timestamp.iso(failingSince))"
        }
        guard number <= delays.count else { return WebhookSettlement(endpoint: endpoint.id, attempt: attempt, next: .failed, disableEndpoint: disable) }
        let delay = delays[number - 1] * (1 + Double.random(in: -jitter...jitter, using: &random))
        return WebhookSettlement(endpoint: endpoint.id, attempt: attempt, next: .retry(at: attempt.at.addingTimeInterval(delay)), disableEndpoint: disable)
    }
}
