import Foundation
import HTTPTypes
import Testing
import OutboundAPI
import OutboundCore
import OutboundTestSupport

@Suite struct AuthAndWorkspaceTests {
    @Test(arguments: StoreKind.covered) func healthNeedsNoKey(_ store: StoreKind) async throws {
        let harness = try await Harness.make(store)
        try await harness.run { api in
            let reply = try await api.send(.get, "/healthz", authenticated: false)
            #expect(reply.status == .ok)
            #expect(reply.string("status") == "ok")
        }
    }

    @Test(arguments: StoreKind.covered) func missingUnknownAndRevokedKeysAre401(_ store: StoreKind) async throws {
        let harness = try await Harness.make(store)
        try await harness.run { api in
            let none = try await api.send(.get, "/v1/workspace", authenticated: false)
            #expect(none.status == .unauthorized)
            #expect(none.headers[.contentType] == "application/problem+json")
            #expect(try await api.send(.get, "/v1/workspace", key: "ob_live_0000000000000000000000000000000000000000").status == .unauthorized)
            #expect(try await api.send(.get, "/v1/workspace", key: "not-a-key").status == .unauthorized)

            let created = try await api.send(.post, "/v1/api-keys", json: #"{"name": "ci"}"#)
            #expect(created.status == .created)
            let secret = try #require(created.string("key"))
            let id = try #require(created.string("id"))
            #expect(secret.hasPrefix(created.string("prefix") ?? "-"))
            #expect(try await api.send(.get, "/v1/workspace", key: secret).status == .ok)

            let revoked = try await api.send(.delete, "/v1/api-keys/\(id)")
            #expect(revoked.status == .ok)
            #expect(revoked.string("revoked_at") != nil)
            #expect(try await api.send(.get, "/v1/workspace", key: secret).status == .unauthorized)
            // The original key still works.
            #expect(try await api.send(.get, "/v1/workspace").status == .ok)
        }
    }

    @Test(arguments: StoreKind.covered) func xApiKeyHeaderIsAccepted(_ store: StoreKind) async throws {
        let harness = try await Harness.make(store)
        try await harness.run { api in
            let reply = try await api.send(.get, "/v1/workspace", authenticated: false,
                                           headers: [HTTPField.Name("X-API-KEY")!: harness.key])
            #expect(reply.status == .ok)
            #expect(reply.string("id") == harness.workspace.rawValue)
            #expect(reply.string("name") == "Acme")
            #expect(reply.string("object") == "workspace")
        }
    }

    @Test func keysAreListedWithoutSecretsAndStoredOnlyHashed() async throws {
        let harness = try await Harness.make()
        try await harness.run(keepDatabase: true) { api in
            _ = try await api.send(.post, "/v1/api-keys", json: #"{"name": "zapier"}"#)
            let list = try await api.send(.get, "/v1/api-keys")
            #expect(list.status == .ok)
            #expect(list.dataIDs.count == 2)
            #expect(!list.text.contains("\"key\""))
            #expect(!list.text.contains(harness.key))
        }
        defer { try? FileManager.default.removeItem(at: harness.directory) }
        // Neither the database file nor its write-ahead log holds a secret in clear, but they do hold its hash.
        var bytes = try Data(contentsOf: URL(fileURLWithPath: harness.databasePath))
        bytes += (try? Data(contentsOf: URL(fileURLWithPath: harness.databasePath + "-wal"))) ?? Data()
        #expect(bytes.range(of: Data(harness.key.utf8)) == nil)
        #expect(bytes.range(of: Data(SHA256Hasher().hash(harness.key).utf8)) != nil)
    }

    @Test(arguments: StoreKind.covered) func apiKeyBodyMayBeEmptyButMustBeJSONWhenSent(_ store: StoreKind) async throws {
        let harness = try await Harness.make(store)
        try await harness.run { api in
            let empty = try await api.send(.post, "/v1/api-keys", json: "")
            #expect(empty.status == .created)
            #expect(empty.string("name") == "key")
            let broken = try await api.send(.post, "/v1/api-keys", json: "{nope")
            #expect(broken.status == .badRequest)
            let wrongType = try await api.send(.post, "/v1/api-keys", json: #"{"name": 3}"#)
            #expect(wrongType.status == .unprocessableContent)
            #expect(wrongType.errorFields == ["name"])
        }
    }

    @Test(arguments: StoreKind.covered) func unknownRoutesAreProblem404(_ store: StoreKind) async throws {
        let harness = try await Harness.make(store)
        try await harness.run { api in
            let reply = try await api.send(.get, "/v1/nothing-here")
            #expect(reply.status == .notFound)
            #expect(reply.string("type")?.hasSuffix("route-not-found") == true)
            let wrongMethod = try await api.send(.put, "/v1/campaigns")
            #expect(wrongMethod.status == .methodNotAllowed)
            #expect(wrongMethod.headers[.allow] == "GET, POST")
            #expect(try await api.send(.delete, "/healthz", authenticated: false).status == .methodNotAllowed)
        }
    }
}
