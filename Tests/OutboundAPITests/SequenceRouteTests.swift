import Foundation
import Testing
import OutboundAPI
import OutboundCore
import OutboundTestSupport

@Suite struct SequenceRouteTests {
    func nodeIDs(_ reply: Reply) -> [String] {
        guard case .array(let nodes)? = reply["nodes"] else { return [] }
        return nodes.compactMap { if case .string(let id)? = $0.path("id") { id } else { nil } }
    }

    @Test(arguments: StoreKind.covered) func seededThenReplacedWithAutoLinksAndVersions(_ store: StoreKind) async throws {
        let harness = try await Harness.make(store)
        try await harness.run { api in
            let campaign = try await api.createCampaign(name: "Mail", channel: "email")
            let seeded = try await api.send(.get, "/v1/campaigns/\(campaign)/sequence")
            #expect(seeded.json.path("version") == .number(1))
            #expect(nodeIDs(seeded) == ["n1", "n2"])
            #expect(seeded.text.contains("\"type\":\"email\""))
            let replaced = try await api.send(.put, "/v1/campaigns/\(campaign)/sequence", json: """
                {"version": 1, "nodes": [
                  {"id": "intro", "type": "email", "subject": "{Hi|Hello} {{first_name | \\"there\\"}}", "body": "We help {{company | \\"teams\\"}}."},
                  {"type": "delay", "days": 3},
                  {"id": "c1", "type": "condition", "signal": "opened", "within_days": 5, "yes": "bump", "no": "stop"},
                  {"id": "bump", "type": "email", "is_reply": true, "body": "Any thoughts? Reply 'unsubscribe' to opt out.", "next": "stop"},
                  {"id": "stop", "type": "end"}
                ]}
                """)
            #expect(replaced.status == .ok)
            #expect(replaced.json.path("version") == .number(2))
            #expect(nodeIDs(replaced) == ["intro", "n2", "c1", "bump", "stop"])
            let nodes = try #require(replaced["nodes"]?.arrayValue)
            #expect(nodes[0].path("next") == "n2")
            #expect(nodes[1].path("next") == "c1")
            #expect(nodes[1].path("minutes") == .number(4320))
            // Stale version: 409, nothing saved.
            let stale = try await api.send(.put, "/v1/campaigns/\(campaign)/sequence", json: #"{"version": 1, "nodes": [{"type": "end"}]}"#)
            #expect(stale.status == .conflict)
            #expect(try await api.send(.get, "/v1/campaigns/\(campaign)").json.path("sequence", "version") == .number(2))
        }
    }

    @Test(arguments: StoreKind.covered) func brokenSequencesAreRefusedWithPathsAndNothingSaved(_ store: StoreKind) async throws {
        let harness = try await Harness.make(store)
        try await harness.run { api in
            let campaign = try await api.createCampaign(name: "LI", channel: "linkedin")
            let reply = try await api.send(.put, "/v1/campaigns/\(campaign)/sequence", json: """
                {"nodes": [
                  {"id": "a", "type": "message", "body": "Hi {{first_name", "next": "b"},
                  {"id": "b", "type": "sms", "body": "x", "next": "a"},
                  {"id": "c", "type": "teleport"},
                  {"id": "d", "type": "condition", "signal": "opened", "yes": "a"}
                ]}
                """)
            #expect(reply.status == .unprocessableContent)
            #expect(Set(reply.errorFields).isSuperset(of: ["sequence.nodes[0].body", "sequence.nodes[1].type", "sequence.nodes[2].type",
                                                            "sequence.nodes[3].no"]))
            let cycle = try await api.send(.put, "/v1/campaigns/\(campaign)/sequence", json: """
                {"nodes": [{"id": "a", "type": "message", "body": "x", "next": "b"}, {"id": "b", "type": "profile_visit", "next": "a"}]}
                """)
            #expect(cycle.errorFields == ["sequence.nodes[1]"])
            #expect(cycle.text.contains("cycle"))
            let huge = String(repeating: "x", count: 100_001)
            let big = try await api.send(.put, "/v1/campaigns/\(campaign)/sequence", json: "{\"nodes\": [{\"type\": \"message\", \"body\": \"\(huge)\"}, {\"type\": \"end\"}]}")
            #expect(big.errorFields == ["sequence.nodes[0].body"])
            #expect(try await api.send(.get, "/v1/campaigns/\(campaign)/sequence").json.path("version") == .number(1))
        }
    }

    @Test(arguments: StoreKind.covered) func nodeEditsInsertPatchMoveDelete(_ store: StoreKind) async throws {
        let harness = try await Harness.make(store)
        try await harness.run { api in
            let campaign = try await api.createCampaign(name: "LI", channel: "linkedin")
            let base = "/v1/campaigns/\(campaign)/sequence/nodes"
            let inserted = try await api.send(.post, base, json: #"{"node": {"id": "wait", "type": "delay", "days": 2}, "after": "n1"}"#)
            #expect(inserted.status == .created)
            #expect(nodeIDs(inserted) == ["n1", "wait", "n2"])
            let message = try await api.send(.post, base, json: #"{"node": {"type": "message", "body": "Thanks for connecting, {{first_name}}"}}"#)
            #expect(nodeIDs(message) == ["n1", "wait", "n4", "n2"], "appended before the end")
            let patched = try await api.send(.patch, "\(base)/n1", json: #"{"note": "Hi {{first_name | \"there\"}}"}"#)
            #expect(patched.status == .ok)
            #expect(patched.text.contains("Hi {{first_name"))
            #expect(try await api.send(.patch, "\(base)/n1", json: #"{"type": "message"}"#).status == .unprocessableContent)
            let moved = try await api.send(.post, "\(base)/wait/move", json: #"{"after": "n4"}"#)
            #expect(moved.status == .ok)
            #expect(nodeIDs(moved) == ["n1", "n4", "wait", "n2"])
            let deleted = try await api.send(.delete, "\(base)/n4")
            #expect(nodeIDs(deleted) == ["n1", "wait", "n2"])
            let nodes = try #require(deleted["nodes"]?.arrayValue)
            #expect(nodes[0].path("next") == "wait", "the predecessor now points at the successor")
            #expect(try await api.send(.delete, "\(base)/nope").status == .notFound)
            #expect(try await api.send(.delete, "\(base)/n2").status == .conflict, "other steps end there")

            // Active campaigns must be paused first.
            var stored = try #require(try await harness.store.campaign(ID(trusted: campaign), in: harness.workspace))
            stored.status = .active
            try await harness.store.updateCampaign(stored)
            let refused = try await api.send(.post, base, json: #"{"node": {"type": "follow"}, "after": "n1"}"#)
            #expect(refused.status == .conflict)
            #expect(refused.string("detail")?.contains("pause") == true)
            stored.status = .paused
            try await harness.store.updateCampaign(stored)
            #expect(try await api.send(.post, base, json: #"{"node": {"type": "follow"}, "after": "n1"}"#).status == .created)
        }
    }

    @Test(arguments: StoreKind.covered) func previewRendersTheRealSendAndValidateSaysWhatIsMissing(_ store: StoreKind) async throws {
        let harness = try await Harness.make(store)
        try await harness.run { api in
            let sender = try await api.createSender(channel: "email", name: "Sam Lee", slug: "sam")
            let campaign = try await api.createCampaign(name: "Mail", channel: "email", senders: [sender])
            let broken = try await api.send(.get, "/v1/campaigns/\(campaign)/validate")
            #expect(broken.json.path("ready") == .bool(false))
            #expect(broken.text.contains("empty_text"))
            #expect(broken.text.contains("no_leads"))

            _ = try await api.send(.patch, "/v1/campaigns/\(campaign)", json: #"{"signature": "Best,\n%sender_first_name%"}"#)
            _ = try await api.send(.put, "/v1/campaigns/\(campaign)/sequence", json: """
                {"nodes": [{"type": "email", "subject": "{Hi|Hello} {{first_name}}", "body": "About {{company}}. Reply stop to unsubscribe."},
                           {"type": "end"}]}
                """)
            let lead = try await api.send(.post, "/v1/contacts", json: #"{"email": "ada@example.com", "first_name": "Ada"}"#)
            let leadID = try #require(lead.string("id"))
            _ = try await api.send(.post, "/v1/campaigns/\(campaign)/leads", json: "{\"contact_ids\": [\"\(leadID)\"]}")

            let missing = try await api.send(.get, "/v1/campaigns/\(campaign)/validate")
            #expect(missing.json.path("ready") == .bool(false))
            #expect(missing.json.path("checks", "variables") == .bool(false))
            #expect(missing.text.contains("1 of 1 leads have no company"))

            let preview = try await api.send(.post, "/v1/campaigns/\(campaign)/preview", json: "{\"contact_id\": \"\(leadID)\"}")
            #expect(preview.status == .ok)
            let nodes = try #require(preview["nodes"]?.arrayValue, "no nodes")
            let subject = nodes.first?.path("subject")
            #expect(subject == "Hi Ada" || subject == "Hello Ada")
            #expect(nodes.first?.path("body") == "About . Reply stop to unsubscribe.\n\nBest,\nSam")
            #expect(nodes.first?.path("missing") == ["company"])
            #expect(nodes.first?.path("sender_id") == .string(sender))
            let again = try await api.send(.post, "/v1/campaigns/\(campaign)/preview", json: "{\"contact_id\": \"\(leadID)\"}")
            #expect(again.text == preview.text, "same lead, same node: same choice")

            _ = try await api.send(.patch, "/v1/contacts/\(leadID)", json: #"{"company": "Analytical Engines"}"#)
            let ready = try await api.send(.get, "/v1/campaigns/\(campaign)/validate")
            #expect(ready.json.path("ready") == .bool(true), "\(ready.text)")
            #expect(ready.json.path("errors") == [])

            let inline = try await api.send(.post, "/v1/campaigns/\(campaign)/preview", json: #"{"contact": {"first_name": "Grace", "company": "Navy"}}"#)
            #expect(inline.text.contains("About Navy."))
            #expect(try await api.send(.post, "/v1/campaigns/\(campaign)/preview", json: "{}").status == .unprocessableContent)
        }
    }
    @Test(arguments: StoreKind.covered) func anEmptyScheduleIsAnErrorAndAnUntrackedOpenConditionAWarning(_ store: StoreKind) async throws {
        let harness = try await Harness.make(store)
        try await harness.run { api in
            let sender = try await api.createSender(channel: "email", name: "Sam Lee", slug: "sam-window")
            let campaign = try #require(try await api.send(.post, "/v1/campaigns", json: """
                {"name": "Nowhere", "channel": "email", "sender_ids": ["\(sender)"], "dry_run": true, "schedule": {},
                 "sequence": {"nodes": [{"id": "a", "type": "email", "subject": "Hi", "body": "Hello. Reply stop to unsubscribe."},
                                        {"id": "c", "type": "condition", "signal": "opened", "within_days": 2, "yes": "b", "no": "e"},
                                        {"id": "b", "type": "email", "subject": "Again", "body": "Ping. Reply stop to unsubscribe.", "next": "e"},
                                        {"id": "e", "type": "end"}]}}
                """).string("id"))
            let lead = try #require(try await api.send(.post, "/v1/contacts", json: #"{"email": "ada@example.com"}"#).string("id"))
            _ = try await api.send(.post, "/v1/campaigns/\(campaign)/leads", json: "{\"contact_ids\": [\"\(lead)\"]}")

            let report = try await api.send(.get, "/v1/campaigns/\(campaign)/validate")
            #expect(report.json.path("ready") == .bool(false))
            #expect(report.json.path("checks", "schedule") == .bool(false))
            #expect(report.json.path("errors", 0, "code") == "no_window", "\(report.text)")
            #expect(report.json.path("errors", 0, "path") == "schedule")
            #expect(report.text.contains("no sending window in the week"))
            #expect(report.text.contains("opens_untracked"))
            #expect(report.json.path("warnings", 0, "path") == "sequence.nodes[1].signal", "\(report.text)")
            // Launch refuses what validate calls an error; nothing is stopped.
            #expect(try await api.send(.post, "/v1/campaigns/\(campaign)/launch").status == .unprocessableContent)
            #expect(try await api.send(.get, "/v1/campaigns/\(campaign)").string("status") == "draft")

            _ = try await api.send(.patch, "/v1/campaigns/\(campaign)", json: """
                {"open_tracking": true, "schedule": {"monday": [{"start": "09:00", "end": "17:00"}]}}
                """)
            let fixed = try await api.send(.get, "/v1/campaigns/\(campaign)/validate")
            #expect(fixed.json.path("ready") == .bool(true), "\(fixed.text)")
            #expect(!fixed.text.contains("opens_untracked"))
        }
    }

    @Test(arguments: StoreKind.covered) func aLiveEmailSenderWhoseRepliesAreUnreadIsAWarning(_ store: StoreKind) async throws {
        let harness = try await Harness.make(store)
        try await harness.run { api in
            let sender = try await api.createSender(channel: "email", name: "Sam Lee", slug: "sam-mailbox")
            let live = try #require(try await api.send(.post, "/v1/campaigns", json: """
                {"name": "Live", "channel": "email", "sender_ids": ["\(sender)"], "dry_run": false}
                """).string("id"))
            let report = try await api.send(.get, "/v1/campaigns/\(live)/validate")
            let warning = try #require(report.json.path("warnings")?.arrayValue?.first { $0.path("code") == "replies_unread" }, "\(report.text)")
            #expect(warning.path("path") == "sender_ids[0]")
            #expect(warning.path("message")?.stringValue?.contains("/webhooks/email/\(sender)") == true)

            let dry = try #require(try await api.send(.post, "/v1/campaigns", json: """
                {"name": "Dry", "channel": "email", "sender_ids": ["\(sender)"], "dry_run": true}
                """).string("id"))
            #expect(!(try await api.send(.get, "/v1/campaigns/\(dry)/validate").text.contains("replies_unread")), "a dry run reads nothing")
            _ = try await api.send(.patch, "/v1/senders/\(sender)", json: #"{"imap": {"host": "imap.example.com", "password": "pw"}}"#)
            #expect(!(try await api.send(.get, "/v1/campaigns/\(live)/validate").text.contains("replies_unread")))
        }
    }
}
