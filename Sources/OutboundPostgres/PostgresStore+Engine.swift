import Foundation
import OutboundCore
import OutboundStoreFormats
import PostgresNIO

// The dispatcher's transactions on PostgreSQL: the same steps as the SQLite store's (claim:
// signals, snapshot, plan, actions; record: outcomes), each a few statements over sets of rows.
// Claims and records of several processes run side by side, kept apart by the rows they lock;
// everything else the engine writes applies alone (docs/ARCHITECTURE.md §9).

extension PostgresStore: EngineStore {
    public func claim(_ request: ClaimRequest) async throws -> ClaimResult {
        let now = request.at
        let (claimed, rebalancing) = try await engineTransaction(.sending) { sql in
            var result = ClaimResult()
            var ledger = CounterLedger()
            // Due signals no other process holds, each locked with its lead: a lead is moved by one
            // transaction at a time, and a claim reading it waits for the signal's to commit.
            if sql.cache?.signalsMayBeDue(at: Self.millis(now)) ?? true {
                let (pending, keys) = try await Self.dueSignals(sql, at: now, limit: request.maxSignals)
                if !pending.isEmpty {
                    try await Self.applySignals(request.react(pending), sql, at: now, ledger: &ledger, keys: keys)
                    result.signals = pending.count
                    sql.cache?.lookForSignalsAgain()
                }
            }
            var read = DispatchRead()
            let snapshots = try await Self.snapshot(sql, at: now, maxSenders: request.maxSenders,
                                                    candidatesPerSender: request.candidatesPerSender, read: &read)
            result.senders = snapshots.count
            if !snapshots.isEmpty {
                let plan = request.decide(snapshots)
                let applied = try await Self.apply(plan, read: read, sql, at: now, ledger: &ledger)
                result.claims = applied.claims
                result.moves += plan.moves.count + applied.deferred
            }
            if result.claims.isEmpty, let found = read.wake {
                // Found with the due senders when there were none: nothing written since moves a slot or a signal.
                result.nextWake = found
                try await Self.finish(ledger, sql, at: now)
            } else {
                result.nextWake = try await Self.finish(ledger, sql, at: now, nextWake: result.claims.isEmpty)
            }
            return (result, read.rebalancing || result.nextWake == .distantPast)
        }
        // Refreshed beside the dispatcher, not in its way: its next claim needs no fresher plan.
        await noteRowsWritten(claimed.claims.count, to: "actions", waiting: false)
        // A rebalance moves leads between senders: its next step runs alone, after the claim.
        var result = claimed
        if rebalancing {
            result.moves += try await engineTransaction { sql in try await Self.rebalanceStep(sql, at: now) }
        }
        return result
    }

    @discardableResult
    public func record(_ settlement: Settlement, at now: Date) async throws -> Date? {
        try await engineTransaction(.sending) { sql in
            let nowMs = Self.millis(now)
            var ledger = CounterLedger()
            // Every outcome and the leads it moves, locked and read, in one statement (outcomes in
            // ID order, as concurrent writers would lock them).
            let stored: [Int64: StoredEnrollment]
            if settlement.actions.isEmpty {
                stored = try await Self.stored(settlement.moves.map(\.seq), sql)
            } else {
                let updates = settlement.actions.sorted { $0.action.id.rawValue < $1.action.id.rawValue }
                stored = try Self.storedEnrollments(from: await sql.rows(SettleAndLock(updates, moves: settlement.moves.map(\.seq), at: nowMs)))
            }
            for update in settlement.actions {
                let action = update.action
                switch update.state {
                case .sent:
                    guard let campaignSeq = try await Self.seq(of: action.campaignID, table: "campaigns", sql) else { continue }
                    ledger.addSent(action, campaignSeq: campaignSeq)
                case .queued:
                    // Proven not to have gone out: it no longer counts against the sender's limits.
                    try await Self.forgetUsage(of: action.id, sql)
                default:
                    break
                }
            }
            var touched: Set<Int64> = []
            var writes: [EnrollmentWrite] = []
            for move in settlement.moves {
                guard let old = stored[move.seq] else { continue }
                let senderSeq = try await move.senderID.asyncFlatMap { try await Self.seq(of: $0, table: "senders", sql) }
                writes.append(EnrollmentWrite(enrollment: move, old: old, senderSeq: senderSeq, rank: nil))
                if let sender = old.senderSeq { touched.insert(sender) }
            }
            try await Self.write(writes, sql, at: now, ledger: &ledger)
            for suppression in settlement.suppressions {
                try await sql.run("""
                    INSERT INTO suppressions (id, workspace_id, kind, value, reason, created_at)
                    VALUES (\(suppression.id.rawValue), \(suppression.workspaceID.rawValue), \(suppression.kind.rawValue),
                            \(suppression.value), \(suppression.reason), \(nowMs))
                    ON CONFLICT DO NOTHING
                    """)
            }
            if !settlement.signals.isEmpty {
                let signals = settlement.signals
                _ = try await sql.rows(ScheduleSignals(signals))
            }
            for (sender, until) in settlement.senderHolds {
                try await sql.run("""
                    UPDATE senders SET pacing_until = greatest(coalesce(pacing_until, 0), \(Self.millis(until))) WHERE id = \(sender.rawValue)
                    """)
            }
            for sender in settlement.disconnectedSenders {
                try await sql.run("""
                    UPDATE senders SET status = 'disconnected', updated_at = \(nowMs) WHERE id = \(sender.rawValue) AND status = 'active'
                    """)
            }
            // A freed sender is next looked at when its pacing gap ends, without searching its due
            // leads now: it nearly always has one, and a look that finds none sets the exact slot.
            var freed: Set<Int64> = []
            for sender in settlement.freedSenders {
                if let seq = try await Self.seq(of: sender, table: "senders", sql) { freed.insert(seq) }
            }
            if !freed.isEmpty {
                _ = try await sql.rows(FreeSenders(freed.sorted()))
            }
            try await Self.refreshSlots(senderSeqs: touched.subtracting(freed), sql)
            return try await Self.finish(ledger, sql, at: now, nextWake: true)
        }
    }

    public func applySignals(_ effects: SignalEffects, at now: Date) async throws {
        try await engineTransaction { sql in
            // A message recorded before (its receipt is there) is applied once; one that matched
            // nothing records nothing, so a wider match may still take it.
            if let receipt = effects.receipt, !effects.observed.isEmpty || !effects.suppressions.isEmpty {
                let fresh = try await sql.changes("""
                    INSERT INTO inbound_receipts (key, at) VALUES (\(receipt), \(Self.millis(now))) ON CONFLICT DO NOTHING RETURNING 1
                    """)
                if fresh == 0 { return }
            }
            var ledger = CounterLedger()
            try await Self.applySignals(effects, sql, at: now, ledger: &ledger)
            try await Self.finish(ledger, sql, at: now)
        }
    }

    public func nextWake() async throws -> Date? {
        try await client.withConnection { connection in
            try await Self.nextWake(SQL(connection: connection, logger: self.logger, owner: nil, cache: self.cache))
        }
    }

    /// The actions left `sending` by processes that are gone (their lease ran out), taken over by
    /// this one in the same transaction: each is settled by one process only. This process's own
    /// actions in flight are never among them, so the dispatcher may look while it runs.
    /// It shares the engine lock with claims: the `UPDATE` that adopts the actions is what makes
    /// one process take each (a second one finds them owned by a live process).
    public func inFlightActions() async throws -> [(action: OutboundAction, enrollmentSeq: Int64, nextNodeID: String?)] {
        try await engineTransaction(.sending) { sql in
            var result: [(action: OutboundAction, enrollmentSeq: Int64, nextNodeID: String?)] = []
            for row in try await sql.rows("""
                WITH adopted AS (
                    UPDATE actions a SET owner = \(sql.owner)
                    WHERE a.state = 'sending' AND a.owner IS DISTINCT FROM \(sql.owner) AND NOT EXISTS (
                        SELECT 1 FROM workers w WHERE w.id = a.owner AND w.expires_at > \(unescaped: Self.databaseNow))
                    RETURNING a.*)
                SELECT a.*, k.id AS campaign_id, k.dry_run, k.simulation, k.sequence, k.channel AS campaign_channel, k.open_tracking,
                    c.id AS contact_id
                FROM adopted a JOIN campaigns k ON k.seq = a.campaign_seq JOIN enrollments e ON e.seq = a.enrollment_seq
                JOIN contacts c ON c.seq = e.contact_seq ORDER BY a.seq
                """) {
                guard let senderSeq = try row["sender_seq"] as Int64?,
                      let senderRow = try await sql.rows("SELECT * FROM senders WHERE seq = \(senderSeq)").first else { continue }
                let sequence = try (try row["sequence"] as String?).map { try StoredJSON.decode(StoredSequence.self, $0).sequence }
                    ?? CampaignSequence.seed(for: CampaignChannel(rawValue: try row["campaign_channel"]) ?? .email)
                let nodeID: String = try row["node_id"]
                let action = OutboundAction(
                    id: ID(trusted: try row["id"]), workspaceID: ID(trusted: try row["workspace_id"]),
                    campaignID: ID(trusted: try row["campaign_id"]), contactID: ID(trusted: try row["contact_id"]), nodeID: nodeID,
                    kind: ActionKind(rawValue: try row["kind"]) ?? .email, sender: try Self.sender(senderRow),
                    recipient: (try row["recipient"] as String?) ?? "", subject: try row["subject"], body: try row["body"],
                    html: try row["html"], inReplyTo: try row["in_reply_to"], dryRun: try row["dry_run"],
                    simulation: try (try row["simulation"] as String?).map { try StoredJSON.decode(Simulation.self, $0) },
                    openTracking: try row["open_tracking"])
                result.append((action, try row["enrollment_seq"], sequence.node(nodeID)?.next))
            }
            return result
        }
    }

