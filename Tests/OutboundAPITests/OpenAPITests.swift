import Foundation
import HTTPTypes
import Testing
import OutboundAPI
import OutboundCore

@Suite struct OpenAPITests {
    /// (method, path) pairs the document describes.
    func documentedRoutes(_ document: JSONValue) -> Set<RouteKey> {
        guard case .object(let paths)? = document.path("paths") else { return [] }
        var routes: Set<RouteKey> = []
        for (path, item) in paths {
            guard case .object(let methods) = item else { continue }
            for method in methods.keys where ["get", "post", "put", "patch", "delete"].contains(method) {
                routes.insert(RouteKey(method: method.uppercased(), path: path))
            }
        }
        return routes
    }

    @Test func documentAndRouterAgreeBothWays() async throws {
        let harness = try await Harness.make()
        let registered = Set(buildRouter(services: harness.services).routes)
        try await harness.run { api in
            let reply = try await api.send(.get, "/openapi.json", authenticated: false)
            #expect(reply.status == .ok)
            #expect(reply.string("openapi") == "3.1.0")
            let documented = documentedRoutes(reply.json)
            #expect(!documented.isEmpty)
            let undocumented = registered.subtracting(documented).sorted()
            let phantom = documented.subtracting(registered).sorted()
            #expect(undocumented.isEmpty, "served but not documented: \(undocumented)")
            #expect(phantom.isEmpty, "documented but not served: \(phantom)")
            // Every documented route really answers (not the router's route-not-found).
            for route in documented.sorted() {
                let path = route.path.replacingOccurrences(of: "{id}", with: "campaign_00000000000000000000")
                    .replacingOccurrences(of: "{contact_id}", with: "contact_00000000000000000000")
                    .replacingOccurrences(of: "{node_id}", with: "n1")
                    .replacingOccurrences(of: "{sender_id}", with: "seat_00000000000000000000")
                    .replacingOccurrences(of: "{token}", with: "not-a-token")
                let answer = try await api.send(HTTPRequest.Method(route.method)!, path, json: ["GET", "DELETE"].contains(route.method) ? nil : "{}")
                #expect(answer.string("type")?.hasSuffix("route-not-found") != true, "\(route) is not served")
                #expect(answer.status.code < 500, "\(route) → \(answer.status)")
            }
        }
    }

    @Test func everySchemaReferenceResolves() async throws {
        let harness = try await Harness.make()
        try await harness.run { api in
            let reply = try await api.send(.get, "/openapi.json", authenticated: false)
            guard case .object(let schemas)? = reply.json.path("components", "schemas") else {
                Issue.record("no schemas")
                return
            }
            let refs = reply.text.matches(of: /#\/components\/schemas\/([A-Za-z]+)/).map { String($0.1) }
            #expect(!refs.isEmpty)
            for name in Set(refs) { #expect(schemas[name] != nil, "dangling $ref \(name)") }
        }
    }

    @Test func docsPageListsEveryRoute() async throws {
        let harness = try await Harness.make()
        let registered = buildRouter(services: harness.services).routes
        try await harness.run { api in
            let page = try await api.send(.get, "/docs", authenticated: false)
            #expect(page.status == .ok)
            #expect(page.headers[.contentType]?.hasPrefix("text/html") == true)
            #expect(!page.text.contains("<script"))
            for route in registered {
                #expect(page.text.contains("<code>\(route.path)</code>"), "\(route) missing from /docs")
            }
        }
    }
}
