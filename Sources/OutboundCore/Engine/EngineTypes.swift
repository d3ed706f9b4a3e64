import Foundation

/// An enrollment as the engine sees it: where one lead is in one campaign.
public struct Enrollment: Sendable, Hashable {
    /// Internal key (enrollments are a big table).
    public var seq: Int64
    public var campaignID: ID
    public var contactID: ID
    public var senderID: ID?
    public var state: EnrollmentState
    public var reason: String?
    public var nodeID: String?
    /// When the node it is on was entered (conditions count their deadline from it).
    public var nodeEnteredAt: Date?
    public var dueAt: Date?
    public var attempts: Int
    /// The first action's time: the lead counts against the daily new-lead limit that day.
    public var startedAt: Date?
    /// Signals seen so far.
    public var signals: Set<Signal>
    /// Message-ID of the last email sent (for threading replies).
    public var lastMessageID: String?

    public init(seq: Int64, campaignID: ID, contactID: ID, senderID: ID?, state: EnrollmentState, reason: String? = nil,
                nodeID: String?, nodeEnteredAt: Date?, dueAt: Date?, attempts: Int = 0, startedAt: Date? = nil,
                signals: Set<Signal> = [], lastMessageID: String? = nil) {
        self.seq = seq
        self.campaignID = campaignID
        self.contactID = contactID
        self.senderID = senderID
        self.state = state
        self.reason = reason
        self.nodeID = nodeID
        self.nodeEnteredAt = nodeEnteredAt
        self.dueAt = dueAt
        self.attempts = attempts
        self.startedAt = startedAt
        self.signals = signals
        self.lastMessageID = lastMessageID
    }
}

extension Enrollment {
    /// An ended lead is never reopened: written over a lead that ended meanwhile (a reply or a stop
    /// while its action was in flight), an enrollment keeps that end — its state, reason and step —
    /// and is due no more; only what the send taught (first contact, the thread, signals) is written.
    public mutating func keepEnd(state: EnrollmentState, reason: String?, nodeID: String?, nodeEnteredAt: Date?) {
        guard state.isTerminal else { return }
        self.state = state
        self.reason = reason
        self.nodeID = nodeID
        self.nodeEnteredAt = nodeEnteredAt
        dueAt = nil
    }
}

/// A due sender and everything needed to decide its next action, read in one go.
public struct SenderSnapshot: Sendable {
    public var sender: Sender
    /// Recent actions per kind (last 7 days).
    public var usage: [ActionKind: RollingUsage]
    /// The most urgent due enrollments, any order (the planner sorts them).
    public var candidates: [Candidate]

    public init(sender: Sender, usage: [ActionKind: RollingUsage], candidates: [Candidate]) {
        self.sender = sender
        self.usage = usage
        self.candidates = candidates
    }
}

/// One due enrollment with its campaign, contact and the counts its limits need.
public struct Candidate: Sendable {
    public var enrollment: Enrollment
    public var campaign: Campaign
    public var contact: Contact
    public var suppressed: Bool
    /// Actions of this campaign by this sender in the last hour (its hourly message rate).
    public var campaignSenderRecent: RollingUsage
    /// Leads of this campaign whose first action was today (campaign's zone).
    public var campaignStartedToday: Int
    /// Actions of the workspace today (UTC) and its daily quota, if any.
    public var workspaceSentToday: Int
    public var workspaceDailyQuota: Int?
    /// The campaign's senders by channel (a multichannel step may need another sender).
    public var campaignSenders: [ChannelKind: [ID]] = [:]

    public init(enrollment: Enrollment, campaign: Campaign, contact: Contact, suppressed: Bool, campaignSenderRecent: RollingUsage,
                campaignStartedToday: Int, workspaceSentToday: Int, workspaceDailyQuota: Int?) {
        self.enrollment = enrollment
        self.campaign = campaign
        self.contact = contact
        self.suppressed = suppressed
        self.campaignSenderRecent = campaignSenderRecent
        self.campaignStartedToday = campaignStartedToday
        self.workspaceSentToday = workspaceSentToday
        self.workspaceDailyQuota = workspaceDailyQuota
    }
}

/// What one planning pass decided; the store applies it in one transaction.
public struct DispatchPlan: Sendable {
    /// Actions to record as `sending` and hand to channels.
    public var claims: [Claim] = []
    /// Enrollments that moved without sending (delays, conditions, windows, ends, stops).
    public var moves: [Enrollment] = []
    /// Senders' earliest next action time (pacing, caps).
    public var pacing: [ID: Date] = [:]
    /// Every sender looked at: their next slot is recomputed from what is still due.
    public var senders: [ID] = []
    /// Campaign-wide waits found on a sender: every other lead due there waits just as long.
    public var deferrals: [Deferral] = []

    public init() {}

    public var isEmpty: Bool { claims.isEmpty && moves.isEmpty && pacing.isEmpty && senders.isEmpty }
}

/// Every lead of `campaignID` due on `senderID` and waiting at one of `nodeIDs` (the campaign's
/// steps on that sender's channel) cannot act before `until` — the campaign's window is shut, it
/// has not started, or (`newLeadsOnly`: leads not yet contacted) its daily new-lead limit is
/// reached — so they move there together, in one write, instead of one candidate per tick.
public struct Deferral: Sendable, Hashable {
    public var senderID: ID
    public var campaignID: ID
    public var nodeIDs: [String]
    public var until: Date
    public var newLeadsOnly: Bool

    public init(senderID: ID, campaignID: ID, nodeIDs: [String], until: Date, newLeadsOnly: Bool = false) {
        self.senderID = senderID
        self.campaignID = campaignID
        self.nodeIDs = nodeIDs
        self.until = until
        self.newLeadsOnly = newLeadsOnly
    }

    /// One deferral per sender, campaign and kind in a plan.
    struct Key: Hashable {
        var sender: ID
        var campaign: ID
        var newLeadsOnly: Bool
    }
}

/// An action to perform now, and the enrollment as it stands while it is in flight.
public struct Claim: Sendable {
    public var action: OutboundAction
    public var enrollment: Enrollment
    /// True when this is the lead's first action in the campaign.
    public var startsLead: Bool
    /// Where the lead goes once the action is sent.
    public var nextNodeID: String?
    /// True when that is an `end` node: the lead completes with the send, not at its sender's next slot.
    public var nextIsEnd: Bool = false
}

/// The outcome of one claimed action, to record.
public struct Outcome: Sendable {
    public var claim: Claim
    public var result: SendResult
    public var at: Date

    public init(claim: Claim, result: SendResult, at: Date) {
        self.claim = claim
        self.result = result
        self.at = at
    }
}