    /// Several processes share the database: actions in flight name their process, and only a
    /// gone process's are taken over (`inFlightActions`).
    public var recoversWhileRunning: Bool { true }

    // MARK: Snapshot

    /// What the claim transaction learned while reading, so it writes back without reading again.
    struct DispatchRead {
        var enrollments: [Int64: StoredEnrollment] = [:]
        var senderSeqs: [ID: Int64] = [:]
        var ranks: [ID: Rank] = [:]
        var logs: [Int64: SenderUsageLog] = [:]
        var campaigns: [Int64: Campaign] = [:]
        /// Whether a campaign's rebalance is dealing leads (its next step runs after the claim).
        var rebalancing = false
        /// Workspaces with a daily quota, and it.
        var quotas: [ID: Int] = [:]
        /// The next wake as `DueSenders` found it when no sender was due (`.some(nil)`: nothing is scheduled).
        var wake: Date??
    }

    /// An enrollment's engine columns from a row of `enrollments`.
    static func storedEnrollment(_ row: Row) throws -> StoredEnrollment {
        StoredEnrollment(state: EnrollmentState(rawValue: try row["state"]) ?? .pending, reason: try row["reason"],
                         nodeID: try row["node_id"], nodeEnteredAt: date(try row["node_entered_at"] as Int64?),
                         campaignSeq: try row["campaign_seq"], senderSeq: try row["sender_seq"],
                         started: (try row["started_at"] as Int64?) != nil)
    }

    /// The enrollment columns with the IDs an `Enrollment` names, from `enrollments e` joined with
    /// `contacts c`, `campaigns k` and (left) `senders x` (named one by one: `PreparedStatement`).
    static let enrollmentSelect = """
        e.seq, e.campaign_seq, e.contact_seq, e.state, e.reason, e.created_at, e.updated_at, e.sender_seq, e.node_id, \
        e.node_entered_at, e.due_at, e.held_due_at, e.attempts, e.started_at, e.signals, e.last_message_id, e.priority, e.lane, \
        c.id AS contact_id, k.id AS campaign_id, x.id AS sender_id
        """

    /// The joins `enrollmentSelect` reads for a statement the dispatcher prepares: lead `e`'s
    /// sender `x`, contact `c` and campaign `k`, each an index seek by key (`OFFSET 0` keeps the
    /// planner from turning them into joins: a generic plan, which guesses the leads' number blind,
    /// made them hash joins that read whole tables for a few leads — the senders once per due
    /// sender, 3.5 of the due leads' 4 ms at 400 senders; all 10,000 contacts for six leads).
    static let enrollmentLookups = """
        LEFT JOIN LATERAL (SELECT id FROM senders WHERE seq = e.sender_seq OFFSET 0) x ON true
        CROSS JOIN LATERAL (SELECT * FROM contacts WHERE seq = e.contact_seq OFFSET 0) c
        CROSS JOIN LATERAL (SELECT * FROM campaigns WHERE seq = e.campaign_seq OFFSET 0) k
        """

    /// An enrollment from a row selected with `enrollmentSelect`.
    static func enrollment(_ row: Row) throws -> Enrollment {
        let senderSeq: Int64? = try row["sender_seq"]
        let senderID: String? = senderSeq == nil ? nil : try row["sender_id"]
        let signals = ((try row["signals"] as String?) ?? "").split(separator: ",").compactMap { Signal(rawValue: String($0)) }
        return Enrollment(
            seq: try row["seq"], campaignID: ID(trusted: try row["campaign_id"]), contactID: ID(trusted: try row["contact_id"]),
            senderID: senderID.map(ID.init(trusted:)), state: EnrollmentState(rawValue: try row["state"]) ?? .pending,
            reason: try row["reason"], nodeID: try row["node_id"], nodeEnteredAt: date(try row["node_entered_at"] as Int64?),
            dueAt: date(try row["due_at"] as Int64?), attempts: try row["attempts"], startedAt: date(try row["started_at"] as Int64?),
            signals: Set(signals), lastMessageID: try row["last_message_id"])
    }

    /// The contacts with these seqs, by seq.
    static func contacts(seqs: [Int64], _ sql: SQL) async throws -> [Int64: Contact] {
        guard !seqs.isEmpty else { return [:] }
        var result: [Int64: Contact] = [:]
        for row in try await sql.rows("SELECT * FROM contacts WHERE seq = ANY(\(Array(Set(seqs))))") {
            result[try row["seq"]] = try contact(row)
        }
        return result
    }

    /// Campaigns decoded at most once per transaction, and once per revision across transactions
    /// when the store's cache is at hand.
    struct CampaignShelf {
        private var campaigns: [Int64: Campaign?] = [:]

        /// The campaign with this seq; `revision`, when the caller read it, saves reading it again.
        mutating func campaign(_ seq: Int64, revision known: Int64? = nil, _ sql: SQL) async throws -> Campaign? {
            if let hit = campaigns[seq] { return hit }
            var found: Campaign?
            var revision = known
            if sql.cache != nil, revision == nil {
                revision = try await sql.value("SELECT revision FROM campaigns WHERE seq = \(seq)", as: Int64.self)
            }
            if let cache = sql.cache, let revision {
                if let hit = cache.campaign(seq, revision: revision) {
                    found = hit
                } else {
                    found = try await PostgresStore.campaigns("SELECT * FROM campaigns WHERE seq = \(seq)", on: sql.connection, logger: sql.logger).first
                    if let found { cache.keep(found, seq: seq, revision: revision) }
                }
            } else {
                found = try await PostgresStore.campaigns("SELECT * FROM campaigns WHERE seq = \(seq)", on: sql.connection, logger: sql.logger).first
            }
            campaigns[seq] = found
            return found
        }
    }

