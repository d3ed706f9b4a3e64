import Foundation
import GRDB
import Testing
import OutboundCore
@testable import OutboundStore
import OutboundStoreFormats

@Suite struct SQLiteStoreTests {
    let now = Date(timeIntervalSince1970: 1_790_000_000.123)

    func workspace(_ store: SQLiteStore, name: String = "Acme") async throws -> Workspace {
        let workspace = Workspace(id: .generate(.workspace), name: name, createdAt: now, updatedAt: now)
        let key = ApiKey(id: .generate(.key), workspaceID: workspace.id, name: "default", prefix: "ob_live_abcd",
                         hash: UUID().uuidString, createdAt: now)
        try await store.insertWorkspace(workspace, firstKey: key)
        return workspace
    }

    func emailSender(in workspace: ID, address: String = "jane@example.com") -> Sender {
        Sender(id: .generate(.sender), workspaceID: workspace, channel: .email, displayName: "Jane", email: address,
               timezone: Zone("Europe/Berlin")!,
               settings: ProviderSettings(smtp: SMTPSettings(host: "smtp.example.com", port: 587, security: .starttls,
                                                             username: "jane", password: "secret")),
               createdAt: now, updatedAt: now)
    }

    @Test func opensWithWALForeignKeysAndEveryMigration() throws {
        let temp = TemporaryDatabase()
        let store = try SQLiteStore(path: temp.path)
        #expect(try store.appliedMigrations() == ["v1-foundation", "v2-contacts-lists-leads", "v3-sequences", "v4-engine", "v5-automations", "v6-channels", "v7-users", "v8-engine-throughput", "v9-rebalance-steps", "v10-follow-ups-first", "v11-opaque-idempotent-replies", "v12-leads-in-order", "v13-key-rate-limits", "v14-event-log-and-webhooks", "v15-mailboxes-and-members", "v16-web-app", "v17-inbound-receipts"])
        let journal = try store.pool.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") }
        let foreignKeys = try store.pool.read { db in try Int.fetchOne(db, sql: "PRAGMA foreign_keys") }
        let synchronous = try store.pool.write { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") }
        #expect(journal == "wal")
        #expect(foreignKeys == 1)
        #expect(synchronous == 2, "FULL")
    }

    @Test func senderAndCampaignRoundTripThroughAReopenedFile() async throws {
        let temp = TemporaryDatabase()
        let ws: Workspace
        let sender: Sender
        let campaign: Campaign
        do {
            let store = try SQLiteStore(path: temp.path)
            ws = try await workspace(store)
            sender = emailSender(in: ws.id)
            try await store.insertSender(sender)
            campaign = Campaign(
                id: .generate(.campaign), workspaceID: ws.id, name: "Q2 outreach", description: "CEOs", channel: .email,
                dryRun: true, priority: 7, timezone: Zone("America/New_York")!,
                schedule: try Schedule.parse(["monday": [.init(start: "09:00", end: "12:00"), .init(start: "13:00", end: "24:00")]]),
                startAt: now.addingTimeInterval(3600), senderIDs: [sender.id], hourlyMessageRate: 12, dailyLimit: 300,
                stopOnReply: false, openTracking: true, signature: "Best,\n{{sender.first_name}}", skipOtherCampaigns: false,
                sendInLeadTimezone: true, createdAt: now, updatedAt: now)
            try await store.insertCampaign(campaign)
        }
        let reopened = try SQLiteStore(path: temp.path)
        #expect(try await reopened.workspace(ws.id) == ws)
        #expect(try await reopened.sender(sender.id, in: ws.id) == sender)
        #expect(try await reopened.campaign(campaign.id, in: ws.id) == campaign)
        #expect(try await reopened.campaign(named: "Q2 outreach", in: ws.id)?.id == campaign.id)
    }

    @Test func campaignNamesAreUniquePerWorkspaceOnly() async throws {
        let store = try SQLiteStore.inMemory()
        let a = try await workspace(store, name: "A"), b = try await workspace(store, name: "B")
        func campaign(_ ws: ID) -> Campaign {
            Campaign(id: .generate(.campaign), workspaceID: ws, name: "Same", channel: .linkedin, createdAt: now, updatedAt: now)
        }
        try await store.insertCampaign(campaign(a.id))
        try await store.insertCampaign(campaign(b.id))
        await #expect(throws: ConflictError.self) { try await store.insertCampaign(campaign(a.id)) }
    }

    @Test func anotherWorkspacesIDsReadAsAbsent() async throws {
        let store = try SQLiteStore.inMemory()
        let a = try await workspace(store, name: "A"), b = try await workspace(store, name: "B")
        let sender = emailSender(in: a.id)
        try await store.insertSender(sender)
        #expect(try await store.sender(sender.id, in: b.id) == nil)
        #expect(try await store.senders([sender.id], in: b.id).isEmpty)
        #expect(try await store.senders(in: b.id, page: PageRequest()).items.isEmpty)
        // A campaign of B cannot link A's sender, even if validation were skipped.
        let sneaky = Campaign(id: .generate(.campaign), workspaceID: b.id, name: "x", channel: .email,
                              senderIDs: [sender.id], createdAt: now, updatedAt: now)
        await #expect(throws: ValidationError("sender_ids[0]", "no sender \(sender.id) in this workspace")) {
            try await store.insertCampaign(sneaky)
        }
        #expect(try await store.campaign(sneaky.id, in: b.id) == nil, "the failed insert left nothing behind")
        try await store.deleteSender(sender.id, in: b.id)
        #expect(try await store.sender(sender.id, in: a.id) != nil)
    }

