import Foundation
import Testing
import OutboundCore
import OutboundPostgres
import OutboundStore
import OutboundTestSupport

/// What every store does with workspaces, keys and its own secret: one set of checks, run on a
/// real SQLite file and on a real PostgreSQL server (a fresh database each time).
enum WorkspaceStoreChecks {
    /// A new workspace named Acme with its first key, for the checks that need one.
    static func workspace(in store: any WorkspaceStore, at now: Date) async throws -> Workspace {
        let workspace = Workspace(id: .generate(.workspace), name: "Acme", createdAt: now, updatedAt: now)
        try await store.insertWorkspace(workspace, firstKey: ApiKey(id: .generate(.key), workspaceID: workspace.id, name: "default",
                                                                    prefix: "ob_live_ab", hash: "hash-\(UUID())", createdAt: now))
        return workspace
    }

    static func run(_ store: any WorkspaceStore) async throws {
        let now = Date(timeIntervalSince1970: 1_796_083_200.123)
        #expect(try await store.workspaceCount() == 0)
        let secret = try await store.instanceSecret()
        #expect(secret.count == 32 && secret.contains { $0 != 0 }, "a random secret made with the database")
        #expect(try await store.instanceSecret() == secret, "made once")

        var acme = Workspace(id: .generate(.workspace), name: "Acme", defaultPhoneRegion: "DE", createdAt: now, updatedAt: now)
        let first = ApiKey(id: .generate(.key), workspaceID: acme.id, name: "default", prefix: "ob_live_ab", hash: "hash-1", createdAt: now,
                           rateLimit: RequestRate(perSecond: 5, burst: 20))
        try await store.insertWorkspace(acme, firstKey: first)
        #expect(try await store.workspace(acme.id) == acme, "read back whole, to the millisecond")
        #expect(try await store.apiKey(hash: "hash-1") == first)
        #expect(try await store.apiKey(hash: "nope") == nil)

        // A workspace whose first key clashes is not created at all.
        let other = Workspace(id: .generate(.workspace), name: "Other", createdAt: now, updatedAt: now)
        let clash = ApiKey(id: .generate(.key), workspaceID: other.id, name: "default", prefix: "ob_live_cd", hash: "hash-1", createdAt: now)
        await #expect(throws: ConflictError.self) { try await store.insertWorkspace(other, firstKey: clash) }
        #expect(try await store.workspace(other.id) == nil, "nothing half-applied")
        #expect(try await store.workspaceCount() == 1)

        acme.name = "Acme GmbH"
        acme.dailyQuota = 400
        acme.updatedAt = now.addingTimeInterval(60)
        try await store.updateWorkspace(acme)
        #expect(try await store.workspace(acme.id) == acme)

        var keys = [first]
        for index in 2...5 {
            let key = ApiKey(id: .generate(.key), workspaceID: acme.id, name: "key \(index)", prefix: "ob_live_\(index)", hash: "hash-\(index)",
                             createdAt: now.addingTimeInterval(Double(index)))
            try await store.insertApiKey(key)
            keys.append(key)
        }
        await #expect(throws: ConflictError.self) { try await store.insertApiKey(keys[1]) }
        let page = try await store.apiKeys(in: acme.id, page: PageRequest(limit: 2))
        #expect(page.items == Array(keys[0..<2]) && page.hasMore, "oldest first")
        let rest = try await store.apiKeys(in: acme.id, page: PageRequest(limit: 10, startingAfter: keys[1].id))
        #expect(rest.items == Array(keys[2...]) && !rest.hasMore)
        await #expect(throws: ValidationError.self) {
            try await store.apiKeys(in: acme.id, page: PageRequest(limit: 2, startingAfter: .generate(.key)))
        }
        #expect(try await store.apiKeys(in: other.id, page: PageRequest()).items.isEmpty, "another workspace's keys are not listed")

