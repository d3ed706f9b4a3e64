import Foundation

/// The engine's view of storage: what is due, and applying decisions atomically.
/// Each method is one transaction.
public protocol EngineStore: Sendable {
    /// One tick's durable step, in one write transaction (docs/ARCHITECTURE.md §2, §4): fires the scheduled
    /// signals that are due (`react` decides their effects), reads the senders whose next slot has
    /// come (index on `next_slot_at`) with their most urgent due enrollments (highest campaign
    /// priority first, then the lane — follow-ups before new leads unless the campaign prioritizes
    /// new ones — then the earliest due; an index seek per level), their campaigns,
    /// contacts and usage; lets `decide` plan; and records the claims as `sending` actions (a
    /// claim whose (enrollment, node) already has an action that is not `queued` is dropped: never
    /// twice), moves enrollments, paces senders and marks each claiming sender busy. The limits are
    /// checked and the actions created under the same write lock, so no other writer can slip in.
    func claim(_ request: ClaimRequest) async throws -> ClaimResult
    /// Records what the channels did, frees the senders, and completes campaigns with no open
    /// lead. Returns the earliest moment anything becomes due afterwards.
    @discardableResult
    func record(_ settlement: Settlement, at now: Date) async throws -> Date?
    /// Applies reactions to signals (and deletes the fired scheduled ones).
    func applySignals(_ effects: SignalEffects, at now: Date) async throws
    /// The earliest moment anything becomes due (a sender slot or a scheduled signal).
    func nextWake() async throws -> Date?
    // MARK: Lifecycle

    /// `pending` leads after `afterSeq`, with the facts that decide their admission.
    func pendingLeads(of campaign: Campaign, after afterSeq: Int64, limit: Int) async throws -> [(seq: Int64, candidate: LeadCandidate)]
    /// Enrollments not yet terminal per sender (to balance new leads).
    func senderLoads(_ senders: [ID]) async throws -> [ID: Int]
    /// Writes enrollments (launch decisions) and wakes their senders.
    func activate(_ enrollments: [Enrollment], at now: Date) async throws
    /// Marks (or unmarks) a campaign as still having pending leads to admit.
    func setEnrolling(_ campaign: ID, _ enrolling: Bool) async throws
    /// Unmarks the campaign if no lead of it is pending any more; returns whether it did.
    func finishEnrolling(_ campaign: ID) async throws -> Bool
    /// The campaigns marked enrolling.
    func enrollingCampaigns() async throws -> [(id: ID, workspace: ID)]
    /// Pausing keeps every lead's place: its due time is set aside, and restored on resume.
    func hold(_ campaign: Campaign, at now: Date) async throws
    func release(_ campaign: Campaign, at now: Date) async throws
    /// Ends every open enrollment (or only `contact`'s) with `reason` (state `stopped`); returns how many.
    @discardableResult
    func stopOpen(_ campaign: Campaign, contact: ID?, reason: String, at now: Date) async throws -> Int
    /// Marks the open leads waiting on a sender with why (nil clears it when the sender is usable again).
    func holdReason(_ reason: String?, forSender sender: ID, at now: Date) async throws
    /// Completes an active campaign that has no open enrollment; returns whether it did.
    func completeIfFinished(_ campaign: Campaign, at now: Date) async throws -> Bool

    /// Actions left `sending` by a crash. A store shared by several processes returns only those
    /// of processes that are gone, taken over by this one (`recoversWhileRunning`).
    func inFlightActions() async throws -> [(action: OutboundAction, enrollmentSeq: Int64, nextNodeID: String?)]
    /// Whether `inFlightActions` leaves out the actions of live processes (this one's included),
    /// so the dispatcher may look for orphans while it runs, not only when it starts.
    var recoversWhileRunning: Bool { get }

    /// Returns after `duration`, or sooner when the store hears that new work may be due now (a
    /// launch, a resume, a reply) from any process sharing it.
    func awaitWork(upTo duration: Duration) async throws
    /// Whether `awaitWork` hears of new work: an idle dispatcher may then poll seldom.
    var hearsOfWork: Bool { get }
}

extension EngineStore {
    /// One process per database: every action in flight at start-up was left by a crash.
    public var recoversWhileRunning: Bool { false }

    /// A store of one process hears of nothing: it sleeps, and the dispatcher polls often.
    public func awaitWork(upTo duration: Duration) async throws {
        try await Task.sleep(for: duration)
    }

