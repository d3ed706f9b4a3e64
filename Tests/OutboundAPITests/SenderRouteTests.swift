import Foundation
import Testing
import OutboundAPI
import OutboundCore
import OutboundTestSupport

@Suite struct SenderRouteTests {
    @Test(arguments: StoreKind.covered) func createReadPatchDelete(_ store: StoreKind) async throws {
        let harness = try await Harness.make(store)
        try await harness.run { api in
            let created = try await api.send(.post, "/v1/senders", json: """
                {"channel": "email", "display_name": "Jane Doe", "email": " Jane@Example.com ",
                 "timezone": "Europe/Berlin",
                 "limits": {"email": {"per_day": 80}},
                 "pacing": {"min_gap_seconds": 60, "max_gap_seconds": 90},
                 "smtp": {"host": "smtp.example.com", "username": "jane", "password": "hunter2-secret"}}
                """)
            #expect(created.status == .created)
            #expect(!created.text.contains("hunter2-secret"))
            let id = try #require(created.string("id"))
            #expect(id.hasPrefix("seat_"))
            #expect(created.string("email") == "jane@example.com")
            #expect(created.json.path("limits", "email", "per_day") == .number(80))
            #expect(created.json.path("limits", "email", "per_hour") == .number(20))
            #expect(created.json.path("smtp", "password_set") == .bool(true))
            #expect(created.json.path("smtp", "port") == .number(587))

            let read = try await api.send(.get, "/v1/senders/\(id)")
            #expect(read.status == .ok && read.text == created.text)

            let patched = try await api.send(.patch, "/v1/senders/\(id)", json: """
                {"display_name": "Jane D.", "limits": {"email": {"per_hour": null}}, "status": "paused"}
                """)
            #expect(patched.status == .ok)
            #expect(patched.string("display_name") == "Jane D.")
            #expect(patched.string("status") == "paused")
            #expect(patched.json.path("limits", "email", "per_hour") == .null)
            #expect(patched.json.path("limits", "email", "per_day") == .number(80))
            #expect(patched.json.path("smtp", "password_set") == .bool(true))

            let list = try await api.send(.get, "/v1/senders")
            #expect(list.dataIDs == [id])

            #expect(try await api.send(.delete, "/v1/senders/\(id)").status == .noContent)
            #expect(try await api.send(.get, "/v1/senders/\(id)").status == .notFound)
            #expect(try await api.send(.delete, "/v1/senders/\(id)").status == .notFound)
        }
    }

