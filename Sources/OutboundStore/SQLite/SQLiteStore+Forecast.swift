import Foundation
import GRDB
import OutboundCore
import OutboundStoreFormats

extension SQLiteStore {
    public func actionTimes(of campaign: ID, in workspace: ID) async throws -> [Date] {
        try await read { db in
            try Int64.fetchAll(db, sql: """
                SELECT a.created_at FROM actions a JOIN campaigns k ON k.seq = a.campaign_seq
                WHERE k.id = ? AND k.workspace_id = ? AND a.state IN ('sent', 'sending', 'uncertain')
                """, arguments: [campaign.rawValue, workspace.rawValue]).map(Self.date)
        }
    }

    public func nextSend(of campaign: ID, in workspace: ID) async throws -> Date? {
        try await read { db in
            guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT seq, priority FROM campaigns WHERE id = ? AND workspace_id = ?"),
                                             arguments: [campaign.rawValue, workspace.rawValue]) else { return nil }
            let campaignSeq: Int64 = row[0], priority: Int = row[1]
            var soonest: Int64?
            for sender in try Row.fetchAll(db.cachedStatement(sql: """
                SELECT s.seq, s.next_slot_at, s.pacing_until FROM campaign_senders cs JOIN senders s ON s.seq = cs.sender_seq
                WHERE cs.campaign_seq = ? AND s.status = 'active'
                """), arguments: [campaignSeq]) {
                // The due index at the campaign's priority, each lane in due order: the first lead of this campaign.
                for lane in 0...1 {
                    guard let due = try Int64.fetchOne(db.cachedStatement(sql: """
                        SELECT due_at FROM enrollments WHERE sender_seq = ? AND priority = ? AND lane = ? AND due_at IS NOT NULL AND campaign_seq = ?
                        ORDER BY due_at LIMIT 1
                        """), arguments: [sender[0] as Int64, priority, lane, campaignSeq]) else { continue }
                    let at = max(due, (sender[1] as Int64?) ?? (sender[2] as Int64?) ?? due)
                    soonest = min(soonest ?? at, at)
                }
            }
            return soonest.map(Self.date)
        }
    }

    public func dueLeadCount(at now: Date) async throws -> Int {
        try await read { db in
            try Int.fetchOne(db.cachedStatement(sql: "SELECT count(*) FROM enrollments WHERE due_at IS NOT NULL AND due_at <= ?"),
                             arguments: [Self.millis(now)]) ?? 0
        }
    }

    /// What a forecast of `campaign` starts from, read in one transaction: the campaign's
    /// senders (usage, pacing), the active campaigns sharing them, their open leads on those
    /// senders with contacts, suppressions and scheduled signals, and the counts that campaign
    /// and workspace limits start from. A paused campaign's leads are read as resumed at `now`.
    public func forecastState(of campaign: Campaign, at now: Date) async throws -> EngineState {
        try await read { [cache] db in
            var state = EngineState()
            let nowMs = Self.millis(now), since = nowMs - 2 * 86_400_000
            guard let targetSeq = try cache.seq(of: campaign.id, table: "campaigns", db) else { return state }
            var senderIDs: [Int64: ID] = [:]
            var senderRows: [(seq: Int64, sender: Sender, pacing: Int64?, log: SenderUsageLog)] = []
            for row in try Row.fetchAll(db, sql: """
                SELECT s.seq, s.revision, s.pacing_until, s.recent FROM campaign_senders cs JOIN senders s ON s.seq = cs.sender_seq
                WHERE cs.campaign_seq = ? ORDER BY s.seq
                """, arguments: [targetSeq]) {
                guard let sender = try cache.sender(row[0], revision: row[1], db) else { continue }
                senderIDs[row[0]] = sender.id
                senderRows.append((row[0], sender, row[2], SenderUsageLog(row[3] as Data?)))
            }
            guard !senderRows.isEmpty else {
                state.campaigns = [campaign]
                return state
            }
            let senderList = senderRows.map { String($0.seq) }.joined(separator: ",")
            var campaignSeqs: [Int64: Campaign] = [targetSeq: campaign]
            for row in try Row.fetchAll(db, sql: """
                SELECT DISTINCT k.seq, k.revision FROM campaign_senders cs JOIN campaigns k ON k.seq = cs.campaign_seq
                WHERE cs.sender_seq IN (\(senderList)) AND k.status = 'active' AND k.seq != ?
                """, arguments: [targetSeq]) {
                if let other = try cache.campaign(row[0], revision: row[1], db) { campaignSeqs[row[0]] = other }
            }
            state.campaigns = Array(campaignSeqs.values)
            for (_, sender, pacing, log) in senderRows {
                let usage = log.entries.compactMap { entry -> EngineState.UsageRecord? in
                    // Usage of a campaign not simulated still counts against the sender's caps.
                    let owner = campaignSeqs[entry.campaign]?.id ?? ID(trusted: "campaign_seq\(entry.campaign)")
                    return EngineState.UsageRecord(at: Self.date(entry.at), campaignID: owner, kind: entry.kind)
                }
                state.senders.append(.init(sender: sender, usage: usage, pacingUntil: Self.date(pacing)))
            }
            let campaignList = campaignSeqs.keys.map(String.init).joined(separator: ",")
            var contacts: [ID: Contact] = [:]
            let rows = try Row.fetchCursor(db, sql: """
                SELECT \(Self.enrollmentColumns), e.held_due_at FROM enrollments e
                JOIN contacts c ON c.seq = e.contact_seq JOIN campaigns k ON k.seq = e.campaign_seq
                WHERE e.campaign_seq IN (\(campaignList)) AND e.sender_seq IN (\(senderList)) AND e.state IN ('active', 'waiting')
                """)
            while let row = try rows.next() {
                let senderSeq: Int64? = row[12]
                var enrollment = Self.enrollment(columns: row, senderID: senderSeq.flatMap { senderIDs[$0] })
                if enrollment.dueAt == nil, row[1] as Int64 == targetSeq, let held = row[Self.enrollmentColumnCount] as Int64? {
                    let resumed: Date = Self.date(max(held, nowMs))
                    enrollment.dueAt = resumed
                }
                state.enrollments.append(enrollment)
                if contacts[enrollment.contactID] == nil {
                    contacts[enrollment.contactID] = try Self.contactByPosition(row, from: Self.contactInEnrollmentColumns)
                }
            }
            // The campaign's pending leads are admitted into the forecast: their contacts too.
            let pending = try Row.fetchCursor(db, sql: """
                SELECT \(Self.contactColumns(as: "c")) FROM enrollments e JOIN contacts c ON c.seq = e.contact_seq
                WHERE e.campaign_seq = ? AND e.state = 'pending'
                """, arguments: [targetSeq])
            while let row = try pending.next() {
                let contact = try Self.contactByPosition(row, from: 0)
                contacts[contact.id] = contact
            }
            state.contacts = Array(contacts.values)
            state.suppressedContacts = try Self.suppressed(state.contacts, db)
            for row in try Row.fetchAll(db, sql: """
                SELECT s.enrollment_seq, s.action_id, s.type, s.due_at FROM scheduled_signals s JOIN enrollments e ON e.seq = s.enrollment_seq
                WHERE e.campaign_seq IN (\(campaignList)) AND e.sender_seq IN (\(senderList))
                ORDER BY s.due_at, s.seq
                """) {
                guard let type = SignalType(rawValue: row[2]) else { continue }
                state.signals.append(.init(enrollmentSeq: row[0], actionID: (row[1] as String?).map(ID.init(trusted:)),
                                           signal: ScheduledSignal(type: type, at: Self.date(row[3] as Int64))))
            }
            for (seq, value) in campaignSeqs {
                state.startedTimes[value.id] = try Int64.fetchAll(db.cachedStatement(sql: """
                    SELECT started_at FROM enrollments WHERE campaign_seq = ? AND started_at >= ? ORDER BY started_at
                    """), arguments: [seq, since]).map(Self.date)
            }
            for workspace in Set(campaignSeqs.values.map(\.workspaceID)) {
                guard let quota = try Int.fetchOne(db.cachedStatement(sql: "SELECT daily_quota FROM workspaces WHERE id = ?"),
                                                   arguments: [workspace.rawValue]) else { continue }
                let times = try Int64.fetchAll(db.cachedStatement(sql: """
                    SELECT created_at FROM actions WHERE workspace_id = ? AND created_at >= ? AND state IN ('sending', 'sent', 'uncertain')
                    ORDER BY created_at
                    """), arguments: [workspace.rawValue, since]).map(Self.date)
                state.workspaceQuotas[workspace] = (quota, times)
            }
            return state
        }
    }
}
