import Foundation

/// One bucket of activity over time: actions made and signals received (by event name).
public struct ActivityBucket: Sendable, Hashable {
    public var start: Date
    public var actions: Int
    public var signals: [String: Int]
}

/// A sender's recent activity against its caps, as the dispatcher counts it.
public struct SenderActivity: Sendable {
    public var sender: Sender
    /// Actions of the last 7 days, by kind.
    public var usage: [ActionKind: RollingUsage]
    public var nextSlotAt: Date?
    public var inFlight: Bool
}

/// Campaign statistics, activity over time and sender usage: the numbers every surface reports.
public struct StatsService: Sendable {
    let store: any Store
    let clock: any TimeSource

    public init(store: any Store, clock: any TimeSource) {
        self.store = store
        self.clock = clock
    }

    /// The campaign's statistics; 404 for a campaign not in the workspace.
    public func stats(_ campaignID: ID, in workspace: ID) async throws -> (campaign: Campaign, stats: CampaignStats) {
        guard let both = try await store.campaignWithStats(campaignID, in: workspace) else {
            throw NotFoundError("campaign", id: campaignID.rawValue)
        }
        return both
    }

    /// About when a running campaign next sends (nil when it is not running or nothing is due).
    public func nextSend(of campaign: Campaign) async throws -> Date? {
        guard campaign.status == .active else { return nil }
        return try await store.nextSend(of: campaign.id, in: campaign.workspaceID)
    }

    /// Leads whose next step is due now, in every workspace (an operator's metric).
    public func leadsDueNow() async throws -> Int {
        try await store.dueLeadCount(at: clock.now)
    }

    /// The statistics of a campaign already read.
    public func stats(of campaign: Campaign) async throws -> CampaignStats {
        try await store.campaignStats(campaign.id, in: campaign.workspaceID)
    }

    /// What a campaign's senders are doing now, in the campaign's sender order.
    public func activity(ofSenders campaign: Campaign) async throws -> [SenderActivity] {
        let senders = try await store.senders(campaign.senderIDs, in: campaign.workspaceID)
        var result: [SenderActivity] = []
        for id in campaign.senderIDs {
            guard let sender = senders.first(where: { $0.id == id }) else { continue }
            result.append(try await activity(of: sender))
        }
        return result
    }

    /// A sender's activity; 404 for a sender not in the workspace.
    public func activity(ofSender id: ID, in workspace: ID) async throws -> SenderActivity {
        guard let sender = try await store.sender(id, in: workspace) else { throw NotFoundError("sender", id: id.rawValue) }
        return try await activity(of: sender)
    }

    private func activity(of sender: Sender) async throws -> SenderActivity {
        let activity = try await store.senderActivity(sender.id, in: sender.workspaceID, at: clock.now)
        return SenderActivity(sender: sender, usage: activity.usage, nextSlotAt: activity.nextSlotAt, inFlight: activity.inFlight)
    }

    /// A campaign's actions and signals per bucket of `bucketSeconds`.
    public func series(ofCampaign id: ID, in workspace: ID, from: Date, to: Date, bucketSeconds: Int) async throws -> [ActivityBucket] {
        try await store.series(of: id, in: workspace, from: from, to: to, bucketSeconds: bucketSeconds).map(ActivityBucket.init)
    }

    /// One sender's, across its campaigns.
    public func series(ofSender id: ID, in workspace: ID, from: Date, to: Date, bucketSeconds: Int) async throws -> [ActivityBucket] {
        try await store.series(ofSender: id, in: workspace, from: from, to: to, bucketSeconds: bucketSeconds).map(ActivityBucket.init)
    }

    /// All of a workspace's actions of one kind.
    public func series(ofWorkspace workspace: ID, kind: ActionKind, from: Date, to: Date, bucketSeconds: Int) async throws -> [ActivityBucket] {
        try await store.series(ofWorkspace: workspace, kind: kind, from: from, to: to, bucketSeconds: bucketSeconds).map(ActivityBucket.init)
    }
}

extension ActivityBucket {
    init(_ bucket: (start: Date, actions: Int, signals: [String: Int])) {
        self.init(start: bucket.start, actions: bucket.actions, signals: bucket.signals)
    }
}
