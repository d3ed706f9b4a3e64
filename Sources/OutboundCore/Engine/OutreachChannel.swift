import Foundation

/// Delivers actions: SMTP, Twilio-format SMS, a LinkedIn gateway, or the simulator.
public protocol OutreachChannel: Sendable {
    /// Performs one action. Must not throw for delivery problems: they are results.
    func send(_ action: OutboundAction) async -> SendResult
    /// After a crash: whether an action left in `sending` was in fact accepted (looked up by its
    /// ID, which the channel used as idempotency key or Message-ID). Nil when it cannot tell.
    func confirm(_ action: OutboundAction) async -> Bool?
    /// Connects to the provider as `sender` (EHLO + AUTH, an account lookup, a gateway ping)
    /// without sending anything.
    func check(_ sender: Sender) async -> SenderCheck
    /// True when `send` answers at once without leaving the process (the simulator): the
    /// dispatcher then calls it in line instead of in a task of its own.
    var answersAtOnce: Bool { get }
}

extension OutreachChannel {
    public func check(_ sender: Sender) async -> SenderCheck { .connected }
    public var answersAtOnce: Bool { false }
}

/// Whether a sender's provider accepts its settings.
public enum SenderCheck: Sendable, Hashable {
    case connected
    /// The provider's own words (an SMTP reply, an HTTP status and body) or why it could not be reached.
    case failed(String)

    public var error: String? {
        if case .failed(let message) = self { return message }
        return nil
    }
}

/// One action as handed to a channel: who sends what to whom.
public struct OutboundAction: Sendable, Hashable {
    public var id: ID
    public var workspaceID: ID
    public var campaignID: ID
    public var contactID: ID
    public var nodeID: String
    public var kind: ActionKind
    public var sender: Sender
    public var recipient: String
    /// The lead's name, for channels that pass it on (the LinkedIn gateway).
    public var recipientFirstName: String?
    public var recipientLastName: String?
    public var subject: String?
    public var body: String?
    public var html: String?
    /// For email replies: the Message-ID of the email this one answers.
    public var inReplyTo: String?
    public var dryRun: Bool
    public var simulation: Simulation?
    /// Email only: add the open-tracking pixel.
    public var openTracking: Bool

    public init(id: ID, workspaceID: ID, campaignID: ID, contactID: ID, nodeID: String, kind: ActionKind, sender: Sender,
                recipient: String, subject: String? = nil, body: String? = nil, html: String? = nil, inReplyTo: String? = nil,
                dryRun: Bool, simulation: Simulation? = nil, openTracking: Bool = false,
                recipientFirstName: String? = nil, recipientLastName: String? = nil) {
        self.id = id
        self.workspaceID = workspaceID
        self.campaignID = campaignID
        self.contactID = contactID
        self.nodeID = nodeID
        self.kind = kind
        self.sender = sender
        self.recipient = recipient
        self.subject = subject
        self.body = body
        self.html = html
        self.inReplyTo = inReplyTo
        self.dryRun = dryRun
        self.simulation = simulation
        self.openTracking = openTracking
        self.recipientFirstName = recipientFirstName
        self.recipientLastName = recipientLastName
    }
}

/// What a channel did with an action.
public enum SendResult: Sendable, Hashable {
    /// Accepted by the provider; `signals` are what a simulator predicts will follow.
    case sent(providerID: String?, signals: [ScheduledSignal])
    /// Failed before the provider accepted it (connection refused, 4xx before DATA, 429/503):
    /// safe to retry the same action later.
    case transient(String)
    /// Refused for good; `bounced` when the recipient does not exist.
    case permanent(String, bounced: Bool)
    /// Not sent because the sender reached its provider's own limit (LinkedIn's weekly
    /// invitations): the same action waits, and the sender sends nothing before `until`.
    /// Not counted as a failed attempt.
    case senderLimited(String, until: Date)
    /// Not sent because the sender's account is unusable (its provider session was lost): the
    /// sender is disconnected until the user reconnects it, and the action waits for it.
    case senderDisconnected(String)
}

/// A signal the simulator schedules: it arrives as an inbound event at `at`.
public struct ScheduledSignal: Sendable, Hashable {
    public var type: SignalType
    public var at: Date

    public init(type: SignalType, at: Date) {
        self.type = type
        self.at = at
    }
}

/// Inbound event types.
public enum SignalType: String, Sendable, Hashable, CaseIterable {
    case replied, accepted, opened, clicked, bounced, unsubscribed
    /// An automatic answer (out of office, vacation): recorded, and a reply only to the
    /// campaign's automations that name it (`{"on": "auto_replied", "action": "stop"}`).
    case autoReplied = "auto_replied"
    /// A person judged the lead in the inbox (the contact's status is set with it): a signal
    /// only to the campaign's automations that name it.
    case interested
    case notInterested = "not_interested"

    /// What arrives from outside (a provider, a webhook, `POST /v1/inbound`); the others are
    /// decided in Outbound.
    public static let inbound: [SignalType] = [.replied, .accepted, .opened, .clicked, .bounced, .unsubscribed, .autoReplied]

    /// The sequence condition this event satisfies, if any.
    public var signal: Signal? {
        switch self {
        case .replied: .replied
        case .accepted: .accepted
        case .opened: .opened
        case .clicked: .clicked
        case .bounced, .unsubscribed, .autoReplied, .interested, .notInterested: nil
        }
    }
}

/// The simulator's settings for a dry-run campaign (rates are probabilities 0…1).
public struct Simulation: Sendable, Hashable, Codable {
    public var seed: UInt64
    public var acceptRate: Double
    public var replyRate: Double
    public var openRate: Double
    public var bounceRate: Double
    /// Signals arrive between these many minutes after the send.
    public var signalDelayMinutes: [Int]

    public init(seed: UInt64 = 42, acceptRate: Double = 0.3, replyRate: Double = 0.1, openRate: Double = 0.5,
                bounceRate: Double = 0.02, signalDelayMinutes: [Int] = [5, 2880]) {
        self.seed = seed
        self.acceptRate = acceptRate
        self.replyRate = replyRate
        self.openRate = openRate
        self.bounceRate = bounceRate
        self.signalDelayMinutes = signalDelayMinutes
    }
}
