import Foundation

/// What a person writes in a conversation (the inbox's reply box).
public struct ManualReply: Sendable {
    /// Chosen when the reply box is drawn: posting the same box twice is the same message.
    public var id: ID
    public var campaignID: ID
    public var contactID: ID
    public var text: String

    public init(id: ID, campaignID: ID, contactID: ID, text: String) {
        self.id = id
        self.campaignID = campaignID
        self.contactID = contactID
        self.text = text
    }
}

/// What a manual message is decided from, read in the transaction that records it.
public struct ManualReplyContext: Sendable {
    public var campaign: Campaign
    public var contact: Contact
    public var enrollment: Enrollment
    /// The sender of the lead's last message that went out (the enrollment's sender when none did).
    public var sender: Sender
    /// The subject of the last email that went out to the lead, for `Re:`.
    public var lastSubject: String?
    /// The sender's actions of the last 7 days per kind (its limits count them).
    public var usage: [ActionKind: RollingUsage]
    /// Whether an address of the contact is on the suppression list.
    public var suppressed: Bool

    public init(campaign: Campaign, contact: Contact, enrollment: Enrollment, sender: Sender, lastSubject: String?,
                usage: [ActionKind: RollingUsage], suppressed: Bool) {
        self.campaign = campaign
        self.contact = contact
        self.enrollment = enrollment
        self.sender = sender
        self.lastSubject = lastSubject
        self.usage = usage
        self.suppressed = suppressed
    }
}

/// How recording a manual message went.
public enum ManualStart: Sendable {
    /// Recorded `sending`, its sender in flight: hand it to the channel.
    case started(OutboundAction)
    /// This reply was recorded before (the same box posted twice): nothing is sent again.
    case existing(ActionState)
    /// The sender has an action in flight; try again in a moment.
    case senderBusy
}

/// The outbox's manual lane: a message a person wrote, recorded like the engine's actions.
public protocol ManualActionStore: Sendable {
    /// In one write transaction: reads the lead of `reply` (its enrollment, campaign, contact,
    /// the sender of its last message and that sender's usage), lets `decide` build the action or
    /// refuse (by throwing), and records it as `sending` — counted in the sender's usage and the
    /// sender marked in flight, exactly as a claim does — before any channel sees it.
    func startManualAction(_ reply: ManualReply, in workspace: ID, at now: Date,
                           decide: @escaping @Sendable (ManualReplyContext) throws -> OutboundAction) async throws -> ManualStart
}

/// Replies written in the inbox, sent from the lead's sender on its channel through the same
/// never-twice outbox as the engine (docs/ARCHITECTURE.md §2): the action is committed `sending`
/// before the channel is called, it counts against the sender's limits, and a crash mid-send is
/// settled at start-up like any other action (confirmed, or `uncertain`) — never sent again.
public struct ReplyService: Sendable {
    let store: any Store
    let router: any ChannelRouter
    let clock: any TimeSource
    /// How long a reply waits for its sender's in-flight action before it gives up.
    static let busyWait: Duration = .seconds(5)

    public init(store: any Store, router: any ChannelRouter, clock: any TimeSource) {
        self.store = store
        self.router = router
        self.clock = clock
    }

    /// The prefix of a manual action's `node_id`: it is no step of the sequence.
    public static let nodePrefix = "manual:"

    /// Sends `reply` now, or throws why not (the sender's limit, a suppressed address, an unknown
    /// conversation). Returns what became of it.
    @discardableResult
    public func send(_ reply: ManualReply, in workspace: ID) async throws -> ActionState {
        let text = reply.text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { throw ValidationError("text", "write the message") }
        guard text.count <= 20_000 else { throw ValidationError("text", "must be at most 20000 characters") }
        let reply = ManualReply(id: reply.id, campaignID: reply.campaignID, contactID: reply.contactID, text: text)
        let waitUntil = ContinuousClock.now + Self.busyWait
        while true {
            let now = clock.now
            switch try await store.startManualAction(reply, in: workspace, at: now, decide: { try Self.action(for: reply, $0, at: now) }) {
            case .existing(let state):
                return state
            case .started(let action):
                let result = await router.channel(for: action).send(action)
                let settlement = Reactions.settleManual(action, result, at: clock.now)
                try await store.record(settlement, at: clock.now)
                return settlement.actions.first?.state ?? .sent
            case .senderBusy:
                guard ContinuousClock.now < waitUntil else {
                    throw ConflictError("the sender is sending another message right now; send the reply again in a moment")
                }
                try await Task.sleep(for: .milliseconds(100))
            }
        }
    }

