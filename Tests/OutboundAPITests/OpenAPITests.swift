import Foundation
import HTTPTypes
import Testing
import OutboundAPI
import OutboundCore
import OutboundTestSupport

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

    @Test(arguments: StoreKind.covered) func documentAndRouterAgreeBothWays(_ store: StoreKind) async throws {
        let harness = try await Harness.make(store)
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

    @Test(arguments: StoreKind.covered) func everySchemaReferenceResolves(_ store: StoreKind) async throws {
        let harness = try await Harness.make(store)
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

    @Test(arguments: StoreKind.covered) func docsPageListsEveryRoute(_ store: StoreKind) async throws {
        let harness = try await Harness.make(store)
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
    /// One sender, campaign, contact and list to name in paths.
    private func resources(_ api: APIClient) async throws -> (sender: String, campaign: String, contact: String, list: String) {
        let sender = try await api.createSender(channel: "email", slug: "resources")
        let campaign = try await api.createCampaign(name: "Resources", channel: "email", senders: [sender])
        let contact = try #require(try await api.send(.post, "/v1/contacts", json: #"{"email": "resources@example.com"}"#).string("id"))
        let list = try #require(try await api.send(.post, "/v1/lists", json: #"{"name": "Resources"}"#).string("id"))
        return (sender, campaign, contact, list)
    }

    /// The schema `value` stands for: `$ref`s followed, `anyOf` with null unwrapped.
    private func resolve(_ value: JSONValue?, in document: JSONValue) -> JSONValue? {
        guard let value else { return nil }
        if case .string(let ref)? = value.path("$ref") {
            return resolve(document.path("components", "schemas", .member(String(ref.split(separator: "/").last!))), in: document)
        }
        if case .array(let options)? = value.path("anyOf") {
            return options.lazy.compactMap { option in option.path("type") == "null" ? nil : self.resolve(option, in: document) }.first
        }
        return value
    }

    /// A documented request body with every member it names (null; an empty object for an object
    /// member; for an array of objects, one element naming every member of its items) is read with
    /// no "unknown field": the document names nothing the server would refuse as unknown.
    @Test(arguments: StoreKind.covered) func everyDocumentedRequestMemberIsUnderstood(_ store: StoreKind) async throws {
        let harness = try await Harness.make(store)
        try await harness.run { api in
            let document = try await api.send(.get, "/openapi.json", authenticated: false).json
            let (sender, campaign, contact, list) = try await resources(api)
            let endpoint = try #require(try await api.send(.post, "/v1/webhook_endpoints", json: #"{"url": "http://127.0.0.1:9/hook"}"#)
                .string("id"))
            let paths = try #require(document.path("paths")?.objectValue)
            var checked = 0
            for (path, item) in paths.sorted(by: { $0.key < $1.key }) where path.hasPrefix("/v1/") {
                for method in ["post", "put", "patch"] {
                    guard let schema = resolve(item.path(.member(method), "requestBody", "content", "application/json", "schema"), in: document),
                          let properties = schema.path("properties")?.objectValue else { continue }
                    var body: [String: JSONValue] = [:]
                    for (name, property) in properties {
                        let resolved = resolve(property, in: document)
                        if resolved?.path("properties") != nil {
                            body[name] = .object([:])
                        } else if let members = resolve(resolved?.path("items"), in: document)?.path("properties")?.objectValue {
                            // One element naming every member of the items' schema.
                            body[name] = .array([.object(members.mapValues { _ in .null })])
                        } else {
                            body[name] = .null
                        }
                    }
                    let concrete = path.replacingOccurrences(of: "/v1/campaigns/{id}", with: "/v1/campaigns/\(campaign)")
                        .replacingOccurrences(of: "/v1/senders/{id}", with: "/v1/senders/\(sender)")
                        .replacingOccurrences(of: "/v1/contacts/{id}", with: "/v1/contacts/\(contact)")
                        .replacingOccurrences(of: "/v1/lists/{id}", with: "/v1/lists/\(list)")
                        .replacingOccurrences(of: "/v1/webhook_endpoints/{id}", with: "/v1/webhook_endpoints/\(endpoint)")
                        .replacingOccurrences(of: "{node_id}", with: "n1")
                        .replacingOccurrences(of: "{contact_id}", with: contact)
                    let reply = try await api.send(HTTPRequest.Method(method.uppercased())!, concrete, body: .object(body))
                    #expect(!reply.text.contains("unknown field"), "\(method.uppercased()) \(path) documents a member it does not read: \(reply.text)")
                    checked += 1
                }
            }
            #expect(checked >= 15, "request bodies checked: \(checked)")
        }
    }

    /// What a resource's GET returns has exactly the members its documented schema names.
    @Test(arguments: StoreKind.covered) func everyAnswerHasTheMembersItsSchemaNames(_ store: StoreKind) async throws {
        let harness = try await Harness.make(store)
        try await harness.run { api in
            let document = try await api.send(.get, "/openapi.json", authenticated: false).json
            let (sender, campaign, contact, list) = try await resources(api)
            for (path, concrete) in [
                ("/v1/campaigns/{id}", "/v1/campaigns/\(campaign)"), ("/v1/senders/{id}", "/v1/senders/\(sender)"),
                ("/v1/contacts/{id}", "/v1/contacts/\(contact)"), ("/v1/lists/{id}", "/v1/lists/\(list)"),
                ("/v1/workspace", "/v1/workspace"), ("/v1/campaigns/{id}/sequence", "/v1/campaigns/\(campaign)/sequence"),
                ("/v1/campaigns/{id}/stats", "/v1/campaigns/\(campaign)/stats"),
                ("/v1/campaigns/{id}/validate", "/v1/campaigns/\(campaign)/validate"),
                ("/v1/senders/{id}/usage", "/v1/senders/\(sender)/usage"),
            ] {
                let schema = try #require(resolve(document.path("paths", .member(path), "get", "responses", "200", "content", "application/json", "schema"),
                                                  in: document), "\(path) has no documented answer")
                let documented = Set(try #require(schema.path("properties")?.objectValue, "\(path)").keys)
                let answered = Set(try #require(try await api.send(.get, concrete).json.objectValue, "\(path)").keys)
                #expect(answered.subtracting(documented).isEmpty, "\(path) answers undocumented \(answered.subtracting(documented).sorted())")
                #expect(documented.subtracting(answered).isEmpty, "\(path) documents unanswered \(documented.subtracting(answered).sorted())")
            }
        }
    }
}
