import Foundation
import Hummingbird
import OutboundCore

/// `/v1/events` (the log) and `/v1/webhook_endpoints` (where it is pushed).
struct EventRoutes {
    let events: EventService
    let webhooks: WebhookService

    func register(on routes: RouteRecorder) {
        routes.on(.get, "/v1/events", query: ["after_seq", "types", "limit"]) { request, context in
            let query = request.uri.queryParameters
            var afterSeq: Int64?
            if let text = query["after_seq"].map(String.init) {
                guard let seq = Int64(text) else { throw APIError.badQuery(field: "after_seq", message: "must be an integer (the last seq you have)") }
                afterSeq = seq
            }
            var limit: Int?
            if let text = query["limit"].map(String.init) {
                guard let value = Int(text) else { throw APIError.badQuery(field: "limit", message: "must be an integer from 1 to \(EventService.maximumPage)") }
                limit = value
            }
            // `types=message.*,reply.received`, or the parameter repeated.
            let types = query.getAll("types").flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            let page = try await events.list(in: context.workspace(), afterSeq: afterSeq, types: types, limit: limit)
            return EventListBody(page, afterSeq: afterSeq ?? 0)
        }

        routes.on(.post, "/v1/webhook_endpoints") { request, context in
            var request = request
            let input = WebhookEndpointInput(try await request.jsonBody(context: context))
            let created = try await webhooks.create(input, in: context.workspace())
            return EditedResponse(status: .created, response: WebhookEndpointBody(created.endpoint, backlog: 0, secret: created.secret))
        }
        routes.on(.get, "/v1/webhook_endpoints", query: PageRequest.queryNames) { request, context in
            let page = try await webhooks.list(in: context.workspace(), page: request.pageRequest(kind: .webhookEndpoint))
            return ListBody(page, id: \.id) { WebhookEndpointBody($0, backlog: nil, secret: nil) }
        }
        routes.on(.get, "/v1/webhook_endpoints/{id}") { _, context in
            let id = try context.parameters.id(kind: .webhookEndpoint, resource: "webhook endpoint")
            let workspace = try context.workspace()
            let endpoint = try await webhooks.get(id, in: workspace)
            return WebhookEndpointBody(endpoint, backlog: try await webhooks.backlog(of: id, in: workspace), secret: nil)
        }
        routes.on(.patch, "/v1/webhook_endpoints/{id}") { request, context in
            var request = request
            let id = try context.parameters.id(kind: .webhookEndpoint, resource: "webhook endpoint")
            let workspace = try context.workspace()
            _ = try await webhooks.get(id, in: workspace)
            let input = WebhookEndpointInput(try await request.jsonBody(context: context))
            let endpoint = try await webhooks.update(id, with: input, in: workspace)
            return WebhookEndpointBody(endpoint, backlog: try await webhooks.backlog(of: id, in: workspace), secret: nil)
        }
        routes.on(.delete, "/v1/webhook_endpoints/{id}") { _, context in
            let id = try context.parameters.id(kind: .webhookEndpoint, resource: "webhook endpoint")
            try await webhooks.delete(id, in: context.workspace())
            return Response(status: .noContent)
        }
        routes.on(.post, "/v1/webhook_endpoints/{id}/rotate_secret") { request, context in
            var request = request
            let id = try context.parameters.id(kind: .webhookEndpoint, resource: "webhook endpoint")
            let workspace = try context.workspace()
            _ = try await webhooks.get(id, in: workspace)
            let body = try await request.optionalJSONBody(context: context)
            let overlap = body.int("overlap_seconds")
            let rotated = try await webhooks.rotateSecret(id, overlap: overlap, readIssues: body.readIssues, in: workspace)
            return WebhookEndpointBody(rotated.endpoint, backlog: nil, secret: rotated.secret)
        }
        routes.on(.get, "/v1/webhook_endpoints/{id}/attempts", query: PageRequest.queryNames) { request, context in
            let id = try context.parameters.id(kind: .webhookEndpoint, resource: "webhook endpoint")
            let page = try await webhooks.attempts(of: id, in: context.workspace(), page: request.pageRequest(kind: .webhookAttempt))
            return ListBody(page, id: { $0.id! }, map: WebhookAttemptBody.init)
        }
        routes.on(.post, "/v1/webhook_endpoints/{id}/replay") { request, context in
            var request = request
            let id = try context.parameters.id(kind: .webhookEndpoint, resource: "webhook endpoint")
            let workspace = try context.workspace()
            _ = try await webhooks.get(id, in: workspace)
            let body = try await request.jsonBody(context: context)
            let afterSeq = body.int("after_seq").map { Int64($0) }
            let queued = try await webhooks.replay(id, afterSeq: afterSeq, readIssues: body.readIssues, in: workspace)
            return EditedResponse(status: .accepted, response: ReplayBody(queued: queued))
        }
        routes.on(.post, "/v1/webhook_endpoints/{id}/test") { _, context in
            let id = try context.parameters.id(kind: .webhookEndpoint, resource: "webhook endpoint")
            let event = try await webhooks.ping(id, in: context.workspace())
            return EditedResponse(status: .accepted, response: EventBody(event))
        }
    }
}

