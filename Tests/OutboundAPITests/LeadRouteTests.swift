import Foundation
import Testing
import OutboundAPI
import OutboundCore
import OutboundTestSupport

@Suite struct LeadRouteTests {
    @Test(arguments: StoreKind.covered) func addingLeadsCountsAndExplainsEverySkip(_ store: StoreKind) async throws {
        let harness = try await Harness.make(store)
        try await harness.run { api in
            let campaign = try await api.createCampaign(name: "LI", channel: "linkedin")
            let good = try #require(try await api.send(.post, "/v1/contacts", json: #"{"linkedin_url": "linkedin.com/in/good"}"#).string("id"))
            let emailOnly = try #require(try await api.send(.post, "/v1/contacts", json: #"{"email": "e@example.com"}"#).string("id"))
            let banned = try #require(try await api.send(.post, "/v1/contacts", json: """
                {"linkedin_url": "linkedin.com/in/banned", "email": "x@banned.example"}
                """).string("id"))
            #expect(try await api.send(.post, "/v1/suppressions", json: #"{"kind": "domain", "value": "@Banned.example"}"#).status == .created)
            let reply = try await api.send(.post, "/v1/campaigns/\(campaign)/leads", json: """
                {"contact_ids": ["\(good)", "\(emailOnly)", "\(banned)", "\(good)", "contact_00000000000000000000"]}
                """)
            #expect(reply.status == .ok)
            #expect(reply.json.path("added") == .number(1))
            #expect(reply.json.path("duplicates") == .number(1))
            #expect(reply.json.path("skipped") == .number(2))
            #expect(reply.json.path("invalid") == .number(1))
            #expect(reply.text.contains("missing_identity: needs linkedin_url"))
            #expect(reply.text.contains("\"suppressed\""))
            let again = try await api.send(.post, "/v1/campaigns/\(campaign)/leads", json: "{\"contact_ids\": [\"\(good)\"]}")
            #expect(again.json.path("duplicates") == .number(1))
            #expect(again.text.contains("already_in_campaign"))

            let leads = try await api.send(.get, "/v1/campaigns/\(campaign)/leads?state=pending")
            let items = try #require(leads["data"]?.arrayValue, "no data")
            #expect(items.count == 1)
            #expect(items.first?.path("contact_id") == .string(good))
            #expect(items.first?.path("state") == "pending")
            #expect(try await api.send(.get, "/v1/campaigns/\(campaign)/leads?state=bogus").status == .badRequest)
            #expect(try await api.send(.delete, "/v1/campaigns/\(campaign)/leads/\(good)").status == .noContent)
            #expect(try await api.send(.delete, "/v1/campaigns/\(campaign)/leads/\(good)").status == .notFound)
        }
    }

    @Test(arguments: StoreKind.covered) func inlineContactsAreCreatedOrMatchedOnTheWay(_ store: StoreKind) async throws {
        let harness = try await Harness.make(store)
        try await harness.run { api in
            let campaign = try await api.createCampaign(name: "Mail", channel: "email")
            let reply = try await api.send(.post, "/v1/campaigns/\(campaign)/leads", json: """
                {"contacts": [{"email": "a@example.com", "first_name": "A"}, {"email": "bad"}, {"email": "A@example.com"}]}
                """)
            #expect(reply.json.path("added") == .number(1))
            #expect(reply.json.path("invalid") == .number(1))
            #expect(reply.json.path("duplicates") == .number(1))
            #expect(try await api.send(.get, "/v1/contacts").dataIDs.count == 1)
            let both = try await api.send(.post, "/v1/campaigns/\(campaign)/leads", json: #"{"contact_ids": [], "list_id": "x"}"#)
            #expect(both.status == .unprocessableContent)
        }
    }

    @Test(arguments: StoreKind.covered) func leadRulesFollowListsAsTheyChange(_ store: StoreKind) async throws {
        let harness = try await Harness.make(store)
        try await harness.run { api in
            var ids: [String] = []
            for index in 0..<4 {
                ids.append(try #require(try await api.send(.post, "/v1/contacts", json: "{\"email\": \"p\(index)@example.com\"}").string("id")))
            }
            let include = try #require(try await api.send(.post, "/v1/lists", json: #"{"name": "Michigan CEOs"}"#).string("id"))
            let exclude = try #require(try await api.send(.post, "/v1/lists", json: #"{"name": "Customers"}"#).string("id"))
            _ = try await api.send(.post, "/v1/lists/\(include)/members", json: "{\"contact_ids\": [\"\(ids[0])\", \"\(ids[1])\"]}")
            _ = try await api.send(.post, "/v1/lists/\(exclude)/members", json: "{\"contact_ids\": [\"\(ids[1])\"]}")
            let created = try await api.send(.post, "/v1/campaigns", json: """
                {"name": "Follow", "channel": "email", "lead_rules": {"include_list_ids": ["\(include)"], "exclude_list_ids": ["\(exclude)"]}}
                """)
            #expect(created.status == .created)
            let campaign = try #require(created.string("id"))
            func leadIDs() async throws -> Set<String> {
                let reply = try await api.send(.get, "/v1/campaigns/\(campaign)/leads?limit=100")
                guard case .array(let items)? = reply["data"] else { return [] }
                return Set(items.compactMap { if case .string(let id)? = $0.path("contact_id") { id } else { nil } })
            }
            #expect(try await leadIDs() == [ids[0]], "included minus excluded")
            _ = try await api.send(.post, "/v1/lists/\(include)/members", json: "{\"contact_ids\": [\"\(ids[2])\"]}")
            #expect(try await leadIDs() == [ids[0], ids[2]], "a new member joins the campaign")
            _ = try await api.send(.post, "/v1/lists/\(include)/members/remove", json: "{\"contact_ids\": [\"\(ids[0])\"]}")
            #expect(try await leadIDs() == [ids[2]], "a member who left, still pending, leaves")
            _ = try await api.send(.post, "/v1/lists/\(exclude)/members", json: "{\"contact_ids\": [\"\(ids[2])\"]}")
            #expect(try await leadIDs().isEmpty, "joining an excluded list removes a pending lead")
            // Unknown lists in the rules are 422 at their path.
            let bad = try await api.send(.patch, "/v1/campaigns/\(campaign)", json: #"{"lead_rules": {"include_list_ids": ["list_00000000000000000000"]}}"#)
            #expect(bad.errorFields == ["lead_rules.include_list_ids[0]"])
            // A completed campaign stops following.
            var stored = try #require(try await harness.store.campaign(ID(trusted: campaign), in: harness.workspace))
            stored.status = .completed
            try await harness.store.updateCampaign(stored)
            _ = try await api.send(.post, "/v1/lists/\(include)/members", json: "{\"contact_ids\": [\"\(ids[3])\"]}")
            #expect(try await leadIDs().isEmpty)
            #expect(try await api.send(.post, "/v1/campaigns/\(campaign)/leads", json: "{\"contact_ids\": [\"\(ids[3])\"]}").status == .conflict)
        }
    }
}
