import Foundation
import Testing
import OutboundAPI
import OutboundCore
import OutboundTestSupport

@Suite struct LifecycleRouteTests {
    func allDay() -> String {
        let days = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
        return "{" + days.map { "\"\($0)\": [{\"start\": \"00:00\", \"end\": \"24:00\"}]" }.joined(separator: ", ") + "}"
    }

    @Test(arguments: StoreKind.covered) func launchSendsAndStatsActionsAndInboundFollow(_ store: StoreKind) async throws {
        let harness = try await Harness.make(store)
        try await harness.run { api in
            let sender = try await api.createSender(channel: "email", name: "Sam Lee", slug: "sam")
            let created = try await api.send(.post, "/v1/campaigns", json: """
                {"name": "Live", "channel": "email", "dry_run": true, "sender_ids": ["\(sender)"], "schedule": \(allDay()),
                 "simulation": {"seed": 3, "bounce_rate": 0, "reply_rate": 0, "open_rate": 0}}
                """)
            let campaign = try #require(created.string("id"))
            // Not ready: the seeded email is empty.
            let refused = try await api.send(.post, "/v1/campaigns/\(campaign)/launch")
            #expect(refused.status == .unprocessableContent)
            #expect(refused.errorFields.contains("sequence.nodes[0].subject"))
            _ = try await api.send(.put, "/v1/campaigns/\(campaign)/sequence", json: """
                {"nodes": [{"type": "email", "subject": "Hi {{first_name | \\"there\\"}}", "body": "Hello. Reply stop to unsubscribe."},
                           {"type": "delay", "days": 2}, {"type": "email", "is_reply": true, "body": "Bump"}, {"type": "end"}]}
                """)
            _ = try await api.send(.post, "/v1/campaigns/\(campaign)/leads", json: #"{"contacts": [{"email": "ada@example.com", "first_name": "Ada"}]}"#)
            let launched = try await api.send(.post, "/v1/campaigns/\(campaign)/launch")
            #expect(launched.status == .ok)
            #expect(launched.string("status") == "active")
            #expect(launched.string("started_at") != nil)
            #expect(try await api.send(.post, "/v1/campaigns/\(campaign)/launch").status == .conflict)
            #expect(try await api.send(.patch, "/v1/campaigns/\(campaign)/sequence/nodes/n1", json: #"{"subject": "x"}"#).status == .conflict)

            _ = try await harness.services.dispatcher.drain()
            let actions = try await api.send(.get, "/v1/campaigns/\(campaign)/actions")
            let items = try #require(actions["data"]?.arrayValue, "no actions")
            #expect(items.count == 1)
            #expect(items.first?.path("state") == "sent")
            #expect(items.first?.path("subject") == "Hi Ada")
            #expect(items.first?.path("recipient") == "ada@example.com")
            let usage = try await api.send(.get, "/v1/senders/\(sender)/usage")
            #expect(usage.json.path("kinds", "email", "last_day") == .number(1))
            #expect(usage.json.path("kinds", "email", "per_day") == .number(50))
            #expect(usage.json.path("kinds", "email", "next_free_at") == .null)
            let series = try await api.send(.get, "/v1/campaigns/\(campaign)/stats/series?period=hour")
            #expect(series.status == .ok)
            let buckets = try #require(series["buckets"]?.arrayValue, "no buckets")
            #expect(buckets.count == 1 && buckets.first?.path("actions") == .number(1))
            #expect(try await api.send(.get, "/v1/campaigns/\(campaign)/stats/series?period=week").status == .badRequest)
            let quota = try await api.send(.patch, "/v1/workspace", json: #"{"daily_quota": 1000}"#)
            #expect(quota.json.path("daily_quota") == .number(1000))
            #expect(try await api.send(.patch, "/v1/workspace", json: #"{"daily_quota": 0}"#).errorFields == ["daily_quota"])
            let leads = try await api.send(.get, "/v1/campaigns/\(campaign)/leads")
            #expect(leads.text.contains("\"state\":\"waiting\"") || leads.text.contains("\"state\":\"active\""), "on its delay, not finished")
            #expect(leads.text.contains("\"current_step\":\"n2\"") && !leads.text.contains("\"next_step_at\":null"), "its step and when it is due: \(leads.text)")

            // Writing to the lead by hand: from its sender, through the outbox, the lead not moved.
            let ada = try #require(items.first?.path("contact_id")?.stringValue)
            let written = try await api.send(.post, "/v1/campaigns/\(campaign)/leads/\(ada)/messages", json: #"{"text": "Ada, does Tuesday work?"}"#)
            #expect(written.status == .created, "\(written.text)")
            #expect(written.string("state") == "sent" && written.string("subject") == "Re: Hi Ada" && written.string("recipient") == "ada@example.com")
            #expect(written.string("node_id")?.hasPrefix("manual:") == true && written.string("sender_id") == sender)
            #expect(try await api.send(.get, "/v1/senders/\(sender)/usage").json.path("kinds", "email", "last_day") == .number(2), "counted")
            #expect(try await api.send(.post, "/v1/campaigns/\(campaign)/leads/\(ada)/messages", json: #"{}"#).errorFields == ["text"])
            #expect(try await api.send(.post, "/v1/campaigns/\(campaign)/leads/\(ada)/messages", json: #"{"text": "x", "txt": "y"}"#).errorFields == ["txt"])
            #expect(try await api.send(.post, "/v1/campaigns/\(campaign)/leads/contact_00000000000000000000/messages",
                                       json: #"{"text": "x"}"#).status == .notFound)
            let manual = try #require(written.string("id"))
            #expect(try await api.send(.post, "/v1/actions/\(manual)/retry").status == .conflict)

            let reply = try await api.send(.post, "/v1/inbound", json: #"{"type": "replied", "email": "ADA@example.com", "channel": "email"}"#)
            #expect(reply.status == .accepted)
            #expect(reply.json.path("matched") == .number(1))
            let stats = try await api.send(.get, "/v1/campaigns/\(campaign)/stats")
            #expect(stats.json.path("targets") == .number(1))
            #expect(stats.json.path("sent") == .number(1))
            #expect(stats.json.path("replied") == .number(1))
            #expect(stats.json.path("reply_rate") == .number(1))
            #expect(stats.json.path("per_sender", .member(sender)) == .number(1))
            #expect(try await api.send(.get, "/v1/campaigns/\(campaign)").string("status") == "completed", "its only lead replied")
            #expect(try await api.send(.post, "/v1/campaigns/\(campaign)/pause").status == .conflict)
            #expect(try await api.send(.post, "/v1/campaigns/\(campaign)/archive").string("status") == "archived")
            let badInbound = try await api.send(.post, "/v1/inbound", json: #"{"type": "waved", "email": "ada@example.com"}"#)
            #expect(badInbound.errorFields == ["type"])
            #expect(try await api.send(.post, "/v1/actions/action_00000000000000000000/retry").status == .notFound)
        }
    }

    @Test(arguments: StoreKind.covered) func pauseResumeCompleteAndNoLeadLaunch(_ store: StoreKind) async throws {
        let harness = try await Harness.make(store)
        try await harness.run { api in
            let sender = try await api.createSender(channel: "linkedin", slug: "li")
            let campaign = try await api.createCampaign(name: "LI", channel: "linkedin", senders: [sender])
            let empty = try await api.send(.post, "/v1/campaigns/\(campaign)/launch")
            #expect(empty.string("status") == "completed", "no leads: straight to completed")

            let second = try await api.createCampaign(name: "LI 2", channel: "linkedin", senders: [sender])
            _ = try await api.send(.post, "/v1/campaigns/\(second)/leads", json: #"{"contacts": [{"linkedin_url": "linkedin.com/in/one"}, {"email": "no-li@example.com"}]}"#)
            #expect(try await api.send(.post, "/v1/campaigns/\(second)/launch").string("status") == "active")
            #expect(try await api.send(.post, "/v1/campaigns/\(second)/resume").status == .conflict)
            #expect(try await api.send(.post, "/v1/campaigns/\(second)/pause").string("status") == "paused")
            #expect(try await api.send(.post, "/v1/campaigns/\(second)/resume").string("status") == "active")
            let completed = try await api.send(.post, "/v1/campaigns/\(second)/complete")
            #expect(completed.string("status") == "completed")
            // Deleting a lead's contact takes it out of the stats too.
            let before = try await api.send(.get, "/v1/campaigns/\(second)/stats").json.path("targets")
            #expect(before == .number(1), "the email-only contact was skipped when added")
            let leads = try await api.send(.get, "/v1/campaigns/\(second)/leads?state=stopped")
            #expect(leads.text.contains("stopped: the campaign was completed"))
            guard case .array(let items)? = leads["data"], case .string(let contact)? = items.first?.path("contact_id") else {
                Issue.record("no leads")
                return
            }
            #expect(try await api.send(.delete, "/v1/contacts/\(contact)").status == .noContent)
            #expect(try await api.send(.get, "/v1/campaigns/\(second)/stats").json.path("targets") == .number(0))
            let stoppedAfter = try await api.send(.get, "/v1/campaigns/\(second)/leads?state=stopped")
            #expect(stoppedAfter.json.path("data") == [])
        }
    }

    @Test(arguments: StoreKind.covered) func automationsRunWhenSignalsArrive(_ store: StoreKind) async throws {
        let harness = try await Harness.make(store)
        try await harness.run { api in
            let sender = try await api.createSender(channel: "email", name: "Sam Lee", slug: "sam")
            let list = try #require(try await api.send(.post, "/v1/lists", json: #"{"name": "Hot"}"#).string("id"))
            let bad = try await api.send(.post, "/v1/campaigns", json: """
                {"name": "Bad", "channel": "email", "automations": [{"on": "waved", "do": "stop"}, {"on": "replied", "do": "add_to_list", "value": "list_00000000000000000000"}, {"on": "replied", "do": "dance"}]}
                """)
            #expect(Set(bad.errorFields) == ["automations[0].on", "automations[1].value", "automations[2].do"])
            let created = try await api.send(.post, "/v1/campaigns", json: """
                {"name": "Auto", "channel": "email", "dry_run": true, "sender_ids": ["\(sender)"], "schedule": \(allDay()),
                 "stop_on_reply": false, "simulation": {"bounce_rate": 0, "reply_rate": 0, "open_rate": 0},
                 "automations": [{"on": "replied", "do": "set_contact_status", "value": "Interested"},
                                 {"on": "replied", "do": "add_to_list", "value": "\(list)"},
                                 {"on": "replied", "do": "stop"}]}
                """)
            #expect(created.status == .created)
            #expect(created.text.contains("set_contact_status"))
            let campaign = try #require(created.string("id"))
            _ = try await api.send(.put, "/v1/campaigns/\(campaign)/sequence", json: """
                {"nodes": [{"type": "email", "subject": "Hi", "body": "Hello. Reply stop to unsubscribe."}, {"type": "delay", "days": 1},
                           {"type": "email", "is_reply": true, "body": "Bump"}, {"type": "end"}]}
                """)
            let lead = try await api.send(.post, "/v1/contacts", json: #"{"email": "grace@example.com"}"#)
            let contact = try #require(lead.string("id"))
            _ = try await api.send(.post, "/v1/campaigns/\(campaign)/leads", json: "{\"contact_ids\": [\"\(contact)\"]}")
            #expect(try await api.send(.post, "/v1/campaigns/\(campaign)/launch").status == .ok)
            _ = try await harness.services.dispatcher.drain()
            _ = try await api.send(.post, "/v1/inbound", json: #"{"type": "replied", "email": "grace@example.com"}"#)
            #expect(try await api.send(.get, "/v1/contacts/\(contact)").string("status") == "Interested")
            #expect(try await api.send(.get, "/v1/lists/\(list)/members").dataIDs == [contact])
            #expect(try await api.send(.get, "/v1/campaigns/\(campaign)/leads").text.contains("stopped by an automation on replied"))
        }
    }
}
