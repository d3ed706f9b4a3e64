import Foundation

/// The outbox as an operator sees it: a campaign's actions, and the two decisions the engine
/// never takes alone — sending an `uncertain` or `failed` action again, or giving up on an
/// `uncertain` one.
public struct ActionService: Sendable {
    let store: any Store
    let clock: any TimeSource

    public init(store: any Store, clock: any TimeSource) {
        self.store = store
        self.clock = clock
    }

    /// The campaign's actions, oldest first; 404 for a campaign not in the workspace.
    public func list(of campaignID: ID, in workspace: ID, page: PageRequest) async throws -> Page<ActionRecord> {
        guard try await store.campaign(campaignID, in: workspace) != nil else { throw NotFoundError("campaign", id: campaignID.rawValue) }
        return try await store.actions(of: campaignID, in: workspace, page: page)
    }

    public func get(_ id: ID, in workspace: ID) async throws -> ActionRecord {
        guard let action = try await store.action(id, in: workspace) else { throw NotFoundError("action", id: id.rawValue) }
        return action
    }

    /// Sends the action again, as itself (same ID, same Message-ID): `uncertain` or `failed` only.
    public func retry(_ id: ID, in workspace: ID) async throws -> ActionRecord {
        try await decide(id, in: workspace, verb: "retry", allowed: [.uncertain, .failed]) {
            try await store.retryAction(id, in: workspace, at: clock.now)
        }
    }

    /// Gives up on an `uncertain` action: its lead stops, and it is never sent.
    public func dismiss(_ id: ID, in workspace: ID) async throws -> ActionRecord {
        try await decide(id, in: workspace, verb: "dismiss", allowed: [.uncertain]) {
            try await store.dismissAction(id, in: workspace, at: clock.now)
        }
    }

    private func decide(_ id: ID, in workspace: ID, verb: String, allowed: [ActionState],
                        _ apply: () async throws -> Void) async throws -> ActionRecord {
        let action = try await get(id, in: workspace)
        guard !action.nodeID.hasPrefix(ReplyService.nodePrefix) else {
            // It is no step of its lead: retrying or dismissing would move the lead for it.
            throw ConflictError("action is a reply written in the inbox; \(verb) applies to the sequence's actions: write the reply again instead")
        }
        guard allowed.contains(action.state) else {
            throw ConflictError("action is \(action.state.rawValue); \(verb) applies to \(allowed.map(\.rawValue).joined(separator: " or ")) actions")
        }
        try await apply()
        return try await get(id, in: workspace)
    }
}
