import Foundation

/// Where one contact stands in one campaign (the enrollment). Added leads are `pending`
/// until the campaign launches; the engine moves them on from there.
public enum EnrollmentState: String, Sendable, CaseIterable, Hashable {
    case pending, active, waiting, replied, completed, failed, skipped, unsubscribed, bounced, stopped, uncertain

    /// States an enrollment never leaves by itself.
    public var isTerminal: Bool {
        switch self {
        case .pending, .active, .waiting: false
        default: true
        }
    }

    /// Whether the campaign has done anything to this contact yet.
    public var hasContacted: Bool { self != .pending && self != .skipped }
}

/// A contact in a campaign, with its enrollment state.
public struct Lead: Sendable, Hashable {
    public var contact: Contact
    public var campaignID: ID
    public var state: EnrollmentState
    public var reason: String?
    public var addedAt: Date
    public var updatedAt: Date
    /// The step it is at (nil before it starts).
    public var currentStep: String?
    /// When the engine looks at it next (nil when it is ended, in flight, or its campaign is paused).
    public var nextStepAt: Date?

    public init(contact: Contact, campaignID: ID, state: EnrollmentState, reason: String?, addedAt: Date, updatedAt: Date,
                currentStep: String? = nil, nextStepAt: Date? = nil) {
        self.contact = contact
        self.campaignID = campaignID
        self.state = state
        self.reason = reason
        self.addedAt = addedAt
        self.updatedAt = updatedAt
        self.currentStep = currentStep
        self.nextStepAt = nextStepAt
    }
}

/// What the store knows about a contact that decides whether it may join a campaign.
public struct LeadCandidate: Sendable, Hashable {
    public var contact: Contact
    public var inCampaign: Bool
    public var suppressed: Bool
    public var activeElsewhere: Bool
    public var contacted: Bool
    public var inExcludedList: Bool

    public init(contact: Contact, inCampaign: Bool = false, suppressed: Bool = false, activeElsewhere: Bool = false,
                contacted: Bool = false, inExcludedList: Bool = false) {
        self.contact = contact
        self.inCampaign = inCampaign
        self.suppressed = suppressed
        self.activeElsewhere = activeElsewhere
        self.contacted = contacted
        self.inExcludedList = inExcludedList
    }
}

/// Why a contact was not added to a campaign.
public enum LeadSkip: String, Sendable, Hashable {
    case alreadyInCampaign = "already_in_campaign"
    case suppressed
    case activeInOtherCampaign = "active_in_other_campaign"
    case alreadyContacted = "already_contacted"
    case inExcludedList = "in_excluded_list"
    case missingIdentity = "missing_identity"
}

extension Campaign {
    /// Whether `candidate` may become a lead of this campaign, and if not, why.
    public func admission(of candidate: LeadCandidate) -> LeadSkip? {
        if candidate.inCampaign { return .alreadyInCampaign }
        if candidate.suppressed { return .suppressed }
        if !hasIdentity(candidate.contact) { return .missingIdentity }
        if candidate.inExcludedList { return .inExcludedList }
        if leadRules.excludeContacted, candidate.contacted { return .alreadyContacted }
        if skipOtherCampaigns, candidate.activeElsewhere { return .activeInOtherCampaign }
        return nil
    }

    /// A LinkedIn campaign needs a profile URL, email an address, SMS a phone; a multichannel
    /// campaign needs any of them.
    public func hasIdentity(_ contact: Contact) -> Bool {
        switch channel {
        case .linkedin: contact.linkedinURL != nil
        case .email: contact.email != nil
        case .sms: contact.phone != nil
        case .multichannel: !contact.identities.isEmpty
        }
    }

    /// The identity field this campaign's leads need, for messages.
    public var requiredIdentityField: String {
        switch channel {
        case .linkedin: "linkedin_url"
        case .email: "email"
        case .sms: "phone"
        case .multichannel: "email, phone or linkedin_url"
        }
    }
}
