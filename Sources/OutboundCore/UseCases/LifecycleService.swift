import Foundation

/// Launch, pause, resume, complete and archive. Illegal transitions are 409 naming the status.
public struct LifecycleService: Sendable {
    let store: any Store
    let clock: any TimeSource
    let review: ReviewService
    /// Leads admitted per transaction. The first batch is admitted inside the request; the rest
    /// by `continueEnrolling()`, which the server's dispatcher loop calls between ticks.
    public var batchSize = 5_000

    public init(store: any Store, clock: any TimeSource, router: (any ChannelRouter)? = nil) {
        self.store = store
        self.clock = clock
        review = ReviewService(store: store, router: router)
    }

    /// Validates, then starts: every pending lead is admitted (or skipped with its reason) and
    /// gets a sticky sender, balanced by load. With no lead at all the campaign completes at once.
    /// A large campaign answers after its first batch and reads `is_enrolling` until the rest are in.
    public func launch(_ id: ID, in workspace: ID) async throws -> Campaign {
        var campaign = try await get(id, in: workspace)
        guard campaign.status == .draft else {
            throw ConflictError("campaign is \(campaign.status.rawValue); only a draft can launch" + (campaign.status == .paused ? " (use resume)" : ""))
        }
        let report = try await review.validate(id, in: workspace)
        if !report.ready {
            throw ValidationError(report.errors.map { FieldIssue($0.path ?? "", "\($0.code): \($0.message)") })
        }
        let now = clock.now
        campaign.status = .active
        campaign.startedAt = now
        campaign.updatedAt = now
        // Marked before it turns active: whatever write a crash interrupts, the campaign is either
        // still a draft or active and marked, and the restarted loop admits the rest.
        try await store.setEnrolling(id, true)
        try await store.updateCampaign(campaign)
        try await admitFirstBatch(campaign)
        return try await get(id, in: workspace)
    }

    public func pause(_ id: ID, in workspace: ID) async throws -> Campaign {
        var campaign = try await get(id, in: workspace)
        guard campaign.status == .active else { throw ConflictError("campaign is \(campaign.status.rawValue); only an active campaign can pause") }
        let now = clock.now
        campaign.status = .paused
        campaign.pausedAt = now
        campaign.updatedAt = now
        try await store.updateCampaign(campaign)
        try await store.hold(campaign, at: now)
        return campaign
    }

    public func resume(_ id: ID, in workspace: ID) async throws -> Campaign {
        var campaign = try await get(id, in: workspace)
        guard campaign.status == .paused else { throw ConflictError("campaign is \(campaign.status.rawValue); only a paused campaign can resume") }
        let now = clock.now
        campaign.status = .active
        campaign.startedAt = now
        campaign.updatedAt = now
        try await store.setEnrolling(id, true)
        try await store.updateCampaign(campaign)
        try await store.release(campaign, at: now)
        try await admitFirstBatch(campaign)
        return try await get(id, in: workspace)
    }

    /// Stops every open lead (reason "stopped") and completes the campaign.
    public func complete(_ id: ID, in workspace: ID) async throws -> Campaign {
        var campaign = try await get(id, in: workspace)
        guard campaign.status == .active || campaign.status == .paused else {
            throw ConflictError("campaign is \(campaign.status.rawValue); only an active or paused campaign can complete")
        }
        let now = clock.now
        try await store.stopOpen(campaign, contact: nil, reason: "stopped: the campaign was completed", at: now)
        campaign.status = .completed
        campaign.completedAt = now
        campaign.updatedAt = now
        try await store.updateCampaign(campaign)
        return campaign
    }

    public func archive(_ id: ID, in workspace: ID) async throws -> Campaign {
        var campaign = try await get(id, in: workspace)
        guard campaign.status != .active, campaign.status != .archived else {
            throw ConflictError("campaign is \(campaign.status.rawValue); " + (campaign.status == .active ? "pause or complete it first" : "it is already archived"))
        }
        let now = clock.now
        try await store.stopOpen(campaign, contact: nil, reason: "stopped: the campaign was archived", at: now)
        campaign.status = .archived
        campaign.updatedAt = now
        try await store.updateCampaign(campaign)
        return campaign
    }

