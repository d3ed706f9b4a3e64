import Foundation
import HTTPTypes
import Testing
import OutboundAPI
import OutboundCore
import OutboundTestSupport
import OutboundStore

/// What the native API refuses instead of silently accepting, and what it must accept back.
@Suite struct StrictInputTests {
    /// Every resource's GET body, sent back as it came, is accepted and changes nothing.
    @Test(arguments: StoreKind.covered) func everyGetBodyIsAcceptedBackByItsPatchOrPut(_ store: StoreKind) async throws {
        let harness = try await Harness.make(store)
        try await harness.run { api in
            let sender = try await api.createSender(channel: "email", slug: "round-trip")
            let list = try #require(try await api.send(.post, "/v1/lists", json: #"{"name": "VIPs", "description": "Best"}"#).string("id"))
            let campaign = try #require(try await api.send(.post, "/v1/campaigns", json: """
                {"name": "Round trip", "channel": "email", "sender_ids": ["\(sender)"], "timezone": "Europe/Berlin",
                 "open_tracking": true, "signature": "Sam", "start_at": "2026-12-01T14:00:00Z",
                 "simulation": {"seed": 7, "accept_rate": 0.3, "reply_rate": 0.15, "open_rate": 0.55, "bounce_rate": 0.02,
                                "signal_delay_minutes": [5, 60]},
                 "lead_rules": {"include_list_ids": ["\(list)"]},
                 "automations": [{"on": "replied", "do": "set_contact_status", "value": "warm"}]}
                """).string("id"))
            let sequence = try await api.send(.put, "/v1/campaigns/\(campaign)/sequence", json: """
                {"nodes": [{"id": "a", "type": "email", "subject": "Hi {{first_name | \\"there\\"}}", "body": "Hello",
                            "variants": [{"id": "x", "weight": 2, "subject": "Yo", "body": "Hey"}]},
                           {"id": "w", "type": "delay", "days": 2},
                           {"id": "c", "type": "condition", "signal": "opened", "within_days": 3, "yes": "e", "no": "b"},
                           {"id": "b", "type": "email", "subject": "Again", "body": "Ping", "is_reply": true, "next": "e"},
                           {"id": "e", "type": "end"}]}
                """)
            #expect(sequence.status == .ok, "\(sequence.text)")
            let contact = try #require(try await api.send(.post, "/v1/contacts", json: """
                {"first_name": "Ann", "email": "ann@example.com", "phone": "+14155550100", "company": "Acme",
                 "custom_fields": {"plan": "pro", "seats": 4, "vip": true}}
                """).string("id"))

            for (read, write) in [
                ("/v1/campaigns/\(campaign)", HTTPRequest.Method.patch), ("/v1/senders/\(sender)", .patch),
                ("/v1/contacts/\(contact)", .patch), ("/v1/lists/\(list)", .patch), ("/v1/workspace", .patch),
                ("/v1/campaigns/\(campaign)/sequence", .put),
            ] {
                let before = try await api.send(.get, read)
                #expect(before.status == .ok)
                let echoed = try await api.send(write, read, json: before.text)
                #expect(echoed.status == .ok, "\(write) \(read): \(echoed.text)")
                let after = try await api.send(.get, read)
                #expect(Self.stable(after.json) == Self.stable(before.json), "\(read) changed")
            }
        }
    }

    /// `updated_at` moves and a sequence's version counts every accepted PUT; the rest must not change.
    private static func stable(_ value: JSONValue) -> JSONValue {
        guard case .object(var object) = value else { return value }
        object["updated_at"] = nil
        object["version"] = nil
        if case .object(var sequence)? = object["sequence"] {
            sequence["version"] = nil
            object["sequence"] = .object(sequence)
        }
        return .object(object)
    }

    @Test(arguments: StoreKind.covered) func decimalSimulationRatesAreAcceptedOnCreateAndPatch(_ store: StoreKind) async throws {
        let harness = try await Harness.make(store)
        try await harness.run { api in
            let created = try await api.send(.post, "/v1/campaigns", json: """
                {"name": "Rates", "channel": "linkedin", "simulation": {"accept_rate": 0.3, "reply_rate": 0.125}}
                """)
            #expect(created.status == .created, "\(created.text)")
            #expect(created.json.path("simulation", "accept_rate") == .number(0.3))
            let id = try #require(created.string("id"))
            let patched = try await api.send(.patch, "/v1/campaigns/\(id)", json: #"{"simulation": {"open_rate": 0.45}}"#)
            #expect(patched.status == .ok, "\(patched.text)")
            #expect(patched.json.path("simulation", "open_rate") == .number(0.45))
            #expect(patched.json.path("simulation", "reply_rate") == .number(0.125))
            let fraction = try await api.send(.patch, "/v1/campaigns/\(id)", json: #"{"simulation": {"seed": 1.5, "signal_delay_minutes": [1, "x"]}}"#)
            #expect(fraction.status == .unprocessableContent)
            #expect(Set(fraction.errorFields).isSuperset(of: ["simulation.seed", "simulation.signal_delay_minutes[1]"]))
        }
    }

    @Test(arguments: StoreKind.covered) func unknownFieldsAreNamedWithTheFieldMeant(_ store: StoreKind) async throws {
        let harness = try await Harness.make(store)
        try await harness.run { api in
            let typo = try await api.send(.post, "/v1/campaigns", json: #"{"name": "Typo", "channel": "linkedin", "dayly_limit": 40}"#)
            #expect(typo.status == .unprocessableContent)
            #expect(typo.errorFields == ["dayly_limit"])
            #expect(typo.text.contains("unknown field; did you mean daily_limit?"))
            // Nothing was created.
            #expect(try await api.send(.get, "/v1/campaigns").dataIDs.isEmpty)
            let nested = try await api.send(.post, "/v1/campaigns", json: """
                {"name": "Nested", "channel": "linkedin", "lead_rules": {"exclude_contacted": true, "bogus": 1},
                 "simulation": {"acept_rate": 0.2}}
                """)
            #expect(nested.status == .unprocessableContent)
            #expect(Set(nested.errorFields) == ["lead_rules.bogus", "simulation.acept_rate"])
            #expect(nested.text.contains("did you mean accept_rate?"))
            let sender = try await api.send(.post, "/v1/senders", json: """
                {"channel": "email", "display_name": "Sam", "email": "sam@example.com", "limits": {"email": {"per_dya": 5}}}
                """)
            #expect(sender.status == .unprocessableContent)
            #expect(sender.errorFields.first?.hasPrefix("limits.email.per_dya") == true, "\(sender.text)")
            let contact = try await api.send(.post, "/v1/contacts", json: #"{"email": "x@example.com", "frist_name": "X"}"#)
            #expect(contact.status == .unprocessableContent)
            #expect(contact.text.contains("did you mean first_name?"))
            let bulk = try await api.send(.post, "/v1/contacts/bulk", json: #"{"contacts": [{"email": "y@example.com", "compnay": "Y"}]}"#)
            #expect(bulk.text.contains("compnay"), "\(bulk.text)")
            #expect(bulk.json.path("results", 0, "result") == "invalid", "\(bulk.text)")
            // A vendor's surface stays as lenient as the vendor: unknown members and repeats pass.
            let mail = try await api.createSender(channel: "email", slug: "lenient")
            let puffle = try await api.send(.post, "/puffle/api/campaigns", json: """
                {"type": "email", "name": "Lenient", "name": "Lenient too", "sender_account_ids": ["\(mail)"], "somethingNew": true}
                """)
            #expect(puffle.status.code < 300, "\(puffle.text)")
        }
    }

    @Test(arguments: StoreKind.covered) func aSequenceSentWithTheCampaignMakesAReadyDraftInOneCall(_ store: StoreKind) async throws {
        let harness = try await Harness.make(store)
        try await harness.run { api in
            let created = try await api.send(.post, "/v1/campaigns", json: """
                {"name": "One call", "channel": "email",
                 "sequence": {"nodes": [{"type": "email", "subject": "Hi", "body": "Hello"}, {"type": "end"}]}}
                """)
            #expect(created.status == .created, "\(created.text)")
            #expect(created.json.path("sequence", "version") == .number(1))
            #expect(created.json.path("sequence", "nodes", 0, "subject") == "Hi")
            // A broken one creates nothing and names the node.
            let broken = try await api.send(.post, "/v1/campaigns", json: """
                {"name": "Broken", "channel": "email", "sequence": {"nodes": [{"type": "message", "body": "x"}, {"type": "end"}]}}
                """)
            #expect(broken.status == .unprocessableContent)
            #expect(broken.errorFields.contains("sequence.nodes[0].type"), "\(broken.text)")
            #expect(try await api.send(.get, "/v1/campaigns").dataIDs.count == 1)
        }
    }

    @Test(arguments: StoreKind.covered) func bodiesMustBeStrictJSON(_ store: StoreKind) async throws {
        let harness = try await Harness.make(store)
        try await harness.run { api in
            let trailing = try await api.send(.post, "/v1/campaigns", json: "{\"name\": \"A\",\n \"channel\": \"email\",\n}")
            #expect(trailing.status == .badRequest)
            #expect(trailing.text.contains("line 3, column 1"), "\(trailing.text)")
            let duplicate = try await api.send(.post, "/v1/campaigns", json: #"{"name": "A", "channel": "email", "name": "B"}"#)
            #expect(duplicate.status == .badRequest)
            #expect(duplicate.text.contains("duplicate member \\\"name\\\" at line 1, column 35"), "\(duplicate.text)")
            for text in ["{'a': 1}", "[1,]", "{\"a\": 01}", "{\"a\": NaN}", "{\"a\": \"\u{01}\"}", "{} {}", "{\"a\": \"\\x\"}"] {
                let reply = try await api.send(.post, "/v1/lists", json: text)
                #expect(reply.status == .badRequest, "\(text) → \(reply.status)")
            }
            #expect(try await api.send(.get, "/v1/campaigns").dataIDs.isEmpty)
            // Escapes and non-ASCII text still read right.
            let list = try await api.send(.post, "/v1/lists", json: #"{"name": "K\u00f6ln \ud83d\ude00 \"q\" Grüße"}"#)
            #expect(list.status == .created)
            #expect(list.string("name") == "Köln 😀 \"q\" Grüße")
        }
    }

    @Test(arguments: StoreKind.covered) func unknownQueryParametersAre400AndLeadsFilterOnState(_ store: StoreKind) async throws {
        let harness = try await Harness.make(store)
        try await harness.run { api in
            let campaign = try await api.createCampaign(name: "Filters")
            let byStatus = try await api.send(.get, "/v1/campaigns/\(campaign)/leads?status=pending")
            #expect(byStatus.status == .badRequest)
            #expect(byStatus.errorFields == ["status"])
            #expect(byStatus.text.contains("did you mean state?"), "\(byStatus.text)")
            #expect(try await api.send(.get, "/v1/campaigns/\(campaign)/leads?state=pending").status == .ok)
            #expect(try await api.send(.get, "/v1/campaigns/\(campaign)/leads?state=bogus").status == .badRequest)
            let typo = try await api.send(.get, "/v1/campaigns?limt=5")
            #expect(typo.status == .badRequest)
            #expect(typo.text.contains("did you mean limit?"))
            #expect(try await api.send(.get, "/v1/campaigns/\(campaign)?expand=sequence").status == .badRequest)
        }
    }

    @Test(arguments: StoreKind.covered) func oversizedBodiesAre413OnEveryRouteAndDialect(_ store: StoreKind) async throws {
        let harness = try await Harness.make(store)
        try await harness.run { api in
            let huge = "{\"name\": \"" + String(repeating: "x", count: 17 * 1024 * 1024) + "\"}"
            let plain = try await api.send(.post, "/v1/lists", json: huge)
            #expect(plain.status == .contentTooLarge)
            #expect(plain.headers[.contentType] == "application/problem+json")
            var idempotent = HTTPFields()
            idempotent[HTTPField.Name("Idempotency-Key")!] = "big-1"
            let withKey = try await api.send(.post, "/v1/campaigns", headers: idempotent, rawBody: huge)
            #expect(withKey.status == .contentTooLarge)
            let puffle = try await api.send(.post, "/puffle/api/campaigns", json: huge)
            #expect(puffle.status == .contentTooLarge)
            #expect(puffle.json.path("error", "message") != nil, "\(puffle.text.prefix(200))")
            let alsona = try await api.send(.post, "/rest/accounts/\(harness.workspace)/campaigns", json: huge)
            #expect(alsona.status == .contentTooLarge)
            #expect(alsona.json.path("success") == .bool(false))
        }
    }

    @Test(arguments: StoreKind.covered) func anUnknownKeyIsToldWhichDatabaseTheServerReads(_ store: StoreKind) async throws {
        let harness = try await Harness.make(store)
        try await harness.run { api in
            let reply = try await api.send(.get, "/v1/workspace", key: "ob_live_0000000000000000000000000000")
            #expect(reply.status == .unauthorized)
            #expect(reply.text.contains(harness.store.location), "\(reply.text)")
            #expect(!harness.store.location.isEmpty)
        }
    }
}