    private static func snapshot(_ sql: SQL, at now: Date, maxSenders: Int, candidatesPerSender: Int,
                                 read: inout DispatchRead) async throws -> [SenderSnapshot] {
        let nowMs = millis(now)
        // The due senders this process may drive now (`DueSenders`), decoded once per revision.
        let senderRows = try await sql.rows(DueSenders(now: nowMs, maxSenders: maxSenders))
        var senders: [(sender: Sender, seq: Int64, log: SenderUsageLog)] = []
        for row in senderRows {
            guard let seq = try row["seq"] as Int64? else {
                read.wake = try nextWake(row, sql)
                continue
            }
            if try row["rebalancing"] as Bool { read.rebalancing = true }
            let revision: Int64 = try row["revision"], log = SenderUsageLog(try row["recent"] as Data?)
            let sender: Sender
            if let kept = sql.cache?.senders.value(seq, revision: revision) {
                sender = kept
            } else {
                sender = try Self.sender(row)
                sql.cache?.senders.keep(sender, seq: seq, revision: revision)
            }
            read.senderSeqs[sender.id] = seq
            read.logs[seq] = log
            senders.append((sender, seq, log))
        }
        guard !senders.isEmpty else { return [] }
        // Their most urgent due leads, a few per sender: the highest priority level first, the
        // higher lane within it, the earliest due within that (an index seek per level and sender),
        // each with its contact and whether any of the contact's addresses is suppressed…
        let leadRows = try await sql.rows(DueLeads(senders: senders.map(\.seq), now: nowMs, perSender: candidatesPerSender))
        var contacts: [Int64: (contact: Contact, suppressed: Bool)] = [:]
        for row in leadRows {
            let seq: Int64 = try row["contact_seq"]
            if contacts[seq] == nil { contacts[seq] = (try Self.contact(row, prefix: contactPrefix), try row["suppressed"]) }
        }
        // …their campaigns (decoded once per revision)…
        var campaigns: [Int64: Campaign] = [:]
        var missing: [Int64: Int64] = [:]
        var quotas: [ID: Int] = [:]
        for row in leadRows {
            let seq: Int64 = try row["campaign_seq"], revision: Int64 = try row["campaign_revision"]
            if campaigns[seq] == nil, missing[seq] == nil {
                if let hit = sql.cache?.campaign(seq, revision: revision) { campaigns[seq] = hit } else { missing[seq] = revision }
            }
        }
        if !missing.isEmpty {
            var seqByID: [ID: Int64] = [:]
            for row in leadRows { seqByID[ID(trusted: try row["campaign_id"])] = try row["campaign_seq"] }
            for campaign in try await Self.campaigns("SELECT * FROM campaigns WHERE seq = ANY(\(Array(missing.keys)))",
                                                      on: sql.connection, logger: sql.logger) {
                guard let seq = seqByID[campaign.id], let revision = missing[seq] else { continue }
                campaigns[seq] = campaign
                sql.cache?.keep(campaign, seq: seq, revision: revision)
            }
        }
        for row in leadRows {
            guard let campaign = campaigns[try row["campaign_seq"]] else { continue }
            if let quota = try row["daily_quota"] as Int? { quotas[campaign.workspaceID] = quota }
        }
        // …and what their limits that span senders have used today.
        let counts = try await Self.sharedLimitCounts(campaigns: campaigns, workspaces: Set(quotas.keys), sql, at: now)
        var channelsByCampaign: [Int64: [ChannelKind: [ID]]] = [:]
        for (seq, campaign) in campaigns where campaign.channel == .multichannel {
            var byChannel: [ChannelKind: [ID]] = [:]
            for row in try await sql.rows("""
                SELECT s.id, s.channel FROM campaign_senders cs JOIN senders s ON s.seq = cs.sender_seq
                WHERE cs.campaign_seq = \(seq) AND s.status = 'active' ORDER BY cs.position
                """) {
                if let channel = ChannelKind(rawValue: try row["channel"]) { byChannel[channel, default: []].append(ID(trusted: try row["id"])) }
            }
            channelsByCampaign[seq] = byChannel
        }
        for (seq, campaign) in campaigns {
            read.campaigns[seq] = campaign
            read.ranks[campaign.id] = Rank(priority: campaign.priority, prioritizeNewLeads: campaign.prioritizeNewLeads)
        }
        read.quotas = quotas
        var bySender: [Int64: [Candidate]] = [:]
        for row in leadRows {
            let senderSeq: Int64 = try row["sender_seq"], campaignSeq: Int64 = try row["campaign_seq"]
            guard let campaign = campaigns[campaignSeq], let found = contacts[try row["contact_seq"] as Int64],
                  let log = read.logs[senderSeq] else { continue }
            let (contact, suppressed) = found
            let enrollment = try Self.enrollment(row)
            read.enrollments[enrollment.seq] = StoredEnrollment(
                state: enrollment.state, reason: enrollment.reason, nodeID: enrollment.nodeID, nodeEnteredAt: enrollment.nodeEnteredAt,
                campaignSeq: campaignSeq, senderSeq: senderSeq, started: enrollment.startedAt != nil)
            var candidate = Candidate(
                enrollment: enrollment, campaign: campaign, contact: contact, suppressed: suppressed,
                campaignSenderRecent: log.times(of: campaignSeq, since: nowMs - 3_600_000),
                campaignStartedToday: counts.started[campaignSeq] ?? 0, workspaceSentToday: counts.sent[campaign.workspaceID] ?? 0,
                workspaceDailyQuota: quotas[campaign.workspaceID])
            candidate.campaignSenders = channelsByCampaign[campaignSeq] ?? [:]
            bySender[senderSeq, default: []].append(candidate)
        }
        return senders.map { SenderSnapshot(sender: $0.sender, usage: $0.log.usage(at: nowMs), candidates: bySender[$0.seq] ?? []) }
    }

    /// Leads of each campaign started today (in its zone) — those whose first action is in flight
    /// included — and actions of each workspace today (UTC), in one statement.
    private static func sharedLimitCounts(campaigns: [Int64: Campaign], workspaces: Set<ID>, _ sql: SQL,
                                          at now: Date) async throws -> (started: [Int64: Int], sent: [ID: Int]) {
        guard !campaigns.isEmpty || !workspaces.isEmpty else { return ([:], [:]) }
        let campaignSeqs = Array(campaigns.keys)
        let dayStarts = campaignSeqs.map { millis(Planner.startOfDay(now, in: campaigns[$0]!.timezone)) }
        var started: [Int64: Int] = [:], sent: [ID: Int] = [:]
        for row in try await sql.rows(SharedLimitCounts(campaigns: campaignSeqs, dayStarts: dayStarts,
                                                         workspaceDay: millis(Planner.startOfDay(now, in: .utc)),
                                                         workspaces: workspaces.map(\.rawValue))) {
            let key: String = try row["key"], n: Int = try row["n"]
            if try row["kind"] as String == "campaign" { started[Int64(key) ?? 0] = n } else { sent[ID(trusted: key)] = n }
        }
        return (started, sent)
    }

    /// The claims that the campaigns' daily new-lead limits and the workspaces' daily quotas still
    /// allow, counted again under a lock per campaign and workspace (held to the end of this
    /// transaction): another process's claim of other senders may have started leads of the same
    /// campaign since the snapshot. The claims beyond a limit are left out; their leads stay due.
    private static func withinSharedLimits(_ claims: [Claim], read: DispatchRead, _ sql: SQL, at now: Date) async throws -> [Claim] {
        var starting: [Int64: Campaign] = [:]
        var quotaWorkspaces: Set<ID> = []
        for claim in claims {
            guard let campaignSeq = read.enrollments[claim.enrollment.seq]?.campaignSeq, let campaign = read.campaigns[campaignSeq] else { continue }
            if claim.startsLead { starting[campaignSeq] = campaign }
            if read.quotas[campaign.workspaceID] != nil { quotaWorkspaces.insert(campaign.workspaceID) }
        }
        guard !starting.isEmpty || !quotaWorkspaces.isEmpty else { return claims }
        // In one order in every process (campaigns, then workspaces, each by key), so two never wait on each other.
        _ = try await sql.rows(LockSharedLimits(campaigns: Array(starting.keys), workspaces: quotaWorkspaces.map(\.rawValue)))
        let counts = try await sharedLimitCounts(campaigns: starting, workspaces: quotaWorkspaces, sql, at: now)
        var started = counts.started, sent = counts.sent
        return claims.filter { claim in
            guard let campaignSeq = read.enrollments[claim.enrollment.seq]?.campaignSeq, let campaign = read.campaigns[campaignSeq]
            else { return false }
            if let quota = read.quotas[campaign.workspaceID] {
                guard sent[campaign.workspaceID, default: 0] < quota else { return false }
            }
            if claim.startsLead {
                guard started[campaignSeq, default: 0] < campaign.dailyLimit else { return false }
                started[campaignSeq, default: 0] += 1
            }
            if read.quotas[campaign.workspaceID] != nil { sent[campaign.workspaceID, default: 0] += 1 }
            return true
        }
    }

    /// The contacts any of whose addresses (or email domain) is suppressed: one query for all.
    static func suppressed(_ contacts: [Contact], _ sql: SQL) async throws -> Set<ID> {
        var workspaces: [String] = [], kinds: [String] = [], values: [String] = [], owners: [String] = []
        for contact in contacts {
            let domain = contact.email?.split(separator: "@").last.map(String.init)
            for (kind, value) in [("email", contact.email), ("domain", domain), ("phone", contact.phone), ("linkedin_url", contact.linkedinURL)] {
                guard let value else { continue }
                workspaces.append(contact.workspaceID.rawValue)
                kinds.append(kind)
                values.append(value)
                owners.append(contact.id.rawValue)
            }
        }
        guard !owners.isEmpty else { return [] }
        return Set(try await sql.values("""
            SELECT DISTINCT t.owner FROM unnest(\(workspaces), \(kinds), \(values), \(owners)) AS t(workspace_id, kind, value, owner)
            JOIN suppressions s ON s.workspace_id = t.workspace_id AND s.kind = t.kind AND s.value = t.value
            """, as: String.self).map(ID.init(trusted:)))
    }

    // MARK: Apply

