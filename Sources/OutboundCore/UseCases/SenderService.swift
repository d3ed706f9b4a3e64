import Foundation

/// Creating, reading, changing and removing senders.
public struct SenderService: Sendable {
    let store: any Store
    let clock: any TimeSource
    let sealer: any SecretSealer

    public init(store: any Store, clock: any TimeSource, sealer: any SecretSealer) {
        self.store = store
        self.clock = clock
        self.sealer = sealer
    }

    public func create(_ input: SenderInput, in workspace: ID) async throws -> Sender {
        var issues = IssueList()
        issues.append(contentsOf: input.readIssues)
        guard case .value(let rawChannel) = input.channel, let channel = ChannelKind(rawValue: rawChannel) else {
            // Without a channel nothing else can be checked: identities and limits depend on it.
            if input.channel.value != nil {
                issues.add("channel", "must be one of linkedin, email, sms")
            } else {
                issues.addIfNone("channel", "is required: one of linkedin, email, sms")
            }
            if input.displayName.isAbsent { issues.addIfNone("display_name", "is required") }
            throw ValidationError(issues.issues)
        }
        let now = clock.now
        var sender = Sender(id: .generate(.sender), workspaceID: workspace, channel: channel, displayName: "",
                            createdAt: now, updatedAt: now)
        if input.displayName.isAbsent { issues.addIfNone("display_name", "is required") }
        sender.apply(input, issues: &issues)
        try issues.throwIfAny()
        sender.settings = sender.settings.sealingSecrets(with: sealer)
        try await store.insertSender(sender)
        return sender
    }

    public func get(_ id: ID, in workspace: ID) async throws -> Sender {
        guard let sender = try await store.sender(id, in: workspace) else { throw NotFoundError("sender", id: id.rawValue) }
        return sender
    }

    /// The senders among `ids` that are in the workspace, in the order of `ids`.
    public func senders(_ ids: [ID], in workspace: ID) async throws -> [Sender] {
        let found = try await store.senders(ids, in: workspace)
        return ids.compactMap { id in found.first { $0.id == id } }
    }

    /// A sender by ID alone, of `channel`, for its provider's webhook (which then proves itself
    /// with the sender's own secret); 404 otherwise.
    public func webhookSender(_ id: ID, channel: ChannelKind) async throws -> Sender {
        guard let sender = try await store.sender(id), sender.channel == channel else { throw NotFoundError("sender", id: id.rawValue) }
        return sender
    }

    public func list(in workspace: ID, page: PageRequest) async throws -> Page<Sender> {
        try await store.senders(in: workspace, page: page)
    }

    public func update(_ id: ID, with input: SenderInput, in workspace: ID) async throws -> Sender {
        var sender = try await get(id, in: workspace)
        let wasActive = sender.status == .active
        var issues = IssueList()
        issues.append(contentsOf: input.readIssues)
        sender.apply(input, issues: &issues)
        try issues.throwIfAny()
        sender.settings = sender.settings.sealingSecrets(with: sealer)
        sender.updatedAt = clock.now
        try await store.updateSender(sender)
        if wasActive != (sender.status == .active) {
            // An unusable sender holds its leads (with the reason) instead of failing them.
            try await store.holdReason(sender.status == .active ? nil : "waiting: sender \(sender.id) is \(sender.status.rawValue)",
                                       forSender: sender.id, at: clock.now)
        }
        return sender
    }

    /// Deletes a sender unless an active campaign sends through it; the sender leaves every
    /// other campaign's sender list.
    public func delete(_ id: ID, in workspace: ID) async throws {
        _ = try await get(id, in: workspace)
        let active = try await store.campaigns(usingSender: id, in: workspace).filter { $0.status == .active }
        if !active.isEmpty {
            let names = active.map { "\($0.name) (\($0.id))" }.joined(separator: ", ")
            throw ConflictError("sender is used by active campaigns: \(names); pause them or remove the sender from them first")
        }
        try await store.deleteSender(id, in: workspace)
    }
}
