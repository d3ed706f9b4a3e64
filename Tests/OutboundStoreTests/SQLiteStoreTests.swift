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