        let revoked = try #require(try await store.revokeApiKey(keys[2].id, in: acme.id, at: now.addingTimeInterval(100)))
        #expect(revoked.revokedAt == now.addingTimeInterval(100))
        #expect(try await store.revokeApiKey(keys[2].id, in: acme.id, at: now.addingTimeInterval(200))?.revokedAt == revoked.revokedAt,
                "a second revoke keeps the first time")
        #expect(try await store.revokeApiKey(keys[3].id, in: other.id, at: now) == nil, "not from another workspace")
        #expect(try await store.apiKey(hash: "hash-4")?.revokedAt == nil)

        let later = Workspace(id: .generate(.workspace), name: "Later", createdAt: now, updatedAt: now)
        try await store.insertWorkspace(later, firstKey: ApiKey(id: .generate(.key), workspaceID: later.id, name: "default", prefix: "ob_live_ef",
                                                                hash: "hash-later", createdAt: now))
        #expect(try await store.workspaceIDs(limit: 10) == [acme.id, later.id])
        #expect(try await store.workspaceIDs(limit: 1) == [acme.id])
    }
}

/// What every store does with users and `Idempotency-Key`s.
enum UserAndIdempotencyChecks {
    static func run(_ store: any WorkspaceStore & UserStore & IdempotencyStore) async throws {
        let now = Date(timeIntervalSince1970: 1_796_083_200.5)
        let workspace = try await WorkspaceStoreChecks.workspace(in: store, at: now)
        #expect(try await store.userCount() == 0)
        let ann = User(id: .generate(.user), workspaceID: workspace.id, email: "ann@acme.example", fullName: "Ann", accessRole: "ADMIN",
                       passwordHash: "$2b$12$hash", createdAt: now)
        let mo = User(id: .generate(.user), workspaceID: workspace.id, email: "mo@acme.example", fullName: nil, accessRole: "MEMBER",
                      passwordHash: "$2b$12$other", createdAt: now.addingTimeInterval(1))
        try await store.insertUser(mo)
        try await store.insertUser(ann)
        let taken = User(id: .generate(.user), workspaceID: workspace.id, email: ann.email, fullName: nil, accessRole: "MEMBER",
                         passwordHash: "$2b$12$x", createdAt: now)
        await #expect(throws: ConflictError.self) { try await store.insertUser(taken) }
        #expect(try await store.user(email: "ann@acme.example") == ann)
        #expect(try await store.userCount() == 2)
        #expect(try await store.user(id: mo.id) == mo)
        #expect(try await store.user(email: "nobody@acme.example") == nil)
        #expect(try await store.users(in: workspace.id) == [ann, mo], "oldest first")
        #expect(try await store.users(in: .generate(.workspace)).isEmpty)

        let hour: TimeInterval = 3600
        #expect(try await store.claimIdempotencyKey("k1", requestHash: "body-a", in: workspace.id, at: now, expiry: hour) == .claimed)
        #expect(try await store.claimIdempotencyKey("k1", requestHash: "body-a", in: workspace.id, at: now, expiry: hour) == .inProgress)
        #expect(try await store.claimIdempotencyKey("k1", requestHash: "body-b", in: workspace.id, at: now, expiry: hour) == .mismatch)
        try await store.completeIdempotencyKey("k1", in: workspace.id, reply: [1, 2, 3])
        #expect(try await store.claimIdempotencyKey("k1", requestHash: "body-a", in: workspace.id, at: now, expiry: hour) == .replay([1, 2, 3]))
        try await store.releaseIdempotencyKey("k1", in: workspace.id)
        #expect(try await store.claimIdempotencyKey("k1", requestHash: "body-a", in: workspace.id, at: now, expiry: hour) == .replay([1, 2, 3]),
                "an answered key is not released")
        #expect(try await store.claimIdempotencyKey("k1", requestHash: "body-b", in: workspace.id, at: now.addingTimeInterval(2 * hour),
                                                    expiry: hour) == .claimed, "forgotten after its expiry")
        try await store.releaseIdempotencyKey("k1", in: workspace.id)
        #expect(try await store.claimIdempotencyKey("k1", requestHash: "body-c", in: workspace.id, at: now.addingTimeInterval(2 * hour),
                                                    expiry: hour) == .claimed, "a released key is free again")
        // Claimed at once from many requests: one holds it, the others see it in progress.
        let claims = try await withThrowingTaskGroup(of: IdempotencyClaim.self) { group in
            for _ in 0..<8 {
                group.addTask { try await store.claimIdempotencyKey("k2", requestHash: "same", in: workspace.id, at: now, expiry: hour) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(claims.filter { $0 == .claimed }.count == 1 && claims.filter { $0 == .inProgress }.count == 7, "\(claims)")
    }
}

/// What every store does with the web app's sessions.
enum WebSessionChecks {
    static func run(_ store: any WorkspaceStore & UserStore & WebSessionStore) async throws {
        let now = Date(timeIntervalSince1970: 1_796_083_200.25)
        let workspace = try await WorkspaceStoreChecks.workspace(in: store, at: now)
        let ann = User(id: .generate(.user), workspaceID: workspace.id, email: "ann@acme.example", fullName: nil, accessRole: "ADMIN",
                       passwordHash: "x", createdAt: now)
        let mo = User(id: .generate(.user), workspaceID: workspace.id, email: "mo@acme.example", fullName: nil, accessRole: "MEMBER",
                      passwordHash: "y", createdAt: now)
        try await store.insertUser(ann)
        try await store.insertUser(mo)
        let laptop = WebSession(id: .generate(.session), userID: ann.id, workspaceID: workspace.id, csrfToken: "csrf-1", userAgent: "Firefox",
                                createdAt: now, lastSeenAt: now, revokedAt: nil)
        let phone = WebSession(id: .generate(.session), userID: ann.id, workspaceID: workspace.id, csrfToken: "csrf-2", userAgent: nil,
                               createdAt: now.addingTimeInterval(10), lastSeenAt: now.addingTimeInterval(10), revokedAt: nil)
        try await store.insertWebSession(laptop, tokenHash: "token-1")
        try await store.insertWebSession(phone, tokenHash: "token-2")
        await #expect(throws: ConflictError.self) {
            try await store.insertWebSession(WebSession(id: .generate(.session), userID: mo.id, workspaceID: workspace.id, csrfToken: "c",
                                                        userAgent: nil, createdAt: now, lastSeenAt: now, revokedAt: nil), tokenHash: "token-1")
        }
        #expect(try await store.webSession(tokenHash: "token-1") == laptop)
        #expect(try await store.webSession(tokenHash: "nope") == nil)
        #expect(try await store.webSessions(of: ann.id) == [phone, laptop], "newest first")
        #expect(try await store.webSessions(of: mo.id).isEmpty)

        try await store.touchWebSession(laptop.id, at: now.addingTimeInterval(600))
        #expect(try await store.webSession(tokenHash: "token-1")?.lastSeenAt == now.addingTimeInterval(600))
        #expect(try await store.revokeWebSession(laptop.id, of: mo.id, at: now) == false, "not another user's session")
        #expect(try await store.revokeWebSession(laptop.id, of: ann.id, at: now.addingTimeInterval(700)))
        #expect(try await store.revokeWebSession(laptop.id, of: ann.id, at: now.addingTimeInterval(800)))
        #expect(try await store.webSession(tokenHash: "token-1")?.revokedAt == now.addingTimeInterval(700), "revoked once")
        #expect(try await store.webSession(tokenHash: "token-2")?.revokedAt == nil)
    }
}

