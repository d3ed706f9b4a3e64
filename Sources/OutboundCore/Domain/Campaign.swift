import Foundation

/// An outreach campaign: who sends, when, how fast, and (later) to whom and what.
public struct Campaign: Sendable, Hashable {
    /// `draft → active ⇄ paused → completed`, and `archived` from any stopped state.
    public enum Status: String, Sendable, CaseIterable {
        case draft, active, paused, completed, archived
    }

    public let id: ID
    public let workspaceID: ID
    /// Unique per workspace.
    public var name: String
    public var description: String?
    /// Immutable after creation.
    public let channel: CampaignChannel
    public var status: Status
    /// Sends through the simulator instead of the real channel.
    public var dryRun: Bool
    /// Higher runs first when campaigns share a sender.
    public var priority: Int
    public var timezone: Zone
    public var schedule: Schedule
    /// Nothing is sent before this instant.
    public var startAt: Date?
    /// In the order given; each sender's channel is accepted by `channel`.
    public var senderIDs: [ID]
    /// Messages per hour per sender, 1…60.
    public var hourlyMessageRate: Int
    /// New leads started per day across all senders, 1…500.
    public var dailyLimit: Int
    public var stopOnReply: Bool
    public var openTracking: Bool
    /// Email signature template, appended to every email.
    public var signature: String?
    /// Skip leads that are active in another campaign at launch.
    public var skipOtherCampaigns: Bool
    /// On a busy sender, start new leads before the due follow-ups of leads already contacted.
    /// Off by default: a conversation under way goes first (see `lane(started:)`).
    public var prioritizeNewLeads: Bool = false
    /// Evaluate the schedule in each lead's own time zone when it is known.
    public var sendInLeadTimezone: Bool
    /// Lists the campaign follows and leaves out (`skip_active_in_other_campaigns` is `skipOtherCampaigns`).
    public var leadRules: LeadRules
    /// The steps every lead goes through; seeded per channel on creation.
    public var sequence: CampaignSequence
    /// How the simulator behaves for a dry run (nil: its defaults).
    public var simulation: Simulation?
    /// Rules run when signals arrive (set a status, move between lists, stop).
    public var automations: [Automation] = []
    /// True while not-yet-contacted leads are being spread over a changed set of senders.
    public var isRebalancing: Bool = false
    /// True while pending leads are still being admitted after a launch, resume or large arrival.
    public var isEnrolling: Bool = false
    public let createdAt: Date
    public var updatedAt: Date
    public var startedAt: Date?
    public var pausedAt: Date?
    public var completedAt: Date?

    public init(
        id: ID, workspaceID: ID, name: String, description: String? = nil, channel: CampaignChannel,
        status: Status = .draft, dryRun: Bool = false, priority: Int = 0, timezone: Zone = .utc,
        schedule: Schedule = .businessHours, startAt: Date? = nil, senderIDs: [ID] = [],
        hourlyMessageRate: Int = Campaign.defaultHourlyMessageRate, dailyLimit: Int = Campaign.defaultDailyLimit,
        stopOnReply: Bool = true, openTracking: Bool = false, signature: String? = nil,
        skipOtherCampaigns: Bool = true, sendInLeadTimezone: Bool = false, leadRules: LeadRules = LeadRules(),
        sequence: CampaignSequence? = nil,
        createdAt: Date, updatedAt: Date, startedAt: Date? = nil, pausedAt: Date? = nil, completedAt: Date? = nil
    ) {
        self.id = id
        self.workspaceID = workspaceID
        self.name = name
        self.description = description
        self.channel = channel
        self.status = status
        self.dryRun = dryRun
        self.priority = priority
        self.timezone = timezone
        self.schedule = schedule
        self.startAt = startAt
        self.senderIDs = senderIDs
        self.hourlyMessageRate = hourlyMessageRate
        self.dailyLimit = dailyLimit
        self.stopOnReply = stopOnReply
        self.openTracking = openTracking
        self.signature = signature
        self.skipOtherCampaigns = skipOtherCampaigns
        self.sendInLeadTimezone = sendInLeadTimezone
        self.leadRules = leadRules
        self.sequence = sequence ?? CampaignSequence.seed(for: channel)
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.startedAt = startedAt
        self.pausedAt = pausedAt
        self.completedAt = completedAt
    }

    public static let defaultHourlyMessageRate = 10
    public static let defaultDailyLimit = 50
    public static let hourlyMessageRateRange = 1...60
    public static let dailyLimitRange = 1...500
    public static let nameLengthRange = 1...255

    /// Whether leads may still be added or removed: not once the campaign has completed.
    public var acceptsLeads: Bool { status == .draft || status == .active || status == .paused }

    /// Whether the sequence may be edited: only while nothing is sending (draft or paused).
    public var acceptsSequenceEdits: Bool { status == .draft || status == .paused }

    /// Within one priority, which of a sender's due leads go first: lane 1 before lane 0, the
    /// earliest due first within a lane. Leads already contacted (their follow-ups) are in lane 1
    /// unless `prioritizeNewLeads`, which puts leads not yet contacted there instead.
    public func lane(started: Bool) -> Int {
        Campaign.lane(started: started, prioritizeNewLeads: prioritizeNewLeads)
    }

    /// `lane(started:)` for a campaign known only by its setting (the store's writes).
    public static func lane(started: Bool, prioritizeNewLeads: Bool) -> Int {
        started != prioritizeNewLeads ? 1 : 0
    }
}
