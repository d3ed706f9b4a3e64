/// The OpenAPI 3.1 description of the native API. A test checks it against the routes the
/// router really serves, in both directions.
enum OpenAPIDocument {
    static func build() -> JSONValue {
        .object([
            "openapi": "3.1.0",
            "info": [
                "title": "Outbound API",
                "version": "1.0.0",
                "description": .string("""
                    Self-hosted multi-channel outreach. JSON with snake_case keys, IDs `{type}_{20 hex}`, \
                    RFC 3339 UTC timestamps with milliseconds, cursor pagination, RFC 9457 problem+json errors.
                    """),
            ],
            "servers": [["url": "/"]],
            "security": [["bearerAuth": []], ["apiKeyHeader": []]],
            "paths": .object(paths),
            "components": [
                "securitySchemes": [
                    "bearerAuth": ["type": "http", "scheme": "bearer"],
                    "apiKeyHeader": ["type": "apiKey", "in": "header", "name": "X-API-KEY"],
                    "basicAuth": ["type": "http", "scheme": "basic", "description": "Any user name; the API key as password"],
                ],
                "schemas": .object(Schemas.all),
            ],
        ])
    }

    private static var paths: [String: JSONValue] {
        [
            "/healthz": ["get": operation("Health check", tag: "System", open: true,
                                          responses: ["200": json(object(["status": string], required: ["status"]), "The server is up")])],
            "/metrics": ["get": operation("Prometheus metrics (Bearer the server's --metrics-token)", tag: "System", open: true,
                                          responses: ["200": ["description": "Prometheus text format",
                                                              "content": ["text/plain": ["schema": string]]],
                                                      "401": problem("Not the metrics token"),
                                                      "404": problem("The server has no metrics token")])],
            "/openapi.json": ["get": operation("This document", tag: "System", open: true,
                                               responses: ["200": json(["type": "object"], "The OpenAPI document")])],
            "/docs": ["get": operation("Human-readable API documentation", tag: "System", open: true,
                                       responses: ["200": ["description": "HTML page", "content": ["text/html": ["schema": string]]]])],
            "/v1/workspace": [
                "get": operation("The caller's workspace", tag: "Workspace", responses: ["200": json(ref("Workspace"), "The workspace")]),
                "patch": operation("Rename the workspace or set its default phone region", tag: "Workspace",
                                   body: ref("WorkspacePatch"), responses: ["200": json(ref("Workspace"), "The workspace")]),
            ],
            "/v1/api-keys": [
                "get": listOperation("List API keys", tag: "API keys", item: "ApiKey"),
                "post": operation("Create an API key (its secret is shown only in this answer)", tag: "API keys",
                                  body: ref("ApiKeyCreate"), bodyRequired: false, idempotent: true,
                                  responses: ["201": json(ref("ApiKey"), "The new key with its secret in `key`")]),
            ],
            "/v1/users": [
                "post": operation("Create a user who signs in with a password (Tether's /api/auth/login)", tag: "Workspace",
                                  body: object(["email": string, "password": ["type": "string", "minLength": 8, "maxLength": 72],
                                                "full_name": string, "access_role": ["type": "string", "enum": ["ADMIN", "MEMBER"]]],
                                               required: ["email", "password"]),
                                  idempotent: true, responses: [
                                      "201": json(object(["id": string, "object": ["const": "user"], "workspace_id": string, "email": string,
                                                          "full_name": ["type": ["string", "null"]], "access_role": string, "created_at": string],
                                                         required: ["id", "object", "email", "access_role"]), "The user (never the password)"),
                                      "409": problem("A user with this email exists"),
                                  ]),
            ],
            "/v1/api-keys/{id}": [
                "parameters": [idParameter],
                "delete": operation("Revoke an API key", tag: "API keys",
                                    responses: ["200": json(ref("ApiKey"), "The revoked key"), "404": problem("No such key")]),
            ],
            "/v1/senders": [
                "get": listOperation("List senders", tag: "Senders", item: "Sender"),
                "post": operation("Create a sender", tag: "Senders", body: ref("SenderCreate"), idempotent: true,
                                  responses: ["201": json(ref("Sender"), "The new sender"), "409": problem("Identity already used")]),
            ],
            "/v1/senders/{id}": [
                "parameters": [idParameter],
                "get": operation("Get a sender", tag: "Senders",
                                 responses: ["200": json(ref("Sender"), "The sender"), "404": problem("No such sender")]),
                "patch": operation("Change a sender (absent keeps, null resets, limits merge per window)", tag: "Senders",
                                   body: ref("SenderPatch"),
                                   responses: ["200": json(ref("Sender"), "The changed sender"), "404": problem("No such sender"),
                                               "409": problem("Identity already used")]),
                "delete": operation("Delete a sender (not while an active campaign uses it)", tag: "Senders",
                                    responses: ["204": ["description": "Deleted"], "404": problem("No such sender"),
                                                "409": problem("Used by an active campaign")]),
            ],
            "/v1/campaigns": [
                "get": listOperation("List campaigns", tag: "Campaigns", item: "Campaign"),
                "post": operation("Create a draft campaign", tag: "Campaigns", body: ref("CampaignCreate"), idempotent: true,
                                  responses: ["201": json(ref("Campaign"), "The new campaign"), "409": problem("Name already used")]),
            ],
            "/v1/campaigns/{id}": [
                "parameters": [idParameter],
                "get": operation("Get a campaign", tag: "Campaigns",
                                 responses: ["200": json(ref("Campaign"), "The campaign"), "404": problem("No such campaign")]),
                "patch": operation("Change a campaign (absent keeps, null resets to the default)", tag: "Campaigns",
                                   body: ref("CampaignPatch"),
                                   responses: ["200": json(ref("Campaign"), "The changed campaign"), "404": problem("No such campaign"),
                                               "409": problem("Name already used, or campaign archived")]),
                "delete": operation("Delete a campaign that is not active", tag: "Campaigns",
                                    responses: ["204": ["description": "Deleted"], "404": problem("No such campaign"),
                                                "409": problem("Campaign is active")]),
            ],
        ].merging(ContactPaths.all, uniquingKeysWith: { first, _ in first })
            .merging(EnginePaths.all, uniquingKeysWith: { first, _ in first })
            .merging(ChannelPaths.all, uniquingKeysWith: { first, _ in first })
            .merging(EventPaths.all, uniquingKeysWith: { first, _ in first })
    }

