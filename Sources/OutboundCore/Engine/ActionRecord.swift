import Foundation

/// An outbox row as the API shows it.
public struct ActionRecord: Sendable, Hashable {
    public var id: ID
    public var campaignID: ID
    public var contactID: ID
    public var nodeID: String
    public var senderID: ID?
    public var kind: ActionKind
    public var state: ActionState
    public var recipient: String?
    public var subject: String?
    public var body: String?
    public var error: String?
    public var attempts: Int
    public var createdAt: Date
    public var sentAt: Date?
    public var updatedAt: Date

    public init(id: ID, campaignID: ID, contactID: ID, nodeID: String, senderID: ID?, kind: ActionKind, state: ActionState,
                recipient: String?, subject: String?, body: String?, error: String?, attempts: Int, createdAt: Date,
                sentAt: Date?, updatedAt: Date) {
        self.id = id
        self.campaignID = campaignID
        self.contactID = contactID
        self.nodeID = nodeID
        self.senderID = senderID
        self.kind = kind
        self.state = state
        self.recipient = recipient
        self.subject = subject
        self.body = body
        self.error = error
        self.attempts = attempts
        self.createdAt = createdAt
        self.sentAt = sentAt
        self.updatedAt = updatedAt
    }
}

/// The outbox as the API reads it, and the operator's retry and dismiss.
public protocol ActionStore: Sendable {
    func actions(of campaign: ID, in workspace: ID, page: PageRequest) async throws -> Page<ActionRecord>
    func action(_ id: ID, in workspace: ID) async throws -> ActionRecord?
    /// Sends the action again (the same row, the same ID): for `uncertain` and `failed` actions.
    func retryAction(_ id: ID, in workspace: ID, at now: Date) async throws
    /// Gives up on an `uncertain` action: its lead stops.
    func dismissAction(_ id: ID, in workspace: ID, at now: Date) async throws
    /// The campaign's statistics, from the counters kept with every change (zeros for an unknown campaign).
    func campaignStats(_ campaign: ID, in workspace: ID) async throws -> CampaignStats
    /// The campaign and its statistics read together (nil for an unknown campaign).
    func campaignWithStats(_ campaign: ID, in workspace: ID) async throws -> (campaign: Campaign, stats: CampaignStats)?
    /// A sender's actions of the last 7 days by kind, its next slot, and whether one is in flight.
    func senderActivity(_ sender: ID, in workspace: ID, at now: Date) async throws -> (usage: [ActionKind: RollingUsage], nextSlotAt: Date?, inFlight: Bool)
    /// Action and signal counts of a campaign per bucket of `bucketSeconds` between two instants.
    func series(of campaign: ID, in workspace: ID, from: Date, to: Date, bucketSeconds: Int) async throws -> [(start: Date, actions: Int, signals: [String: Int])]
    /// The same for all of a workspace's actions of one kind.
    func series(ofWorkspace workspace: ID, kind: ActionKind, from: Date, to: Date, bucketSeconds: Int) async throws -> [(start: Date, actions: Int, signals: [String: Int])]
    /// The same for one sender across all its campaigns.
    func series(ofSender sender: ID, in workspace: ID, from: Date, to: Date, bucketSeconds: Int) async throws -> [(start: Date, actions: Int, signals: [String: Int])]
    /// When each of the campaign's actions was made (sent, sending or uncertain).
    func actionTimes(of campaign: ID, in workspace: ID) async throws -> [Date]
    /// About when the campaign next sends: over its senders, the later of the sender's next slot and
    /// its earliest lead of the campaign that is due (nil when none is due).
    func nextSend(of campaign: ID, in workspace: ID) async throws -> Date?
    /// Leads whose next step is due by `now`, across workspaces (the server's metrics).
    func dueLeadCount(at now: Date) async throws -> Int
    /// What a forecast of `campaign` (as given, not as stored) starts from at `now` (see `EngineState`).
    func forecastState(of campaign: Campaign, at now: Date) async throws -> EngineState
}
