import Foundation
import HTTPTypes
import Testing
import OutboundAPI
import OutboundCore

@Suite struct ErasureTests {
    @Test func erasedPersonalDataIsGoneFromTheFileAndStaysSuppressed() async throws {
        let harness = try await Harness.make()
        let marker = "zanzibar-quux"
        try await harness.run(keepDatabase: true) { api in
            let created = try await api.send(.post, "/v1/contacts", json: """
                {"first_name": "Q\(marker)", "email": "\(marker)@example.com", "phone": "+14155550177",
                 "linkedin_url": "linkedin.com/in/\(marker)", "custom_fields": {"note": "\(marker) likes tea"}}
                """, headers: [HTTPField.Name("Idempotency-Key")!: "create-\(marker)"])
            let id = try #require(created.string("id"))
            let list = try #require(try await api.send(.post, "/v1/lists", json: #"{"name": "L"}"#).string("id"))
            _ = try await api.send(.post, "/v1/lists/\(list)/members", json: "{\"contact_ids\": [\"\(id)\"]}")
            let sender = try await api.createSender(channel: "email", slug: "eraser")
            let campaign = try await api.createCampaign(name: "C", channel: "email", senders: [sender])
            try await api.scheduleAllWeek(campaign)
            #expect(try await api.send(.put, "/v1/campaigns/\(campaign)/sequence", json: """
                {"nodes": [{"id": "n1", "type": "email", "subject": "Hi", "body": "Hello. Reply stop to unsubscribe."}, {"id": "n2", "type": "end"}]}
                """).status == .ok)
            _ = try await api.send(.post, "/v1/campaigns/\(campaign)/leads", json: "{\"contact_ids\": [\"\(id)\"]}")
            #expect(try await api.send(.post, "/v1/campaigns/\(campaign)/launch").status == .ok)
            // Their reply, quoting them, goes into the event log.
            #expect(try await api.send(.post, "/v1/inbound", json: """
                {"type": "replied", "email": "\(marker)@example.com", "body": "This is \(marker), stop writing"}
                """).status == .accepted)
            #expect(try await api.send(.get, "/v1/events?types=reply.received").text.contains(marker))
            // Churn so the contact's pages are old news in the log before erasure.
            for index in 0..<50 { _ = try await api.send(.post, "/v1/contacts", json: "{\"email\": \"filler\(index)@example.com\"}") }

            #expect(try await api.send(.delete, "/v1/contacts/\(id)?erase=true").status == .noContent)
            #expect(try await api.send(.get, "/v1/contacts/\(id)").status == .notFound)
            #expect(try await api.send(.get, "/v1/lists/\(list)").json.path("member_count") == .number(0))
            let suppressions = try await api.send(.get, "/v1/suppressions")
            #expect(suppressions.dataIDs.count == 3)
            #expect(!suppressions.text.contains(marker))
            #expect(suppressions.text.contains("\"hash\""))
            let events = try await api.send(.get, "/v1/events?limit=1000")
            #expect(!events.text.contains(marker) && !events.text.contains("5550177"), "the log keeps its numbering, not the person")
            #expect(events.text.contains("contact.erased") && events.text.contains(#""redacted":true"#))

            // The same person cannot come back, by any identity.
            let reimport = try await api.send(.post, "/v1/contacts/bulk", json: """
                {"contacts": [{"email": "\(marker.uppercased())@example.com"}, {"phone": "(415) 555-0177"}]}
                """)
            #expect(reimport.json.path("totals", "invalid") == .number(2))
            #expect(try await api.send(.post, "/v1/contacts", json: "{\"linkedin_url\": \"https://www.linkedin.com/in/\(marker)/\"}").status
                    == .unprocessableContent)
        }
        defer { try? FileManager.default.removeItem(at: harness.directory) }
        for suffix in ["", "-wal"] {
            let bytes = (try? Data(contentsOf: URL(fileURLWithPath: harness.databasePath + suffix))) ?? Data()
            #expect(bytes.range(of: Data(marker.utf8)) == nil, "personal data left in outbound.sqlite\(suffix)")
            #expect(bytes.range(of: Data("5550177".utf8)) == nil, "phone left in outbound.sqlite\(suffix)")
        }
    }
}
