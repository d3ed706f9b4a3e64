import Foundation

/// One conversation of the unified inbox: a lead (a contact in a campaign) who replied.
public struct InboxThread: Sendable, Hashable {
    public var campaignID: ID
    public var campaignName: String
    public var channel: CampaignChannel
    public var contactID: ID
    public var contactName: String
    /// The identity the conversation happens on (address, profile, number).
    public var identity: String
    public var contactStatus: String
    public var lastReplyAt: Date
    /// The text of the latest reply, when it had one.
    public var lastReply: String?
    public var unread: Bool
    public var done: Bool

    public init(campaignID: ID, campaignName: String, channel: CampaignChannel, contactID: ID, contactName: String, identity: String,
                contactStatus: String, lastReplyAt: Date, lastReply: String?, unread: Bool, done: Bool) {
        self.campaignID = campaignID
        self.campaignName = campaignName
        self.channel = channel
        self.contactID = contactID
        self.contactName = contactName
        self.identity = identity
        self.contactStatus = contactStatus
        self.lastReplyAt = lastReplyAt
        self.lastReply = lastReply
        self.unread = unread
        self.done = done
    }
}

/// A message of a conversation: ours (an action that went out) or theirs (a reply).
public struct InboxMessage: Sendable, Hashable {
    public var at: Date
    public var fromUs: Bool
    /// The action's kind (`email`, `message`, …) for ours; `reply` for theirs.
    public var kind: String
    public var subject: String?
    public var text: String?
    /// Ours: what became of it (a reply still `sending`, `failed` or `uncertain` says so).
    public var state: ActionState?
    /// Ours, when it failed: the provider's words.
    public var error: String?

    public init(at: Date, fromUs: Bool, kind: String, subject: String?, text: String?, state: ActionState? = nil, error: String? = nil) {
        self.at = at
        self.fromUs = fromUs
        self.kind = kind
        self.subject = subject
        self.text = text
        self.state = state
        self.error = error
    }
}

/// Storage of the inbox: every `reply.received` is kept with its text as it is logged (so the
/// inbox outlives the event log's retention) and opens or reopens its conversation.
public protocol InboxStore: Sendable {
    /// Conversations newest reply first: `done` ones or the others, replies before `before`.
    func inboxThreads(in workspace: ID, done: Bool, before: Date?, limit: Int) async throws -> [InboxThread]
    func inboxThread(campaign: ID, contact: ID, in workspace: ID) async throws -> InboxThread?
    /// Our messages and theirs in order.
    func inboxMessages(campaign: ID, contact: ID, in workspace: ID) async throws -> [InboxMessage]
    /// Sets read (when `read`) and/or done; false when there is no such conversation.
    func markInboxThread(campaign: ID, contact: ID, in workspace: ID, read: Date?, done: Bool?, at: Date) async throws -> Bool
}

/// The unified inbox: every conversation with a reply, across senders and channels.
public struct InboxService: Sendable {
    let store: any Store
    let clock: any TimeSource
    let contacts: ContactService
    let inbound: InboundService

    public static let interested = "Interested"
    public static let notInterested = "Not interested"

    public init(store: any Store, clock: any TimeSource, contacts: ContactService, inbound: InboundService) {
        self.store = store
        self.clock = clock
        self.contacts = contacts
        self.inbound = inbound
    }

    public func threads(in workspace: ID, done: Bool = false, before: Date? = nil, limit: Int = 50) async throws -> [InboxThread] {
        try await store.inboxThreads(in: workspace, done: done, before: before, limit: limit)
    }

    /// A conversation with its messages; reading it marks it read.
    public func open(campaign: ID, contact: ID, in workspace: ID) async throws -> (thread: InboxThread, messages: [InboxMessage]) {
        guard var thread = try await store.inboxThread(campaign: campaign, contact: contact, in: workspace) else {
            throw NotFoundError("conversation", id: "\(campaign.rawValue)/\(contact.rawValue)")
        }
        if thread.unread {
            _ = try await store.markInboxThread(campaign: campaign, contact: contact, in: workspace, read: clock.now, done: nil, at: clock.now)
            thread.unread = false
        }
        return (thread, try await store.inboxMessages(campaign: campaign, contact: contact, in: workspace))
    }

    /// Done conversations leave the inbox until the lead replies again.
    public func setDone(_ done: Bool, campaign: ID, contact: ID, in workspace: ID) async throws {
        guard try await store.markInboxThread(campaign: campaign, contact: contact, in: workspace, read: nil, done: done, at: clock.now) else {
            throw NotFoundError("conversation", id: "\(campaign.rawValue)/\(contact.rawValue)")
        }
    }

    /// Interested or not: the contact's status, then the signal (`interested`, `not_interested`)
    /// on the conversation's lead, so the campaign's automations on it run (an automation's own
    /// status, set after, wins) and it is logged and counted like any other signal.
    public func setInterest(_ interested: Bool, campaign: ID, contact: ID, in workspace: ID) async throws {
        guard try await store.inboxThread(campaign: campaign, contact: contact, in: workspace) != nil else {
            throw NotFoundError("conversation", id: "\(campaign.rawValue)/\(contact.rawValue)")
        }
        var input = ContactInput()
        input.status = .value(interested ? Self.interested : Self.notInterested)
        let updated = try await contacts.update(contact, with: input, in: workspace)
        guard let identity = updated.identities.first?.value else { return }
        _ = try await inbound.receive(InboundEvent(type: interested ? .interested : .notInterested, campaignID: campaign, identity: identity),
                                      in: workspace)
    }
}
