import Foundation
import GRDB
import OutboundCore
import OutboundStoreFormats
import Synchronization

// The dispatcher's hot path: one write transaction per tick claims (signals, snapshot, plan,
// actions), one more records the outcomes. Every statement is a cached, index-backed seek;
// campaigns and senders are decoded once per revision; counters are summed in memory and
// written once per key and transaction.

extension SQLiteStore {
    public func claim(_ request: ClaimRequest) async throws -> ClaimResult {
        try await write { [cache] db in
            let now = request.at
            var ledger = CounterLedger()
            var result = ClaimResult()
            let pending = try Self.dueSignals(db, at: now, limit: request.maxSignals, cache: cache)
            if !pending.isEmpty {
                try Self.applySignals(request.react(pending), db, at: now, ledger: &ledger)
                result.signals = pending.count
            }
            result.moves = try Self.rebalanceStep(db, at: now, cache: cache)
            var read = DispatchRead()
            let snapshots = try Self.snapshot(db, at: now, maxSenders: request.maxSenders, candidatesPerSender: request.candidatesPerSender,
                                              cache: cache, read: &read)
            result.senders = snapshots.count
            if !snapshots.isEmpty {
                let plan = request.decide(snapshots)
                let applied = try Self.apply(plan, read: read, db, at: now, cache: cache, ledger: &ledger)
                result.claims = applied.claims
                result.moves += plan.moves.count + applied.deferred
            }
            try Self.completeFinished(ledger.ended, db, at: now)
            try ledger.flush(db)
            if result.claims.isEmpty { result.nextWake = try Self.nextWake(db) }
            return result
        }
    }

    @discardableResult
    public func record(_ settlement: Settlement, at now: Date) async throws -> Date? {
        try await writeRelaxed { [cache] db in
            let nowMs = Self.millis(now)
            var ledger = CounterLedger()
            var freed: Set<Int64> = []
            for update in settlement.actions {
                let action = update.action
                try db.cachedStatement(sql: """
                    UPDATE actions SET state = ?, provider_id = coalesce(?, provider_id), error = ?, updated_at = ?,
                        sent_at = CASE WHEN ? = 'sent' THEN ? ELSE sent_at END
                    WHERE id = ?
                    """).execute(arguments: [update.state.rawValue, update.providerID, update.error, nowMs, update.state.rawValue, nowMs,
                                     action.id.rawValue])
                switch update.state {
                case .sent:
                    guard let campaignSeq = try cache.seq(of: action.campaignID, table: "campaigns", db) else { continue }
                    ledger.addSent(action, campaignSeq: campaignSeq)
                    // message.sent is logged by the actions trigger (EventSchema).
                case .queued:
                    // Proven not to have gone out: it no longer counts against the sender's limits.
                    try Self.forgetUsage(of: action.id, db)
                default:
                    break
                }
            }
            var touched: Set<Int64> = []
            for move in settlement.moves {
                guard let old = try Self.stored(move.seq, db) else { continue }
                try Self.write(move, old: old, senderSeq: try move.senderID.flatMap { try cache.seq(of: $0, table: "senders", db) },
                               rank: nil, db, at: now, ledger: &ledger)
                if let sender = old.senderSeq { touched.insert(sender) }
            }
            for suppression in settlement.suppressions {
                try db.cachedStatement(sql: """
                    INSERT OR IGNORE INTO suppressions (id, workspace_id, kind, value, reason, created_at) VALUES (?, ?, ?, ?, ?, ?)
                    """).execute(arguments: [suppression.id.rawValue, suppression.workspaceID.rawValue, suppression.kind.rawValue,
                                     suppression.value, suppression.reason, nowMs])
            }
            for (enrollmentSeq, actionID, signal) in settlement.signals {
                try db.cachedStatement(sql: "INSERT INTO scheduled_signals (enrollment_seq, action_id, type, due_at) VALUES (?, ?, ?, ?)")
                    .execute(arguments: [enrollmentSeq, actionID.rawValue, signal.type.rawValue, Self.millis(signal.at)])
            }
            for (sender, until) in settlement.senderHolds {
                try db.cachedStatement(sql: "UPDATE senders SET pacing_until = max(coalesce(pacing_until, 0), ?) WHERE id = ?")
                    .execute(arguments: [Self.millis(until), sender.rawValue])
            }
            for sender in settlement.disconnectedSenders {
                try db.cachedStatement(sql: "UPDATE senders SET status = 'disconnected', updated_at = ? WHERE id = ? AND status = 'active'")
                    .execute(arguments: [nowMs, sender.rawValue])
            }
            for sender in settlement.freedSenders {
                if let seq = try cache.seq(of: sender, table: "senders", db) { freed.insert(seq) }
            }
            // A freed sender is next looked at when its pacing gap ends, without searching its due
            // leads now: it nearly always has one, and a look that finds none sets the exact slot.
            for seq in freed {
                try db.cachedStatement(sql: """
                    UPDATE senders SET in_flight = NULL, next_slot_at = coalesce(pacing_until, 0) WHERE seq = ? AND in_flight IS NOT NULL
                    """).execute(arguments: [seq])
            }
            try Self.refreshSlots(senderSeqs: Array(touched.subtracting(freed)), db)
            try ledger.flush(db)
            try Self.completeFinished(ledger.ended, db, at: now)
            return try Self.nextWake(db)
        }
    }

