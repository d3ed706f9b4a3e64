import Foundation

/// Where the reading of one sender's mailbox stands: the mailbox's UIDVALIDITY and the last UID
/// read (so a restart neither misses nor re-reads a message), and how the last attempt went.
public struct MailboxState: Sendable, Equatable {
    public enum Status: String, Sendable {
        /// Logged in; new messages are read as they come.
        case watching
        /// The last attempt failed (`error` says why); it is tried again with backoff.
        case failing
        /// The server refused the login: not tried again until the sender's settings change.
        case refused
    }

    public var senderID: ID
    public var uidValidity: Int64?
    public var lastUID: Int64?
    public var status: Status
    /// The server's own words, or why it could not be reached.
    public var error: String?
    public var checkedAt: Date
    public var messagesRead: Int64

    public init(senderID: ID, uidValidity: Int64?, lastUID: Int64?, status: Status, error: String?, checkedAt: Date, messagesRead: Int64) {
        self.senderID = senderID
        self.uidValidity = uidValidity
        self.lastUID = lastUID
        self.status = status
        self.error = error
        self.checkedAt = checkedAt
        self.messagesRead = messagesRead
    }
}

/// Storage of mailbox reading.
public protocol MailboxStore: Sendable {
    /// Every email sender, in any workspace, that has a mailbox to read (`imap` settings).
    func mailboxSenders() async throws -> [Sender]
    /// The senders whose mailboxes this process reads: all of them, unless several processes
    /// share the store — then each mailbox is read by one live process, and a gone one's are
    /// taken over.
    func mailboxesToWatch() async throws -> [Sender]
    func mailboxState(of sender: ID) async throws -> MailboxState?
    func saveMailboxState(_ state: MailboxState) async throws
}

extension MailboxStore {
    /// One process per store: it reads every mailbox.
    public func mailboxesToWatch() async throws -> [Sender] {
        try await mailboxSenders()
    }
}

/// Reading replies from senders' mailboxes: what a mailbox watcher (IMAP, in OutboundChannels)
/// asks before it reads and tells after each message. Messages go through the same
/// `InboundService.receiveEmail` as the email webhook: stop-on-reply, conditions, automations,
/// bounces and events act the same whichever way a reply came.
public struct MailboxService: Sendable {
    let store: any Store
    let clock: any TimeSource
    let inbound: InboundService
    let senders: SenderService

    public init(store: any Store, clock: any TimeSource, inbound: InboundService, senders: SenderService) {
        self.store = store
        self.clock = clock
        self.inbound = inbound
        self.senders = senders
    }

    /// The senders whose mailboxes should be read now.
    public func watchedSenders() async throws -> [Sender] {
        try await store.mailboxesToWatch()
    }

    /// A sender's mailbox state, for the API (404 for another workspace's sender).
    public func state(of sender: ID, in workspace: ID) async throws -> MailboxState? {
        _ = try await senders.get(sender, in: workspace)
        return try await store.mailboxState(of: sender)
    }

    /// The mailbox is open: returns the UID after which messages are new. The first time (or
    /// after the server renumbered the mailbox: another UIDVALIDITY) that is the last message
    /// already there, so mail from before Outbound read the mailbox is not taken for replies.
    public func opened(_ sender: Sender, uidValidity: Int64, lastExistingUID: Int64) async throws -> Int64 {
        let current = try await store.mailboxState(of: sender.id)
        var state = current ?? MailboxState(senderID: sender.id, uidValidity: nil, lastUID: nil, status: .watching, error: nil,
                                            checkedAt: clock.now, messagesRead: 0)
        if state.uidValidity != uidValidity || state.lastUID == nil {
            state.uidValidity = uidValidity
            state.lastUID = lastExistingUID
        }
        state.status = .watching
        state.error = nil
        state.checkedAt = clock.now
        try await store.saveMailboxState(state)
        return state.lastUID ?? lastExistingUID
    }

    /// One new message, read off the wire: acted on, then its UID is remembered. A message
    /// that names no lead changes nothing but is still remembered as read.
    public func received(_ email: InboundEmail, uid: Int64, uidValidity: Int64, to sender: Sender) async throws {
        do {
            // Named by its place in the mailbox: read again after a crash before the UID below is
            // saved, it changes nothing.
            _ = try await inbound.receiveEmail(email, to: sender, receipt: "imap:\(sender.id.rawValue):\(uidValidity):\(uid)")
        } catch is ValidationError {
            // Not from an address (a malformed `From`): nothing to match it to.
        }
        var state = try await store.mailboxState(of: sender.id)
            ?? MailboxState(senderID: sender.id, uidValidity: uidValidity, lastUID: nil, status: .watching, error: nil,
                            checkedAt: clock.now, messagesRead: 0)
        state.uidValidity = uidValidity
        state.lastUID = max(state.lastUID ?? 0, uid)
        state.messagesRead += 1
        state.status = .watching
        state.error = nil
        state.checkedAt = clock.now
        try await store.saveMailboxState(state)
    }

    /// An attempt failed. A refused login also disconnects the sender (with the server's words
    /// as its leads' hold reason): mail it sends could not have its replies read.
    public func failed(_ sender: Sender, error: String, refused: Bool) async throws {
        var state = try await store.mailboxState(of: sender.id)
            ?? MailboxState(senderID: sender.id, uidValidity: nil, lastUID: nil, status: .failing, error: nil,
                            checkedAt: clock.now, messagesRead: 0)
        state.status = refused ? .refused : .failing
        state.error = error
        state.checkedAt = clock.now
        try await store.saveMailboxState(state)
        guard refused, let current = try await store.sender(sender.id), current.status == .active else { return }
        var input = SenderInput()
        input.status = .value(Sender.Status.disconnected.rawValue)
        _ = try await senders.update(sender.id, with: input, in: sender.workspaceID)
    }
}

/// LinkedIn member IDs (a provider's internal ID of a profile: Unipile's `provider_id`), kept on
/// the contact with that profile URL.
public protocol LinkedInMemberStore: Sendable {
    func linkedinMemberID(of linkedinURL: String, in workspace: ID) async throws -> String?
    /// Sets it on the workspace's contacts with this profile URL; none: nothing is kept.
    func rememberLinkedInMember(_ memberID: String, of linkedinURL: String, in workspace: ID) async throws
    func linkedinURL(ofMember memberID: String, in workspace: ID) async throws -> String?
}

/// What a LinkedIn provider channel knows of members between sends: the lookup of a profile is
/// a visit for LinkedIn's limits, so a member's ID is asked once and kept on its contact; a
/// provider webhook that names a member by that ID finds the contact through it.
public struct LinkedInMembers: Sendable {
    let store: any Store

    public init(store: any Store) {
        self.store = store
    }

    public func memberID(of linkedinURL: String, in workspace: ID) async throws -> String? {
        try await store.linkedinMemberID(of: linkedinURL, in: workspace)
    }

    public func remember(_ memberID: String, of linkedinURL: String, in workspace: ID) async throws {
        try await store.rememberLinkedInMember(memberID, of: linkedinURL, in: workspace)
    }

    public func profileURL(ofMember memberID: String, in workspace: ID) async throws -> String? {
        try await store.linkedinURL(ofMember: memberID, in: workspace)
    }
}
