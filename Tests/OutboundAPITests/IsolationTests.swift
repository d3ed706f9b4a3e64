import Foundation
import Testing
import OutboundAPI
import OutboundCore

/// Two workspaces in one database must not see each other's IDs on any route.
@Suite struct IsolationTests {
    @Test func everyIDRouteAnswers404ForAnotherWorkspacesIDs() async throws {
        let harness = try await Harness.make()
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
}

import HTTPTypes