    // MARK: Snapshot

    /// What the claim transaction learned while reading, so it writes back without reading again.
    struct DispatchRead {
        var enrollments: [Int64: StoredEnrollment] = [:]
        var senderSeqs: [ID: Int64] = [:]
        var ranks: [ID: Rank] = [:]
        var logs: [Int64: SenderUsageLog] = [:]
    }

    static func stored(_ seq: Int64, _ db: Database) throws -> StoredEnrollment? {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: """
            SELECT state, reason, node_id, node_entered_at, campaign_seq, sender_seq, started_at FROM enrollments WHERE seq = ?
            """), arguments: [seq]) else { return nil }
        return StoredEnrollment(state: EnrollmentState(rawValue: row[0]) ?? .pending, reason: row[1], nodeID: row[2],
                                nodeEnteredAt: date(row[3] as Int64?), campaignSeq: row[4], senderSeq: row[5], started: (row[6] as Int64?) != nil)
    }

    /// The engine columns of an enrollment, its campaign's id and revision, then its contact
    /// (from `contactInEnrollmentColumns` on).
    static let enrollmentColumns = """
        e.seq, e.campaign_seq, e.contact_seq, e.state, e.reason, e.node_id, e.node_entered_at, e.due_at, e.attempts, e.started_at,
        e.signals, e.last_message_id, e.sender_seq, c.id, k.id, k.revision, \(contactColumns(as: "c"))
        """
    static let contactInEnrollmentColumns = 16
    static let enrollmentColumnCount = contactInEnrollmentColumns + 14

    /// An enrollment from a row selected with `enrollmentColumns`.
    static func enrollment(columns row: Row, senderID: ID?) -> Enrollment {
        let signals = (row[10] as String? ?? "").split(separator: ",").compactMap { Signal(rawValue: String($0)) }
        return Enrollment(
            seq: row[0], campaignID: ID(trusted: row[14]), contactID: ID(trusted: row[13]), senderID: senderID,
            state: EnrollmentState(rawValue: row[3]) ?? .pending, reason: row[4], nodeID: row[5],
            nodeEnteredAt: date(row[6] as Int64?), dueAt: date(row[7] as Int64?), attempts: row[8],
            startedAt: date(row[9] as Int64?), signals: Set(signals), lastMessageID: row[11])
    }

    private static func snapshot(_ db: Database, at now: Date, maxSenders: Int, candidatesPerSender: Int, cache: EngineCache,
                                 read: inout DispatchRead) throws -> [SenderSnapshot] {
        let nowMs = millis(now)
        let senderRows = try Row.fetchAll(db.cachedStatement(sql: """
            SELECT seq, revision, recent FROM senders WHERE next_slot_at <= ? AND in_flight IS NULL AND status = 'active'
            ORDER BY next_slot_at LIMIT ?
            """), arguments: [nowMs, maxSenders])
        // Each due sender with its most urgent due enrollments (index seeks per sender)…
        var due: [(sender: Sender, log: SenderUsageLog, leads: [DueLead])] = []
        due.reserveCapacity(senderRows.count)
        for senderRow in senderRows {
            let senderSeq: Int64 = senderRow[0]
            guard let sender = try cache.sender(senderSeq, revision: senderRow[1], db) else { continue }
            read.senderSeqs[sender.id] = senderSeq
            let log = SenderUsageLog(senderRow[2] as Data?)
            read.logs[senderSeq] = log
            due.append((sender, log, try dueLeads(of: senderSeq, sender: sender.id, at: nowMs, limit: candidatesPerSender, db)))
        }
        // …then their contacts' suppressions, a few hundred addresses per query.
        let suppressed = try Self.suppressed(due.flatMap { $0.leads.map(\.contact) }, db)
        var campaigns: [Int64: Campaign] = [:]
        var startedToday: [Int64: Int] = [:]
        var workspaceToday: [ID: (sent: Int, quota: Int?)] = [:]
        var channelsByCampaign: [Int64: [ChannelKind: [ID]]] = [:]
        var snapshots: [SenderSnapshot] = []
        snapshots.reserveCapacity(due.count)
        for (sender, log, leads) in due {
            let senderSeq = read.senderSeqs[sender.id]!
            var candidates: [Candidate] = []
            for lead in leads {
                let campaignSeq = lead.campaignSeq, enrollment = lead.enrollment, contact = lead.contact
                if campaigns[campaignSeq] == nil {
                    guard let campaign = try cache.campaign(campaignSeq, revision: lead.campaignRevision, db) else { continue }
                    campaigns[campaignSeq] = campaign
                    read.ranks[campaign.id] = Rank(priority: campaign.priority, prioritizeNewLeads: campaign.prioritizeNewLeads)
                }
                guard let campaign = campaigns[campaignSeq] else { continue }
                if startedToday[campaignSeq] == nil {
                    let dayStart = millis(Planner.startOfDay(now, in: campaign.timezone))
                    startedToday[campaignSeq] = try Int.fetchOne(db.cachedStatement(sql: """
                        SELECT count(*) FROM enrollments WHERE campaign_seq = ? AND started_at >= ?
                        """), arguments: [campaignSeq, dayStart]) ?? 0
                }
                if workspaceToday[campaign.workspaceID] == nil {
                    let quota = try Int.fetchOne(db.cachedStatement(sql: "SELECT daily_quota FROM workspaces WHERE id = ?"),
                                                 arguments: [campaign.workspaceID.rawValue])
                    var sent = 0
                    if quota != nil {
                        sent = try Int.fetchOne(db.cachedStatement(sql: """
                            SELECT count(*) FROM actions WHERE workspace_id = ? AND created_at >= ? AND state IN ('sending', 'sent', 'uncertain')
                            """), arguments: [campaign.workspaceID.rawValue, millis(Planner.startOfDay(now, in: .utc))]) ?? 0
                    }
                    workspaceToday[campaign.workspaceID] = (sent, quota)
                }
                if campaign.channel == .multichannel, channelsByCampaign[campaignSeq] == nil {
                    var byChannel: [ChannelKind: [ID]] = [:]
                    for row in try Row.fetchAll(db.cachedStatement(sql: """
                        SELECT s.id, s.channel FROM campaign_senders cs JOIN senders s ON s.seq = cs.sender_seq
                        WHERE cs.campaign_seq = ? AND s.status = 'active' ORDER BY cs.position
                        """), arguments: [campaignSeq]) {
                        if let channel = ChannelKind(rawValue: row[1]) { byChannel[channel, default: []].append(ID(trusted: row[0])) }
                    }
                    channelsByCampaign[campaignSeq] = byChannel
                }
                read.enrollments[enrollment.seq] = StoredEnrollment(
                    state: enrollment.state, reason: enrollment.reason, nodeID: enrollment.nodeID, nodeEnteredAt: enrollment.nodeEnteredAt,
                    campaignSeq: campaignSeq, senderSeq: senderSeq, started: enrollment.startedAt != nil)
                let (sent, quota) = workspaceToday[campaign.workspaceID]!
                var candidate = Candidate(
                    enrollment: enrollment, campaign: campaign, contact: contact, suppressed: suppressed.contains(contact.id),
                    campaignSenderRecent: log.times(of: campaignSeq, since: nowMs - 3_600_000),
                    campaignStartedToday: startedToday[campaignSeq]!, workspaceSentToday: sent, workspaceDailyQuota: quota)
                candidate.campaignSenders = channelsByCampaign[campaignSeq] ?? [:]
                candidates.append(candidate)
            }
            snapshots.append(SenderSnapshot(sender: sender, usage: log.usage(at: nowMs), candidates: candidates))
        }
        return snapshots
    }

    /// The contacts any of whose addresses (or email domain) is suppressed: one query per
    /// workspace, kind of address and few hundred values, each value an index seek.
    static func suppressed(_ contacts: [Contact], _ db: Database) throws -> Set<ID> {
        var owners: [ID: [String: [String: [ID]]]] = [:]  // workspace → kind → value → contacts
        for contact in contacts {
            let domain = contact.email?.split(separator: "@").last.map(String.init)
            for (kind, value) in [("email", contact.email), ("domain", domain), ("phone", contact.phone), ("linkedin_url", contact.linkedinURL)] {
                guard let value else { continue }
                owners[contact.workspaceID, default: [:]][kind, default: [:]][value, default: []].append(contact.id)
            }
        }
        var found: Set<ID> = []
        for (workspace, byKind) in owners {
            for (kind, byValue) in byKind {
                let values = Array(byValue.keys)
                for start in stride(from: 0, to: values.count, by: 512) {
                    let chunk = padded(Array(values[start..<min(start + 512, values.count)]), with: "")
                    let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
                    for value in try String.fetchAll(db.cachedStatement(sql: """
                        SELECT value FROM suppressions WHERE workspace_id = ? AND kind = ? AND value IN (\(marks))
                        """), arguments: StatementArguments([workspace.rawValue, kind] + chunk)) {
                        found.formUnion(byValue[value] ?? [])
                    }
                }
            }
        }
        return found
    }

    /// `values` grown to the next power of two (at least 8) with `filler`, which matches nothing: an
    /// `IN (…)` list then has one of seven lengths, so a handful of cached statements serve every tick.
    private static func padded<T>(_ values: [T], with filler: T) -> [T] {
        var size = 8
        while size < values.count { size *= 2 }
        return values + Array(repeating: filler, count: size - values.count)
    }

    /// A due enrollment with its contact and its campaign's seq and revision.
    struct DueLead {
        var enrollment: Enrollment
        var campaignSeq: Int64
        var campaignRevision: Int64
        var contact: Contact
    }

    /// A sender's most urgent due enrollments: the highest priority level first, the higher lane
    /// within it, the earliest due within that. Decoded from the cursor's row in place (no copied
    /// rows: this is the read of every action).
    private static func dueLeads(of senderSeq: Int64, sender: ID, at nowMs: Int64, limit: Int, _ db: Database) throws -> [DueLead] {
        var leads: [DueLead] = []
        try forEachLevel(of: senderSeq, db) { level in
            let rows = try Row.fetchCursor(db.cachedStatement(sql: """
                SELECT \(enrollmentColumns) FROM enrollments e
                JOIN contacts c ON c.seq = e.contact_seq JOIN campaigns k ON k.seq = e.campaign_seq
                WHERE e.sender_seq = ? AND e.priority = ? AND e.lane = ? AND e.due_at <= ? AND e.due_at IS NOT NULL
                ORDER BY e.due_at, e.seq LIMIT ?
                """), arguments: [senderSeq, level.priority, level.lane, nowMs, limit - leads.count])
            while let row = try rows.next() {
                leads.append(DueLead(enrollment: enrollment(columns: row, senderID: sender), campaignSeq: row[1], campaignRevision: row[15],
                                     contact: try contactByPosition(row, from: contactInEnrollmentColumns)))
            }
            return leads.count < limit
        }
        return leads
    }

    // MARK: Apply

    private static func apply(_ plan: DispatchPlan, read: DispatchRead, _ db: Database, at now: Date, cache: EngineCache,
                              ledger: inout CounterLedger) throws -> (claims: [Claim], deferred: Int) {
        var recorded: [Claim] = []
        let nowMs = millis(now)
        var logs = read.logs
        var busy: [Int64: Int64] = [:]
        for claim in plan.claims {
            var claim = claim
            let a = claim.action
            guard let senderSeq = read.senderSeqs[a.sender.id], let old = read.enrollments[claim.enrollment.seq] else { continue }
            let actionSeq: Int64
            try db.cachedStatement(sql: """
                INSERT OR IGNORE INTO actions (id, workspace_id, campaign_seq, enrollment_seq, node_id, sender_seq, kind, state, recipient,
                    subject, body, html, in_reply_to, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, 'sending', ?, ?, ?, ?, ?, ?, ?)
                """).execute(arguments: [a.id.rawValue, a.workspaceID.rawValue, old.campaignSeq, claim.enrollment.seq, a.nodeID, senderSeq,
                                 a.kind.rawValue, a.recipient, a.subject, a.body, a.html, a.inReplyTo, nowMs, nowMs])
            if db.changesCount > 0 {
                actionSeq = db.lastInsertedRowID
            } else {
                guard let existing = try Row.fetchOne(db.cachedStatement(sql: "SELECT seq, id, state FROM actions WHERE enrollment_seq = ? AND node_id = ?"),
                                                      arguments: [claim.enrollment.seq, a.nodeID]) else { continue }
                // Never twice: only a `queued` row (a transient failure) may be sent again, as itself.
                guard existing[2] as String == ActionState.queued.rawValue else { continue }
                actionSeq = existing[0]
                claim.action.id = ID(trusted: existing[1])
                try db.cachedStatement(sql: """
                    UPDATE actions SET state = 'sending', attempts = attempts + 1, sender_seq = ?, recipient = ?, subject = ?, body = ?,
                        html = ?, in_reply_to = ?, created_at = ?, updated_at = ? WHERE seq = ?
                    """).execute(arguments: [senderSeq, a.recipient, a.subject, a.body, a.html, a.inReplyTo, nowMs, nowMs, actionSeq])
            }
            // The lead's row is left as it is until the outcome is recorded: its sender is busy (and
            // rebalancing leaves a lead in flight with it), so nothing reads it meanwhile, and a
            // crash is settled from the action row.
            logs[senderSeq, default: SenderUsageLog()].append(at: nowMs, campaign: old.campaignSeq, kind: a.kind)
            busy[senderSeq] = actionSeq
            recorded.append(claim)
        }
        var touched: Set<Int64> = []
        for move in plan.moves {
            guard let old = read.enrollments[move.seq] else { continue }
            let target = try move.senderID.flatMap { try read.senderSeqs[$0] ?? cache.seq(of: $0, table: "senders", db) } ?? old.senderSeq
            try write(move, old: old, senderSeq: target, rank: read.ranks[move.campaignID], db, at: now, ledger: &ledger)
            if let target { touched.insert(target) }
        }
        var deferred = 0
        for deferral in plan.deferrals where !deferral.nodeIDs.isEmpty {
            guard let senderSeq = read.senderSeqs[deferral.senderID], let priority = read.ranks[deferral.campaignID]?.priority,
                  let campaignSeq = try cache.seq(of: deferral.campaignID, table: "campaigns", db) else { continue }
            // The sender's due range at the campaign's priority (an index range), narrowed to the
            // campaign's steps on this channel: leads at a delay or condition are not held.
            let nodes = padded(deferral.nodeIDs, with: "")
            try db.cachedStatement(sql: """
                UPDATE enrollments SET due_at = ?, updated_at = ?
                WHERE sender_seq = ? AND priority = ? AND lane IN (0, 1) AND due_at <= ? AND campaign_seq = ?
                    AND node_id IN (\(Array(repeating: "?", count: nodes.count).joined(separator: ",")))
                    \(deferral.newLeadsOnly ? "AND started_at IS NULL" : "")
                """).execute(arguments: StatementArguments([millis(deferral.until), nowMs, senderSeq, Int64(priority), nowMs, campaignSeq] as [Int64?])
                                 + StatementArguments(nodes))
            deferred += db.changesCount
            touched.insert(senderSeq)
        }
        for sender in plan.senders {
            guard let seq = read.senderSeqs[sender] else { continue }
            let pacing = plan.pacing[sender].map { millis($0) }
            if let action = busy[seq] {
                try db.cachedStatement(sql: """
                    UPDATE senders SET in_flight = ?, pacing_until = coalesce(?, pacing_until), next_slot_at = NULL, recent = ? WHERE seq = ?
                    """).execute(arguments: [action, pacing, logs[seq]?.data, seq])
            } else {
                if let pacing {
                    try db.cachedStatement(sql: "UPDATE senders SET pacing_until = ? WHERE seq = ?").execute(arguments: [pacing, seq])
                }
                touched.insert(seq)
            }
        }
        try refreshSlots(senderSeqs: Array(touched.subtracting(busy.keys)), db)
        return (recorded, deferred)
    }

    /// Writes an enrollment's engine fields over `old` (read in the same transaction) and counts
    /// the change of state and a first contact. An ended lead is never reopened: one that ended
    /// while its action was in flight (a reply, a stop) keeps its state, reason and step, and only
    /// what the send taught (first contact, the thread's Message-ID, signals) is written.
    /// `rank` (the campaign's priority and lane setting) is written when given; a lead contacted
    /// for the first time without it takes its lane from its campaign's row.
    static func write(_ e: Enrollment, old: StoredEnrollment, senderSeq: Int64?, rank: Rank?, _ db: Database, at now: Date,
                      ledger: inout CounterLedger) throws {
        var e = e
        e.keepEnd(state: old.state, reason: old.reason, nodeID: old.nodeID, nodeEnteredAt: old.nodeEnteredAt)
        try db.cachedStatement(sql: """
            UPDATE enrollments SET state = ?, reason = ?, node_id = ?, node_entered_at = ?, due_at = ?, attempts = ?,
                started_at = coalesce(started_at, ?), signals = ?, last_message_id = coalesce(?, last_message_id),
                sender_seq = coalesce(?, sender_seq), priority = coalesce(?, priority), lane = coalesce(?, lane), updated_at = ?
            WHERE seq = ?
            """).execute(arguments: [e.state.rawValue, e.reason, e.nodeID, millis(e.nodeEnteredAt), millis(e.dueAt), e.attempts,
                             millis(e.startedAt), e.signals.map(\.rawValue).sorted().joined(separator: ","), e.lastMessageID,
                             senderSeq, rank?.priority,
                             rank.map { Campaign.lane(started: old.started || e.startedAt != nil, prioritizeNewLeads: $0.prioritizeNewLeads) },
                             millis(now), e.seq])
        if !old.started, e.startedAt != nil {
            ledger.add(old.campaignSeq, "contacted")
            if rank == nil {
                try db.cachedStatement(sql: """
                    UPDATE enrollments SET lane = 1 - (SELECT prioritize_new_leads FROM campaigns WHERE seq = ?) WHERE seq = ?
                    """).execute(arguments: [old.campaignSeq, e.seq])
            }
        }
        if old.state != e.state {
            ledger.add(old.campaignSeq, "state.\(old.state.rawValue)", by: -1)
            ledger.add(old.campaignSeq, "state.\(e.state.rawValue)")
            if e.state.isTerminal { ledger.ended.insert(old.campaignSeq) }
        }
    }

    /// Removes a transiently failed action from its sender's usage log.
    private static func forgetUsage(of action: ID, _ db: Database) throws {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: """
            SELECT a.sender_seq, a.campaign_seq, a.kind, a.created_at, s.recent FROM actions a JOIN senders s ON s.seq = a.sender_seq
            WHERE a.id = ?
            """), arguments: [action.rawValue]), let kind = ActionKind(rawValue: row[2]) else { return }
        var log = SenderUsageLog(row[4] as Data?)
        log.remove(at: row[3], campaign: row[1], kind: kind)
        try db.cachedStatement(sql: "UPDATE senders SET recent = ? WHERE seq = ?").execute(arguments: [log.data, row[0] as Int64])
    }

    static func nextWake(_ db: Database) throws -> Date? {
        // A rebalance still dealing leads is work now.
        if try Bool.fetchOne(db.cachedStatement(sql: "SELECT 1 FROM campaigns WHERE rebalance_state IS NOT NULL LIMIT 1")) == true {
            return .distantPast
        }
        let slot = try Int64.fetchOne(db.cachedStatement(sql: """
            SELECT next_slot_at FROM senders WHERE next_slot_at IS NOT NULL AND in_flight IS NULL AND status = 'active'
            ORDER BY next_slot_at LIMIT 1
            """))
        let signal = try Int64.fetchOne(db.cachedStatement(sql: "SELECT min(due_at) FROM scheduled_signals"))
        return [slot, signal].compactMap { $0 }.min().map(date)
    }
}

