import Foundation

/// Reading and editing a campaign's sequence. Edits are whole-or-nothing: a change that leaves
/// the graph broken is refused with every problem's path, and nothing is saved.
///
/// Node IDs are stable across versions. When a node is deleted, enrollments waiting on it move
/// to its successor (the node it pointed to); conditions, which have two successors, cannot be
/// deleted one by one — replace the sequence with PUT instead.
public struct SequenceService: Sendable {
    let store: any Store
    let clock: any TimeSource

    public init(store: any Store, clock: any TimeSource) {
        self.store = store
        self.clock = clock
    }

    public func get(_ campaignID: ID, in workspace: ID) async throws -> CampaignSequence {
        try await campaign(campaignID, in: workspace).sequence
    }

    /// Replaces the whole sequence (version + 1). `expectedVersion`, when given, must match.
    public func replace(_ campaignID: ID, nodes: [Node], expectedVersion: Int?, in workspace: ID) async throws -> CampaignSequence {
        try await edit(campaignID, in: workspace, expectedVersion: expectedVersion) { sequence in
            sequence.nodes = nodes
        }
    }

    /// Inserts `node` after `after` (on the `yes` or `no` branch when `after` is a condition);
    /// without `after`, just before the end of the entry's main path.
    public func insert(_ node: Node, after: String?, branch: String?, into campaignID: ID, in workspace: ID) async throws -> CampaignSequence {
        try await edit(campaignID, in: workspace, expectedVersion: nil) { sequence in
            guard sequence.node(node.id) == nil else { throw ConflictError("node ID \(node.id) is taken", field: "node.id") }
            let anchorID = try after ?? SequenceService.lastStepBeforeEnd(sequence)
            guard let anchor = sequence.index(of: anchorID) else { throw ValidationError("after", "no node \(anchorID) in this sequence") }
            var inserted = node
            switch sequence.nodes[anchor].kind {
            case .end:
                throw ValidationError("after", "cannot insert after an end node")
            case .condition(let signal, let days, let yes, let no):
                guard branch == "yes" || branch == "no" else {
                    throw ValidationError("branch", "is required after a condition: yes or no")
                }
                inserted.next = branch == "yes" ? yes : no
                sequence.nodes[anchor].kind = .condition(signal: signal, withinDays: days,
                                                         yes: branch == "yes" ? node.id : yes, no: branch == "no" ? node.id : no)
            default:
                inserted.next = sequence.nodes[anchor].next
                sequence.nodes[anchor].next = node.id
            }
            sequence.nodes.insert(inserted, at: anchor + 1)
        }
    }

    /// Replaces one node's content, keeping its ID and (unless given) its links.
    public func update(_ nodeID: String, to node: Node, in campaignID: ID, workspace: ID) async throws -> CampaignSequence {
        try await edit(campaignID, in: workspace, expectedVersion: nil) { sequence in
            guard let index = sequence.index(of: nodeID) else { throw NotFoundError("node", id: nodeID) }
            guard sequence.nodes[index].type == node.type else {
                throw ValidationError("type", "a node's type cannot change (is \(sequence.nodes[index].type)); delete it and insert a new one")
            }
            sequence.nodes[index] = Node(id: nodeID, kind: node.kind, next: node.next)
        }
    }

    /// Deletes a node; whatever pointed at it now points at its successor.
    public func delete(_ nodeID: String, from campaignID: ID, in workspace: ID) async throws -> CampaignSequence {
        try await edit(campaignID, in: workspace, expectedVersion: nil) { sequence in
            guard let index = sequence.index(of: nodeID) else { throw NotFoundError("node", id: nodeID) }
            let node = sequence.nodes[index]
            if case .condition = node.kind {
                throw ConflictError("a condition has two branches and cannot be deleted alone; replace the sequence with PUT")
            }
            let successor = node.next
            if case .end = node.kind, SequenceService.predecessors(of: nodeID, in: sequence).count > 0 {
                throw ConflictError("other steps end here; delete or re-link them first")
            }
            sequence.nodes = SequenceService.relink(sequence.nodes, from: nodeID, to: successor)
            sequence.nodes.remove(at: index)
            // The entry is the first node: if it was deleted, its successor becomes the entry.
            if index == 0, let successor, let next = sequence.index(of: successor), next != 0 {
                sequence.nodes.insert(sequence.nodes.remove(at: next), at: 0)
            }
        }
    }