    /// The rules of a manual message: the conversation's channel and sender, never to a suppressed
    /// address, never over a limit of the sender (the campaign's window and pacing do not apply:
    /// a person is answering a person).
    static func action(for reply: ManualReply, _ context: ManualReplyContext, at now: Date) throws -> OutboundAction {
        let sender = context.sender
        guard sender.status == .active else {
            throw ConflictError("the sender \(sender.displayName) is \(sender.status.rawValue): reconnect or resume it to reply")
        }
        guard !context.suppressed else { throw ConflictError("the contact is on the suppression list: nothing is sent to it") }
        let kind: ActionKind = switch sender.channel {
        case .email: .email
        case .linkedin: .message
        case .sms: .sms
        }
        guard let recipient = context.contact.identity(for: sender.channel) else {
            throw ConflictError("the contact has no \(sender.channel == .linkedin ? "linkedin_url" : sender.channel == .email ? "email" : "phone")")
        }
        let limit = sender.limits[kind] ?? RateLimit.defaults(for: sender.channel)[kind] ?? RateLimit()
        if let free = (context.usage[kind] ?? RollingUsage(times: [])).nextFreeSlot(under: limit, at: now) {
            throw ConflictError("the sender \(sender.displayName) has reached its \(kind.rawValue) limit; its next free slot is "
                                + (free == .distantFuture ? "never (its limit is 0)" : Timestamp.iso(free)))
        }
        var subject: String?
        var inReplyTo: String?
        if kind == .email {
            let last = context.lastSubject ?? ""
            subject = last.lowercased().hasPrefix("re:") ? last : "Re: \(last)"
            inReplyTo = context.enrollment.lastMessageID
        }
        return OutboundAction(
            id: reply.id, workspaceID: context.campaign.workspaceID, campaignID: context.campaign.id, contactID: context.contact.id,
            nodeID: nodePrefix + reply.id.rawValue, kind: kind, sender: sender, recipient: recipient, subject: subject, body: reply.text,
            inReplyTo: inReplyTo, dryRun: context.campaign.dryRun,
            // In a dry run the answer goes to someone who just wrote: the simulator delivers it.
            simulation: Simulation(acceptRate: 0, replyRate: 0, openRate: 0, bounceRate: 0), openTracking: false,
            recipientFirstName: context.contact.firstName, recipientLastName: context.contact.lastName)
    }
}

extension OutboundAction {
    /// A message a person wrote (`ReplyService`), not a step of the sequence.
    public var isManual: Bool { nodeID.hasPrefix(ReplyService.nodePrefix) }
}

extension Reactions {
    /// What a manual message's outcome records: the action and its sender, never the lead (it
    /// is no step: the lead stays where its sequence has it). It is not retried on its own —
    /// a failure is shown in the conversation with the provider's words, to be written again.
    public static func settleManual(_ action: OutboundAction, _ result: SendResult, at now: Date) -> Settlement {
        var settlement = Settlement()
        settlement.freedSenders.append(action.sender.id)
        switch result {
        case .sent(let providerID, _):
            settlement.actions.append(.init(action: action, state: .sent, providerID: providerID, error: nil))
        case .transient(let error):
            settlement.actions.append(.init(action: action, state: .failed, providerID: nil, error: "not sent: \(error)"))
        case .senderLimited(let error, let until):
            settlement.actions.append(.init(action: action, state: .failed, providerID: nil, error: "not sent: \(error)"))
            settlement.senderHolds.append((action.sender.id, until))
        case .senderDisconnected(let error):
            settlement.actions.append(.init(action: action, state: .failed, providerID: nil, error: "not sent: \(error)"))
            settlement.disconnectedSenders.append(action.sender.id)
        case .permanent(let error, let bounced):
            settlement.actions.append(.init(action: action, state: .failed, providerID: nil, error: error))
            if bounced, action.kind == .email || action.kind == .sms {
                settlement.suppressions.append(Suppression(
                    id: .generate(.suppression), workspaceID: action.workspaceID, kind: action.kind == .email ? .email : .phone,
                    value: action.recipient, reason: "bounced: \(error)", createdAt: now))
            }
        }
        return settlement
    }
}