    private static func apply(_ plan: DispatchPlan, read: DispatchRead, _ sql: SQL, at now: Date,
                              ledger: inout CounterLedger) async throws -> (claims: [Claim], deferred: Int) {
        let nowMs = millis(now)
        var logs = read.logs
        var busy: [Int64: Int64] = [:]
        // The leads this plan writes or sends to, locked and read again: a signal another process
        // applied since the snapshot (its claim takes the lead's row too) is waited for, a lead it
        // moved or ended is not sent to, and a move is written over what the lead is now.
        let fresh = try await stored(plan.claims.map(\.enrollment.seq) + plan.moves.map(\.seq), sql)
        let planned = plan.claims.filter { claim in
            guard read.senderSeqs[claim.action.sender.id] != nil, let was = read.enrollments[claim.enrollment.seq],
                  let now = fresh[claim.enrollment.seq] else { return false }
            return now.state == was.state && now.nodeID == was.nodeID
        }
        // The plan's moves and holds first: they do not depend on the limits below, whose locks
        // (per campaign and workspace) are then held for as few statements as possible.
        var touched: Set<Int64> = []
        var writes: [EnrollmentWrite] = []
        for move in plan.moves {
            guard read.enrollments[move.seq] != nil, let old = fresh[move.seq] else { continue }
            var target = old.senderSeq
            if let sender = move.senderID {
                if let known = read.senderSeqs[sender] {
                    target = known
                } else if let found = try await Self.seq(of: sender, table: "senders", sql) {
                    target = found
                }
            }
            writes.append(EnrollmentWrite(enrollment: move, old: old, senderSeq: target, rank: read.ranks[move.campaignID]))
            if let target { touched.insert(target) }
        }
        try await write(writes, sql, at: now, ledger: &ledger)
        // Every deferral in one statement, one row per step it holds: the sender's due range at the
        // campaign's priority, narrowed to the campaign's steps on this channel (leads at a delay or
        // condition are not held); a lead two deferrals cover is held by the plan's first, as
        // applying them one after the other would.
        var held = HeldSteps()
        for (order, deferral) in plan.deferrals.enumerated() where !deferral.nodeIDs.isEmpty {
            guard let senderSeq = read.senderSeqs[deferral.senderID], let priority = read.ranks[deferral.campaignID]?.priority,
                  let campaignSeq = try await Self.seq(of: deferral.campaignID, table: "campaigns", sql) else { continue }
            held.append(deferral, order: order, senderSeq: senderSeq, priority: priority, campaignSeq: campaignSeq)
            touched.insert(senderSeq)
        }
        let deferred = held.isEmpty ? 0 : try await sql.changes(held.update(at: nowMs))
        let allowed = try await withinSharedLimits(planned, read: read, sql, at: now)
        // Senders whose claim the limits left out: they pace nothing.
        let allowedIDs = Set(allowed.map(\.action.id))
        let leftOut = Set(planned.filter { !allowedIDs.contains($0.action.id) }.map(\.action.sender.id))
        // Every action in one statement, in lead order; a lead whose step already has an action is
        // left out by the unique key and looked at below.
        let claims = allowed.sorted { $0.enrollment.seq < $1.enrollment.seq }
        var inserted: [Int64: Int64] = [:]
        if !claims.isEmpty {
            let actions = claims.map(\.action)
            let campaignSeqs = claims.map { read.enrollments[$0.enrollment.seq]!.campaignSeq }
            let senderSeqs = actions.map { read.senderSeqs[$0.sender.id]! }
            for row in try await sql.rows(InsertActions(actions, campaigns: campaignSeqs, enrollments: claims.map(\.enrollment.seq),
                                                        senders: senderSeqs, owner: sql.owner, at: nowMs)) {
                inserted[try row["enrollment_seq"]] = try row["seq"]
            }
        }
        var recorded: [Claim] = []
        for claim in claims {
            var claim = claim
            let a = claim.action
            let senderSeq = read.senderSeqs[a.sender.id]!, old = read.enrollments[claim.enrollment.seq]!
            var actionSeq = inserted[claim.enrollment.seq]
            if actionSeq == nil {
                guard let existing = try await sql.rows("""
                    SELECT seq, id, state FROM actions WHERE enrollment_seq = \(claim.enrollment.seq) AND node_id = \(a.nodeID)
                    """).first else { continue }
                // Never twice: only a `queued` row (a transient failure) may be sent again, as itself.
                guard try existing["state"] as String == ActionState.queued.rawValue else { continue }
                let seq: Int64 = try existing["seq"]
                actionSeq = seq
                claim.action.id = ID(trusted: try existing["id"])
                try await sql.run("""
                    UPDATE actions SET state = 'sending', attempts = attempts + 1, sender_seq = \(senderSeq), recipient = \(a.recipient),
                        subject = \(a.subject), body = \(a.body), html = \(a.html), in_reply_to = \(a.inReplyTo), created_at = \(nowMs),
                        updated_at = \(nowMs), owner = \(sql.owner)
                    WHERE seq = \(seq)
                    """)
            }
            // The lead's row is left as it is until the outcome is recorded (see the SQLite store).
            logs[senderSeq, default: SenderUsageLog()].append(at: nowMs, campaign: old.campaignSeq, kind: a.kind)
            busy[senderSeq] = actionSeq
            recorded.append(claim)
        }
        // The senders looked at, in one statement: busy ones with their action and usage, the
        // others with their pacing (a claim left out above paces nothing).
        var busySeqs: [Int64] = [], actions: [Int64] = [], usage: [ByteBuffer] = [], paced: [Int64] = []
        var pacedSeqs: [Int64] = [], pacing: [Int64] = []
        for sender in plan.senders {
            guard let seq = read.senderSeqs[sender] else { continue }
            let until = plan.pacing[sender].map { millis($0) }
            if let action = busy[seq] {
                busySeqs.append(seq)
                actions.append(action)
                usage.append(ByteBuffer(bytes: logs[seq]?.data ?? Data()))
                paced.append(until ?? -1)
            } else {
                if let until, !leftOut.contains(sender) {
                    pacedSeqs.append(seq)
                    pacing.append(until)
                }
                touched.insert(seq)
            }
        }
        if !busySeqs.isEmpty || !pacedSeqs.isEmpty {
            _ = try await sql.rows(MarkSenders(busy: busySeqs, actions: actions, paced: paced, usage: usage,
                                               pacedOnly: pacedSeqs, pacing: pacing))
        }
        try await refreshSlots(senderSeqs: touched.subtracting(busy.keys), sql)
        return (recorded, deferred)
    }

    /// A plan's deferrals as one array per column, a row per step held (`update` holds them all).
    struct HeldSteps {
        private var senders: [Int64] = [], priorities: [Int64] = [], campaigns: [Int64] = [], until: [Int64] = []
        private var newLeadsOnly: [Bool] = [], nodes: [String] = [], orders: [Int64] = []

        var isEmpty: Bool { nodes.isEmpty }

        mutating func append(_ deferral: Deferral, order: Int, senderSeq: Int64, priority: Int, campaignSeq: Int64) {
            for node in deferral.nodeIDs {
                senders.append(senderSeq)
                priorities.append(Int64(priority))
                campaigns.append(campaignSeq)
                until.append(PostgresStore.millis(deferral.until))
                newLeadsOnly.append(deferral.newLeadsOnly)
                nodes.append(node)
                orders.append(Int64(order))
            }
        }

        /// The leads due now that a row covers moved to its end, each by the first row (in plan
        /// order) that covers it; returns a row per lead held.
        func update(at now: Int64) -> PostgresQuery {
            """
            UPDATE enrollments e SET due_at = m.until, updated_at = \(now)
            FROM (SELECT DISTINCT ON (e.seq) e.seq, d.until
                  FROM unnest(\(senders), \(priorities), \(campaigns), \(until), \(newLeadsOnly), \(nodes), \(orders))
                      AS d (sender_seq, priority, campaign_seq, until, new_leads_only, node_id, ord)
                  JOIN enrollments e ON e.sender_seq = d.sender_seq AND e.priority = d.priority AND e.lane IN (0, 1)
                      AND e.due_at <= \(now) AND e.campaign_seq = d.campaign_seq AND e.node_id = d.node_id
                      AND (NOT d.new_leads_only OR e.started_at IS NULL)
                  ORDER BY e.seq, d.ord) m
            WHERE e.seq = m.seq
            RETURNING 1
            """
        }
    }

    /// An enrollment to write over what it was (read in the same transaction), with the seq of
    /// its sender and its campaign's rank when known.
    struct EnrollmentWrite {
        var enrollment: Enrollment
        var old: StoredEnrollment
        var senderSeq: Int64?
        var rank: Rank?
    }

    /// Writes enrollments' engine fields (one statement for all, in seq order) and counts each
    /// change of state and first contact. An ended lead is never reopened (see the SQLite store's
    /// `write`, whose rules this follows); a lead first contacted goes to its campaign's lane for
    /// leads under way.
    static func write(_ writes: [EnrollmentWrite], _ sql: SQL, at now: Date, ledger: inout CounterLedger) async throws {
        guard !writes.isEmpty else { return }
        var last: [Int64: EnrollmentWrite] = [:]
        for write in writes { last[write.enrollment.seq] = write }
        var rows: [Enrollment] = [], senders: [Int64?] = [], priorities: [Int64?] = [], lanes: [Int64?] = []
        for var write in last.values.sorted(by: { $0.enrollment.seq < $1.enrollment.seq }) {
            let old = write.old
            write.enrollment.keepEnd(state: old.state, reason: old.reason, nodeID: old.nodeID, nodeEnteredAt: old.nodeEnteredAt)
            let e = write.enrollment
            rows.append(e)
            senders.append(write.senderSeq)
            priorities.append(write.rank.map { Int64($0.priority) })
            lanes.append(write.rank.map { Int64(Campaign.lane(started: old.started || e.startedAt != nil, prioritizeNewLeads: $0.prioritizeNewLeads)) })
            if !old.started, e.startedAt != nil { ledger.add(old.campaignSeq, "contacted") }
            if old.state != e.state {
                ledger.add(old.campaignSeq, "state.\(old.state.rawValue)", by: -1)
                ledger.add(old.campaignSeq, "state.\(e.state.rawValue)")
                if e.state.isTerminal { ledger.ended.insert(old.campaignSeq) }
            }
        }
        _ = try await sql.rows(WriteEnrollments(rows, senders: senders, priorities: priorities, lanes: lanes, at: millis(now)))
    }

