import Foundation
import HTTPTypes
import Testing
import OutboundAPI
import OutboundCore
import OutboundTestSupport

@Suite struct ContactRouteTests {
    @Test(arguments: StoreKind.covered) func createNormalisesIdentitiesAndRefusesASecondWithTheSameOne(_ store: StoreKind) async throws {
        let harness = try await Harness.make(store)
        try await harness.run { api in
            let created = try await api.send(.post, "/v1/contacts", json: """
                {"first_name": " Jane ", "email": "Jane@Example.COM", "phone": "(415) 555-0133",
                 "linkedin_url": "linkedin.com/in/Jane-Doe/?trk=x", "custom_fields": {"plan": "pro", "seats": 12, "vip": true}}
                """)
            #expect(created.status == .created)
            #expect(created.string("first_name") == "Jane")
            #expect(created.string("email") == "jane@example.com")
            #expect(created.string("phone") == "+14155550133")
            #expect(created.string("linkedin_url") == "https://www.linkedin.com/in/jane-doe")
            #expect(created.string("status") == "New Lead")
            #expect(created.json.path("custom_fields", "seats") == .number(12))
            let again = try await api.send(.post, "/v1/contacts", json: #"{"phone": "+1 415 555 0133"}"#)
            #expect(again.status == .conflict)
        }
    }

    @Test(arguments: StoreKind.covered) func badFieldsAreNamed(_ store: StoreKind) async throws {
        let harness = try await Harness.make(store)
        try await harness.run { api in
            let reply = try await api.send(.post, "/v1/contacts", json: """
                {"email": "nope", "phone": "12", "custom_fields": {"nested": {"a": 1}, "list": [1]}, "timezone": "Nowhere"}
                """)
            #expect(reply.status == .unprocessableContent)
            #expect(Set(reply.errorFields) == ["email", "phone", "custom_fields.nested", "custom_fields.list", "timezone"])
            let empty = try await api.send(.post, "/v1/contacts", json: #"{"first_name": "Nobody"}"#)
            #expect(empty.errorFields == ["email"])
        }
    }

    @Test(arguments: StoreKind.covered) func nationalNumbersUseTheWorkspaceRegion(_ store: StoreKind) async throws {
        let harness = try await Harness.make(store)
        try await harness.run { api in
            #expect(try await api.send(.patch, "/v1/workspace", json: #"{"default_phone_region": "DE"}"#).string("default_phone_region") == "DE")
            let contact = try await api.send(.post, "/v1/contacts", json: #"{"phone": "030 1234567"}"#)
            #expect(contact.string("phone") == "+49301234567")
            #expect(try await api.send(.patch, "/v1/workspace", json: #"{"default_phone_region": "XX"}"#).status == .unprocessableContent)
        }
    }

    @Test(arguments: StoreKind.covered) func bulkUpsertSaysWhatHappenedToEachIndex(_ store: StoreKind) async throws {
        let harness = try await Harness.make(store)
        try await harness.run { api in
            let existing = try await api.send(.post, "/v1/contacts", json: #"{"email": "old@example.com", "first_name": "Old"}"#)
            let oldID = try #require(existing.string("id"))
            let reply = try await api.send(.post, "/v1/contacts/bulk", json: """
                {"contacts": [
                  {"email": "new@example.com", "first_name": "New"},
                  {"email": "OLD@example.com", "company": "Acme"},
                  {"email": "old@example.com"},
                  {"email": "new@example.com", "phone": "+14155550100"},
                  {"email": "broken"},
                  {"phone": "+14155550100", "email": "old@example.com"},
                  "not an object"
                ]}
                """)
            #expect(reply.status == .ok)
            let results = try #require(reply["results"]?.arrayValue, "no results")
            let kinds = results.compactMap { if case .string(let r)? = $0.path("result") { r } else { nil } }
            #expect(kinds == ["created", "updated", "duplicate", "duplicate", "invalid", "invalid", "invalid"])
            #expect(results[1].path("id") == .string(oldID))
            #expect(results[3].path("id") == results[0].path("id"))
            #expect(results[4].path("errors") == [["field": "email", "message": "must be an email address"]])
            #expect(reply.json.path("totals") == ["created": 1, "updated": 1, "duplicate": 2, "invalid": 3])
            // Merged data is there.
            #expect(try await api.send(.get, "/v1/contacts/\(oldID)").string("company") == "Acme")
            let newID = try #require(results[0].path("id").flatMap { if case .string(let s) = $0 { s } else { nil } })
            #expect(try await api.send(.get, "/v1/contacts/\(newID)").string("phone") == "+14155550100")
            // A second call is all duplicates.
            let again = try await api.send(.post, "/v1/contacts/bulk", json: #"{"contacts": [{"email": "new@example.com"}]}"#)
            #expect(again.json.path("totals", "duplicate") == .number(1))
        }
    }

    @Test(arguments: StoreKind.covered) func bulkOverTheLimitWritesNothing(_ store: StoreKind) async throws {
        let harness = try await Harness.make(store)
        try await harness.run { api in
            let items = (0...10_000).map { "{\"email\": \"u\($0)@example.com\"}" }.joined(separator: ",")
            let reply = try await api.send(.post, "/v1/contacts/bulk", json: "{\"contacts\": [\(items)]}")
            #expect(reply.status == .unprocessableContent)
            #expect(reply.errorFields == ["contacts"])
            #expect(try await api.send(.get, "/v1/contacts").dataIDs.isEmpty)
        }
    }

    @Test(arguments: StoreKind.covered) func patchMergesCustomFieldsAndDeleteRemoves(_ store: StoreKind) async throws {
        let harness = try await Harness.make(store)
        try await harness.run { api in
            let id = try #require(try await api.send(.post, "/v1/contacts", json: """
                {"email": "a@example.com", "custom_fields": {"plan": "pro", "seats": 3}}
                """).string("id"))
            let patched = try await api.send(.patch, "/v1/contacts/\(id)", json: #"{"custom_fields": {"seats": null, "region": "EU"}, "status": "Interested"}"#)
            #expect(patched.json.path("custom_fields") == ["plan": "pro", "region": "EU"])
            #expect(patched.string("status") == "Interested")
            #expect(try await api.send(.delete, "/v1/contacts/\(id)?erase=maybe").status == .badRequest)
            #expect(try await api.send(.delete, "/v1/contacts/\(id)").status == .noContent)
            #expect(try await api.send(.get, "/v1/contacts/\(id)").status == .notFound)
        }
    }
}
