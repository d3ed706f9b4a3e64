import Foundation
import HTTPTypes
import OutboundAPI
import OutboundCore
import OutboundTestSupport
import Testing

/// Inbox at /inbox/api/v1, replayed from its reference pages (IDs swapped for real ones).
@Suite struct InboxDialectTests {
    private let base = "/inbox/api/v1"

    private func isInboxError(_ reply: Reply, code: String, status: Int) -> Bool {
        reply.json.path("error", "code") == .string(code) && reply.json.path("error", "status") == .number(Double(status))
            && reply.json.path("error", "message") != nil && reply["type"] == nil
    }

    @Test(arguments: StoreKind.covered) func createEnableSequenceLeadsPauseWithBothShapes(_ store: StoreKind) async throws {
        let harness = try await Harness.make(store)
        try await harness.run { api in
            let seat = try await api.createSender(channel: "linkedin", name: "Jane Doe", slug: "jane")
            let list = try #require(try await api.send(.post, "/v1/lists", json: #"{"name": "Founders"}"#).string("id"))
            let created = try await api.send(.post, "\(base)/campaigns/v2", json: """
                {"name": "Q1 outreach", "accountLinkIds": ["\(seat)"], "scheduleTimezone": "America/New_York", "description": "Founders",
                 "hourlyMessageRate": 8, "dryRun": true, "rules": {"syncedListIds": ["\(list)"], "excludeContacted": true},
                 "scheduleHours": {"0": {"start": 0, "end": 1440}, "1": {"start": 0, "end": 1440}, "2": {"start": 0, "end": 1440},
                   "3": {"start": 0, "end": 1440}, "4": {"start": 0, "end": 1440}, "5": {"start": 0, "end": 1440}, "6": {"start": 0, "end": 1440}}}
                """)
            #expect(created.status == .ok, "\(created.text)")
            #expect(created["status"] == "draft")
            #expect(created["enabled"] == false)
            #expect(created["hourlyMessageRate"] == 8)
            #expect(created["scheduleTimezone"] == "America/New_York")
            #expect(created.json.path("scheduleHours", "1") == ["start": 0, "end": 1440])
            #expect(created.json.path("rules", "syncedLists") == [["listId": .string(list), "listName": "Founders", "columnMapping": [:]]])
            #expect(created.json.path("rules", "excludeContacted") == true)
            #expect(created["accountLinkIds"] == [.string(seat)])
            #expect(created.headers[HTTPField.Name("X-RateLimit-Limit")!] == "300")
            #expect(created.headers[HTTPField.Name("X-RateLimit-Remaining")!] != nil)
            let id = try #require(created["id"]?.stringValue)

            let tooFast = try await api.send(.post, "\(base)/campaigns/v2", json: #"{"name": "X", "accountLinkIds": ["\#(seat)"], "hourlyMessageRate": 26}"#)
            #expect(tooFast.status == .unprocessableContent)
            #expect(isInboxError(tooFast, code: "VALIDATION_ERROR", status: 422))
            #expect(try await api.send(.post, "\(base)/campaigns/v2", json: #"{"name": "X", "accountLinkIds": []}"#).status == .unprocessableContent)
            let defaults = try await api.send(.post, "\(base)/campaigns/v2", json: #"{"name": "Defaults", "accountLinkIds": ["\#(seat)"]}"#)
            #expect(defaults["scheduleTimezone"] == "UTC")

            let sequence = try await api.send(.put, "\(base)/campaigns/v2/\(id)/sequence", json: """
                {"steps": [
                  {"type": "message", "data": {"segments": [{"type": "variation", "options": ["Hey", "Hi"]}, {"type": "static", "text": " "},
                                                            {"type": "variable", "name": "first-name", "fallback": "there"},
                                                            {"type": "static", "text": ", 100% {real} question?"}]}},
                  {"type": "delay", "data": {"delaySeconds": 86400, "unit": "days"}},
                  {"type": "likeTweet"},
                  {"type": "message", "data": {"segments": [{"type": "static", "text": "Following up"}]}}]}
                """)
            #expect(sequence.status == .ok, "\(sequence.text)")
            let steps = try #require(sequence["steps"]?.arrayValue)
            #expect(steps.map { $0.path("rank") } == [0, 1, 2, 3])
            #expect(steps.map { $0.path("type") } == ["message", "delay", "likeTweet", "message"])
            #expect(steps[0].path("data", "segments") == [
                ["type": "variation", "options": ["Hey", "Hi"]], ["type": "static", "text": " "],
                ["type": "variable", "name": "first-name", "fallback": "there"], ["type": "static", "text": ", 100% {real} question?"]])
            #expect(steps[1].path("data", "delaySeconds") == 86400)
            let native = try await api.send(.get, "/v1/campaigns/\(id)/sequence")
            let nodes = try #require(native["nodes"]?.arrayValue)
            #expect(nodes.map { $0.path("type") } == ["message", "delay", "like_post", "message", "end"])

            let leads = try await api.send(.post, "\(base)/campaigns/v2/\(id)/leads", json: """
                {"usernames": ["ada-lovelace", "bob"], "platformIds": ["ada-lovelace"], "leads": [{"username": "carol"}]}
                """)
            #expect(leads["added"] == 3, "\(leads.text)")
            #expect(leads["skipped"] == 1, "\(leads.text)")
            #expect(leads["failed"] == 0, "\(leads.text)")
            let tooMany = try await api.send(.post, "\(base)/campaigns/v2/\(id)/leads", json: #"{"usernames": []}"#)
            #expect(tooMany.status == .unprocessableContent)

            let enabled = try await api.send(.post, "\(base)/campaigns/v2/\(id)/enable", json: "{}")
            #expect(enabled["status"] == "active")
            #expect(enabled["enabled"] == true)
            #expect(enabled["lastStartedAt"] != .null)
            #expect(enabled["targetsCount"] == 3)
            _ = try await harness.services.dispatcher.drain()
            // v1: share of targets contacted; v2: share that finished. One contacted, none finished.
            let detail = try await api.send(.get, "\(base)/campaigns/\(id)")
            #expect(detail["contactedCount"] == 1)
            #expect(detail["type"] == "sequence")
            #expect(detail["completionRate"] == .number(1.0 / 3.0), "v1 completionRate = contacted / targets")
            #expect(detail["estimatedTargets"] == 3)
            #expect(detail["isHydrating"] == false)
            let v1Steps = try #require(detail["steps"]?.arrayValue)
            try #require(v1Steps.count == 4)
            #expect(v1Steps[0].path("campaignVersion") != nil)
            let again = try await api.send(.post, "\(base)/campaigns/v2/\(id)/enable", json: "{}")
            #expect(again["completionRate"] == 0, "v2 completionRate = finished / targets")

            #expect(try await api.send(.post, "\(base)/campaigns/v2/\(id)/leads/bob/cancel", json: #"{"by": "username"}"#)["success"] == true)
            let canceled = try await api.send(.get, "/v1/campaigns/\(id)/leads")
            #expect(canceled.text.contains("canceled by request"))
            #expect(try await api.send(.post, "\(base)/campaigns/v2/\(id)/leads/nobody/cancel?by=username").status == .notFound)

            let paused = try await api.send(.post, "\(base)/campaigns/\(id)/pause", json: "{}")
            #expect(paused["status"] == "paused", "the v1 object")
            #expect(paused["pausedAt"] != .null, "the v1 object")
            #expect(paused["type"] == "sequence", "the v1 object")
            let conflict = try await api.send(.post, "\(base)/campaigns/v2/\(id)/pause", json: "{}")
            #expect(conflict.status == .conflict)
            #expect(isInboxError(conflict, code: "CONFLICT", status: 409))
            #expect(try await api.send(.post, "\(base)/campaigns/v2/\(id)/enable", json: "{}")["status"] == "active", "enable resumes")

            let rules = try await api.send(.patch, "\(base)/campaigns/v2/\(id)/rules", json: #"{"excludedListIds": [], "excludeContacted": false}"#)
            #expect(rules["success"] == true)
            let listed = try await api.send(.get, "\(base)/campaigns")
            let all = try #require(listed["campaigns"]?.arrayValue)
            #expect(all.count == 2)
            #expect(listed["nextCursor"] == .null)
        }
    }

    @Test(arguments: StoreKind.covered) func errorsKeepInboxsShape(_ store: StoreKind) async throws {
        let harness = try await Harness.make(store)
        try await harness.run { api in
            let keyless = try await api.send(.get, "\(base)/campaigns", authenticated: false)
            #expect(keyless.status == .unauthorized)
            #expect(isInboxError(keyless, code: "UNAUTHORIZED", status: 401))
            let missing = try await api.send(.get, "\(base)/campaigns/campaign_00000000000000000000")
            #expect(isInboxError(missing, code: "NOT_FOUND", status: 404))
            #expect(isInboxError(try await api.send(.get, "\(base)/threads"), code: "NOT_FOUND", status: 404))
            let malformed = try await api.send(.post, "\(base)/campaigns/v2", rawBody: "{")
            #expect(malformed.status == .badRequest)
            #expect(isInboxError(malformed, code: "BAD_REQUEST", status: 400))
            #expect(malformed.headers[HTTPField.Name("X-RateLimit-Remaining")!] != nil, "errors carry the rate headers too")
            let document = try await api.send(.get, "/inbox/openapi.json", authenticated: false)
            let paths = try #require(document["paths"]?.objectValue, "no document")
            #expect(paths.keys.allSatisfy { $0.hasPrefix("/inbox/api/v1/") })
            #expect(paths.count == 10)
        }
    }
}