    public var hearsOfWork: Bool { false }
}

/// What one tick asks of the store (see `EngineStore.claim`).
public struct ClaimRequest: Sendable {
    public var at: Date
    public var maxSenders: Int
    public var candidatesPerSender: Int
    public var maxSignals: Int
    public var react: @Sendable ([PendingSignal]) -> SignalEffects
    public var decide: @Sendable ([SenderSnapshot]) -> DispatchPlan

    public init(at: Date, maxSenders: Int, candidatesPerSender: Int, maxSignals: Int,
                react: @escaping @Sendable ([PendingSignal]) -> SignalEffects, decide: @escaping @Sendable ([SenderSnapshot]) -> DispatchPlan) {
        self.at = at
        self.maxSenders = maxSenders
        self.candidatesPerSender = candidatesPerSender
        self.maxSignals = maxSignals
        self.react = react
        self.decide = decide
    }
}

/// What a claim recorded.
public struct ClaimResult: Sendable {
    /// The actions now `sending`, to hand to channels.
    public var claims: [Claim] = []
    public var moves = 0
    public var signals = 0
    public var senders = 0
    /// When nothing was claimed: the earliest moment anything becomes due.
    public var nextWake: Date?

    public init() {}
}

/// Decisions from channel outcomes, to record in one transaction.
public struct Settlement: Sendable {
    public struct ActionUpdate: Sendable, Hashable {
        /// The action as it was claimed (its campaign, contact, step and sender are counted).
        public var action: OutboundAction
        public var state: ActionState
        public var providerID: String?
        public var error: String?

        public var id: ID { action.id }
    }

    public var actions: [ActionUpdate] = []
    public var moves: [Enrollment] = []
    public var suppressions: [Suppression] = []
    public var signals: [(enrollmentSeq: Int64, actionID: ID, signal: ScheduledSignal)] = []
    /// Senders whose in-flight action is settled.
    public var freedSenders: [ID] = []
    /// Senders held until a moment their provider named (`SendResult.senderLimited`).
    public var senderHolds: [(sender: ID, until: Date)] = []
    /// Senders whose provider session was lost (`SendResult.senderDisconnected`).
    public var disconnectedSenders: [ID] = []

    public init() {}
}

/// The life of an outbox row: `queued → sending → sent | failed | uncertain`.
public enum ActionState: String, Sendable, CaseIterable, Hashable {
    case queued, sending, sent, failed, uncertain, dismissed

    /// Whether the action may have reached the provider: it counts against limits and quotas.
    public var mayHaveGoneOut: Bool { self == .sending || self == .sent || self == .uncertain }
}

/// A signal waiting to fire, with what it applies to.
public struct PendingSignal: Sendable {
    public var seq: Int64
    public var type: SignalType
    public var at: Date
    public var actionID: ID?
    public var enrollment: Enrollment
    public var campaign: Campaign
    public var contact: Contact

    public init(seq: Int64, type: SignalType, at: Date, actionID: ID?, enrollment: Enrollment, campaign: Campaign, contact: Contact) {
        self.seq = seq
        self.type = type
        self.at = at
        self.actionID = actionID
        self.enrollment = enrollment
        self.campaign = campaign
        self.contact = contact
    }
}

/// A signal to count and log: its lead, the lead's campaign, workspace and contact, and the
/// action it is about, when it is about one.
public struct ObservedSignal: Sendable {
    public var enrollmentSeq: Int64
    public var campaignID: ID
    public var workspaceID: ID
    public var contactID: ID
    public var type: SignalType
    public var actionID: ID?
}

/// What signals change.
public struct SignalEffects: Sendable {
    public var fired: [Int64] = []
    public var moves: [Enrollment] = []
    public var suppressions: [Suppression] = []
    /// Signals to count in stats and log as events; one about an action counts once per type
    /// (a second open of the same email is not a second open).
    public var observed: [ObservedSignal] = []
    /// Automation effects on contacts.
    public var contactStatuses: [(contact: ID, status: String)] = []
    public var listAdditions: [(list: ID, contact: ID)] = []
    public var listRemovals: [(list: ID, contact: ID)] = []
    /// The text of the inbound message (a reply's words), logged with its events.
    public var text: String?
    /// The inbound message's name (`InboundEvent.receipt`): when it was recorded before, nothing
    /// is applied again.
    public var receipt: String?

    public init() {}
}