    /// The engine columns of these enrollments as stored, by seq, each locked to this transaction
    /// (in seq order): it is about to write them over what it read, and a transaction of another
    /// process that changes one meanwhile (a signal applied in its claim) is waited for and read.
    static func stored(_ seqs: [Int64], _ sql: SQL) async throws -> [Int64: StoredEnrollment] {
        guard !seqs.isEmpty else { return [:] }
        return try storedEnrollments(from: await sql.rows(StoredEnrollments(seqs)))
    }

    /// The rows of `StoredEnrollments` (or of `SettleAndLock`), by seq.
    private static func storedEnrollments(from rows: [Row]) throws -> [Int64: StoredEnrollment] {
        var result: [Int64: StoredEnrollment] = [:]
        for row in rows { result[try row["seq"]] = try storedEnrollment(row) }
        return result
    }

    /// Removes a transiently failed action from its sender's usage log.
    private static func forgetUsage(of action: ID, _ sql: SQL) async throws {
        guard let row = try await sql.rows("""
            SELECT a.sender_seq, a.campaign_seq, a.kind, a.created_at, s.recent FROM actions a JOIN senders s ON s.seq = a.sender_seq
            WHERE a.id = \(action.rawValue)
            """).first, let kind = ActionKind(rawValue: try row["kind"]) else { return }
        var log = SenderUsageLog(try row["recent"] as Data?)
        log.remove(at: try row["created_at"], campaign: try row["campaign_seq"], kind: kind)
        try await sql.run("UPDATE senders SET recent = \(log.data) WHERE seq = \(try row["sender_seq"] as Int64)")
    }

    /// Writes the counter changes of `ledger` and completes those of its campaigns (`ended`) whose
    /// every lead has ended (`Finish`), in one statement; returns the next wake when asked for it.
    @discardableResult
    static func finish(_ ledger: CounterLedger, _ sql: SQL, at now: Date, nextWake: Bool = false) async throws -> Date? {
        let changes = ledger.changes
        guard nextWake || !changes.isEmpty || !ledger.ended.isEmpty else { return nil }
        let rows = try await sql.rows(Finish(changes, completing: Array(ledger.ended), at: millis(now), nextWake: nextWake))
        guard nextWake, let row = rows.first else { return nil }
        return try Self.nextWake(row, sql)
    }

    static func nextWake(_ sql: SQL) async throws -> Date? {
        guard let row = try await sql.rows(NextWake()).first else { return nil }
        return try nextWake(row, sql)
    }

    /// The next wake from a row with `NextWake`'s columns.
    static func nextWake(_ row: Row, _ sql: SQL) throws -> Date? {
        // A rebalance still dealing leads is work now.
        if try row["rebalancing"] as Bool { return .distantPast }
        let signal: Int64? = try row["signal"]
        sql.cache?.noteEarliestSignal(signal)
        return [try row["slot"] as Int64?, signal].compactMap { $0 }.min().map(date)
    }

    // MARK: Shared steps

    /// next_slot_at = the later of the sender's pacing and its earliest due enrollment; NULL
    /// while an action is in flight or nothing is due.
    static func refreshSlots(senderSeqs: Set<Int64>, _ sql: SQL) async throws {
        guard !senderSeqs.isEmpty else { return }
        _ = try await sql.rows(RefreshSlots(Array(senderSeqs)))
    }

    /// An active campaign (by seq) whose every enrollment is terminal is completed; returns how many were.
    @discardableResult
    static func completeFinished(_ campaigns: Set<Int64>, _ sql: SQL, at now: Date) async throws -> Int {
        guard !campaigns.isEmpty else { return 0 }
        return try await sql.rows(CompleteFinished(Array(campaigns), at: millis(now))).count
    }

    /// The seq of a campaign or sender (IDs are never reused, so a mapping never changes).
    static func seq(of id: ID, table: String, _ sql: SQL) async throws -> Int64? {
        if let hit = sql.cache?.seq(of: id.rawValue) { return hit }
        let found = try await sql.value("SELECT seq FROM \(unescaped: table) WHERE id = \(id.rawValue)", as: Int64.self)
        if let found { sql.cache?.keep(seq: found, of: id.rawValue) }
        return found
    }

    // MARK: Signals

    /// Scheduled (simulated) signals that are due, with their enrollments, each locked with its
    /// enrollment and taken off the schedule (a signal read is a signal fired: `Reactions.react`
    /// fires every one it is given, and a rollback puts them back); those another transaction holds
    /// are left for the next look. The due signals
    /// are picked first and their leads looked up one by one (`OFFSET 0` keeps the lookup a
    /// lateral one): the table churns faster than its statistics, and a join planned from stale
    /// ones read every enrollment on each claim.
    /// Returns them with what writing their leads needs, as read here (`EnrollmentKeys`).
    static func dueSignals(_ sql: SQL, at now: Date, limit: Int) async throws -> (signals: [PendingSignal], keys: EnrollmentKeys) {
        let rows = try await sql.rows(DueSignals(now: millis(now), limit: limit))
        var keys = EnrollmentKeys()
        let signals = try await pendingSignals(rows, sql) { row, enrollment, campaign, contact in
            keys.know(try storedEnrollment(row), seq: enrollment.seq, campaign: campaign)
            return PendingSignal(seq: try row["signal_seq"], type: SignalType(rawValue: try row["signal_type"]) ?? .opened,
                                 at: date(try row["signal_at"] as Int64), actionID: (try row["signal_action"] as String?).map(ID.init(trusted:)),
                                 enrollment: enrollment, campaign: campaign, contact: contact)
        }
        return (signals, keys)
    }

    /// What a signal's lead is selected with: `enrollmentSelect`, its campaign's revision and its
    /// contact's columns (named `c_…`), from `enrollments e` joined as `enrollmentSelect` says.
    static let signalLeadSelect = "\(enrollmentSelect), k.revision AS campaign_revision, \(contactColumns)"

    /// Signals from rows selected with `signalLeadSelect`, each given its enrollment, campaign and contact.
    static func pendingSignals(_ rows: [Row], _ sql: SQL,
                               make: (Row, Enrollment, Campaign, Contact) throws -> PendingSignal) async throws -> [PendingSignal] {
        var shelf = CampaignShelf()
        var result: [PendingSignal] = []
        for row in rows {
            guard let campaign = try await shelf.campaign(try row["campaign_seq"], revision: try row["campaign_revision"], sql)
            else { continue }
            result.append(try make(row, try enrollment(row), campaign, try contact(row, prefix: contactPrefix)))
        }
        return result
    }

    /// Applies reactions to signals in the caller's transaction; the caller completes the
    /// campaigns in `ledger.ended` once it has written everything else.
    /// `keys` may know some leads and campaigns already (`dueSignals`).
    static func applySignals(_ effects: SignalEffects, _ sql: SQL, at now: Date, ledger: inout CounterLedger,
                             keys known: EnrollmentKeys = EnrollmentKeys()) async throws {
        let nowMs = millis(now)
        // `effects.fired` is already off the schedule: `DueSignals` takes each signal as it reads it.
        for signal in effects.observed {
            // Its receipt, its event, and the step it answers, in one statement (`ObserveSignal`).
            let data = SignalEventData.data(signal.type, campaign: signal.campaignID.rawValue, contact: signal.contactID.rawValue,
                                            action: signal.actionID?.rawValue, text: effects.text, at: date(nowMs))
            guard let row = try await sql.rows(ObserveSignal(signal, data: try eventJSON(data), at: nowMs)).first,
                  try row["fresh"] as Bool else { continue }
            let campaignSeq: Int64 = try row["campaign_seq"], type = signal.type
            ledger.add(campaignSeq, "signal.\(type.rawValue)")
            if let node = try row["answered"] as String? {
                ledger.add(campaignSeq, "signal.node.\(type.rawValue).\(node)")
            }
        }
        var keys = known
        try await keys.update(effects.moves, sql, at: now, ledger: &ledger)
        // Automations act in the same transaction as the signal that triggered them.
        for (contact, status) in effects.contactStatuses {
            try await sql.run("UPDATE contacts SET status = \(status), updated_at = \(nowMs) WHERE id = \(contact.rawValue)")
        }
        for (list, contact) in effects.listAdditions {
            try await sql.run("""
                INSERT INTO list_members (list_seq, contact_seq, added_at)
                SELECT l.seq, c.seq, \(nowMs) FROM lists l, contacts c
                WHERE l.id = \(list.rawValue) AND c.id = \(contact.rawValue) AND l.workspace_id = c.workspace_id
                ON CONFLICT DO NOTHING
                """)
        }
        for (list, contact) in effects.listRemovals {
            try await sql.run("""
                DELETE FROM list_members WHERE list_seq = (SELECT seq FROM lists WHERE id = \(list.rawValue))
                  AND contact_seq = (SELECT seq FROM contacts WHERE id = \(contact.rawValue))
                """)
        }
        for s in effects.suppressions {
            try await sql.run("""
                INSERT INTO suppressions (id, workspace_id, kind, value, reason, created_at)
                VALUES (\(s.id.rawValue), \(s.workspaceID.rawValue), \(s.kind.rawValue), \(s.value), \(s.reason), \(nowMs))
                ON CONFLICT DO NOTHING
                """)
        }
        // A lead a signal made due (a condition met) brings its sender's slot forward; one it
        // ended leaves the slot as it is, and the sender's next look finds the next lead.
        for move in effects.moves {
            guard let due = move.dueAt, let sender = move.senderID else { continue }
            try await sql.run("""
                UPDATE senders SET next_slot_at = greatest(coalesce(pacing_until, 0), \(millis(due)))
                WHERE id = \(sender.rawValue) AND in_flight IS NULL
                  AND (next_slot_at IS NULL OR next_slot_at > greatest(coalesce(pacing_until, 0), \(millis(due))))
                """)
        }
    }

