import Foundation

/// Durable state of every workspace. Every read and write is scoped by workspace, so an ID
/// from another workspace reads as absent. Each method is one transaction: it applies whole
/// or not at all.
///
/// Implementations: `SQLiteStore` (embedded default, one process) and `PostgresStore` (several
/// processes on one database; docs/ARCHITECTURE.md §9).
public protocol Store: WorkspaceStore, UserStore, IdempotencyStore, CampaignStore, ContactStore, LeadStore, EngineStore, InboundStore, ActionStore, EventStore, MailboxStore, LinkedInMemberStore, WebSessionStore, InboxStore, ManualActionStore {}

/// Senders and campaigns, with the workspace summaries that count them.
public protocol CampaignStore: Sendable {
    // MARK: Workspaces

    /// Every workspace with how much it holds, oldest first (`outbound workspace list`).
    func workspaceSummaries() async throws -> [WorkspaceSummary]

    // MARK: Senders

    func insertSender(_ sender: Sender) async throws
    func sender(_ id: ID, in workspace: ID) async throws -> Sender?
    /// A sender by ID alone, for provider webhooks (which then prove themselves with the sender's secret).
    func sender(_ id: ID) async throws -> Sender?
    /// Whether any campaign has already sent something to this contact.
    func hasBeenContacted(_ contact: ID, in workspace: ID) async throws -> Bool
    /// Whether any workspace has a campaign with this ID (caller-chosen IDs must be free everywhere).
    func campaignExists(_ id: ID) async throws -> Bool
    /// The senders among `ids` that exist in the workspace, in no particular order.
    func senders(_ ids: [ID], in workspace: ID) async throws -> [Sender]
    func senders(in workspace: ID, page: PageRequest) async throws -> Page<Sender>
    func updateSender(_ sender: Sender) async throws
    /// Deletes the sender and takes it off every campaign's sender list.
    func deleteSender(_ id: ID, in workspace: ID) async throws
    /// Campaigns whose sender list names `sender`.
    func campaigns(usingSender sender: ID, in workspace: ID) async throws -> [Campaign]

    // MARK: Campaigns

    /// Throws `ConflictError` (field `name`) when the name is taken in the workspace, and
    /// `ValidationError` on `sender_ids[i]` when a sender vanished meanwhile.
    func insertCampaign(_ campaign: Campaign) async throws
    func campaign(_ id: ID, in workspace: ID) async throws -> Campaign?
    func campaign(named name: String, in workspace: ID) async throws -> Campaign?
    func campaigns(in workspace: ID, page: PageRequest) async throws -> Page<Campaign>
    /// Writes the campaign (its senders and lists with it). With `rebalancing`, in the same
    /// transaction, marks it to have its open leads that have not been contacted spread over its
    /// current senders (contacted ones keep theirs: a thread must not change sender; so does one
    /// whose first action is in flight). The dispatcher does that in steps, in its own
    /// transactions; the campaign reads `is_rebalancing` until it is done.
    func updateCampaign(_ campaign: Campaign, rebalancing: Bool) async throws
    func deleteCampaign(_ id: ID, in workspace: ID) async throws
}

/// What an `Idempotency-Key` already holds.
public enum IdempotencyClaim: Sendable, Equatable {
    /// The key was free and is now held by this request.
    case claimed
    /// The same request was answered before: replay this (the bytes the caller kept; opaque here).
    case replay([UInt8])
    /// The key was used with another request body.
    case mismatch
    /// The same key is being processed by a request still in flight.
    case inProgress
}

extension CampaignStore {
    /// Writes the campaign without rebalancing its leads.
    public func updateCampaign(_ campaign: Campaign) async throws {
        try await updateCampaign(campaign, rebalancing: false)
    }
}