extension CounterLedger {
    /// Writes the changes, one upsert per key.
    func flush(_ db: Database) throws {
        for (campaign, key, delta) in changes { try SQLiteStore.count(campaign, key, db, by: delta) }
    }
}

/// Decoded campaigns and senders kept between ticks, each valid for one `revision` of its row
/// (bumped by triggers on every change of its settings), and the immutable id → seq mappings.
final class EngineCache: Sendable {
    private struct State {
        var campaigns: [Int64: (revision: Int64, value: Campaign)] = [:]
        var senders: [Int64: (revision: Int64, value: Sender)] = [:]
        var seqs: [String: Int64] = [:]
    }

    private let state = Mutex(State())
    private static let capacity = 20_000

    func campaign(_ seq: Int64, revision: Int64, _ db: Database) throws -> Campaign? {
        try decoded(seq, revision: revision, table: "campaigns", shelf: \.campaigns, db) { try SQLiteStore.campaign($0, db) }
    }

    func sender(_ seq: Int64, revision: Int64, _ db: Database) throws -> Sender? {
        try decoded(seq, revision: revision, table: "senders", shelf: \.senders, db, decode: SQLiteStore.sender)
    }

    /// The row `seq` of `table` decoded, from the shelf when it was decoded at this revision.
    private func decoded<Value: Sendable>(_ seq: Int64, revision: Int64, table: String,
                                          shelf: WritableKeyPath<State, [Int64: (revision: Int64, value: Value)]> & Sendable,
                                          _ db: Database, decode: (Row) throws -> Value) throws -> Value? {
        if let hit = state.withLock({ $0[keyPath: shelf][seq] }), hit.revision == revision { return hit.value }
        guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM \(table) WHERE seq = ?"), arguments: [seq]) else { return nil }
        let value = try decode(row)
        let stored: Int64 = row["revision"]
        state.withLock { state in
            if state[keyPath: shelf].count >= Self.capacity { state[keyPath: shelf].removeAll() }
            state[keyPath: shelf][seq] = (stored, value)
        }
        return value
    }

    /// The seq of a campaign or sender (IDs are never reused, so a mapping never changes).
    func seq(of id: ID, table: String, _ db: Database) throws -> Int64? {
        if let hit = state.withLock({ $0.seqs[id.rawValue] }) { return hit }
        guard let seq = try SQLiteStore.seq(of: id, table: table, db) else { return nil }
        state.withLock { state in
            if state.seqs.count >= Self.capacity { state.seqs.removeAll() }
            state.seqs[id.rawValue] = seq
        }
        return seq
    }
}
