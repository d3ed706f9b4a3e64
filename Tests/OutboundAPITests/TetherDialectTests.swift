import Foundation
import HTTPTypes
import OutboundAPI
import OutboundCore
import OutboundTestSupport
import Testing

/// Tether at /tether/api: login with a user's password, then seed 003's campaign, quota and review.
@Suite struct TetherDialectTests {
    private func login(_ api: APIClient, email: String, password: String) async throws -> Reply {
        try await api.send(.post, "/tether/api/auth/login", json: #"{"email": "\#(email)", "password": "\#(password)"}"#, authenticated: false)
    }

    @Test(arguments: StoreKind.covered) func usersSignInAndTheTokenWorksOnlyAsATetherToken(_ store: StoreKind) async throws {
        let harness = try await Harness.make(store)
        try await harness.run { api in
            let created = try await api.send(.post, "/v1/users", json: #"{"email": "Alex@Example.com", "password": "correct horse", "full_name": "Alex Rep"}"#)
            #expect(created.status == .created)
            #expect(created.string("email") == "alex@example.com")
            #expect(created.string("access_role") == "ADMIN")
            #expect(!created.text.contains("correct horse"), "neither the password nor its hash")
            #expect(!created.text.contains("$2"), "neither the password nor its hash")
            #expect(try await api.send(.post, "/v1/users", json: #"{"email": "alex@example.com", "password": "another one"}"#).status == .conflict)
            #expect(try await api.send(.post, "/v1/users", json: #"{"email": "short@example.com", "password": "123"}"#).errorFields == ["password"])

            let wrong = try await login(api, email: "alex@example.com", password: "wrong horse")
            #expect(wrong.status == .unauthorized)
            #expect(wrong["error"] == "Invalid email or password")
            #expect(try await login(api, email: "nobody@example.com", password: "correct horse").status == .unauthorized)
            let good = try await login(api, email: "ALEX@example.com", password: "correct horse")
            #expect(good.status == .ok)
            #expect(good.json.path("user", "fullName") == "Alex Rep")
            #expect(good.json.path("user", "organizationId") == .string(harness.workspace.rawValue))
            #expect(good.json.path("user", "accessRole") == "ADMIN")
            let token = try #require(good.string("token"))
            #expect(token.split(separator: ".").count == 3, "a JWT")

            let verified = try await api.send(.get, "/tether/api/auth/verify-token", key: token)
            #expect(verified["message"] == "Token is good")
            // The signature's first character changed: its six bits are all significant, so this
            // never decodes to the same signature (a changed last character can: it carries padding).
            let signatureStart = token.distance(from: token.startIndex, to: try #require(token.lastIndex(of: "."))) + 1
            var forgedToken = Array(token)
            forgedToken[signatureStart] = forgedToken[signatureStart] == "A" ? "B" : "A"
            let forged = try await api.send(.get, "/tether/api/auth/verify-token", key: String(forgedToken))
            #expect(forged.status == .unauthorized)
            #expect(forged["error"] == "Invalid or expired token")
            #expect(try await api.send(.get, "/tether/api/campaigns")["success"] == true, "an API key works too")
            #expect(try await api.send(.get, "/v1/workspace", key: token).status == .unauthorized, "a login token is not an API key")
        }
    }

    @Test(arguments: StoreKind.covered) func theSeedCampaignIsCreatedScheduledAndCounted(_ store: StoreKind) async throws {
        let harness = try await Harness.make(store)
        try await harness.run { api in
            _ = try await api.send(.post, "/v1/users", json: #"{"email": "alex@example.com", "password": "correct horse", "full_name": "Alex Rep"}"#)
            let token = try #require(try await login(api, email: "alex@example.com", password: "correct horse").string("token"))
            _ = try await api.send(.patch, "/v1/workspace", json: #"{"daily_quota": 500}"#)
            let noSender = try await api.send(.post, "/tether/api/campaigns", json: #"{"name": "Early", "message": "Hi"}"#, key: token)
            #expect(noSender.status == .badRequest)
            #expect(noSender.json.path("error", "message") != nil)
            _ = try await api.createSender(channel: "sms", name: "Line", slug: "line")
            let sam = try #require(try await api.send(.post, "/v1/contacts", json: #"{"first_name": "Sam", "last_name": "Patel", "phone": "+14165550100"}"#).string("id"))
            let alex = try #require(try await api.send(.post, "/v1/contacts", json: #"{"first_name": "Alex", "last_name": "Morgan", "phone": "+14165550101"}"#).string("id"))

            // Seed 003's request, with the existing contacts' IDs swapped for real ones.
            let created = try await api.send(.post, "/tether/api/campaigns", json: """
                {"name": "Q2 Lead Gen", "message": "Hi {{firstName}}, are you still interested?",
                 "newContacts": [{"firstName": "Jamie", "phoneNumber": "+14155550133"}, {"firstName": "Bad", "phoneNumber": "12"}],
                 "selectedExistingContacts": [{"_id": "\(sam)", "firstName": "Sam", "lastName": "Patel", "phoneNumber": "+14165550100"},
                                              {"_id": "\(alex)", "firstName": "Alex", "lastName": "Morgan", "phoneNumber": "+14165550101"}],
                 "userIds": ["665f1a0c0e0a4b001a2c9f02"],
                 "scheduleDate": "2027-05-20T15:00:00.000Z", "isAutopilot": false, "type": "sms", "dryRun": true}
                """, key: token)
            #expect(created.status == .created, "\(created.text)")
            #expect(created["success"] == true)
            #expect(created["message"] == "Campaign created")
            let data = try #require(created["data"])
            #expect(data.path("name") == "Q2 Lead Gen")
            #expect(data.path("status") == "scheduled")
            #expect(data.path("type") == "sms")
            #expect(data.path("scheduleDate") == "2027-05-20T15:00:00.000Z")
            #expect(data.path("contactStatus") == "New Lead")
            #expect(data.path("message") == "Hi {{firstName}}, are you still interested?")
            #expect(data.path("isAutopilot") == false)
            #expect(data.path("organizationId") == .string(harness.workspace.rawValue))
            #expect(data.path("createdBy", "fullName") == "Alex Rep")
            #expect(data.path("stats") == ["total": 3, "sent": 0, "failed": 0, "successRate": "0%"])
            #expect(data.path("failedUserIds") == ["665f1a0c0e0a4b001a2c9f02"])
            let failed = try #require(data.path("failedDetails")?.arrayValue)
            let enrolled = try #require(data.path("userIds")?.arrayValue)
            #expect(failed.count == 2, "an invalid phone is reported, not fatal")
            #expect(failed.first?.path("phoneNumber") == "12", "an invalid phone is reported, not fatal")
            #expect(enrolled.count == 3)
            #expect(enrolled.contains(.string(sam)))
            #expect(enrolled.contains(.string(alex)))
            let id = try #require(data.path("_id")?.stringValue)
            // It is a real SMS campaign: one step with the message, launched, starting at scheduleDate.
            let native = try await api.send(.get, "/v1/campaigns/\(id)")
            #expect(native.string("status") == "active")
            #expect(native.string("channel") == "sms")
            #expect(native.string("start_at") == "2027-05-20T15:00:00.000Z")
            #expect(native.json.path("sequence", "nodes") != nil)

            let calendar = try await api.send(.get, "/tether/api/campaigns/usage-calendar?from=2027-05-19&to=2027-05-21", key: token)
            #expect(calendar.json.path("data", "dailyLimit") == 500)
            #expect(calendar.json.path("data", "isUnlimited") == false)
            #expect(calendar.json.path("data", "dates", "2027-05-20", "reserved") == 3)
            #expect(calendar.json.path("data", "dates", "2027-05-20", "availableQuota") == 497)
            #expect(calendar.json.path("data", "dates", "2027-05-19", "total") == 0)
            #expect(try await api.send(.get, "/tether/api/campaigns/usage-calendar?from=2027-05-21", key: token).status == .badRequest)
            let slot = try await api.send(.get, "/tether/api/campaigns/next-available-slot?contactCount=600", key: token)
            #expect(slot["dailyLimit"] == 500, "600 never fits a 500 quota")
            #expect(slot["nextAvailableDate"] == .null, "600 never fits a 500 quota")
            let fits = try await api.send(.get, "/tether/api/campaigns/next-available-slot?contactCount=20", key: token)
            #expect(fits["daysUntilAvailable"] == 0)
            #expect(fits["todayAvailableQuota"] == 500)

            let review = try await api.send(.post, "/tether/api/campaigns/validate-contacts", json: """
                {"contacts": [{"firstName": "Jamie", "phoneNumber": "+14155550133"}, {"firstName": "New", "phoneNumber": "+14155550199"}]}
                """, key: token)
            #expect(review.json.path("data", "existingContacts", ) != nil)
            guard case .array(let existing)? = review.json.path("data", "existingContacts"),
                  case .array(let fresh)? = review.json.path("data", "newContacts") else { return }
            #expect(existing.count == 1)
            #expect(fresh.count == 1)
            #expect(fresh.first?.path("phoneNumber") == "+14155550199")

            let list = try await api.send(.get, "/tether/api/campaigns", key: token)
            let campaigns = try #require(list["data"]?.arrayValue)
            #expect(campaigns.count == 1)
            #expect(campaigns.first?.path("_id") == .string(id))
            let cancelled = try await api.send(.post, "/tether/api/campaigns/\(id)/cancel", key: token)
            #expect(cancelled["success"] == true)
            #expect(cancelled.json.path("data", "status") == "completed")
            #expect(try await api.send(.post, "/tether/api/campaigns/\(id)/cancel", key: token).status == .badRequest)
            #expect(try await api.send(.delete, "/tether/api/campaigns/\(id)", key: token)["message"] == "Campaign deleted")
            let gone = try await api.send(.get, "/tether/api/campaigns/\(id)", key: token)
            #expect(gone.status == .notFound)
            #expect(gone.json.path("error", "code") == "not_found")
            let document = try await api.send(.get, "/tether/openapi.json", authenticated: false)
            let paths = try #require(document["paths"]?.objectValue, "no document")
            #expect(paths.keys.allSatisfy { $0.hasPrefix("/tether/api/") })
            #expect(paths["/tether/api/auth/login"] != nil)
        }
    }
}
