import Foundation
import HTTPTypes
import OutboundAPI
import OutboundCore
import OutboundTestSupport
import Testing

/// Alsona/HubLinks at /rest and /alsona/rest, replayed from its seed page and the reference.
@Suite struct AlsonaDialectTests {
    private func alsona(_ api: APIClient, _ method: HTTPRequest.Method, _ path: String, json: String? = nil, key: String? = nil,
                        prefix: String = "/rest") async throws -> Reply {
        // Alsona's header is X-API-KEY, not Bearer.
        try await api.send(method, prefix + path, json: json, authenticated: false, headers: [HTTPField.Name("X-API-KEY")!: key ?? api.key])
    }

    private func isAlsonaError(_ reply: Reply) -> Bool {
        reply["success"] == false && reply.string("message")?.isEmpty == false && reply["error"] == nil && reply["type"] == nil
    }

    @Test(arguments: StoreKind.covered) func createAsTheSeedShowsWithBothScheduleForms(_ store: StoreKind) async throws {
        let harness = try await Harness.make(store)
        try await harness.run { api in
            let seat = try await api.createSender(channel: "linkedin", name: "Jane Doe", slug: "jane")
            let account = harness.workspace.rawValue
            let hex = String(seat.dropFirst(5))
            // The seed's example, IDs swapped: three-boolean days, Alsona-shaped seat ID, a chosen campaign ID.
            let created = try await alsona(api, .post, "/accounts/\(account)/campaigns", json: """
                {"campaign": {"name": "CEOs in Michigan - Connection Campaign", "account_id": "\(account)", "seats": ["SEAT\(hex)"],
                 "schedule": {"friday": [true, true, true], "monday": [true, true, true], "sunday": [false, true, true],
                              "tuesday": [true, 8, 18], "saturday": [false, true, true], "thursday": [true, true, true], "wednesday": [true, true, true]},
                 "timezone": -300, "campaign_id": "CAMP98dc1225b7904ff61471", "dry_run": true}}
                """)
            #expect(created.status == .ok, "\(created.text)")
            #expect(created["success"] == true, "\(created.text)")
            let campaign = try #require(created["campaign"])
            #expect(campaign.path("campaign_id") == "campaign_98dc1225b7904ff61471", "the caller's ID, in Outbound's form")
            #expect(campaign.path("account_id") == .string(account))
            #expect(campaign.path("seats") == [.string(seat)])
            #expect(campaign.path("status") == "DRAFT")
            #expect(campaign.path("timezone") == -300)
            #expect(campaign.path("schedule", "monday") == [true, 9, 17])
            #expect(campaign.path("schedule", "sunday") == [false, 0, 0])
            #expect(campaign.path("schedule", "tuesday") == [true, 8, 18])
            guard case .number(let createdAt)? = campaign.path("created_at"), case .number(let priority)? = campaign.path("priority") else {
                Issue.record("timestamps are epoch ms numbers"); return
            }
            #expect(createdAt > 1_700_000_000_000)
            #expect(priority == createdAt)
            #expect(campaign.path("wait_until") == .null)

            let taken = try await alsona(api, .post, "/accounts/\(account)/campaigns", json: """
                {"campaign": {"name": "Other", "account_id": "\(account)", "seats": ["\(seat)"], "schedule": {}, "campaign_id": "campaign_98dc1225b7904ff61471"}}
                """)
            #expect(taken.status == .conflict)
            #expect(isAlsonaError(taken))
            let unwrapped = try await alsona(api, .post, "/accounts/\(account)/campaigns", json: #"{"name": "No wrapper"}"#)
            #expect(unwrapped.status == .badRequest)
            #expect(isAlsonaError(unwrapped))
            let badDay = try await alsona(api, .post, "/accounts/\(account)/campaigns", json: """
                {"campaign": {"name": "Bad", "seats": ["\(seat)"], "schedule": {"monday": "9-5"}}}
                """)
            #expect(badDay.status == .badRequest)
            #expect(badDay.string("message")?.contains("schedule.monday") == true)
            // Visible through /v1 with the same schedule and zone.
            let native = try await api.send(.get, "/v1/campaigns/campaign_98dc1225b7904ff61471")
            #expect(native.string("timezone") == "-05:00")
            #expect(native.json.path("schedule", "tuesday") == [["start": "08:00", "end": "18:00"]])
        }
    }

    @Test(arguments: StoreKind.covered) func aDaySwitchedOffIsNotCheckedForHours(_ store: StoreKind) async throws {
        let harness = try await Harness.make(store)
        try await harness.run { api in
            let seat = try await api.createSender(channel: "linkedin", name: "Jane Doe", slug: "jane-off")
            let account = harness.workspace.rawValue
            // What GET returns for a day off ([false, 0, 0]) goes back as it came; other hours on a day off are not read either.
            let created = try await alsona(api, .post, "/accounts/\(account)/campaigns", json: """
                {"campaign": {"name": "Days off", "seats": ["\(seat)"],
                 "schedule": {"monday": [true, 9, 17], "sunday": [false, 0, 0], "saturday": [false, 18, 7]}}}
                """)
            #expect(created.status == .ok, "\(created.text)")
            #expect(created["success"] == true, "\(created.text)")
            #expect(created.json.path("campaign", "schedule", "sunday") == [false, 0, 0])
            #expect(created.json.path("campaign", "schedule", "saturday") == [false, 0, 0])
            #expect(created.json.path("campaign", "schedule", "monday") == [true, 9, 17])
            // A day that is on still needs sound hours.
            let bad = try await alsona(api, .post, "/accounts/\(account)/campaigns", json: """
                {"campaign": {"name": "Bad hours", "seats": ["\(seat)"], "schedule": {"monday": [true, 0, 0]}}}
                """)
            #expect(bad.status == .badRequest)
            #expect(isAlsonaError(bad))
        }
    }

    @Test(arguments: StoreKind.covered) func statusRunLaunchesPausePausesAndListPages(_ store: StoreKind) async throws {
        let harness = try await Harness.make(store)
        try await harness.run { api in
            let seat = try await api.createSender(channel: "linkedin", name: "Jane Doe", slug: "jane")
            let account = harness.workspace.rawValue
            let created = try await alsona(api, .post, "/accounts/\(account)/campaigns", json: """
                {"campaign": {"name": "Runner", "account_id": "\(account)", "seats": ["\(seat)"], "dry_run": true,
                 "schedule": {"monday": [true, 0, 24], "tuesday": [true, 0, 24], "wednesday": [true, 0, 24], "thursday": [true, 0, 24],
                              "friday": [true, 0, 24], "saturday": [true, 0, 24], "sunday": [true, 0, 24]}}}
                """)
            let id = try #require((created["campaign"]?.path("campaign_id"))?.stringValue, "\(created.text)")
            _ = try await api.send(.put, "/v1/campaigns/\(id)/sequence", json: #"{"nodes": [{"type": "connection_request", "note": "Hi {{first_name}}"}, {"type": "end"}]}"#)
            _ = try await api.send(.post, "/v1/campaigns/\(id)/leads", json: #"{"contacts": [{"linkedin_url": "linkedin.com/in/ada", "first_name": "Ada"}]}"#)
            let path = "/accounts/\(account)/campaigns/\(id)"
            let run = try await alsona(api, .put, path, json: #"{"campaign": {"status": "RUN"}}"#)
            #expect(run["campaign"]?.path("status") == "RUN", "\(run.text)")
            let waitUntil = try #require((run["campaign"]?.path("wait_until"))?.numberValue, "no wait_until")
            #expect(waitUntil > 0, "an active campaign says when it acts next")
            #expect(try await alsona(api, .put, path, json: #"{"campaign": {"status": "PAUSE"}}"#)["campaign"]?.path("status") == "PAUSED")
            #expect(try await alsona(api, .put, path, json: #"{"campaign": {"status": "PAUSED"}}"#)["campaign"]?.path("status") == "PAUSED",
                    "PAUSED is read as PAUSE")
            let renamed = try await alsona(api, .put, path, json: #"{"campaign": {"status": "RUN", "name": "Runner 2", "timezone": 180}}"#)
            #expect(renamed["campaign"]?.path("status") == "RUN")
            #expect(renamed["campaign"]?.path("name") == "Runner 2")
            #expect(renamed["campaign"]?.path("timezone") == 180)
            #expect(try await alsona(api, .put, path, json: #"{"campaign": {"status": "WALK"}}"#).status == .badRequest)
            #expect(try await alsona(api, .put, path, json: #"{"campaign": {"status": "DONE"}}"#)["campaign"]?.path("status") == "DONE")
            #expect(try await api.send(.get, "/v1/campaigns/\(id)").string("status") == "completed")

            for index in 0..<26 {
                _ = try await alsona(api, .post, "/accounts/\(account)/campaigns", json: """
                    {"campaign": {"name": "Bulk \(index)", "account_id": "\(account)", "seats": ["\(seat)"], "schedule": {"monday": [true, 9, 17]}}}
                    """)
            }
            let first = try await alsona(api, .get, "/accounts/\(account)/campaigns", prefix: "/alsona/rest")
            let page1 = try #require(first["campaigns"]?.arrayValue, "\(first.text)")
            let lastKey = try #require(first["last_key"]?.stringValue, "\(first.text)")
            let second = try await alsona(api, .get, "/accounts/\(account)/campaigns?last_key=\(lastKey)")
            let page2 = try #require(second["campaigns"]?.arrayValue)
            #expect(page1.count == 25)
            #expect(page2.count == 2)
            #expect(second["last_key"] == .null)
            #expect(Set((page1 + page2).map { "\($0.path("campaign_id")!)" }).count == 27)

            #expect(try await alsona(api, .delete, path)["success"] == true)
            let gone = try await alsona(api, .get, path)
            #expect(gone.status == .notFound)
            #expect(isAlsonaError(gone))
        }
    }

    @Test(arguments: StoreKind.covered) func accountSeatsStatsAndErrors(_ store: StoreKind) async throws {
        let harness = try await Harness.make(store)
        try await harness.run { api in
            let seat = try await api.createSender(channel: "linkedin", name: "Jane Doe", slug: "jane")
            _ = try await api.createSender(channel: "email", name: "Sam", slug: "sam")
            let account = harness.workspace.rawValue
            let info = try await alsona(api, .get, "/accounts/\(account)")
            #expect(info["success"] == true)
            #expect(info["account"]?.path("account_id") == .string(account))
            #expect(info["account"]?.path("seats_used") == 1)
            #expect(info["account"]?.path("status") == "ENABLED")
            let some = try await alsona(api, .get, "/accounts/\(account)?specific_attributes=name,status")
            let fields = try #require(some["account"]?.objectValue)
            #expect(Set(fields.keys) == ["name", "status"])
            let seats = try await alsona(api, .get, "/accounts/\(account)/seats")
            let list = try #require(seats["seats"]?.arrayValue)
            #expect(list.count == 1)
            #expect(list.first?.path("seat_id") == .string(seat))
            #expect(seats["last_key"] == .null)
            #expect(try await alsona(api, .get, "/accounts/\(account)/seats/SEAT\(seat.dropFirst(5))")["seat"]?.path("name") == "Jane Doe")

            let campaign = try await api.createCampaign(name: "Stats", channel: "linkedin", senders: [seat])
            let stats = try await alsona(api, .get, "/accounts/\(account)/stats?period=HOUR&campaign_id=\(campaign)")
            #expect(stats["success"] == true)
            #expect(stats["period"] == "HOUR")
            #expect(stats["stats"] == [])
            #expect(try await alsona(api, .get, "/accounts/\(account)/stats?seat_id=\(seat)&start_date=2026-11-01&end_date=2026-11-20")["success"] == true)
            let both = try await alsona(api, .get, "/accounts/\(account)/stats?period=DAY&campaign_id=\(campaign)&seat_id=\(seat)")
            #expect(both.status == .badRequest)
            #expect(isAlsonaError(both))
            #expect(try await alsona(api, .get, "/accounts/\(account)/stats?period=WEEK&seat_id=\(seat)").status == .badRequest)

            let other = try await harness.otherWorkspace()
            let foreign = try await alsona(api, .get, "/accounts/\(account)/campaigns", key: other.key)
            #expect(foreign.status == .unauthorized, "an account the key does not own is 401")
            #expect(isAlsonaError(foreign), "an account the key does not own is 401")
            let keyless = try await api.send(.get, "/rest/accounts/\(account)", authenticated: false)
            #expect(keyless.status == .unauthorized)
            #expect(isAlsonaError(keyless))
            #expect(isAlsonaError(try await alsona(api, .get, "/accounts/\(account)/profiles")))
            let document = try await api.send(.get, "/rest/openapi.json", authenticated: false)
            let paths = try #require(document["paths"]?.objectValue, "no paths")
            #expect(Set(paths.keys) == ["/rest/accounts/{account_id}", "/rest/accounts/{account_id}/seats", "/rest/accounts/{account_id}/seats/{seat_id}",
                                        "/rest/accounts/{account_id}/campaigns", "/rest/accounts/{account_id}/campaigns/{campaign_id}",
                                        "/rest/accounts/{account_id}/stats"])
        }
    }

    @Test(arguments: StoreKind.covered) func aCampaignCrossesDialects(_ store: StoreKind) async throws {
        let harness = try await Harness.make(store)
        try await harness.run { api in
            let seat = try await api.createSender(channel: "linkedin", name: "Jane Doe", slug: "jane")
            let account = harness.workspace.rawValue
            // Created through Alsona, launched through /v1.
            let created = try await alsona(api, .post, "/accounts/\(account)/campaigns", json: """
                {"campaign": {"name": "From Alsona", "account_id": "\(account)", "seats": ["\(seat)"], "dry_run": true,
                 "schedule": {"monday": [true, 9, 17], "tuesday": [true, 9, 17]}}}
                """)
            let id = try #require((created["campaign"]?.path("campaign_id"))?.stringValue, "\(created.text)")
            _ = try await api.send(.put, "/v1/campaigns/\(id)/sequence", json: #"{"nodes": [{"type": "connection_request"}, {"type": "end"}]}"#)
            _ = try await api.send(.post, "/v1/campaigns/\(id)/leads", json: #"{"contacts": [{"linkedin_url": "linkedin.com/in/ada"}]}"#)
            let launched = try await api.send(.post, "/v1/campaigns/\(id)/launch")
            #expect(launched.status == .ok)
            #expect(launched.string("status") == "active")
            #expect(launched.string("name") == "From Alsona")
            #expect(try await alsona(api, .get, "/accounts/\(account)/campaigns/\(id)")["campaign"]?.path("status") == "RUN")

            // Created through /v1, listed by Puffle with its fields.
            let native = try await api.createCampaign(name: "From v1", channel: "linkedin", senders: [seat])
            let list = try await api.send(.get, "/puffle/api/campaigns")
            let campaigns = try #require(list["campaigns"]?.arrayValue, "\(list.text)")
            let found = try #require(campaigns.first { $0.path("id") == .string(native) })
            #expect(found.path("name") == "From v1")
            #expect(found.path("type") == "linkedin")
            #expect(found.path("status") == "draft")
            #expect(found.path("skip_other_campaigns") == true)
            #expect(found.path("node_count") == 2)
            #expect(campaigns.first?.path("status") == "active", "active campaigns first")
        }
    }
}