    @Test func pagesFollowCreationOrderWithCursor() async throws {
        let store = try SQLiteStore.inMemory()
        let ws = try await workspace(store)
        var ids: [ID] = []
        for index in 0..<5 {
            let sender = emailSender(in: ws.id, address: "s\(index)@example.com")
            try await store.insertSender(sender)
            ids.append(sender.id)
        }
        let first = try await store.senders(in: ws.id, page: PageRequest(limit: 2))
        #expect(first.items.map(\.id) == Array(ids[0..<2]) && first.hasMore)
        let second = try await store.senders(in: ws.id, page: PageRequest(limit: 2, startingAfter: ids[1]))
        #expect(second.items.map(\.id) == Array(ids[2..<4]) && second.hasMore)
        let last = try await store.senders(in: ws.id, page: PageRequest(limit: 2, startingAfter: ids[3]))
        #expect(last.items.map(\.id) == [ids[4]] && !last.hasMore)
        await #expect(throws: ValidationError.self) {
            try await store.senders(in: ws.id, page: PageRequest(limit: 2, startingAfter: .generate(.sender)))
        }
    }

    @Test func deletingASenderTakesItOffCampaigns() async throws {
        let store = try SQLiteStore.inMemory()
        let ws = try await workspace(store)
        let one = emailSender(in: ws.id, address: "one@example.com"), two = emailSender(in: ws.id, address: "two@example.com")
        try await store.insertSender(one)
        try await store.insertSender(two)
        let campaign = Campaign(id: .generate(.campaign), workspaceID: ws.id, name: "c", channel: .email,
                                senderIDs: [two.id, one.id], createdAt: now, updatedAt: now)
        try await store.insertCampaign(campaign)
        #expect(try await store.campaigns(usingSender: one.id, in: ws.id).map(\.id) == [campaign.id])
        try await store.deleteSender(one.id, in: ws.id)
        #expect(try await store.campaign(campaign.id, in: ws.id)?.senderIDs == [two.id])
    }

    @Test func aNewSenderListAndItsRebalanceAreWrittenTogetherOrNotAtAll() async throws {
        let store = try SQLiteStore.inMemory()
        let ws = try await workspace(store)
        let one = emailSender(in: ws.id, address: "one@example.com"), two = emailSender(in: ws.id, address: "two@example.com")
        try await store.insertSender(one)
        try await store.insertSender(two)
        var campaign = Campaign(id: .generate(.campaign), workspaceID: ws.id, name: "c", channel: .email, status: .paused,
                                senderIDs: [one.id], createdAt: now, updatedAt: now)
        try await store.insertCampaign(campaign)
        // A sender that vanished since validation fails the whole write: no new list, no rebalance.
        campaign.senderIDs = [one.id, .generate(.sender)]
        await #expect(throws: ValidationError.self) { try await store.updateCampaign(campaign, rebalancing: true) }
        let unchanged = try #require(try await store.campaign(campaign.id, in: ws.id))
        #expect(unchanged.senderIDs == [one.id] && !unchanged.isRebalancing)
        campaign.senderIDs = [one.id, two.id]
        try await store.updateCampaign(campaign, rebalancing: true)
        let moved = try #require(try await store.campaign(campaign.id, in: ws.id))
        #expect(moved.senderIDs == [one.id, two.id] && moved.isRebalancing)
    }

    @Test func senderIdentityIsUniquePerChannel() async throws {
        let store = try SQLiteStore.inMemory()
        let ws = try await workspace(store)
        try await store.insertSender(emailSender(in: ws.id))
        await #expect(throws: ConflictError.self) { try await store.insertSender(emailSender(in: ws.id)) }
    }

    @Test func idempotencyKeysClaimReplayAndMismatch() async throws {
        let store = try SQLiteStore.inMemory()
        let ws = try await workspace(store)
        #expect(try await store.claimIdempotencyKey("k1", requestHash: "h1", in: ws.id, at: now, expiry: 3600) == .claimed)
        #expect(try await store.claimIdempotencyKey("k1", requestHash: "h1", in: ws.id, at: now, expiry: 3600) == .inProgress)
        let stored = Array("201\napplication/json\n{\"ok\":true}".utf8)
        try await store.completeIdempotencyKey("k1", in: ws.id, reply: stored)
        #expect(try await store.claimIdempotencyKey("k1", requestHash: "h1", in: ws.id, at: now, expiry: 3600) == .replay(stored))
        #expect(try await store.claimIdempotencyKey("k1", requestHash: "h2", in: ws.id, at: now, expiry: 3600) == .mismatch)
        // Expired keys are forgotten.
        let later = now.addingTimeInterval(7200)
        #expect(try await store.claimIdempotencyKey("k1", requestHash: "h2", in: ws.id, at: later, expiry: 3600) == .claimed)
        try await store.releaseIdempotencyKey("k1", in: ws.id)
        #expect(try await store.claimIdempotencyKey("k1", requestHash: "h3", in: ws.id, at: later, expiry: 3600) == .claimed)
    }

    @Test func keptIdempotentAnswersSurviveTheMoveToOpaqueReplies() async throws {
        let temp = TemporaryDatabase()
        let queue = try DatabaseQueue(path: temp.path)
        try SQLiteStore.migrator.migrate(queue, upTo: "v10-follow-ups-first")
        let createdAt = Int64(now.timeIntervalSince1970 * 1000)
        try await queue.write { db in
            try db.execute(sql: "INSERT INTO workspaces (id, name, created_at, updated_at) VALUES ('workspace_1', 'Old', ?, ?)",
                           arguments: [createdAt, createdAt])
            try db.execute(sql: """
                INSERT INTO idempotency_keys (workspace_id, key, request_hash, status, content_type, body, created_at)
                VALUES ('workspace_1', 'done', 'h', 201, 'application/json', CAST('{"ok":1}' AS BLOB), ?),
                       ('workspace_1', 'busy', 'h', NULL, NULL, NULL, ?)
                """, arguments: [createdAt, createdAt])
        }
        try queue.close()
        let store = try SQLiteStore(path: temp.path)
        let workspace = ID(trusted: "workspace_1")
        #expect(try await store.claimIdempotencyKey("done", requestHash: "h", in: workspace, at: now, expiry: 3600)
                == .replay(Array("201\napplication/json\n{\"ok\":1}".utf8)))
        #expect(try await store.claimIdempotencyKey("busy", requestHash: "h", in: workspace, at: now, expiry: 3600) == .inProgress)
    }

    @Test func revokingKeepsTheFirstRevocationTime() async throws {
        let store = try SQLiteStore.inMemory()
        let ws = try await workspace(store)
        let key = ApiKey(id: .generate(.key), workspaceID: ws.id, name: "ci", prefix: "ob_live_1234", hash: "abc", createdAt: now)
        try await store.insertApiKey(key)
        let first = try await store.revokeApiKey(key.id, in: ws.id, at: now.addingTimeInterval(10))
        let second = try await store.revokeApiKey(key.id, in: ws.id, at: now.addingTimeInterval(20))
        #expect(first?.revokedAt == second?.revokedAt && first?.revokedAt != nil)
        #expect(try await store.apiKey(hash: "abc")?.isRevoked == true)
        #expect(try await store.revokeApiKey(.generate(.key), in: ws.id, at: now) == nil)
    }
}

