import Foundation
import Testing
import OutboundAPI
import OutboundCore
import OutboundTestSupport

/// Two workspaces in one database must not see each other's IDs on any route.
@Suite struct IsolationTests {
    @Test(arguments: StoreKind.covered) func everyIDRouteAnswers404ForAnotherWorkspacesIDs(_ store: StoreKind) async throws {
        let harness = try await Harness.make(store)
        let other = try await harness.otherWorkspace()
        try await harness.run { api in
            let sender = try await api.createSender()
            let campaign = try await api.createCampaign(name: "Private", senders: [sender])
            let key = try await api.send(.post, "/v1/api-keys", json: #"{"name": "mine"}"#)
            let keyID = try #require(key.string("id"))

            let probes: [(HTTPRequest.Method, String, String?)] = [
                (.get, "/v1/senders/\(sender)", nil),
                (.patch, "/v1/senders/\(sender)", #"{"display_name": "stolen"}"#),
                (.delete, "/v1/senders/\(sender)", nil),
                (.get, "/v1/campaigns/\(campaign)", nil),
                (.patch, "/v1/campaigns/\(campaign)", #"{"name": "stolen"}"#),
                (.delete, "/v1/campaigns/\(campaign)", nil),
                (.delete, "/v1/api-keys/\(keyID)", nil),
            ]
            for (method, path, body) in probes {
                let reply = try await api.send(method, path, json: body, key: other.key)
                #expect(reply.status == .notFound, "\(method) \(path) → \(reply.status)")
                #expect(!reply.text.contains("Private") && !reply.text.contains("Jane"))
            }
            // Lists and the workspace show only the caller's own.
            #expect(try await api.send(.get, "/v1/senders", key: other.key).dataIDs.isEmpty)
            #expect(try await api.send(.get, "/v1/campaigns", key: other.key).dataIDs.isEmpty)
            #expect(try await api.send(.get, "/v1/workspace", key: other.key).string("id") == other.id.rawValue)
            #expect(try await api.send(.get, "/v1/senders?starting_after=\(sender)", key: other.key).status == .unprocessableContent)
            // Inside a body another workspace's ID is 422 at its path.
            let borrowed = try await api.send(.post, "/v1/campaigns", json: """
                {"name": "Borrow", "channel": "linkedin", "sender_ids": ["\(sender)"]}
                """, key: other.key)
            #expect(borrowed.status == .unprocessableContent)
            #expect(borrowed.errorFields == ["sender_ids[0]"])
            // Nothing of the first workspace changed.
            #expect(try await api.send(.get, "/v1/senders/\(sender)").string("display_name") == "Jane Doe")
            #expect(try await api.send(.get, "/v1/campaigns/\(campaign)").string("name") == "Private")
            #expect(try await api.send(.get, "/v1/workspace", key: try #require(key.string("key"))).status == .ok)
        }
    }

    /// Every `/v1` route that names a resource in its path, taken from the router (a new route is
    /// probed without editing this test), called with another workspace's key on this
    /// workspace's IDs: never an answer, never a change, never a server error.
    @Test(arguments: StoreKind.covered) func theRouterListsNoRouteThatReachesAnotherWorkspace(_ store: StoreKind) async throws {
        let harness = try await Harness.make(store)
        let other = try await harness.otherWorkspace()
        let routes = buildRouter(services: harness.services).routes.filter { $0.path.hasPrefix("/v1/") && $0.path.contains("{") }
        try await harness.run { api in
            let sender = try await api.createSender()
            let campaign = try await api.createCampaign(name: "Private", senders: [sender])
            try await api.scheduleAllWeek(campaign)
            let contactBody = #"{"email": "jane.private@example.com", "linkedin_url": "https://www.linkedin.com/in/jane-private"}"#
            let contact = try #require(try await api.send(.post, "/v1/contacts", json: contactBody).string("id"))
            let list = try #require(try await api.send(.post, "/v1/lists", json: #"{"name": "Private list"}"#).string("id"))
            let suppression = try #require(try await api.send(.post, "/v1/suppressions", json: #"{"kind": "email", "value": "x@private.example"}"#)
                .string("id"))
            let key = try #require(try await api.send(.post, "/v1/api-keys", json: #"{"name": "private"}"#).string("id"))
            let imported = try await api.send(.post, "/v1/imports", headers: [.contentType: "text/csv"], rawBody: "email\nimp@private.example\n")
            let importJob = try #require(imported.string("id"))
            #expect(try await api.send(.post, "/v1/campaigns/\(campaign)/leads", json: #"{"contact_ids": ["\#(contact)"]}"#).status == .ok)
            #expect(try await api.send(.post, "/v1/campaigns/\(campaign)/launch").status == .ok)
            try await harness.services.dispatcher.drain()
            let action = try #require(try await api.send(.get, "/v1/campaigns/\(campaign)/actions").dataIDs.first)
            let endpoint = try #require(try await api.send(.post, "/v1/webhook_endpoints", json: #"{"url": "http://127.0.0.1:9/private"}"#)
                .string("id"))
            // Each path parameter, by the collection it follows.
            let ids: [String: String] = [
                "senders": sender, "campaigns": campaign, "contacts": contact, "leads": contact, "lists": list,
                "suppressions": suppression, "api-keys": key, "imports": importJob, "actions": action, "nodes": "n1",
                "webhook_endpoints": endpoint,
            ]
            let before = try await Self.snapshot(api, sender: sender, campaign: campaign, contact: contact, list: list)
            #expect(routes.count >= 40, "the router lists its routes")
            for route in routes {
                var segments = route.path.split(separator: "/").map(String.init)
                for index in segments.indices where segments[index].hasPrefix("{") {
                    let id = try #require(ids[segments[index - 1]], "\(route): add \(segments[index - 1]) to the probe's IDs")
                    segments[index] = id
                }
                let path = "/" + segments.joined(separator: "/")
                let method = HTTPRequest.Method(route.method)!
                let body: String? = [.post, .patch, .put].contains(method) ? "{}" : nil
                let reply = try await api.send(method, path, json: body, key: other.key)
                #expect(reply.status == .notFound, "\(route.method) \(path) with another workspace's key → \(reply.status): \(reply.text.prefix(200))")
                #expect(!reply.text.contains("Private") && !reply.text.contains("private.example"))
            }
            #expect(try await Self.snapshot(api, sender: sender, campaign: campaign, contact: contact, list: list) == before,
                    "nothing of the first workspace changed")
        }
    }

    /// What the first workspace's resources say about themselves.
    private static func snapshot(_ api: APIClient, sender: String, campaign: String, contact: String, list: String) async throws -> [String] {
        var texts: [String] = []
        for path in ["/v1/senders/\(sender)", "/v1/campaigns/\(campaign)", "/v1/campaigns/\(campaign)/sequence", "/v1/contacts/\(contact)",
                     "/v1/lists/\(list)", "/v1/campaigns/\(campaign)/leads", "/v1/api-keys", "/v1/suppressions", "/v1/webhook_endpoints"] {
            let reply = try await api.send(.get, path)
            texts.append("\(reply.status.code) \(reply.text)")
        }
        return texts
    }
}

import HTTPTypes