    /// The signals the campaign page's funnel counts per step.
    static let funnelSignals: Set<SignalType> = [.opened, .clicked, .accepted, .replied]

    /// Logs an observed signal as its event, with the resource it is about.
    /// What writing an enrollment needs beyond the enrollment itself (its sender's seq, its
    /// campaign's rank), read once per transaction however many enrollments share them.
    struct EnrollmentKeys {
        private var senders: [ID: Int64?] = [:]
        private var ranks: [Int64: Rank?] = [:]
        /// Leads read (and locked) in this transaction and not written since.
        private var known: [Int64: StoredEnrollment] = [:]

        /// Notes a lead read and locked in this transaction, and its campaign.
        mutating func know(_ lead: StoredEnrollment, seq: Int64, campaign: Campaign) {
            known[seq] = lead
            ranks[lead.campaignSeq] = Rank(priority: campaign.priority, prioritizeNewLeads: campaign.prioritizeNewLeads)
        }

        /// Writes each enrollment over what it was (read in this transaction, for the counters), in
        /// order, in a few statements: one read and one write per run of distinct leads (a lead
        /// moved twice is written twice, the second time over the first, as one at a time would).
        mutating func update(_ list: [Enrollment], _ sql: SQL, at now: Date, ledger: inout CounterLedger) async throws {
            var start = list.startIndex
            while start < list.endIndex {
                var seen: Set<Int64> = []
                var end = start
                while end < list.endIndex, seen.insert(list[end].seq).inserted { end += 1 }
                try await write(Array(list[start..<end]), sql, at: now, ledger: &ledger)
                start = end
            }
        }

        private mutating func write(_ run: [Enrollment], _ sql: SQL, at now: Date, ledger: inout CounterLedger) async throws {
            let seqs = run.map(\.seq)
            let stored = seqs.allSatisfy { known[$0] != nil } ? known : try await PostgresStore.stored(seqs, sql)
            for seq in seqs { known[seq] = nil }
            var writes: [EnrollmentWrite] = []
            for e in run {
                guard let old = stored[e.seq] else { continue }
                var senderSeq: Int64?
                if let sender = e.senderID {
                    if senders[sender] == nil { senders[sender] = try await PostgresStore.seq(of: sender, table: "senders", sql) }
                    senderSeq = senders[sender] ?? nil
                }
                if ranks[old.campaignSeq] == nil {
                    ranks[old.campaignSeq] = try await sql.rows("SELECT priority, prioritize_new_leads FROM campaigns WHERE seq = \(old.campaignSeq)")
                        .first.map { Rank(priority: try $0["priority"], prioritizeNewLeads: try $0["prioritize_new_leads"]) }
                }
                writes.append(EnrollmentWrite(enrollment: e, old: old, senderSeq: senderSeq, rank: ranks[old.campaignSeq] ?? nil))
            }
            try await PostgresStore.write(writes, sql, at: now, ledger: &ledger)
        }
    }

}

// MARK: Prepared statements

extension PostgresStore {
    /// The due senders no other process holds, each locked to this transaction (so driven by one
    /// process at a time), and no more than this process's share of the work: the senders due and
    /// those in flight (another process's sends, which it records next), over the live
    /// dispatching processes. Processes that wake together claim apart, side by side; one that
    /// finds the others busy recording takes what is due rather than a half, then a quarter of it
    /// in claim after claim. The senders in flight are counted by their actions in flight (one
    /// each, `actions_sending`): `in_flight` itself has no index, so that marking a sender in
    /// flight — which leaves its slot as it was — is an update the server can make in place
    /// (migration `v14-senders-in-flight-unindexed`). With each: `NextWake`'s columns. When none is
    /// due, one row of those alone: the claim's next wake, in the same round trip (a wake that only
    /// applies a reply asks nothing more).
    struct DueSenders: PreparedStatement {
        static let sql = """
            SELECT w.rebalancing, w.slot, w.signal, s.* FROM (\(NextWake.sql)) w
            LEFT JOIN LATERAL (
                SELECT seq, revision, recent, id, workspace_id, channel, display_name, linkedin_url, email, phone, timezone, status,
                    limits, pacing, settings, created_at, updated_at
                FROM senders WHERE next_slot_at <= $1 AND in_flight IS NULL AND status = 'active'
                ORDER BY next_slot_at
                LIMIT least($2, (
                    SELECT ceil(((SELECT count(*) FROM senders WHERE next_slot_at <= $1 AND in_flight IS NULL AND status = 'active')
                               + (SELECT count(*) FROM actions WHERE state = 'sending'))::numeric
                           / greatest(1, (SELECT count(*) FROM workers WHERE role <> 'api' AND expires_at > \(databaseNow))))::bigint))
                FOR UPDATE SKIP LOCKED) s ON true
            """
        let bindings: PostgresBindings

        init(now: Int64, maxSenders: Int) { bindings = PostgresBindings(now, Int64(maxSenders)) }
    }

    /// The due senders' most urgent due leads, a few per sender: the highest priority level first,
    /// the higher lane within it, the earliest due within that (an index seek per level and
    /// sender; the levels are the campaigns' distinct priorities, each with both lanes); each with
    /// its contact (columns named `c_…`) and whether any of the contact's addresses is suppressed.
    /// Each lead's sender, contact, campaign and workspace are an index seek each (`enrollmentLookups`).
    struct DueLeads: PreparedStatement {
        static let sql = """
            WITH levels AS MATERIALIZED (SELECT DISTINCT k.priority, l.lane FROM campaigns k CROSS JOIN (VALUES (0), (1)) AS l(lane))
            SELECT \(enrollmentSelect), k.revision AS campaign_revision, w.daily_quota, \(contactColumns),
                (\(contactSuppressed)) AS suppressed
            FROM unnest($1::bigint[]) AS s(seq)
            CROSS JOIN LATERAL (
                SELECT d.* FROM levels v CROSS JOIN LATERAL (
                    SELECT * FROM enrollments WHERE sender_seq = s.seq AND priority = v.priority AND lane = v.lane AND due_at <= $2
                    ORDER BY due_at, seq LIMIT $3) d
                ORDER BY d.priority DESC, d.lane DESC, d.due_at, d.seq LIMIT $3) e
            \(enrollmentLookups)
            CROSS JOIN LATERAL (SELECT * FROM workspaces WHERE id = k.workspace_id OFFSET 0) w
            ORDER BY e.sender_seq, e.priority DESC, e.lane DESC, e.due_at, e.seq
            """
        let bindings: PostgresBindings

        init(senders: [Int64], now: Int64, perSender: Int) {
            bindings = PostgresBindings(senders, now, Int64(perSender))
        }
    }

    /// Leads of each campaign started since its day began (those whose first action is in flight
    /// included), and actions of each workspace since the UTC day began.
    struct SharedLimitCounts: PreparedStatement {
        static let sql = """
            SELECT t.seq::text AS key, 'campaign' AS kind,
                   (SELECT count(*) FROM enrollments WHERE campaign_seq = t.seq AND started_at >= t.day)
                 + (SELECT count(*) FROM actions a JOIN enrollments e ON e.seq = a.enrollment_seq
                    WHERE a.state = 'sending' AND a.campaign_seq = t.seq AND e.started_at IS NULL) AS n
            FROM unnest($1::bigint[], $2::bigint[]) AS t(seq, day)
            UNION ALL
            SELECT w.id, 'workspace', (SELECT count(*) FROM actions WHERE workspace_id = w.id
                AND created_at >= $3 AND state IN ('sending', 'sent', 'uncertain'))
            FROM unnest($4::text[]) AS w(id)
            """
        let bindings: PostgresBindings

