import Foundation

/// An event from outside: a reply, an acceptance, an open, a bounce, an opt-out.
public struct InboundEvent: Sendable {
    public var type: SignalType
    public var actionID: ID?
    public var senderID: ID?
    /// Only the lead of this campaign (with `identity`).
    public var campaignID: ID?
    /// Any identity of the lead (email, E.164 phone or LinkedIn URL); normalised here.
    public var identity: String?
    public var at: Date?
    /// The message's text, when it has one (a reply); it goes into the `reply.received` event.
    public var text: String?
    /// Names the message it came in (a mailbox's UID): its effects are recorded with it, once —
    /// reading the same message again (after a crash before its UID was saved) changes nothing.
    public var receipt: String?

    public init(type: SignalType, actionID: ID? = nil, senderID: ID? = nil, campaignID: ID? = nil, identity: String? = nil, at: Date? = nil,
                text: String? = nil) {
        self.text = text
        self.campaignID = campaignID
        self.type = type
        self.actionID = actionID
        self.senderID = senderID
        self.identity = identity
        self.at = at
    }
}

/// Matches inbound events to enrollments and applies the same reactions as simulated signals.
public struct InboundService: Sendable {
    let store: any Store
    let clock: any TimeSource

    public init(store: any Store, clock: any TimeSource) {
        self.store = store
        self.clock = clock
    }

    /// Returns how many enrollments the event touched.
    public func receive(_ event: InboundEvent, in workspace: ID) async throws -> Int {
        var identity: (IdentityKind, String)?
        if let raw = event.identity {
            if let email = Identity.email(raw) { identity = (.email, email) }
            else if let url = Identity.linkedinURL(raw) { identity = (.linkedinURL, url) }
            else if let phone = (try await store.workspace(workspace))?.phoneRegion.normalise(raw) { identity = (.phone, phone) }
            else { throw ValidationError("identity", "is not an email, phone or LinkedIn URL") }
        }
        guard event.actionID != nil || identity != nil else {
            throw ValidationError("action_id", "send action_id, or the lead's identity (email, phone or linkedin_url)")
        }
        let now = clock.now
        let targets = try await store.signalTargets(actionID: event.actionID, identity: identity, senderID: event.senderID,
                                                    campaignID: event.campaignID, type: event.type, in: workspace, at: event.at ?? now)
        if targets.isEmpty, event.actionID != nil { throw NotFoundError("action", id: event.actionID!.rawValue) }
        var effects = Reactions.react(to: targets, at: now)
        effects.fired = []
        effects.text = event.text.map { String($0.prefix(20_000)) }
        effects.receipt = event.receipt
        if targets.isEmpty, event.type == .unsubscribed || event.type == .bounced, let (kind, value) = identity {
            effects.suppressions.append(Suppression(id: .generate(.suppression), workspaceID: workspace, kind: Suppression.Kind(kind),
                                                    value: value, reason: event.type.rawValue, createdAt: now))
        }
        try await store.applySignals(effects, at: now)
        return targets.count
    }
}

/// Finding what an inbound event is about.
public protocol InboundStore: Sendable {
    /// The open (or, for an action ID, any) enrollments the event applies to.
    func signalTargets(actionID: ID?, identity: (IdentityKind, String)?, senderID: ID?, campaignID: ID?, type: SignalType,
                       in workspace: ID, at: Date) async throws -> [PendingSignal]
}