    /// Admits the campaign's pending leads (when leads arrive while it runs; launch and resume do
    /// the same): the campaign is marked enrolling, one batch is admitted now, and the mark stays
    /// while more are left, for `continueEnrolling()`. The mark comes first, so a crash between
    /// any two of these writes leaves it set and strands no lead. A campaign with nothing left
    /// open completes.
    public func enroll(_ campaign: Campaign) async throws {
        try await store.setEnrolling(campaign.id, true)
        try await admitFirstBatch(campaign)
    }

    /// One batch of a campaign already marked enrolling; unmarks it when nothing is pending.
    private func admitFirstBatch(_ campaign: Campaign) async throws {
        if try await !activatePending(campaign, batches: 1), try await store.finishEnrolling(campaign.id) {
            _ = try await store.completeIfFinished(campaign, at: clock.now)
        }
    }

    /// One batch of every campaign still enrolling (the mark survives a restart, so an
    /// interrupted launch goes on). Returns whether there was any to do.
    @discardableResult
    public func continueEnrolling() async throws -> Bool {
        var worked = false
        for (id, workspace) in try await store.enrollingCampaigns() {
            guard let campaign = try await store.campaign(id, in: workspace), campaign.status == .active,
                  !campaign.sequence.nodes.isEmpty else {
                // Paused (resume enrolls again), completed, gone or with no step: nothing to admit.
                try await store.setEnrolling(id, false)
                continue
            }
            worked = true
            if try await !activatePending(campaign, batches: 1), try await store.finishEnrolling(id) {
                _ = try await store.completeIfFinished(campaign, at: clock.now)
            }
        }
        return worked
    }

    /// Admits up to `batches` batches of the campaign's pending leads; returns whether any may be left.
    /// The leads and their facts are read from the store; the decisions are written to `engine`
    /// (the store itself unless given: a forecast admits into its memory store).
    @discardableResult
    public func activatePending(_ campaign: Campaign, batches: Int = .max, into engine: (any EngineStore)? = nil) async throws -> Bool {
        guard campaign.status == .active, let entry = campaign.sequence.nodes.first else { return false }
        let engine = engine ?? store
        let entryChannel = campaign.sequence.nodes.lazy.compactMap(\.channel).first
        let senders = try await store.senders(campaign.senderIDs, in: campaign.workspaceID)
            .filter { entryChannel == nil || $0.channel == entryChannel }
        var loads = try await engine.senderLoads(senders.map(\.id))
        let now = clock.now
        var due = max(now, campaign.startAt ?? now)
        // A first step that sends waits for the campaign's window: the leads start due at its
        // opening (as the dispatcher would move them on its first look), not now.
        if entry.actionKind != nil, !campaign.sendInLeadTimezone,
           let opening = campaign.schedule.nextOpening(atOrAfter: due, in: campaign.timezone) {
            due = opening
        }
        var after: Int64 = 0
        for _ in 0..<batches {
            let batch = try await store.pendingLeads(of: campaign, after: after, limit: batchSize)
            guard let last = batch.last else { return false }
            after = last.seq
            var decided: [Enrollment] = []
            for (seq, candidate) in batch {
                var e = Enrollment(seq: seq, campaignID: campaign.id, contactID: candidate.contact.id, senderID: nil,
                                   state: .active, nodeID: entry.id, nodeEnteredAt: now, dueAt: due)
                if let skip = campaign.admission(of: LeadCandidate(
                    contact: candidate.contact, inCampaign: false, suppressed: candidate.suppressed,
                    activeElsewhere: candidate.activeElsewhere, contacted: candidate.contacted, inExcludedList: candidate.inExcludedList)) {
                    e.state = .skipped
                    e.reason = skip.rawValue
                    e.dueAt = nil
                } else if let sender = senders.min(by: { (loads[$0.id] ?? 0, $0.id) < (loads[$1.id] ?? 0, $1.id) }) {
                    e.senderID = sender.id
                    loads[sender.id, default: 0] += 1
                } else {
                    e.state = .skipped
                    e.reason = "no sender for this campaign's first step"
                    e.dueAt = nil
                }
                decided.append(e)
            }
            try await engine.activate(decided, at: now)
            if batch.count < batchSize { return false }
        }
        return true
    }

    private func get(_ id: ID, in workspace: ID) async throws -> Campaign {
        guard let campaign = try await store.campaign(id, in: workspace) else { throw NotFoundError("campaign", id: id.rawValue) }
        return campaign
    }
}
