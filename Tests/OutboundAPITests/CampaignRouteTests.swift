import Foundation
import HTTPTypes
import Testing
import OutboundAPI
import OutboundCore
import OutboundTestSupport
import OutboundStore

@Suite struct CampaignRouteTests {
    @Test(arguments: StoreKind.covered) func createWithEveryFieldAndReadItBack(_ store: StoreKind) async throws {
        let harness = try await Harness.make(store)
        try await harness.run { api in
            let sender = try await api.createSender(channel: "email", slug: "jane")
            let created = try await api.send(.post, "/v1/campaigns", json: """
                {"name": "Q2 Enterprise Outreach", "description": "CEOs in Michigan", "channel": "email",
                 "dry_run": true, "priority": 5, "timezone": "America/Detroit",
                 "schedule": {"monday": [{"start": "09:00", "end": "12:00"}, {"start": "13:00", "end": "17:30"}],
                              "friday": [{"start": "10:00", "end": "24:00"}]},
                 "start_at": "2026-12-01T14:00:00Z", "sender_ids": ["\(sender)"], "hourly_message_rate": 30,
                 "daily_limit": 120, "stop_on_reply": false, "open_tracking": true,
                 "signature": "Best,\\n{{sender.first_name}}", "skip_other_campaigns": false, "send_in_lead_timezone": true}
                """)
            #expect(created.status == .created)
            let id = try #require(created.string("id"))
            #expect(id.hasPrefix("campaign_"))
            #expect(created.string("status") == "draft")
            #expect(created.string("start_at") == "2026-12-01T14:00:00.000Z")
            #expect(created.json.path("schedule", "friday") == [["start": "10:00", "end": "24:00"]])
            #expect(created.json.path("sender_ids") == [.string(sender)])
            #expect(created.json.path("daily_limit") == .number(120))
            #expect(created.json.path("paused_at") == .null)
            #expect(created.string("created_at")?.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$"#, options: .regularExpression) != nil)
            let read = try await api.send(.get, "/v1/campaigns/\(id)")
            #expect(read.text == created.text)
        }
    }