    /// Moves a step to just after `after` (its old neighbours are joined up).
    public func move(_ nodeID: String, after: String, in campaignID: ID, workspace: ID) async throws -> CampaignSequence {
        try await edit(campaignID, in: workspace, expectedVersion: nil) { sequence in
            guard let index = sequence.index(of: nodeID) else { throw NotFoundError("node", id: nodeID) }
            let node = sequence.nodes[index]
            switch node.kind {
            case .condition, .end: throw ConflictError("only steps with one successor can move; replace the sequence with PUT")
            default: break
            }
            guard after != nodeID else { throw ValidationError("after", "cannot move a node after itself") }
            guard let anchor = sequence.index(of: after) else { throw ValidationError("after", "no node \(after) in this sequence") }
            if case .condition = sequence.nodes[anchor].kind { throw ValidationError("after", "insert after a condition's branch step instead") }
            if case .end = sequence.nodes[anchor].kind { throw ValidationError("after", "cannot move after an end node") }
            let wasEntry = index == 0
            sequence.nodes = SequenceService.relink(sequence.nodes, from: nodeID, to: node.next)
            let newNext = sequence.nodes[anchor].next
            sequence.nodes[anchor].next = nodeID
            var moved = sequence.nodes.remove(at: index)
            moved.next = newNext
            let target = (sequence.index(of: after) ?? 0) + 1
            sequence.nodes.insert(moved, at: target)
            if wasEntry, let successor = node.next, let next = sequence.index(of: successor), next != 0 {
                sequence.nodes.insert(sequence.nodes.remove(at: next), at: 0)
            }
        }
    }

    private func edit(
        _ campaignID: ID, in workspace: ID, expectedVersion: Int?, _ change: (inout CampaignSequence) throws -> Void
    ) async throws -> CampaignSequence {
        var campaign = try await campaign(campaignID, in: workspace)
        guard campaign.acceptsSequenceEdits else {
            throw ConflictError(campaign.status == .active
                ? "campaign is active; pause it before editing its sequence"
                : "campaign is \(campaign.status.rawValue); its sequence can no longer change")
        }
        if let expectedVersion, expectedVersion != campaign.sequence.version {
            throw ConflictError("the sequence is at version \(campaign.sequence.version), not \(expectedVersion); reload and retry", field: "version")
        }
        var sequence = campaign.sequence
        try change(&sequence)
        let issues = sequence.structuralIssues(for: campaign.channel)
        if !issues.isEmpty { throw ValidationError(issues) }
        sequence.version += 1
        campaign.sequence = sequence
        campaign.updatedAt = clock.now
        try await store.updateCampaign(campaign)
        return sequence
    }

    private func campaign(_ id: ID, in workspace: ID) async throws -> Campaign {
        guard let campaign = try await store.campaign(id, in: workspace) else { throw NotFoundError("campaign", id: id.rawValue) }
        return campaign
    }

    /// Every node's links to `from` now go to `to`.
    static func relink(_ nodes: [Node], from: String, to: String?) -> [Node] {
        nodes.map { node in
            var node = node
            if node.next == from { node.next = to }
            if case .condition(let signal, let days, let yes, let no) = node.kind, let to {
                node.kind = .condition(signal: signal, withinDays: days, yes: yes == from ? to : yes, no: no == from ? to : no)
            }
            return node
        }
    }

    static func predecessors(of id: String, in sequence: CampaignSequence) -> [Node] {
        sequence.nodes.filter { $0.successors.contains(id) }
    }

    /// The last node before the first `end` on the entry's `next` chain.
    static func lastStepBeforeEnd(_ sequence: CampaignSequence) throws -> String {
        guard var current = sequence.nodes.first else { throw ValidationError("after", "the sequence is empty") }
        var steps = 0
        while let next = current.next, let node = sequence.node(next), steps < sequence.nodes.count {
            if case .end = node.kind { return current.id }
            current = node
            steps += 1
        }
        if case .end = current.kind { throw ValidationError("after", "name the node to insert after") }
        return current.id
    }

    /// The next free `nN` ID.
    public static func freshID(in sequence: CampaignSequence) -> String {
        var number = sequence.nodes.count + 1
        while sequence.node("n\(number)") != nil { number += 1 }
        return "n\(number)"
    }
}