/// The shared checks on a real SQLite file.
@Suite struct SQLiteSharedCheckTests {
    @Test func workspacesKeysAndTheSecret() async throws {
        let temp = TemporaryDatabase()
        try await WorkspaceStoreChecks.run(try SQLiteStore(path: temp.path))
    }

    @Test func usersAndIdempotencyKeys() async throws {
        let temp = TemporaryDatabase()
        try await UserAndIdempotencyChecks.run(try SQLiteStore(path: temp.path))
    }

    @Test func webSessions() async throws {
        let temp = TemporaryDatabase()
        try await WebSessionChecks.run(try SQLiteStore(path: temp.path))
    }

    @Test func sendersAndCampaigns() async throws {
        let temp = TemporaryDatabase()
        try await CampaignStoreChecks.run(try SQLiteStore(path: temp.path))
    }

    @Test func contactsListsSuppressionsAndImports() async throws {
        let temp = TemporaryDatabase()
        try await ContactStoreChecks.run(try SQLiteStore(path: temp.path))
    }

    @Test func leads() async throws {
        let temp = TemporaryDatabase()
        try await LeadStoreChecks.run(try SQLiteStore(path: temp.path))
    }

    @Test func eventsAndWebhooks() async throws {
        let temp = TemporaryDatabase()
        try await EventStoreChecks.run(try SQLiteStore(path: temp.path))
    }
}

