import OutboundCore

/// Paths and schemas of the event log and webhook endpoints.
enum EventPaths {
    private typealias Doc = OpenAPIDocument
    private static let nullableString: JSONValue = ["type": ["string", "null"]]
    private static let timestamp: JSONValue = ["type": "string", "format": "date-time"]
    private static let nullableTimestamp: JSONValue = ["type": ["string", "null"], "format": "date-time"]

    static var schemas: [String: JSONValue] {
        let types: JSONValue = ["type": "array", "maxItems": 100, "items": ["type": "string"],
                                "description": "Event types or families (`message.*`, `*`); empty or absent: every type"]
        let endpointFields: [String: JSONValue] = [
            "url": ["type": "string", "maxLength": 2048, "description": "http(s) URL; not a private address unless the server allows it"],
            "description": ["type": ["string", "null"], "maxLength": 500], "types": types,
            "format": ["type": "string", "enum": ["standard", "inbox"]], "enabled": ["type": "boolean"],
        ]
        return [
            "Event": Doc.object([
                "id": Doc.string, "object": ["const": "event"], "seq": ["type": "integer", "minimum": 1],
                "type": ["type": "string", "enum": .array(EventType.all.map { .string($0) })], "timestamp": timestamp,
                "actor": ["type": "string", "description": "`key:<prefix>`, `user:<id>` or `system`"],
                "data": ["type": "object", "description": "The resource the event is about, shaped as the API shows it"],
            ], required: ["id", "object", "seq", "type", "timestamp", "actor", "data"]),
            "WebhookEndpoint": Doc.object([
                "id": Doc.string, "object": ["const": "webhook_endpoint"], "url": Doc.string, "description": nullableString,
                "types": ["type": "array", "items": ["type": "string"]],
                "format": ["type": "string", "enum": ["standard", "inbox", "tether"], "description": "tether: made by Tether's automations"],
                "enabled": ["type": "boolean"], "disabled_reason": nullableString, "failing_since": nullableTimestamp,
                "previous_secret_expires_at": nullableTimestamp,
                "backlog": ["type": "integer", "description": "Deliveries waiting (on a single endpoint's read)"],
                "secret": ["type": "string", "description": "`whsec_…`: only in the answer that created or rotated it"],
                "created_at": timestamp, "updated_at": timestamp,
            ], required: ["id", "object", "url", "description", "types", "format", "enabled", "disabled_reason", "failing_since",
                          "previous_secret_expires_at", "created_at", "updated_at"]),
            "WebhookEndpointCreate": Doc.object(endpointFields, required: ["url"]),
            "WebhookEndpointPatch": Doc.object(endpointFields),
            "WebhookAttempt": Doc.object([
                "id": Doc.string, "object": ["const": "webhook_attempt"], "event_id": Doc.string, "event_type": Doc.string,
                "attempted_at": timestamp, "status": ["type": ["integer", "null"]], "latency_ms": ["type": "integer"],
                "error": nullableString, "response_head": nullableString,
            ], required: ["id", "object", "event_id", "event_type", "attempted_at", "status", "latency_ms", "error", "response_head"]),
        ]
    }