        init(campaigns: [Int64], dayStarts: [Int64], workspaceDay: Int64, workspaces: [String]) {
            bindings = PostgresBindings(campaigns, dayStarts, workspaceDay, workspaces)
        }
    }

    /// Scheduled signals due, with their leads, each locked with its lead and taken off the
    /// schedule in the same statement (`dueSignals`); the lead's sender, contact and campaign are
    /// each an index seek (`enrollmentLookups`).
    struct DueSignals: PreparedStatement {
        static let sql = """
            WITH picked AS (
                SELECT \(signalLeadSelect), s.seq AS signal_seq, s.type AS signal_type, s.due_at AS signal_at,
                       s.action_id AS signal_action
                FROM (SELECT seq, enrollment_seq, type, due_at, action_id FROM scheduled_signals WHERE due_at <= $1
                      ORDER BY due_at, seq LIMIT $2) s
                CROSS JOIN LATERAL (SELECT * FROM enrollments WHERE seq = s.enrollment_seq OFFSET 0) e
                \(enrollmentLookups)
                FOR UPDATE OF s, e SKIP LOCKED),
            taken AS (DELETE FROM scheduled_signals WHERE seq IN (SELECT signal_seq FROM picked))
            SELECT * FROM picked ORDER BY signal_at, signal_seq
            """
        let bindings: PostgresBindings

        init(now: Int64, limit: Int) {
            bindings = PostgresBindings(now, Int64(limit))
        }
    }

    /// The engine columns of these enrollments, locked in seq order (`stored`).
    struct StoredEnrollments: PreparedStatement {
        static let sql = """
            SELECT \(storedColumns) FROM enrollments WHERE seq = ANY($1::bigint[]) ORDER BY seq FOR NO KEY UPDATE
            """
        static let storedColumns = "seq, state, reason, node_id, node_entered_at, campaign_seq, sender_seq, started_at"
        let bindings: PostgresBindings

        init(_ seqs: [Int64]) { bindings = PostgresBindings(seqs) }
    }

    /// Outcomes written to their actions, and the leads they move locked and read as
    /// `StoredEnrollments` does: a record's first two steps in one round trip.
    struct SettleAndLock: PreparedStatement {
        static let sql = """
            WITH settled AS (
                UPDATE actions a SET state = u.state, provider_id = coalesce(u.provider_id, a.provider_id), error = u.error,
                    updated_at = $1, sent_at = CASE WHEN u.state = 'sent' THEN $1 ELSE a.sent_at END
                FROM unnest($2::text[], $3::text[], $4::text[], $5::text[]) AS u (id, state, provider_id, error)
                WHERE a.id = u.id
                RETURNING 1)
            SELECT \(StoredEnrollments.storedColumns) FROM enrollments WHERE seq = ANY($6::bigint[]) ORDER BY seq FOR NO KEY UPDATE
            """
        let bindings: PostgresBindings

        init(_ updates: [Settlement.ActionUpdate], moves: [Int64], at now: Int64) {
            bindings = PostgresBindings(now, updates.map(\.action.id.rawValue), updates.map(\.state.rawValue),
                                        NullableTexts(updates.map(\.providerID)), NullableTexts(updates.map(\.error)), moves)
        }
    }

    /// Enrollments' engine fields written over what they were, one row per lead (`write`).
    struct WriteEnrollments: PreparedStatement {
        static let sql = """
            UPDATE enrollments e SET state = u.state, reason = u.reason, node_id = u.node_id, node_entered_at = u.node_entered_at,
                due_at = u.due_at, attempts = u.attempts, started_at = coalesce(e.started_at, u.started_at), signals = u.signals,
                last_message_id = coalesce(u.last_message_id, e.last_message_id), sender_seq = coalesce(u.sender_seq, e.sender_seq),
                priority = coalesce(u.priority, e.priority),
                lane = coalesce(u.lane, CASE WHEN e.started_at IS NULL AND u.started_at IS NOT NULL
                    THEN (SELECT CASE WHEN prioritize_new_leads THEN 0 ELSE 1 END FROM campaigns WHERE seq = e.campaign_seq)
                    ELSE e.lane END),
                updated_at = $1
            FROM unnest($2::bigint[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::bigint[], $8::bigint[], $9::bigint[],
                        $10::text[], $11::text[], $12::bigint[], $13::bigint[], $14::bigint[])
                AS u (seq, state, reason, node_id, node_entered_at, due_at, attempts, started_at, signals, last_message_id, sender_seq,
                      priority, lane)
            WHERE e.seq = u.seq
            """
        let bindings: PostgresBindings

        init(_ rows: [Enrollment], senders: [Int64?], priorities: [Int64?], lanes: [Int64?], at now: Int64) {
            bindings = PostgresBindings(
                now, rows.map(\.seq), rows.map(\.state.rawValue), NullableTexts(rows.map(\.reason)), NullableTexts(rows.map(\.nodeID)),
                NullableInts(rows.map { PostgresStore.millis($0.nodeEnteredAt) }), NullableInts(rows.map { PostgresStore.millis($0.dueAt) }),
                rows.map { Int64($0.attempts) }, NullableInts(rows.map { PostgresStore.millis($0.startedAt) }),
                rows.map { $0.signals.map(\.rawValue).sorted().joined(separator: ",") }, NullableTexts(rows.map(\.lastMessageID)),
                NullableInts(senders), NullableInts(priorities), NullableInts(lanes))
        }
    }

    /// Counter changes added in one statement, in the order given (`CounterLedger.changes`).
    struct AddToCounters: PreparedStatement {
        static let sql = """
            INSERT INTO campaign_counters (campaign_seq, key, value)
            SELECT * FROM unnest($1::bigint[], $2::text[], $3::bigint[])
            ON CONFLICT (campaign_seq, key) DO UPDATE SET value = campaign_counters.value + excluded.value
            """
        let bindings: PostgresBindings

        init(_ changes: [(campaignSeq: Int64, key: String, delta: Int)]) {
            bindings = PostgresBindings(changes.map(\.campaignSeq), changes.map(\.key), changes.map { Int64($0.delta) })
        }
    }

    /// An observed signal's receipt when it is about an action — a signal counts once per action
    /// and type: a second open of the same email is not a second open — and, when it is the first
    /// (`fresh`) or about no action, its event (`outbound_emit`), its lead's campaign and, for the
    /// funnel's signals, the step it answers: its action's, else the lead's last step that went
    /// out. No row when the lead is gone.
    struct ObserveSignal: PreparedStatement {
        static let sql = """
            WITH receipt AS (
                INSERT INTO signal_receipts (action_id, type, at)
                SELECT $1::text, $2::text, $3::bigint WHERE $1::text IS NOT NULL
                ON CONFLICT DO NOTHING RETURNING 1),
            lead AS (
                SELECT seq, campaign_seq, ($1::text IS NULL OR EXISTS (SELECT 1 FROM receipt)) AS fresh
                FROM enrollments WHERE seq = $4::bigint)
            SELECT l.campaign_seq, l.fresh,
                CASE WHEN l.fresh AND $6::boolean THEN
                    CASE WHEN $1::text IS NOT NULL THEN (SELECT node_id FROM actions WHERE id = $1::text)
                         ELSE (SELECT node_id FROM actions WHERE enrollment_seq = l.seq AND state IN ('sent', 'uncertain')
                                 AND node_id NOT LIKE $5::text ORDER BY seq DESC LIMIT 1) END END AS answered,
                CASE WHEN l.fresh THEN outbound_emit($7::text, $8::text, $9::text, $10::text, $1::text, $3::bigint, $11::json) END AS event
            FROM lead l
            """
        let bindings: PostgresBindings

        init(_ signal: ObservedSignal, data json: String, at now: Int64) {
            var bindings = PostgresBindings(capacity: 11)
            if let action = signal.actionID { bindings.append(action.rawValue) } else { bindings.appendNull() }
            bindings.append(signal.type.rawValue)
            bindings.append(now)
            bindings.append(signal.enrollmentSeq)
            bindings.append(ReplyService.nodePrefix + "%")
            bindings.append(PostgresStore.funnelSignals.contains(signal.type))
            bindings.append(EventType.of(signal.type))
            bindings.append(signal.workspaceID.rawValue)
            bindings.append(signal.campaignID.rawValue)
            bindings.append(signal.contactID.rawValue)
            bindings.append(json)
            self.bindings = bindings
        }
    }

