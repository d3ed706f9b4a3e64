import Foundation
import HTTPTypes
import OutboundAPI
import OutboundCore
import OutboundTestSupport
import Testing

/// `/v1/events` and `/v1/webhook_endpoints` over a live server and a real SQLite file.
@Suite struct EventRouteTests {
    /// A campaign run from launch to its first sends: every change is an event, numbered 1, 2, 3, …
    /// per workspace, naming who caused it; filters and paging read the same log.
    @Test(arguments: StoreKind.covered) func eventsAreNumberedPerWorkspaceWithoutGapsAndNameTheirActor(_ store: StoreKind) async throws {
        let harness = try await Harness.make(store)
        let other = try await harness.otherWorkspace()
        try await harness.run { api in
            let sender = try await api.createSender()
            let campaign = try await api.createCampaign(name: "Events", senders: [sender])
            try await api.scheduleAllWeek(campaign)
            let contacts = (1...3).map { #"{"linkedin_url": "https://www.linkedin.com/in/lead-\#($0)"}"# }.joined(separator: ", ")
            #expect(try await api.send(.post, "/v1/campaigns/\(campaign)/leads", json: #"{"contacts": [\#(contacts)]}"#).status == .ok)
            #expect(try await api.send(.post, "/v1/campaigns/\(campaign)/launch").status == .ok)
            try await harness.services.dispatcher.drain()
            #expect(try await api.send(.post, "/v1/inbound", json: """
                {"type": "replied", "linkedin_url": "https://www.linkedin.com/in/lead-1", "body": "Sounds good, call me"}
                """).status == .accepted)
            #expect(try await api.send(.post, "/v1/campaigns/\(campaign)/pause").status == .ok)
            // The other workspace's own change starts its own numbering.
            #expect(try await api.send(.post, "/v1/suppressions", json: #"{"kind": "email", "value": "x@other.example"}"#, key: other.key)
                .status == .created)

            let all = try await api.send(.get, "/v1/events?limit=1000")
            let events = try #require(all["data"]?.arrayValue)
            let seqs = events.compactMap { $0.path("seq")?.numberValue }.map { Int($0) }
            #expect(seqs == Array(1...events.count), "seqs \(seqs)")
            let types = events.compactMap { $0.path("type")?.stringValue }
            #expect(types.first == "campaign.launched")
            #expect(types.filter { $0 == "lead.enrolled" }.count == 3)
            #expect(types.contains("message.sent"), "the first send (the rest are paced minutes apart)")
            #expect(types.last == "campaign.paused")
            let launched = try #require(events.first)
            let actor = try #require(launched.path("actor")?.stringValue)
            #expect(actor.hasPrefix("key:") && actor.count > 8 && harness.key.hasPrefix(actor.dropFirst(4)),
                    "the actor is the key's public prefix: \(actor)")
            #expect(launched.path("data", "campaign", "id")?.stringValue == campaign)
            #expect(launched.path("data", "campaign", "status")?.stringValue == "active")
            let sent = try #require(events.first { $0.path("type")?.stringValue == "message.sent" })
            #expect(sent.path("actor")?.stringValue == "system", "the dispatcher sends")
            #expect(sent.path("data", "message", "first_contact") == .bool(true))
            #expect(sent.path("data", "message", "sender_id")?.stringValue == sender)
            #expect(!all.text.contains(harness.key), "never the key's secret")
            let reply = try #require(events.first { $0.path("type")?.stringValue == "reply.received" })
            #expect(reply.path("data", "reply", "text")?.stringValue == "Sounds good, call me")
            #expect(reply.path("data", "lead", "campaign_id")?.stringValue == campaign)

            let messages = try await api.send(.get, "/v1/events?types=message.*,campaign.paused")
            let filtered = try #require(messages["data"]?.arrayValue).compactMap { $0.path("type")?.stringValue }
            #expect(Set(filtered) == ["message.sent", "campaign.paused"])
            let page = try await api.send(.get, "/v1/events?after_seq=2&limit=2")
            #expect(try #require(page["data"]?.arrayValue).compactMap { $0.path("seq")?.numberValue } == [3, 4])
            #expect(page["has_more"] == .bool(true))
            #expect(page["next_after_seq"]?.numberValue == 4)

            let theirs = try await api.send(.get, "/v1/events", key: other.key)
            #expect(try #require(theirs["data"]?.arrayValue).compactMap { $0.path("seq")?.numberValue } == [1])
            #expect(try #require(theirs["data"]?.arrayValue).first?.path("type")?.stringValue == "contact.suppressed")

            let bad = try await api.send(.get, "/v1/events?types=message.sent,nonsense&after_seq=-1")
            #expect(bad.status == .unprocessableContent)
            #expect(Set(bad.errorFields) == ["types[1]", "after_seq"])
            #expect(try await api.send(.get, "/v1/events?after_seq=x").status == .badRequest)
        }
    }

    /// Create (the secret once), read (never the secret), change, rotate, delete; bad input is
    /// refused with every field's path and nothing is stored.
    @Test(arguments: StoreKind.covered) func webhookEndpointsAreManagedAndValidated(_ store: StoreKind) async throws {
        let harness = try await Harness.make(store)
        try await harness.run { api in
            let bad = try await api.send(.post, "/v1/webhook_endpoints", json: """
                {"url": "ftp://example.com/x", "types": ["message.*", "bogus.thing", 3], "format": "xml", "enabled": "yes", "colour": 1}
                """)
            #expect(bad.status == .unprocessableContent)
            #expect(Set(bad.errorFields) == ["url", "types[1]", "types[2]", "format", "enabled", "colour"])
            #expect(try await api.send(.get, "/v1/webhook_endpoints").dataIDs.isEmpty, "nothing half-created")
            let withPassword = try await api.send(.post, "/v1/webhook_endpoints", json: #"{"url": "https://user:pw@hooks.example/x"}"#)
            #expect(withPassword.errorFields == ["url"])

            let created = try await api.send(.post, "/v1/webhook_endpoints", json: """
                {"url": "http://127.0.0.1:9/hook", "types": ["message.*", "reply.received"], "description": "CRM"}
                """)
            #expect(created.status == .created)
            let id = try #require(created.string("id"))
            let secret = try #require(created.string("secret"))
            #expect(secret.hasPrefix("whsec_") && Data(base64Encoded: String(secret.dropFirst(6)))?.count == 32)
            let read = try await api.send(.get, "/v1/webhook_endpoints/\(id)")
            #expect(read["secret"] == nil && !read.text.contains(secret))
            #expect(read["backlog"]?.numberValue == 0)
            #expect(read["format"]?.stringValue == "standard")

            let patched = try await api.send(.patch, "/v1/webhook_endpoints/\(id)", json: #"{"enabled": false, "types": null}"#)
            #expect(patched["enabled"] == .bool(false))
            #expect(patched["types"] == .array([]))
            let rotated = try await api.send(.post, "/v1/webhook_endpoints/\(id)/rotate_secret", json: #"{"overlap_seconds": 600}"#)
            let newSecret = try #require(rotated.string("secret"))
            #expect(newSecret != secret)
            #expect(rotated["previous_secret_expires_at"]?.stringValue != nil)
            let tooLong = try await api.send(.post, "/v1/webhook_endpoints/\(id)/rotate_secret", json: #"{"overlap_seconds": 9999999}"#)
            #expect(tooLong.errorFields == ["overlap_seconds"])
            let noSeq = try await api.send(.post, "/v1/webhook_endpoints/\(id)/replay", json: "{}")
            #expect(noSeq.errorFields == ["after_seq"])
            #expect(try await api.send(.post, "/v1/webhook_endpoints/\(id)/test").status == .accepted)
            #expect(try await api.send(.delete, "/v1/webhook_endpoints/\(id)").status == .noContent)
            #expect(try await api.send(.get, "/v1/webhook_endpoints/\(id)").status == .notFound)
        }
    }
}