    static var all: [String: JSONValue] {
        let notFound = Doc.problem("No such webhook endpoint")
        let endpoint = Doc.json(Doc.ref("WebhookEndpoint"), "The endpoint")
        return [
            "/v1/events": [
                "get": Doc.operation("List events after a seq", tag: "Events", parameters: [
                    ["name": "after_seq", "in": "query", "required": false, "schema": ["type": "integer", "minimum": 0],
                     "description": "The last seq you have (0 or absent: from the oldest kept)"],
                    ["name": "types", "in": "query", "required": false, "schema": Doc.string,
                     "description": "Comma-separated types or families (`message.*`)"],
                    ["name": "limit", "in": "query", "required": false,
                     "schema": ["type": "integer", "minimum": 1, "maximum": .number(Double(EventService.maximumPage)), "default": 100]],
                ], responses: [
                    "200": Doc.json(Doc.object([
                        "data": ["type": "array", "items": Doc.ref("Event")], "has_more": ["type": "boolean"],
                        "next_after_seq": ["type": "integer"],
                    ], required: ["data", "has_more", "next_after_seq"]), "Events in seq order"),
                    "422": Doc.problem("A bad `after_seq`, `limit` or type filter"),
                ]),
            ],
            "/v1/webhook_endpoints": [
                "get": Doc.listOperation("List webhook endpoints", tag: "Webhooks", item: "WebhookEndpoint"),
                "post": Doc.operation("Create a webhook endpoint (its signing secret is shown only in this answer)", tag: "Webhooks",
                                      body: Doc.ref("WebhookEndpointCreate"), idempotent: true,
                                      responses: ["201": Doc.json(Doc.ref("WebhookEndpoint"), "The endpoint with its `secret`")]),
            ],
            "/v1/webhook_endpoints/{id}": [
                "parameters": [Doc.idParameter],
                "get": Doc.operation("Get a webhook endpoint with its backlog", tag: "Webhooks", responses: ["200": endpoint, "404": notFound]),
                "patch": Doc.operation("Change a webhook endpoint (enabling it again clears why it was off)", tag: "Webhooks",
                                       body: Doc.ref("WebhookEndpointPatch"), responses: ["200": endpoint, "404": notFound]),
                "delete": Doc.operation("Delete a webhook endpoint and its deliveries", tag: "Webhooks",
                                        responses: ["204": ["description": "Deleted"], "404": notFound]),
            ],
            "/v1/webhook_endpoints/{id}/rotate_secret": [
                "parameters": [Doc.idParameter],
                "post": Doc.operation("Rotate the signing secret; the old one keeps signing beside it for overlap_seconds", tag: "Webhooks",
                                      body: Doc.object(["overlap_seconds": ["type": "integer", "minimum": 0, "maximum": 604_800, "default": 86400]]),
                                      bodyRequired: false,
                                      responses: ["200": Doc.json(Doc.ref("WebhookEndpoint"), "The endpoint with its new `secret`"), "404": notFound]),
            ],
            "/v1/webhook_endpoints/{id}/attempts": [
                "parameters": [Doc.idParameter],
                "get": Doc.operation("List delivery attempts, newest first", tag: "Webhooks", parameters: [
                    ["name": "limit", "in": "query", "required": false, "schema": ["type": "integer", "minimum": 1, "maximum": 100, "default": 25]],
                    ["name": "starting_after", "in": "query", "required": false, "schema": Doc.string,
                     "description": "The `next_cursor` of the previous page"],
                ], responses: [
                    "200": Doc.json(Doc.object([
                        "data": ["type": "array", "items": Doc.ref("WebhookAttempt")], "has_more": ["type": "boolean"],
                        "next_cursor": ["type": ["string", "null"]],
                    ], required: ["data", "has_more", "next_cursor"]), "One page, newest first"),
                    "404": notFound,
                ]),
            ],
            "/v1/webhook_endpoints/{id}/replay": [
                "parameters": [Doc.idParameter],
                "post": Doc.operation("Send again every kept event after a seq that the endpoint's filters pass", tag: "Webhooks",
                                      body: Doc.object(["after_seq": ["type": "integer", "minimum": 0]], required: ["after_seq"]),
                                      responses: ["202": Doc.json(Doc.object(["object": ["const": "webhook_replay"], "queued": ["type": "integer"]],
                                                                              required: ["object", "queued"]), "Deliveries queued"),
                                                  "404": notFound]),
            ],
            "/v1/webhook_endpoints/{id}/test": [
                "parameters": [Doc.idParameter],
                "post": Doc.operation("Send a webhook.ping event to this endpoint only", tag: "Webhooks",
                                      responses: ["202": Doc.json(Doc.ref("Event"), "The ping, queued"), "404": notFound]),
            ],
        ]
    }
}
