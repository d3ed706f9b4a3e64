/// One OpenAPI 3.1 document per dialect, listing exactly the routes it serves (so schemathesis
/// can exercise each surface). Bodies are described loosely: the vendors' own docs are the
/// reference for their shapes; the errors are the vendor's envelope.
enum DialectDocuments {
    static func puffle(routes: [RouteKey]) -> JSONValue {
        document(title: "Outbound — Puffle-compatible API", prefix: PuffleRoutes.prefix, routes: routes,
                 security: ["bearerAuth": ["type": "http", "scheme": "bearer"]],
                 error: object(["error": object(["code": ["type": "string"], "message": ["type": "string"]], required: ["code", "message"])],
                               required: ["error"]))
    }

    static func inbox(routes: [RouteKey]) -> JSONValue {
        document(title: "Outbound — Inbox-compatible API", prefix: InboxRoutes.prefix, routes: routes,
                 security: ["bearerAuth": ["type": "http", "scheme": "bearer"]],
                 error: object(["error": object(["code": ["type": "string"], "message": ["type": "string"], "status": ["type": "integer"]],
                                                required: ["code", "message", "status"])], required: ["error"]))
    }

    static func tether(routes: [RouteKey]) -> JSONValue {
        document(title: "Outbound — Tether-compatible API", prefix: TetherRoutes.prefix, routes: routes,
                 security: ["bearerAuth": ["type": "http", "scheme": "bearer", "bearerFormat": "JWT"]],
                 error: object(["error": ["oneOf": [["type": "string"], object(["code": ["type": "string"], "message": ["type": "string"]],
                                                                                required: ["code", "message"])]]], required: ["error"]))
    }

    static func alsona(routes: [RouteKey]) -> JSONValue {
        document(title: "Outbound — Alsona/HubLinks-compatible API", prefix: AlsonaRoutes.prefix, routes: routes,
                 security: ["apiKey": ["type": "apiKey", "in": "header", "name": "X-API-KEY"]],
                 error: object(["success": ["const": false], "message": ["type": "string"]], required: ["success", "message"]))
    }

    private static func document(title: String, prefix: String, routes: [RouteKey], security: [String: JSONValue], error: JSONValue) -> JSONValue {
        var paths: [String: [String: JSONValue]] = [:]
        let schemeName = security.keys.first ?? "bearerAuth"
        for route in routes {
            let open = route.path.hasSuffix("/auth/login")
            let parameters: [JSONValue] = route.path.split(separator: "/").filter { $0.hasPrefix("{") }.map { segment in
                ["name": .string(String(segment.dropFirst().dropLast())), "in": "path", "required": true, "schema": ["type": "string"]]
            }
            var operation: [String: JSONValue] = [
                "operationId": .string(route.method.lowercased() + route.path.dropFirst(prefix.count).split(whereSeparator: { !$0.isLetter }).joined(separator: "_")),
                "responses": [
                    "200": ["description": "The vendor's answer", "content": ["application/json": ["schema": ["type": "object"]]]],
                    "400": errorResponse(error, "Bad request"), "401": errorResponse(error, "Missing or wrong key"),
                    "404": errorResponse(error, "Not found"), "409": errorResponse(error, "Conflict"),
                ],
            ]
            if open { operation["security"] = [] } else { operation["security"] = [[.init(stringLiteral: schemeName): []]] }
            if !parameters.isEmpty { operation["parameters"] = .array(parameters) }
            if ["POST", "PUT", "PATCH", "DELETE"].contains(route.method) {
                operation["requestBody"] = ["required": false, "content": ["application/json": ["schema": ["type": "object"]]]]
                if case .object(var responses)? = operation["responses"] {
                    responses["201"] = ["description": "Created", "content": ["application/json": ["schema": ["type": "object"]]]]
                    responses["422"] = errorResponse(error, "Nothing imported")
                    operation["responses"] = .object(responses)
                }
            }
            paths[route.path, default: [:]][route.method.lowercased()] = .object(operation)
        }
        return [
            "openapi": "3.1.0",
            "info": ["title": .string(title), "version": "1.0.0"],
            "servers": [["url": "/"]],
            "paths": .object(paths.mapValues { .object($0) }),
            "components": ["securitySchemes": .object(security)],
        ]
    }

    private static func errorResponse(_ schema: JSONValue, _ description: String) -> JSONValue {
        ["description": .string(description), "content": ["application/json": ["schema": schema]]]
    }

    private static func object(_ properties: [String: JSONValue], required: [String]) -> JSONValue {
        ["type": "object", "properties": .object(properties), "required": .array(required.map { .string($0) })]
    }
}
