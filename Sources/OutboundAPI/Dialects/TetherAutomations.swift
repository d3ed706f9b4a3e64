import Foundation
import Hummingbird
import OutboundCore

/// Tether's automations (reference dialects §3.4) at `/tether/api/automations`, for the one action
/// Outbound can carry out: `sendToWebhook`. An automation is a webhook endpoint in the `tether`
/// format, so it is delivered by the same outbox as every webhook (signed, retried, durable):
/// `message.received` takes replies (`reply.received`), `message.sent` our sends (`message.sent`),
/// `message.*` both or, with `triggerType` `inbound`/`outbound`, one of them. Tether's other actions
/// and its conditions are refused by name rather than accepted and ignored. `enabled` is the
/// automation's, not per user.
struct TetherAutomations {
    let services: Services

    func register(on routes: RouteRecorder, prefix p: String) {
        routes.on(.tether, .get, "\(p)/automations") { _, context in
            let all = try await Page.all(id: \.id) { try await services.webhooks.list(in: context.workspace(), page: $0) }
            return DialectJSON.response(["success": true, "data": .array(all.filter { $0.format == .tether }.map(Self.object))])
        }
        routes.on(.tether, .post, "\(p)/automations") { request, context in
            var request = request
            let input = try Self.input(try await request.jsonBody(context: context), creating: true)
            let created = try await services.webhooks.create(input, in: context.workspace())
            return DialectJSON.response(["success": true, "data": Self.object(created.endpoint)], status: .created)
        }
        routes.on(.tether, .put, "\(p)/automations/{id}") { request, context in
            var request = request
            let existing = try await automation(context)
            let input = try Self.input(try await request.jsonBody(context: context), creating: false, current: existing)
            let updated = try await services.webhooks.update(existing.id, with: input, in: existing.workspaceID)
            return DialectJSON.response(["success": true, "data": Self.object(updated)])
        }
        routes.on(.tether, .patch, "\(p)/automations/{id}/preference") { request, context in
            var request = request
            let existing = try await automation(context)
            let body = try await request.jsonBody(context: context)
            guard case .value(let enabled) = body.bool("enabled") else { throw DialectError.badRequest("enabled (true or false) is required") }
            var input = WebhookEndpointInput()
            input.enabled = .value(enabled)
            let updated = try await services.webhooks.update(existing.id, with: input, in: existing.workspaceID)
            return DialectJSON.response(["success": true, "data": Self.object(updated)])
        }
        routes.on(.tether, .delete, "\(p)/automations/{id}") { _, context in
            let existing = try await automation(context)
            try await services.webhooks.delete(existing.id, in: existing.workspaceID)
            return DialectJSON.response(["success": true, "message": "Automation deleted"])
        }
    }

    private func automation(_ context: AppContext) async throws -> WebhookEndpoint {
        let raw = context.parameters.get("id") ?? ""
        guard let id = ID(raw, kind: .webhookEndpoint) else { throw NotFoundError("automation", id: raw) }
        let endpoint = try await services.webhooks.get(id, in: context.workspace())
        guard endpoint.format == .tether else { throw NotFoundError("automation", id: raw) }
        return endpoint
    }

    /// What Tether's event (and trigger type) asks for, in Outbound's event types.
    static func types(event: String, triggerType: String) throws -> [String] {
        switch event {
        case "message.received": return ["reply.received"]
        case "message.sent": return ["message.sent"]
        case "message.*", "message":
            switch triggerType {
            case "inbound": return ["reply.received"]
            case "outbound": return ["message.sent"]
            default: return ["reply.received", "message.sent"]
            }
        default:
            throw DialectError.badRequest("event must be message.received, message.sent or message.* (the events Outbound can act on)")
        }
    }

