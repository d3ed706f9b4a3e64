import Foundation
import HTTPTypes
import OutboundAPI
import OutboundCore
import OutboundTestSupport
import Testing

/// Puffle's API at /puffle/api, replayed from its seed page and the reference (IDs swapped for real ones).
@Suite struct PuffleDialectTests {
    private func create(_ api: APIClient, _ body: String) async throws -> Reply {
        try await api.send(.post, "/puffle/api/campaigns", json: body)
    }

    private func isPuffleError(_ reply: Reply, code: String? = nil) -> Bool {
        guard case .object(let error)? = reply["error"], case .string(let found)? = error["code"], case .string? = error["message"] else { return false }
        return code == nil || found == code
    }

    @Test(arguments: StoreKind.covered) func createFollowsTheSeedDefaultsAndRules(_ store: StoreKind) async throws {
        let harness = try await Harness.make(store)
        try await harness.run { api in
            let mail = try await api.createSender(channel: "email", name: "Sam Lee", slug: "sam")
            let seat = try await api.createSender(channel: "linkedin", name: "Jane Doe", slug: "jane")
            // The seed's example: LinkedIn-only fields on an email campaign are silently ignored.
            let created = try await create(api, """
                {"type": "email", "name": "Q2 Enterprise Outreach", "sender_account_ids": ["\(mail)"], "daily_limit": 250,
                 "skip_other_campaigns": false, "operating_hours": {"monday": {"start": "10:00", "end": "12:00"}}}
                """)
            #expect(created.status == .created)
            let campaign = try #require(created["campaign"])
            #expect(campaign.path("status") == "draft")
            #expect(campaign.path("type") == "email")
            #expect(campaign.path("stats") == .null)
            #expect(campaign.path("daily_limit") == 250)
            #expect(campaign.path("stop_on_reply") == true)
            #expect(campaign.path("open_tracking") == true)
            #expect(campaign.path("signature") == "Best,\n%first_name%")
            #expect(campaign.path("skip_other_campaigns") == .null)
            #expect(campaign.path("operating_hours") == .null)
            let nodes = try #require(campaign.path("sequence_nodes")?.arrayValue, "no nodes")
            #expect(nodes.map { $0.path("type") } == ["email", "end"])
            #expect(nodes.map { $0.path("position") } == [0, 1])
            #expect(nodes.first?.path("subject") == "")
            #expect(nodes.first?.path("body") == "")
            let accounts = try #require(campaign.path("sender_accounts")?.arrayValue, "no accounts")
            #expect(accounts.first?.path("id") == .string(mail))
            #expect(accounts.first?.path("status") == "active")

            let duplicate = try await create(api, #"{"type": "email", "name": "Q2 Enterprise Outreach", "sender_account_ids": ["\#(mail)"]}"#)
            #expect(duplicate.status == .conflict)
            #expect(isPuffleError(duplicate, code: "conflict"))
            let mismatched = try await create(api, #"{"type": "email", "name": "Wrong", "sender_account_ids": ["\#(seat)"]}"#)
            #expect(mismatched.status == .badRequest)
            #expect(isPuffleError(mismatched))
            #expect(try await create(api, #"{"type": "sms", "name": "S", "sender_account_ids": ["\#(mail)"]}"#).status == .badRequest)
            #expect(try await create(api, #"{"type": "email", "name": "No senders"}"#).status == .badRequest)

            let linkedin = try await create(api, """
                {"type": "linkedin", "name": "Founders", "sender_account_ids": ["\(seat)"], "daily_limit": 7, "stop_on_reply": false,
                 "operating_hours": {"timezone": "America/Detroit", "monday": {"start": "09:00", "end": "17:00"}, "tuesday": [{"start": "08:00", "end": "12:00"}]}}
                """)
            #expect(linkedin.status == .created)
            let li = try #require(linkedin["campaign"])
            #expect(li.path("daily_limit") == .null, "email-only fields are ignored")
            #expect(li.path("stop_on_reply") == .null, "email-only fields are ignored")
            #expect(li.path("operating_hours", "timezone") == "America/Detroit")
            #expect(li.path("operating_hours", "tuesday") == [["start": "08:00", "end": "12:00"]])
            let liNodes = try #require(li.path("sequence_nodes")?.arrayValue, "no nodes")
            #expect(liNodes.map { $0.path("type") } == ["connection_request", "end"])

            let list = try await api.send(.get, "/puffle/api/campaigns")
            let campaigns = try #require(list["campaigns"]?.arrayValue, "no list")
            #expect(campaigns.count == 2)
            #expect(campaigns.allSatisfy { $0.path("node_count") == 2 })
        }
    }

    @Test(arguments: StoreKind.covered) func patchReplacesTheSequenceAndFollowsTheStatusTable(_ store: StoreKind) async throws {
        let harness = try await Harness.make(store)
        try await harness.run { api in
            let mail = try await api.createSender(channel: "email", name: "Sam Lee", slug: "sam")
            let id = try #require(try await create(api, #"{"type": "email", "name": "Seq", "sender_account_ids": ["\#(mail)"]}"#)["campaign"]?.path("id"))
            let campaign = try #require(id.stringValue)
            let bad = try await api.send(.patch, "/puffle/api/campaigns/\(campaign)", json: """
                {"name": "Renamed", "sequence_nodes": [{"type": "email", "subject": "Hi", "body": "Hello"}, {"type": "delay", "delay_minutes": 0}, {"type": "end"}]}
                """)
            #expect(bad.status == .badRequest)
            #expect(isPuffleError(bad))
            #expect(try await api.send(.get, "/puffle/api/campaigns/\(campaign)")["campaign"]?.path("name") == "Seq", "nothing written")

            let patched = try await api.send(.patch, "/puffle/api/campaigns/\(campaign)", json: """
                {"name": "Renamed", "daily_limit": 120, "sequence_nodes": [
                  {"type": "email", "subject": "Hi {{first_name}}", "body": "Hello from %sender_first_name%"},
                  {"type": "delay", "delay_days": 2, "delay_hours": 3},
                  {"type": "email", "subject": "", "body": "Bumping this", "is_reply": true},
                  {"type": "end"}]}
                """)
            #expect(patched.status == .ok)
            #expect(patched["campaign"]?.path("name") == "Renamed")
            #expect(patched["campaign"]?.path("daily_limit") == 120)
            let read = try await api.send(.get, "/puffle/api/campaigns/\(campaign)")
            let nodes = try #require(read["sequence_nodes"]?.arrayValue, "no nodes")
            try #require(nodes.map { $0.path("type") } == ["email", "delay", "email", "end"])
            #expect(nodes.map { $0.path("position") } == [0, 1, 2, 3])
            #expect(nodes[1].path("delay_days") == 2)
            #expect(nodes[1].path("delay_hours") == 3)
            #expect(nodes[1].path("delay_minutes") == 0)
            #expect(nodes[2].path("is_reply") == true)
            // The same sequence is what /v1 sees.
            let native = try await api.send(.get, "/v1/campaigns/\(campaign)/sequence")
            let v1Nodes = try #require(native["nodes"]?.arrayValue, "no v1 nodes")
            try #require(v1Nodes.count == 4)
            #expect(v1Nodes[1].path("minutes") == .number(Double(2 * 1440 + 180)))
        }
    }

    @Test(arguments: StoreKind.covered) func leadsValidateLaunchPauseResume(_ store: StoreKind) async throws {
        let harness = try await Harness.make(store)
        try await harness.run { api in
            let mail = try await api.createSender(channel: "email", name: "Sam Lee", slug: "sam")
            let created = try await create(api, #"{"type": "email", "name": "Run", "sender_account_ids": ["\#(mail)"], "dry_run": true}"#)
            let campaign = try #require((created["campaign"]?.path("id"))?.stringValue)
            let base = "/puffle/api/campaigns/\(campaign)"
            _ = try await api.send(.patch, base, json: #"{"sequence_nodes": [{"type": "email", "subject": "Hi", "body": "Hello {{first_name}}"}, {"type": "end"}]}"#)

            let missing = try await api.send(.post, "\(base)/leads", json: #"{"prospects": [{"email": "ada@example.com"}, {"first_name": "NoMail"}]}"#)
            #expect(missing.status == .badRequest)
            #expect(isPuffleError(missing))
            #expect((missing["error"]?.path("message")).map { "\($0)".contains("prospects[1]") } == true)
            #expect(try await api.send(.post, "\(base)/leads", json: #"{"prospects": []}"#).status == .badRequest)
            let added = try await api.send(.post, "\(base)/leads", json: """
                {"prospects": [{"email": "Ada@Example.com", "first_name": "Ada", "company": "Engines", "position": "CTO"},
                               {"email": "bob@example.com", "first_name": "Bob", "linkedin_url": "https://linkedin.com/in/bob/"}]}
                """)
            #expect(added.status == .ok)
            #expect(added["imported"] == 2)
            #expect(added["duplicates"] == 0)
            let again = try await api.send(.post, "\(base)/leads", json: #"{"prospects": [{"email": "ada@example.com"}]}"#)
            #expect(again["imported"] == 0, "\(again.text)")
            #expect(again["duplicates"] == 1, "\(again.text)")

            let roster = try await api.send(.get, "\(base)/leads?page=1&limit=1")
            #expect(roster["total"] == 2)
            #expect(roster["page"] == 1)
            #expect(roster["limit"] == 1)
            let prospects = try #require(roster["prospects"]?.arrayValue, "no prospects")
            let first = try #require(prospects.first, "no prospects")
            #expect(prospects.count == 1)
            #expect(first.path("status") == "pending")
            #expect(first.path("email") == "ada@example.com")
            #expect(first.path("position") == "CTO")
            #expect(first.path("campaign_id") == .string(campaign))
            let adaID = try #require(first.path("id")?.stringValue)
            let renamed = try await api.send(.patch, "\(base)/leads", json: #"{"prospect_id": "\#(adaID)", "updates": {"company": "Analytical Engines"}}"#)
            #expect(renamed["prospect"]?.path("company") == "Analytical Engines")

            let validation = try await api.send(.get, "\(base)/validate")
            #expect(validation["ready"] == true, "\(validation.text)")
            #expect(validation.json.path("checks", "prospect_count") == 2)
            #expect(validation.json.path("checks", "is_draft") == true)
            #expect(validation["errors"] == [])

            let launched = try await api.send(.post, "\(base)/launch")
            #expect(launched.status == .ok)
            #expect(launched["success"] == true)
            #expect(launched["message"] == "Campaign launch started")
            #expect(launched["prospectsToProcess"] == 2)
            #expect(launched.string("runId")?.hasPrefix("run_") == true)
            let twice = try await api.send(.post, "\(base)/launch")
            #expect(twice.status == .badRequest)
            #expect((twice.json.path("error", "message").map { "\($0)".contains("must be draft to launch") } == true))
            #expect(try await api.send(.post, "\(base)/leads", json: #"{"prospects": [{"email": "late@example.com"}]}"#).status == .badRequest,
                    "the roster is draft-only")
            let notDraft = try await api.send(.get, "\(base)/validate")
            #expect(notDraft["ready"] == false)
            #expect(notDraft.json.path("checks", "is_draft") == false)

            // Puffle's PATCH table: on a running campaign only name, hours and limits apply.
            let patchedLive = try await api.send(.patch, base, json: """
                {"name": "Run (live)", "daily_limit": 77, "stop_on_reply": false, "sender_account_ids": [],
                 "sequence_nodes": [{"type": "end"}]}
                """)
            #expect(patchedLive.status == .ok, "\(patchedLive.text)")
            #expect(patchedLive["campaign"]?.path("name") == "Run (live)")
            #expect(patchedLive["campaign"]?.path("daily_limit") == 77)
            #expect(patchedLive["campaign"]?.path("stop_on_reply") == true, "ignored once running")
            let liveSenders = try #require((patchedLive["campaign"]?.path("sender_accounts"))?.arrayValue)
            #expect(liveSenders.count == 1)
            let liveNodes = try #require((try await api.send(.get, base)["sequence_nodes"])?.arrayValue)
            #expect(liveNodes.count == 2, "the sequence of a running campaign is not replaced")

            #expect(try await api.send(.post, "\(base)/resume").status == .badRequest)
            let paused = try await api.send(.post, "\(base)/pause")
            #expect(paused["campaign"]?.path("status") == "paused")
            let pausedAgain = try await api.send(.post, "\(base)/pause")
            #expect(pausedAgain.status == .badRequest)
            #expect(pausedAgain.json.path("error", "message") == "Only active campaigns can be paused")
            #expect(try await api.send(.post, "\(base)/resume")["campaign"]?.path("status") == "active")

            // No prospects: launching ends at once with completed, as Puffle documents.
            let empty = try await create(api, #"{"type": "email", "name": "Empty", "sender_account_ids": ["\#(mail)"], "dry_run": true}"#)
            let emptyID = try #require((empty["campaign"]?.path("id"))?.stringValue)
            _ = try await api.send(.patch, "/puffle/api/campaigns/\(emptyID)", json: #"{"sequence_nodes": [{"type": "email", "subject": "Hi", "body": "Hello"}, {"type": "end"}]}"#)
            _ = try await api.send(.post, "/puffle/api/campaigns/\(emptyID)/launch")
            #expect(try await api.send(.get, "/puffle/api/campaigns/\(emptyID)")["campaign"]?.path("status") == "completed")
        }
    }

    @Test(arguments: StoreKind.covered) func sequenceNodesByPositionAndSenders(_ store: StoreKind) async throws {
        let harness = try await Harness.make(store)
        try await harness.run { api in
            let seat = try await api.createSender(channel: "linkedin", name: "Jane Doe", slug: "jane")
            let created = try await create(api, #"{"type": "linkedin", "name": "Nodes", "sender_account_ids": ["\#(seat)"]}"#)
            let campaign = try #require((created["campaign"]?.path("id"))?.stringValue)
            let base = "/puffle/api/campaigns/\(campaign)/sequence/nodes"
            let added = try await api.send(.post, base, json: #"{"type": "message", "body": "Thanks for connecting, {{first_name}}"}"#)
            let nodes = try #require(added["sequence_nodes"]?.arrayValue, "\(added.text)")
            #expect(nodes.map { $0.path("type") } == ["connection_request", "message", "end"], "inserted before end")
            #expect(try await api.send(.post, base, json: #"{"type": "email", "subject": "x"}"#).status == .badRequest, "not a LinkedIn step")
            let delay = try await api.send(.post, base, json: #"{"type": "delay", "delay_days": 1, "position": 1}"#)
            let withDelay = try #require(delay["sequence_nodes"]?.arrayValue)
            let delayID = try #require(withDelay[1].path("id")?.stringValue)
            #expect(withDelay.map { $0.path("type") } == ["connection_request", "delay", "message", "end"])

            let moved = try await api.send(.patch, base, json: #"{"nodeId": "\#(delayID)", "toPosition": 2}"#)
            let afterMove = try #require(moved["sequence_nodes"]?.arrayValue)
            #expect(afterMove.map { $0.path("type") } == ["connection_request", "message", "delay", "end"])
            let firstID = try #require(afterMove[0].path("id")?.stringValue)
            let updated = try await api.send(.put, "\(base)/\(firstID)", json: #"{"body": "Hi {{first_name}}!", "type": "message"}"#)
            #expect(updated["node"]?.path("type") == "connection_request")
            #expect(updated["node"]?.path("body") == "Hi {{first_name}}!")
            #expect(updated["node"]?.path("include_message") == true)
            let deleted = try await api.send(.delete, base, json: #"{"nodeId": "\#(delayID)"}"#)
            let afterDelete = try #require(deleted["sequence_nodes"]?.arrayValue)
            #expect(afterDelete.map { $0.path("position") } == [0, 1, 2])
            #expect(try await api.send(.delete, base, json: #"{"nodeId": "nope"}"#).status == .notFound)

            let accounts = try await api.send(.get, "/puffle/api/accounts?type=linkedin")
            let seats = try #require(accounts["accounts"]?.arrayValue)
            #expect(seats.count == 1)
            #expect(seats.first?.path("status") == "connected")
            #expect(seats.first?.path("weekly_connection_limit") == 100)
            #expect(try await api.send(.get, "/puffle/api/senders?type=email")["accounts"] == [])
            #expect(try await api.send(.get, "/puffle/api/accounts?type=fax").status == .badRequest)
            let senders = try await api.send(.get, "/puffle/api/campaigns/\(campaign)/senders")
            #expect(senders["campaign_type"] == "linkedin")
            #expect(senders["campaign_total_sent"] == 0)
            let list = try #require(senders["senders"]?.arrayValue)
            #expect(list.first?.path("account_id") == .string(seat))
            #expect(list.first?.path("weekly_connections_sent") == 0)
        }
    }

    @Test(arguments: StoreKind.covered) func everyErrorHasPufflesShapeAndTheDocumentListsTheSurface(_ store: StoreKind) async throws {
        let harness = try await Harness.make(store)
        try await harness.run { api in
            let unauthenticated = try await api.send(.get, "/puffle/api/campaigns", authenticated: false)
            #expect(unauthenticated.status == .unauthorized)
            #expect(isPuffleError(unauthenticated, code: "unauthorized"))
            #expect(isPuffleError(try await api.send(.get, "/puffle/api/campaigns/campaign_00000000000000000000"), code: "not_found"))
            #expect(isPuffleError(try await api.send(.get, "/puffle/api/nowhere"), code: "not_found"))
            let wrongMethod = try await api.send(.put, "/puffle/api/campaigns")
            #expect(wrongMethod.status == .methodNotAllowed)
            #expect(isPuffleError(wrongMethod))
            #expect(wrongMethod.headers[.allow] == "GET, POST")
            let malformed = try await api.send(.post, "/puffle/api/campaigns", rawBody: "{not json")
            #expect(malformed.status == .badRequest)
            #expect(isPuffleError(malformed))

            let document = try await api.send(.get, "/puffle/openapi.json", authenticated: false)
            #expect(document.string("openapi") == "3.1.0")
            let paths = try #require(document["paths"]?.objectValue, "no paths")
            let served = Set(buildRouter(services: harness.services).routes.map(\.path))
            #expect(paths.keys.allSatisfy { $0.hasPrefix("/puffle/api/") && !served.contains($0) }, "only Puffle's surface")
            #expect(paths["/puffle/api/campaigns/{id}/leads"]?.path("get") != nil)
            #expect(paths["/puffle/api/campaigns/{id}/leads"]?.path("delete") != nil)
            #expect(paths.count == 13)
        }
    }
}