/// The shared checks on a real PostgreSQL server, a fresh database each; and what only PostgreSQL has.
@Suite(TestPeer.postgres.trait) struct PostgresStoreTests {
    @Test func workspacesKeysAndTheSecret() async throws {
        let store = try await PostgresStore(url: try await PostgresServer.freshDatabase(), maximumConnections: 4)
        defer { store.close() }
        try await WorkspaceStoreChecks.run(store)
    }

    @Test func usersAndIdempotencyKeys() async throws {
        let store = try await PostgresStore(url: try await PostgresServer.freshDatabase(), maximumConnections: 4)
        defer { store.close() }
        try await UserAndIdempotencyChecks.run(store)
    }

    @Test func webSessions() async throws {
        let store = try await PostgresStore(url: try await PostgresServer.freshDatabase(), maximumConnections: 4)
        defer { store.close() }
        try await WebSessionChecks.run(store)
    }

    @Test func sendersAndCampaigns() async throws {
        let store = try await PostgresStore(url: try await PostgresServer.freshDatabase(), maximumConnections: 4)
        defer { store.close() }
        try await CampaignStoreChecks.run(store)
    }

    @Test func contactsListsSuppressionsAndImports() async throws {
        let store = try await PostgresStore(url: try await PostgresServer.freshDatabase(), maximumConnections: 4)
        defer { store.close() }
        try await ContactStoreChecks.run(store)
    }

    @Test func leads() async throws {
        let store = try await PostgresStore(url: try await PostgresServer.freshDatabase(), maximumConnections: 4)
        defer { store.close() }
        try await LeadStoreChecks.run(store)
    }

    @Test func eventsAndWebhooks() async throws {
        let store = try await PostgresStore(url: try await PostgresServer.freshDatabase(), maximumConnections: 4)
        defer { store.close() }
        try await EventStoreChecks.run(store)
    }

    @Test func migratingIsDoneOnceEvenByServersStartingTogether() async throws {
        let url = try await PostgresServer.freshDatabase()
        let stores = try await withThrowingTaskGroup(of: PostgresStore.self) { group in
            for _ in 0..<4 { group.addTask { try await PostgresStore(url: url) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        defer { stores.forEach { $0.close() } }
        for store in stores {
            #expect(try await store.appliedMigrations() == ["v1-workspaces-and-keys", "v2-users-and-idempotency", "v3-web-sessions", "v4-outreach", "v5-wake-ups", "v6-mailbox-watches", "v7-events-numbered-at-commit", "v8-message-events-per-statement", "v9-lead-events-and-deliveries-per-statement", "v10-senders-in-flight", "v11-events-numbered-once-per-transaction", "v12-events-look-rows-up-by-key", "v13-due-rank-by-seq", "v14-senders-in-flight-unindexed", "v15-events-numbered-from-the-first"])
        }
        let secrets = try await withThrowingTaskGroup(of: [UInt8].self) { group in
            for store in stores { group.addTask { try await store.instanceSecret() } }
            return try await group.reduce(into: Set<[UInt8]>()) { $0.insert($1) }
        }
        #expect(secrets.count == 1, "one secret for the database")
        #expect(stores[0].location == url, "the URL, which has no password here")
    }

    @Test func aWrongURLSaysWhatItShouldBe() async throws {
        let error = await #expect(throws: ValidationError.self) { try await PostgresStore(url: "mysql://localhost/outbound") }
        #expect(error?.issues.first?.field == "database")
        let mode = await #expect(throws: ValidationError.self) { try await PostgresStore(url: "postgres://u@localhost/db?sslmode=sometimes") }
        #expect(mode?.issues.first?.message.contains("sslmode sometimes") == true)
    }
}