extension WebhookEndpointInput {
    init(_ body: BodyReader) {
        self.init()
        url = body.string("url")
        description = body.string("description")
        types = body.strings("types")
        format = body.string("format")
        enabled = body.bool("enabled")
        body.ignoring(BodyReader.readOnlyMembers + ["disabled_reason", "backlog", "failing_since", "secret_rotated_at"])
        readIssues = body.readIssues
    }
}

/// An event as `/v1/events` lists it and a webhook posts it.
struct EventBody: ResponseEncodable, Sendable {
    var id: String
    var object = "event"
    var seq: Int64
    var type: String
    var timestamp: Date
    var actor: String
    var data: JSONValue

    init(_ event: Event) {
        id = event.id
        seq = event.seq
        type = event.type
        timestamp = event.at
        actor = event.actor
        data = .object(JSONValue.members(of: event.data) ?? [:])
    }
}

struct EventListBody: ResponseEncodable, Sendable {
    var data: [EventBody]
    var hasMore: Bool
    /// What to pass as `after_seq` for the next page (the last seq read; unchanged when none was).
    var nextAfterSeq: Int64

    init(_ page: Page<Event>, afterSeq: Int64) {
        data = page.items.map(EventBody.init)
        hasMore = page.hasMore
        nextAfterSeq = page.items.last?.seq ?? afterSeq
    }
}

struct WebhookEndpointBody: ResponseEncodable, Sendable {
    var id: String
    var object = "webhook_endpoint"
    var url: String
    @Nullable var description: String?
    var types: [String]
    var format: String
    var enabled: Bool
    @Nullable var disabledReason: String?
    @Nullable var failingSince: Date?
    /// The previous secret signs beside the new one until then.
    @Nullable var previousSecretExpiresAt: Date?
    /// Deliveries waiting (shown on a single endpoint's read).
    var backlog: Int?
    /// The signing secret: only in the answer that created or rotated it.
    var secret: String?
    var createdAt: Date
    var updatedAt: Date

    init(_ endpoint: WebhookEndpoint, backlog: Int?, secret: String?) {
        id = endpoint.id.rawValue
        url = endpoint.url
        description = endpoint.description
        types = endpoint.types
        format = endpoint.format.rawValue
        enabled = endpoint.enabled
        disabledReason = endpoint.disabledReason
        failingSince = endpoint.failingSince
        previousSecretExpiresAt = endpoint.previousSecret == nil ? nil : endpoint.previousUntil
        self.backlog = backlog
        self.secret = secret
        createdAt = endpoint.createdAt
        updatedAt = endpoint.updatedAt
    }
}

struct WebhookAttemptBody: Encodable, Sendable {
    var id: String
    var object = "webhook_attempt"
    var eventId: String
    var eventType: String
    var attemptedAt: Date
    @Nullable var status: Int?
    var latencyMs: Int
    @Nullable var error: String?
    @Nullable var responseHead: String?

    init(_ attempt: WebhookAttempt) {
        id = attempt.id?.rawValue ?? ""
        eventId = attempt.eventID
        eventType = attempt.eventType
        attemptedAt = attempt.at
        status = attempt.status
        latencyMs = Int((attempt.latency * 1000).rounded())
        error = attempt.error
        responseHead = attempt.responseHead
    }
}

struct ReplayBody: ResponseEncodable, Sendable {
    var object = "webhook_replay"
    /// Deliveries queued.
    var queued: Int
}