    // MARK: Building blocks

    static let string: JSONValue = ["type": "string"]
    static let idParameter: JSONValue = ["name": "id", "in": "path", "required": true, "schema": string]

    static func ref(_ name: String) -> JSONValue { ["$ref": .string("#/components/schemas/\(name)")] }

    static func object(_ properties: [String: JSONValue], required: [String] = []) -> JSONValue {
        var schema: [String: JSONValue] = ["type": "object", "properties": .object(properties)]
        if !required.isEmpty { schema["required"] = .array(required.map { .string($0) }) }
        return .object(schema)
    }

    static func json(_ schema: JSONValue, _ description: String) -> JSONValue {
        ["description": .string(description), "content": ["application/json": ["schema": schema]]]
    }

    static func problem(_ description: String) -> JSONValue {
        ["description": .string(description), "content": ["application/problem+json": ["schema": ref("Problem")]]]
    }

    static func operation(
        _ summary: String, tag: String, open: Bool = false, body: JSONValue? = nil, bodyRequired: Bool = true,
        idempotent: Bool = false, parameters: [JSONValue] = [], responses: [String: JSONValue]
    ) -> JSONValue {
        var all = responses
        var parameters = parameters
        if !open {
            all["401"] = all["401"] ?? problem("Missing, unknown or revoked API key")
        }
        if body != nil || !parameters.isEmpty {
            all["400"] = all["400"] ?? problem("Malformed JSON or query parameter")
        }
        if body != nil {
            all["413"] = all["413"] ?? problem("Body too large")
            all["422"] = all["422"] ?? problem("Invalid values, each named by its field path")
        }
        if idempotent {
            parameters.append(["name": "Idempotency-Key", "in": "header", "required": false, "schema": string,
                               "description": "Same key and body replay the first answer for 24 h; same key, other body → 422"])
            all["409"] = all["409"] ?? problem("A request with this Idempotency-Key is in progress")
        }
        var result: [String: JSONValue] = [
            "summary": .string(summary), "tags": [.string(tag)],
            "operationId": .string(summary.lowercased().split(whereSeparator: { !$0.isLetter }).prefix(5).joined(separator: "_")),
            "responses": .object(all),
        ]
        if open { result["security"] = [] }
        if !parameters.isEmpty { result["parameters"] = .array(parameters) }
        if let body {
            result["requestBody"] = ["required": .bool(bodyRequired), "content": ["application/json": ["schema": body]]]
        }
        return .object(result)
    }

    static func listOperation(_ summary: String, tag: String, item: String) -> JSONValue {
        operation(summary, tag: tag, parameters: [
            ["name": "limit", "in": "query", "required": false,
             "schema": ["type": "integer", "minimum": 1, "maximum": 100, "default": 25]],
            ["name": "starting_after", "in": "query", "required": false, "schema": string,
             "description": "The `next_cursor` of the previous page"],
        ], responses: [
            "200": json(object([
                "data": ["type": "array", "items": ref(item)],
                "has_more": ["type": "boolean"],
                "next_cursor": ["type": ["string", "null"]],
            ], required: ["data", "has_more", "next_cursor"]), "One page, oldest first"),
            "422": problem("`starting_after` names nothing in this list"),
        ])
    }
}