    /// Tether's request as a webhook endpoint input; `current` is the automation a PUT changes.
    static func input(_ body: BodyReader, creating: Bool, current: WebhookEndpoint? = nil) throws -> WebhookEndpointInput {
        var options = JSONValue.members(of: current?.options) ?? [:]
        var input = WebhookEndpointInput()
        input.formats = [.tether]
        if creating { input.format = .value(WebhookEndpoint.Format.tether.rawValue) }
        switch body.string("name") {
        case .value(let name) where !name.trimmingCharacters(in: .whitespaces).isEmpty: input.name = name
        case .absent where !creating: break
        default: throw DialectError.badRequest("Missing required field: name")
        }
        switch body.string("description") {
        case .value(let text): input.description = .value(text)
        case .absent where !creating: break
        default: throw DialectError.badRequest("Missing required field: description")
        }
        let event = body.string("event").value ?? options["event"]?.stringValue
        guard let event else { throw DialectError.badRequest("Missing required field: event") }
        let triggerType = body.string("triggerType").value ?? options["triggerType"]?.stringValue ?? "outbound"
        guard ["inbound", "outbound", "all"].contains(triggerType) else { throw DialectError.badRequest("triggerType must be inbound, outbound or all") }
        input.types = .value(try types(event: event, triggerType: triggerType))
        options["event"] = .string(event)
        options["triggerType"] = .string(triggerType)
        for unsupported in ["sourceStatuses", "conditions"] {
            if case .value(let items) = body.array(unsupported), !items.isEmpty {
                throw DialectError.badRequest("\(unsupported) are not supported: an automation here sends every matching event to its webhook")
            }
        }
        if case .value(let cap) = body.int("maxTransitions") {
            throw DialectError.badRequest("maxTransitions (\(cap)) is not supported: nothing here changes a record's status")
        }
        if case .value(let enabled) = body.bool("enabled") { input.enabled = .value(enabled) }
        switch body.object("actions") {
        case .value(let actions):
            if actions.contains("changeToStatus"), actions.string("changeToStatus").value != nil {
                throw DialectError.badRequest("actions.changeToStatus is not supported here; only sendToWebhook is")
            }
            guard actions.bool("sendToWebhook").value == true else {
                throw DialectError.badRequest("actions.sendToWebhook must be true: it is the action Outbound carries out")
            }
            guard case .value(let url) = actions.string("webhookUrl") else { throw DialectError.badRequest("actions.webhookUrl is required") }
            input.url = .value(url)
            let method = actions.string("webhookMethod").value ?? "POST"
            guard method.uppercased() == "POST" else { throw DialectError.badRequest("actions.webhookMethod must be POST") }
            switch actions.object("webhookPayload") {
            case .value(let payload): options["webhookPayload"] = .object(payload.members())
            case .null: options["webhookPayload"] = nil
            case .absent: break
            }
        case .absent where !creating: break
        default: throw DialectError.badRequest("Missing required field: actions (with sendToWebhook and webhookUrl)")
        }
        input.options = String(decoding: JSONValue.object(options).serialized(), as: UTF8.self)
        input.readIssues = body.readIssues
        return input
    }

    /// An automation as Tether shows it.
    static func object(_ endpoint: WebhookEndpoint) -> JSONValue {
        let options = JSONValue.members(of: endpoint.options) ?? [:]
        var actions: [String: JSONValue] = ["sendToWebhook": true, "webhookUrl": .string(endpoint.url), "webhookMethod": "POST"]
        if let payload = options["webhookPayload"] { actions["webhookPayload"] = payload }
        return [
            "_id": .string(endpoint.id.rawValue), "id": .string(endpoint.id.rawValue), "name": DialectJSON.string(endpoint.name),
            "description": .string(endpoint.description ?? ""), "event": options["event"] ?? .null,
            "triggerType": options["triggerType"] ?? .null, "actions": .object(actions), "enabled": .bool(endpoint.enabled),
            "createdAt": DialectJSON.date(endpoint.createdAt), "updatedAt": DialectJSON.date(endpoint.updatedAt),
        ]
    }
}

/// The body a Tether automation posts: its `webhookPayload` members, then `event` (Tether's name),
/// `automationId`, `automationName`, `timestamp` and `data.message` (direction, text or action,
/// contact and campaign), plus `id` and `seq` for deduplication.
struct TetherWebhookPayload: WebhookPayloadFormat {
    func body(for event: Event, endpoint: WebhookEndpoint) -> [UInt8]? {
        guard let data = JSONValue.members(of: event.data) else { return nil }
        let options = JSONValue.members(of: endpoint.options) ?? [:]
        var body = options["webhookPayload"]?.objectValue ?? [:]
        var message: [String: JSONValue]
        switch event.type {
        case "reply.received":
            let reply = data["reply"]?.objectValue ?? [:], lead = data["lead"]?.objectValue ?? [:]
            body["event"] = "message.received"
            message = ["direction": "inbound", "body": reply["text"] ?? .null, "contactId": lead["contact_id"] ?? .null,
                       "campaignId": lead["campaign_id"] ?? .null, "createdAt": reply["received_at"] ?? .null]
        case "message.sent":
            let sent = data["message"]?.objectValue ?? [:]
            body["event"] = "message.sent"
            message = ["direction": "outbound", "id": sent["id"] ?? .null, "contactId": sent["contact_id"] ?? .null,
                       "campaignId": sent["campaign_id"] ?? .null, "createdAt": sent["sent_at"] ?? .null]
        case "webhook.ping":
            body["event"] = "webhook.ping"
            message = [:]
        default:
            return nil
        }
        body["id"] = .string(event.id)
        body["seq"] = .number(Double(event.seq))
        body["automationId"] = .string(endpoint.id.rawValue)
        body["automationName"] = DialectJSON.string(endpoint.name)
        body["timestamp"] = .string(Timestamp.iso(event.at))
        body["data"] = ["message": .object(message)]
        return JSONValue.object(body).serialized()
    }
}