@Suite struct SenderUsageLogTests {
    @Test func recordsSurviveEncodingWithTimesRoundedUpToTheSecond() {
        var log = SenderUsageLog()
        log.append(at: 1_000_000_400, campaign: 7, kind: .email)
        log.append(at: 1_000_060_000, campaign: 9, kind: .connectionRequest)
        let decoded = SenderUsageLog(log.data)
        #expect(decoded.entries == [
            .init(at: 1_000_001_000, campaign: 7, kind: .email), .init(at: 1_000_060_000, campaign: 9, kind: .connectionRequest),
        ])
        #expect(log.data?.count == 16)
        #expect(SenderUsageLog(nil).entries.isEmpty && SenderUsageLog().data == nil)
    }

    @Test func aWeekOldRecordIsForgottenAndARemovedOneNoLongerCounts() {
        var log = SenderUsageLog()
        let day: Int64 = 86_400_000
        log.append(at: 0, campaign: 1, kind: .email)
        log.append(at: 3 * day, campaign: 1, kind: .email)
        log.append(at: 3 * day + 5_000, campaign: 2, kind: .email)
        #expect(log.usage(at: 3 * day + 10_000)[.email]?.times.count == 3)
        #expect(log.times(of: 2, since: 3 * day).times.count == 1)
        log.remove(at: 3 * day + 4_200, campaign: 2, kind: .email)  // the same second, rounded up
        #expect(log.times(of: 2, since: 0).times.isEmpty)
        log.append(at: 7 * day + 1_000, campaign: 1, kind: .sms)
        #expect(log.entries.map(\.at) == [3 * day, 7 * day + 1_000])
    }
}

