import Foundation
import OutboundCore
import OutboundStoreFormats
import PostgresNIO

extension PostgresStore {
    public func actionTimes(of campaign: ID, in workspace: ID) async throws -> [Date] {
        try await Self.values(client.query("""
            SELECT a.created_at FROM actions a JOIN campaigns k ON k.seq = a.campaign_seq
            WHERE k.id = \(campaign.rawValue) AND k.workspace_id = \(workspace.rawValue) AND a.state IN ('sent', 'sending', 'uncertain')
            ORDER BY a.seq
            """, logger: logger), as: Int64.self).map(Self.date)
    }

    public func nextSend(of campaign: ID, in workspace: ID) async throws -> Date? {
        // Over the campaign's active senders: the later of the sender's next slot (or pacing) and
        // its earliest due lead of the campaign.
        try await Self.values(client.query("""
            SELECT min(greatest(d.due, coalesce(s.next_slot_at, s.pacing_until, d.due)))
            FROM campaigns k JOIN campaign_senders cs ON cs.campaign_seq = k.seq JOIN senders s ON s.seq = cs.sender_seq
            CROSS JOIN LATERAL (SELECT min(e.due_at) AS due FROM enrollments e
                                WHERE e.sender_seq = s.seq AND e.priority = k.priority AND e.lane IN (0, 1)
                                  AND e.due_at IS NOT NULL AND e.campaign_seq = k.seq) d
            WHERE k.id = \(campaign.rawValue) AND k.workspace_id = \(workspace.rawValue) AND s.status = 'active' AND d.due IS NOT NULL
            """, logger: logger), as: Int64?.self).first.flatMap { $0 }.map(Self.date)
    }

    public func dueLeadCount(at now: Date) async throws -> Int {
        try await Self.values(client.query("""
            SELECT count(*) FROM enrollments WHERE due_at IS NOT NULL AND due_at <= \(Self.millis(now))
            """, logger: logger), as: Int.self).first ?? 0
    }

    /// What a forecast of `campaign` starts from, read in one transaction (the SQLite store's
    /// `forecastState` says what and why). A paused campaign's leads are read as resumed at `now`.
    public func forecastState(of campaign: Campaign, at now: Date) async throws -> EngineState {
        try await snapshot { sql in
            let connection = sql.connection
            var state = EngineState()
            let nowMs = Self.millis(now), since = nowMs - 2 * 86_400_000
            guard let targetSeq = try await Self.seq(of: campaign.id, table: "campaigns", sql) else { return state }
            var senderIDs: [Int64: ID] = [:]
            var senderRows: [(seq: Int64, sender: Sender, pacing: Int64?, log: SenderUsageLog)] = []
            for row in try await sql.rows("""
                SELECT s.* FROM campaign_senders cs JOIN senders s ON s.seq = cs.sender_seq WHERE cs.campaign_seq = \(targetSeq) ORDER BY s.seq
                """) {
                let sender = try Self.sender(row)
                let seq: Int64 = try row["seq"]
                senderIDs[seq] = sender.id
                senderRows.append((seq, sender, try row["pacing_until"], SenderUsageLog(try row["recent"] as Data?)))
            }
            guard !senderRows.isEmpty else {
                state.campaigns = [campaign]
                return state
            }
            let senderSeqs = senderRows.map(\.seq)
            var campaignSeqs: [Int64: Campaign] = [targetSeq: campaign]
            for other in try await Self.campaigns("""
                SELECT DISTINCT k.* FROM campaign_senders cs JOIN campaigns k ON k.seq = cs.campaign_seq
                WHERE cs.sender_seq = ANY(\(senderSeqs)) AND k.status = 'active' AND k.seq != \(targetSeq)
                """, on: connection, logger: self.logger) {
                if let seq = try await Self.seq(of: other.id, table: "campaigns", sql) { campaignSeqs[seq] = other }
            }
            state.campaigns = Array(campaignSeqs.values)
            for (_, sender, pacing, log) in senderRows {
                let usage = log.entries.map { entry -> EngineState.UsageRecord in
                    // Usage of a campaign not simulated still counts against the sender's caps.
                    let owner = campaignSeqs[entry.campaign]?.id ?? ID(trusted: "campaign_seq\(entry.campaign)")
                    return EngineState.UsageRecord(at: Self.date(entry.at), campaignID: owner, kind: entry.kind)
                }
                state.senders.append(.init(sender: sender, usage: usage, pacingUntil: Self.date(pacing)))
            }
            let campaignList = Array(campaignSeqs.keys)
            let rows = try await sql.rows("""
                SELECT \(unescaped: Self.enrollmentSelect) FROM enrollments e
                JOIN contacts c ON c.seq = e.contact_seq JOIN campaigns k ON k.seq = e.campaign_seq LEFT JOIN senders x ON x.seq = e.sender_seq
                WHERE e.campaign_seq = ANY(\(campaignList)) AND e.sender_seq = ANY(\(senderSeqs)) AND e.state IN ('active', 'waiting')
                ORDER BY e.seq
                """)
            var contactSeqs: [Int64] = []
            for row in rows {
                var enrollment = try Self.enrollment(row)
                if enrollment.dueAt == nil, try row["campaign_seq"] as Int64 == targetSeq, let held: Int64 = try row["held_due_at"] {
                    let resumed: Date = Self.date(max(held, nowMs))
                    enrollment.dueAt = resumed
                }
                state.enrollments.append(enrollment)
                contactSeqs.append(try row["contact_seq"])
            }
            // The campaign's pending leads are admitted into the forecast: their contacts too.
            contactSeqs += try await sql.values("""
                SELECT contact_seq FROM enrollments WHERE campaign_seq = \(targetSeq) AND state = 'pending'
                """, as: Int64.self)
            state.contacts = Array(try await Self.contacts(seqs: contactSeqs, sql).values)
            state.suppressedContacts = try await Self.suppressed(state.contacts, sql)
            for row in try await sql.rows("""
                SELECT s.enrollment_seq, s.action_id, s.type, s.due_at FROM scheduled_signals s JOIN enrollments e ON e.seq = s.enrollment_seq
                WHERE e.campaign_seq = ANY(\(campaignList)) AND e.sender_seq = ANY(\(senderSeqs))
                ORDER BY s.due_at, s.seq
                """) {
                guard let type = SignalType(rawValue: try row["type"]) else { continue }
                state.signals.append(.init(enrollmentSeq: try row["enrollment_seq"], actionID: (try row["action_id"] as String?).map(ID.init(trusted:)),
                                           signal: ScheduledSignal(type: type, at: Self.date(try row["due_at"] as Int64))))
            }
            for (seq, value) in campaignSeqs {
                state.startedTimes[value.id] = try await sql.values("""
                    SELECT started_at FROM enrollments WHERE campaign_seq = \(seq) AND started_at >= \(since) ORDER BY started_at
                    """, as: Int64.self).map { Self.date($0) }
            }
            for workspace in Set(campaignSeqs.values.map(\.workspaceID)) {
                guard let quota = try await sql.value("SELECT daily_quota FROM workspaces WHERE id = \(workspace.rawValue)", as: Int.self)
                else { continue }
                let times = try await sql.values("""
                    SELECT created_at FROM actions WHERE workspace_id = \(workspace.rawValue) AND created_at >= \(since)
                      AND state IN ('sending', 'sent', 'uncertain')
                    ORDER BY created_at
                    """, as: Int64.self).map { Self.date($0) }
                state.workspaceQuotas[workspace] = (quota, times)
            }
            return state
        }
    }
}