    @Test(arguments: StoreKind.covered) func anEmailSenderReadsRepliesFromItsMailbox(_ store: StoreKind) async throws {
        let harness = try await Harness.make(store)
        try await harness.run { api in
            let created = try await api.send(.post, "/v1/senders", json: """
                {"channel": "email", "display_name": "Jane", "email": "jane@example.com",
                 "smtp": {"host": "smtp.example.com", "username": "jane", "password": "smtp-secret"},
                 "imap": {"host": "imap.example.com", "password": "imap-secret"}}
                """)
            #expect(created.status == .created)
            #expect(!created.text.contains("imap-secret"))
            let id = try #require(created.string("id"))
            #expect(created.json.path("imap", "port") == .number(993), "tls by default")
            #expect(created.json.path("imap", "security") == .string("tls"))
            #expect(created.json.path("imap", "username") == .null, "the SMTP login is used")
            #expect(created.json.path("imap", "password_set") == .bool(true))
            let mailbox = try await api.send(.get, "/v1/senders/\(id)/mailbox")
            #expect(mailbox.status == .ok)
            #expect(mailbox.string("status") == "not_started" && mailbox.json.path("messages_read") == .number(0))

            let starttls = try await api.send(.patch, "/v1/senders/\(id)", json: #"{"imap": {"security": "starttls", "port": null}}"#)
            #expect(starttls.json.path("imap", "port") == .number(143))
            #expect(starttls.json.path("imap", "host") == .string("imap.example.com"), "absent fields keep their value")
            let removed = try await api.send(.patch, "/v1/senders/\(id)", json: #"{"imap": null}"#)
            #expect(removed.json.path("imap") == .null)
            let unconfigured = try await api.send(.get, "/v1/senders/\(id)/mailbox")
            #expect(unconfigured.string("status") == "not_configured")

            let sms = try await api.send(.post, "/v1/senders", json: """
                {"channel": "sms", "display_name": "Line", "phone": "+14155550100", "imap": {"host": "imap.example.com", "port": 0, "security": "ssl"}}
                """)
            #expect(sms.status == .unprocessableContent)
            #expect(sms.text.contains("\"imap\"") && sms.text.contains("applies to email senders only"), "\(sms.text)")
            let bad = try await api.send(.post, "/v1/senders", json: """
                {"channel": "email", "display_name": "Bad", "email": "bad@example.com", "imap": {"port": 0, "security": "ssl"}}
                """)
            #expect(bad.status == .unprocessableContent)
            for field in ["imap.host", "imap.port", "imap.security"] { #expect(bad.text.contains(field), "\(field): \(bad.text)") }
        }
    }

    @Test(arguments: StoreKind.covered) func aLinkedInSeatThroughUnipileKeepsItsKeysSecret(_ store: StoreKind) async throws {
        let harness = try await Harness.make(store)
        try await harness.run { api in
            let created = try await api.send(.post, "/v1/senders", json: """
                {"channel": "linkedin", "display_name": "Seat", "linkedin_url": "https://www.linkedin.com/in/seat",
                 "unipile": {"dsn": "api8.unipile.com:13851", "api_key": "uni-key-secret", "account_id": "acc_1", "webhook_secret": "hook-secret"}}
                """)
            #expect(created.status == .created)
            #expect(!created.text.contains("uni-key-secret") && !created.text.contains("hook-secret"))
            #expect(created.json.path("unipile", "dsn") == .string("https://api8.unipile.com:13851"), "a bare DSN is https")
            #expect(created.json.path("unipile", "api_key_set") == .bool(true) && created.json.path("unipile", "webhook_secret_set") == .bool(true))
            let id = try #require(created.string("id"))
            let both = try await api.send(.patch, "/v1/senders/\(id)", json: #"{"gateway": {"url": "https://gw.example.com", "secret": "s"}}"#)
            #expect(both.status == .unprocessableContent && both.text.contains("not both"), "\(both.text)")
            let missing = try await api.send(.post, "/v1/senders", json: """
                {"channel": "linkedin", "display_name": "Seat 2", "linkedin_url": "https://www.linkedin.com/in/seat-2", "unipile": {"dsn": "ftp://x"}}
                """)
            #expect(missing.status == .unprocessableContent)
            for field in ["unipile.dsn", "unipile.api_key", "unipile.account_id"] { #expect(missing.text.contains(field), "\(field): \(missing.text)") }
        }
    }

    @Test(arguments: StoreKind.covered) func invalidSendersNameEveryField(_ store: StoreKind) async throws {
        let harness = try await Harness.make(store)
        try await harness.run { api in
            let reply = try await api.send(.post, "/v1/senders", json: """
                {"channel": "linkedin", "display_name": "", "linkedin_url": "https://example.com/jane",
                 "timezone": "Moon/Base", "limits": {"sms": {"per_day": 1}, "message": {"per_day": "lots"}},
                 "pacing": {"min_gap_seconds": 10, "max_gap_seconds": 5}}
                """)
            #expect(reply.status == .unprocessableContent)
            #expect(Set(reply.errorFields) == ["display_name", "linkedin_url", "timezone", "limits.sms",
                                               "limits.message.per_day", "pacing.max_gap_seconds"])
            let noChannel = try await api.send(.post, "/v1/senders", json: #"{"display_name": "x"}"#)
            #expect(noChannel.status == .unprocessableContent)
            #expect(noChannel.errorFields == ["channel"])
            #expect(try await api.send(.get, "/v1/senders").dataIDs.isEmpty, "nothing was written")
        }
    }

    @Test(arguments: StoreKind.covered) func channelCannotChangeAndFailedPatchChangesNothing(_ store: StoreKind) async throws {
        let harness = try await Harness.make(store)
        try await harness.run { api in
            let id = try await api.createSender()
            let before = try await api.send(.get, "/v1/senders/\(id)")
            let reply = try await api.send(.patch, "/v1/senders/\(id)", json: #"{"channel": "email", "display_name": "New"}"#)
            #expect(reply.status == .unprocessableContent)
            #expect(reply.errorFields == ["channel"])
            #expect(try await api.send(.get, "/v1/senders/\(id)").text == before.text)
        }
    }

    @Test(arguments: StoreKind.covered) func duplicateIdentityIsAConflict(_ store: StoreKind) async throws {
        let harness = try await Harness.make(store)
        try await harness.run { api in
            _ = try await api.createSender(slug: "same")
            let reply = try await api.send(.post, "/v1/senders", json: """
                {"channel": "linkedin", "display_name": "Twin", "linkedin_url": "linkedin.com/in/SAME/"}
                """)
            #expect(reply.status == .conflict)
        }
    }

    @Test(arguments: StoreKind.covered) func senderOfAnActiveCampaignCannotBeDeleted(_ store: StoreKind) async throws {
        let harness = try await Harness.make(store)
        try await harness.run { api in
            let sender = try await api.createSender()
            let campaignID = try await api.createCampaign(name: "Live", senders: [sender])
            var campaign = try #require(try await harness.store.campaign(ID(trusted: campaignID), in: harness.workspace))
            campaign.status = .active
            try await harness.store.updateCampaign(campaign)
            let reply = try await api.send(.delete, "/v1/senders/\(sender)")
            #expect(reply.status == .conflict)
            #expect(reply.string("detail")?.contains(campaignID) == true)
            #expect(try await api.send(.delete, "/v1/campaigns/\(campaignID)").status == .conflict)
        }
    }
}

extension JSONValue {
    /// One step of a path: an object's member or an array's index.
    enum PathKey: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral {
        case member(String)
        case index(Int)
        init(stringLiteral value: String) { self = .member(value) }
        init(integerLiteral value: Int) { self = .index(value) }
    }

    /// The value at a path of object members and array indices, or nil.
    func path(_ keys: PathKey...) -> JSONValue? {
        var current: JSONValue? = self
        for key in keys {
            switch (key, current) {
            case (.member(let name), .object(let object)?): current = object[name]
            case (.index(let index), .array(let items)?): current = items.indices.contains(index) ? items[index] : nil
            default: return nil
            }
        }
        return current
    }
}

extension JSONValue {
    var arrayValue: [JSONValue]? { if case .array(let items) = self { items } else { nil } }
    var stringValue: String? { if case .string(let text) = self { text } else { nil } }
    var objectValue: [String: JSONValue]? { if case .object(let members) = self { members } else { nil } }
    var numberValue: Double? { if case .number(let number) = self { number } else { nil } }
}