    /// A transaction lock per campaign whose leads a claim starts and per workspace with a quota
    /// it sends for, taken in one order in every process — campaigns, then workspaces, each by
    /// key — so two never wait on each other (`withinSharedLimits`).
    struct LockSharedLimits: PreparedStatement {
        static let sql = """
            SELECT pg_advisory_xact_lock(k.space, k.key) FROM (
                SELECT \(limitLockSpace)::integer AS space, (seq % 2147483647)::integer AS key FROM unnest($1::bigint[]) AS c(seq)
                UNION ALL
                SELECT \(limitLockSpace + 1)::integer, hashtext(id) FROM unnest($2::text[]) AS w(id)
                ORDER BY 1, 2) k
            """
        let bindings: PostgresBindings

        init(campaigns: [Int64], workspaces: [String]) { bindings = PostgresBindings(campaigns, workspaces) }
    }

    /// A claim's actions, `sending` and marked with this process, in the order given; an action
    /// whose lead's step already has one is left out by the unique key. Returns the ones written.
    struct InsertActions: PreparedStatement {
        static let sql = """
            INSERT INTO actions (id, workspace_id, campaign_seq, enrollment_seq, node_id, sender_seq, kind, state, recipient,
                subject, body, html, in_reply_to, created_at, updated_at, owner)
            SELECT u.id, u.workspace_id, u.campaign_seq, u.enrollment_seq, u.node_id, u.sender_seq, u.kind, 'sending', u.recipient,
                u.subject, u.body, u.html, u.in_reply_to, $1, $1, $2
            FROM unnest($3::text[], $4::text[], $5::bigint[], $6::bigint[], $7::text[], $8::bigint[], $9::text[], $10::text[],
                        $11::text[], $12::text[], $13::text[], $14::text[])
                AS u (id, workspace_id, campaign_seq, enrollment_seq, node_id, sender_seq, kind, recipient, subject, body, html, in_reply_to)
            ON CONFLICT (enrollment_seq, node_id) DO NOTHING
            RETURNING enrollment_seq, seq
            """
        let bindings: PostgresBindings

        init(_ actions: [OutboundAction], campaigns: [Int64], enrollments: [Int64], senders: [Int64], owner: String?, at now: Int64) {
            var bindings = PostgresBindings(capacity: 14)
            bindings.append(now)
            if let owner { bindings.append(owner) } else { bindings.appendNull() }
            for column: any PostgresNonThrowingEncodable in [
                actions.map(\.id.rawValue), actions.map(\.workspaceID.rawValue), campaigns, enrollments, actions.map(\.nodeID), senders,
                actions.map(\.kind.rawValue), actions.map(\.recipient), NullableTexts(actions.map(\.subject)),
                NullableTexts(actions.map(\.body)), NullableTexts(actions.map(\.html)), NullableTexts(actions.map(\.inReplyTo)),
            ] { bindings.append(column) }
            self.bindings = bindings
        }
    }

    /// The senders a claim looked at: busy ones marked with their action and given their usage
    /// log (a pacing of -1 keeps theirs), the others given their pacing.
    struct MarkSenders: PreparedStatement {
        static let sql = """
            UPDATE senders s SET in_flight = u.in_flight,
                pacing_until = CASE WHEN u.pacing >= 0 THEN u.pacing ELSE s.pacing_until END,
                recent = CASE WHEN u.in_flight IS NULL THEN s.recent ELSE u.recent END
            FROM (SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bytea[])
                  UNION ALL SELECT seq, NULL, pacing, NULL FROM unnest($5::bigint[], $6::bigint[]) AS p(seq, pacing)
                 ) AS u (seq, in_flight, pacing, recent)
            WHERE s.seq = u.seq
            """
        let bindings: PostgresBindings

        init(busy: [Int64], actions: [Int64], paced: [Int64], usage: [ByteBuffer], pacedOnly: [Int64], pacing: [Int64]) {
            bindings = PostgresBindings(busy, actions, paced, usage, pacedOnly, pacing)
        }
    }

    /// Senders whose action is settled, free again and next looked at when their pacing gap ends.
    struct FreeSenders: PreparedStatement {
        static let sql = """
            UPDATE senders SET in_flight = NULL, next_slot_at = coalesce(pacing_until, 0)
            WHERE seq = ANY($1::bigint[]) AND in_flight IS NOT NULL
            """
        let bindings: PostgresBindings

        init(_ senders: [Int64]) { bindings = PostgresBindings(senders) }
    }

    /// Signals a channel said will come (the simulator's), put on the schedule.
    struct ScheduleSignals: PreparedStatement {
        static let sql = """
            INSERT INTO scheduled_signals (enrollment_seq, action_id, type, due_at)
            SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::bigint[])
            """
        let bindings: PostgresBindings

        init(_ signals: [(enrollmentSeq: Int64, actionID: ID, signal: ScheduledSignal)]) {
            bindings = PostgresBindings(signals.map(\.enrollmentSeq), signals.map(\.actionID.rawValue),
                                        signals.map(\.signal.type.rawValue), signals.map { PostgresStore.millis($0.signal.at) })
        }
    }

    /// Each sender's next slot: the later of its pacing and its earliest due lead; none while an
    /// action is in flight or nothing is due (`refreshSlots`).
    struct RefreshSlots: PreparedStatement {
        static let sql = """
            UPDATE senders s SET next_slot_at = CASE WHEN s.in_flight IS NOT NULL OR d.due IS NULL THEN NULL
                                                     ELSE greatest(coalesce(s.pacing_until, 0), d.due) END
            FROM (SELECT w.seq, (SELECT min(due_at) FROM enrollments WHERE sender_seq = w.seq AND due_at IS NOT NULL) AS due
                  FROM unnest($1::bigint[]) AS w(seq)) d
            WHERE s.seq = d.seq
            """
        let bindings: PostgresBindings

        init(_ senders: [Int64]) { bindings = PostgresBindings(senders) }
    }

    /// The active campaigns among these whose every lead has ended, completed; a row for each.
    struct CompleteFinished: PreparedStatement {
        static let sql = update(now: "$1", campaigns: "$2") + " RETURNING 1"
        let bindings: PostgresBindings

        init(_ campaigns: [Int64], at now: Int64) { bindings = PostgresBindings(now, campaigns) }

        /// The update, given where its time and its campaigns' seqs come from.
        static func update(now: String, campaigns: String) -> String {
            """
            UPDATE campaigns SET status = 'completed', completed_at = \(now), updated_at = \(now)
            WHERE seq = ANY(\(campaigns)::bigint[]) AND status = 'active' AND NOT EXISTS (
                SELECT 1 FROM enrollments WHERE campaign_seq = campaigns.seq AND state IN ('pending', 'active', 'waiting'))
            """
        }
    }

    /// Whether a rebalance is dealing leads, the earliest slot of a free sender, the earliest signal.
    struct NextWake: PreparedStatement {
        static let sql = "SELECT \(columns(when: "true"))"
        let bindings = PostgresBindings()

        /// Its three columns, each NULL unless `condition` holds (then not even looked for).
        static func columns(when condition: String) -> String {
            """
            CASE WHEN \(condition) THEN EXISTS (SELECT 1 FROM campaigns WHERE rebalance_state IS NOT NULL) END AS rebalancing,
            CASE WHEN \(condition) THEN (SELECT next_slot_at FROM senders WHERE next_slot_at IS NOT NULL AND in_flight IS NULL
                                                AND status = 'active' ORDER BY next_slot_at LIMIT 1) END AS slot,
            CASE WHEN \(condition) THEN (SELECT min(due_at) FROM scheduled_signals) END AS signal
            """
        }
    }

    /// An engine transaction's last writes in one statement: its counter changes (`AddToCounters`)
    /// and its campaigns whose last lead it ended, completed (`CompleteFinished`); with, when
    /// asked, `NextWake`'s columns, as they are after the transaction's other writes (those two
    /// change neither slots nor signals).
    struct Finish: PreparedStatement {
        static let sql = """
            WITH added AS (\(AddToCounters.sql)),
            completed AS (\(CompleteFinished.update(now: "$4", campaigns: "$5")))
            SELECT \(NextWake.columns(when: "$6::boolean"))
            """
        let bindings: PostgresBindings

        init(_ changes: [(campaignSeq: Int64, key: String, delta: Int)], completing campaigns: [Int64], at now: Int64, nextWake: Bool) {
            bindings = PostgresBindings(changes.map(\.campaignSeq), changes.map(\.key), changes.map { Int64($0.delta) },
                                        now, campaigns, nextWake)
        }
    }
}

extension CounterLedger {
    /// Writes the changes in one statement, in key order.
    func flush(_ sql: PostgresStore.SQL) async throws {
        let changes = changes
        guard !changes.isEmpty else { return }
        _ = try await sql.rows(PostgresStore.AddToCounters(changes))
    }
}

extension Optional {
    /// `flatMap` with an asynchronous transform.
    func asyncFlatMap<U>(_ transform: (Wrapped) async throws -> U?) async rethrows -> U? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}