    @Test(arguments: StoreKind.covered) func defaultsWhenOnlyNameAndChannelAreGiven(_ store: StoreKind) async throws {
        let harness = try await Harness.make(store)
        try await harness.run { api in
            let reply = try await api.send(.post, "/v1/campaigns", json: #"{"name": "Plain", "channel": "linkedin"}"#)
            #expect(reply.status == .created)
            #expect(reply.json.path("schedule", "monday") == [["start": "09:00", "end": "17:00"]])
            #expect(reply.json.path("schedule", "saturday") == nil)
            #expect(reply.json.path("hourly_message_rate") == .number(10))
            #expect(reply.string("timezone") == "UTC")
            #expect(reply.json.path("stop_on_reply") == .bool(true))
        }
    }

    @Test(arguments: StoreKind.covered) func namesAreUniquePerWorkspace(_ store: StoreKind) async throws {
        let harness = try await Harness.make(store)
        let other = try await harness.otherWorkspace()
        try await harness.run { api in
            let first = try await api.createCampaign(name: "Q2")
            let again = try await api.send(.post, "/v1/campaigns", json: #"{"name": "Q2", "channel": "email"}"#)
            #expect(again.status == .conflict)
            #expect(again.errorFields == ["name"])
            // Another workspace may use the same name.
            _ = try await api.createCampaign(name: "Q2", key: other.key)
            // Renaming onto a taken name is a conflict too, and changes nothing.
            let second = try await api.createCampaign(name: "Q3")
            let rename = try await api.send(.patch, "/v1/campaigns/\(second)", json: #"{"name": "Q2", "daily_limit": 9}"#)
            #expect(rename.status == .conflict)
            #expect(try await api.send(.get, "/v1/campaigns/\(second)").json.path("daily_limit") == .number(50))
            #expect(try await api.send(.get, "/v1/campaigns/\(first)").status == .ok)
        }
    }

    @Test(arguments: StoreKind.covered) func senderOfAnotherChannelIs422NamingItsIndex(_ store: StoreKind) async throws {
        let harness = try await Harness.make(store)
        try await harness.run { api in
            let email = try await api.createSender(channel: "email", slug: "mail")
            let linkedin = try await api.createSender(channel: "linkedin", slug: "li")
            let reply = try await api.send(.post, "/v1/campaigns", json: """
                {"name": "Mixed", "channel": "linkedin", "sender_ids": ["\(linkedin)", "\(email)", "seat_00000000000000000000"]}
                """)
            #expect(reply.status == .unprocessableContent)
            #expect(reply.errorFields == ["sender_ids[1]", "sender_ids[2]"])
            #expect(try await api.send(.get, "/v1/campaigns").dataIDs.isEmpty)
            // A multichannel campaign takes both.
            let multi = try await api.send(.post, "/v1/campaigns", json: """
                {"name": "Multi", "channel": "multichannel", "sender_ids": ["\(linkedin)", "\(email)"]}
                """)
            #expect(multi.status == .created)
        }
    }

    @Test(arguments: StoreKind.covered) func malformedAndMistypedBodies(_ store: StoreKind) async throws {
        let harness = try await Harness.make(store)
        try await harness.run { api in
            #expect(try await api.send(.post, "/v1/campaigns", json: "{\"name\": ").status == .badRequest)
            #expect(try await api.send(.post, "/v1/campaigns", json: "[1, 2]").status == .unprocessableContent)
            let typed = try await api.send(.post, "/v1/campaigns", json: """
                {"name": 5, "channel": "linkedin", "dry_run": "yes", "schedule": {"monday": "9-5"}, "start_at": "tomorrow",
                 "hourly_message_rate": 1.5}
                """)
            #expect(typed.status == .unprocessableContent)
            #expect(Set(typed.errorFields) == ["name", "dry_run", "schedule.monday", "start_at", "hourly_message_rate"])
            let missing = try await api.send(.post, "/v1/campaigns", json: "{}")
            #expect(Set(missing.errorFields) == ["name", "channel"])
        }
    }

    @Test(arguments: StoreKind.covered) func patchIsAllOrNothing(_ store: StoreKind) async throws {
        let harness = try await Harness.make(store)
        try await harness.run { api in
            let id = try await api.createCampaign(name: "Keep")
            let reply = try await api.send(.patch, "/v1/campaigns/\(id)", json: """
                {"description": "new words", "daily_limit": 501, "status": "active"}
                """)
            #expect(reply.status == .unprocessableContent)
            #expect(Set(reply.errorFields) == ["daily_limit", "status"])
            let read = try await api.send(.get, "/v1/campaigns/\(id)")
            #expect(read.json.path("description") == .null)
            let good = try await api.send(.patch, "/v1/campaigns/\(id)", json: #"{"description": "new words", "timezone": "-05:00"}"#)
            #expect(good.status == .ok)
            #expect(good.string("description") == "new words")
            #expect(good.string("timezone") == "-05:00")
        }
    }

    @Test(arguments: StoreKind.covered) func listPaginatesWithCursor(_ store: StoreKind) async throws {
        let harness = try await Harness.make(store)
        try await harness.run { api in
            var ids: [String] = []
            for index in 0..<5 { ids.append(try await api.createCampaign(name: "C\(index)")) }
            let first = try await api.send(.get, "/v1/campaigns?limit=2")
            #expect(first.dataIDs == Array(ids[0..<2]))
            #expect(first.json.path("has_more") == .bool(true))
            let cursor = try #require(first.string("next_cursor"))
            let second = try await api.send(.get, "/v1/campaigns?limit=2&starting_after=\(cursor)")
            #expect(second.dataIDs == Array(ids[2..<4]))
            let last = try await api.send(.get, "/v1/campaigns?limit=2&starting_after=\(ids[3])")
            #expect(last.dataIDs == [ids[4]])
            #expect(last.json.path("next_cursor") == .null)
            #expect(try await api.send(.get, "/v1/campaigns?limit=0").status == .badRequest)
            #expect(try await api.send(.get, "/v1/campaigns?limit=abc").status == .badRequest)
            #expect(try await api.send(.get, "/v1/campaigns?starting_after=junk").status == .badRequest)
        }
    }

    @Test(arguments: StoreKind.covered) func deleteAndMalformedIDsAre404(_ store: StoreKind) async throws {
        let harness = try await Harness.make(store)
        try await harness.run { api in
            let id = try await api.createCampaign(name: "Gone")
            #expect(try await api.send(.delete, "/v1/campaigns/\(id)").status == .noContent)
            #expect(try await api.send(.get, "/v1/campaigns/\(id)").status == .notFound)
            #expect(try await api.send(.get, "/v1/campaigns/not-an-id").status == .notFound)
            #expect(try await api.send(.patch, "/v1/campaigns/campaign_00000000000000000000", json: "{}").status == .notFound)
            // The name is free again.
            _ = try await api.createCampaign(name: "Gone")
        }
    }

    @Test(arguments: StoreKind.covered) func idempotentPostReplaysTheFirstAnswer(_ store: StoreKind) async throws {
        let harness = try await Harness.make(store)
        try await harness.run { api in
            let body = #"{"name": "Once", "channel": "email"}"#
            let headers: HTTPFields = [HTTPField.Name("Idempotency-Key")!: "create-once-1"]
            let first = try await api.send(.post, "/v1/campaigns", json: body, headers: headers)
            let second = try await api.send(.post, "/v1/campaigns", json: body, headers: headers)
            #expect(first.status == .created && second.status == .created)
            #expect(first.text == second.text)
            #expect(second.headers[HTTPField.Name("Idempotent-Replayed")!] == "true")
            let other = try await api.send(.post, "/v1/campaigns", json: #"{"name": "Twice", "channel": "email"}"#, headers: headers)
            #expect(other.status == .unprocessableContent)
            #expect(try await api.send(.get, "/v1/campaigns").dataIDs.count == 1)
            // Errors are replayed too: the same bad request gives the same answer.
            let badHeaders: HTTPFields = [HTTPField.Name("Idempotency-Key")!: "bad-1"]
            let bad1 = try await api.send(.post, "/v1/campaigns", json: "{}", headers: badHeaders)
            let bad2 = try await api.send(.post, "/v1/campaigns", json: "{}", headers: badHeaders)
            #expect(bad1.status == .unprocessableContent && bad1.text == bad2.text)
        }
    }

    @Test(arguments: StoreKind.covered) func dataSurvivesARestart(_ store: StoreKind) async throws {
        let harness = try await Harness.make(store)
        let created = LockedBox<String>()
        try await harness.run(keepDatabase: true) { api in
            created.value = try await api.createCampaign(name: "Durable")
        }
        defer { try? FileManager.default.removeItem(at: harness.directory) }
        // A new store and server over the same file or database.
        let reopened = try await store.open(at: harness.location)
        let services = try await Services(store: reopened)
        let id = try #require(created.value)
        let campaign = try await services.campaigns.get(ID(trusted: id), in: harness.workspace)
        #expect(campaign.name == "Durable")
        #expect(try await services.workspaces.authenticate(secret: harness.key)?.workspaceID == harness.workspace)
    }
}

/// A value set inside a `@Sendable` closure and read after it.
final class LockedBox<Value: Sendable>: Sendable {
    private let storage = Mutex<Value?>(nil)
    var value: Value? {
        get { storage.withLock { $0 } }
        set { storage.withLock { $0 = newValue } }
    }
}

import Synchronization
