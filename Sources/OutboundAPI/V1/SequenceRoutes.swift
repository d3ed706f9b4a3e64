import Foundation
import Hummingbird
import OutboundCore

/// `/v1/campaigns/{id}/sequence`, its node-level edits, and the preview and validate checks.
struct SequenceRoutes {
    let sequences: SequenceService
    let review: ReviewService
    let contacts: ContactService
    let campaigns: CampaignService

    func register(on routes: RouteRecorder) {
        routes.on(.get, "/v1/campaigns/{id}/sequence") { _, context in
            let id = try context.parameters.id(kind: .campaign, resource: "campaign")
            return try SequenceBody(await sequences.get(id, in: context.workspace()))
        }
        routes.on(.put, "/v1/campaigns/{id}/sequence") { request, context in
            var request = request
            let id = try context.parameters.id(kind: .campaign, resource: "campaign")
            let workspace = try context.workspace()
            let campaign = try await campaigns.get(id, in: workspace)
            let body = try await request.jsonBody(context: context)
            let version = body.int("version")
            body.ignoring(["object"])
            let nodes = NodeReader.nodes(body)
            let readIssues = body.readIssues
            if !readIssues.isEmpty {
                // Report the graph's problems too, except on fields already found unreadable.
                let graph = CampaignSequence(nodes: nodes).structuralIssues(for: campaign.channel)
                    .filter { issue in !readIssues.contains { $0.field == issue.field } }
                throw ValidationError(readIssues + graph)
            }
            let saved = try await sequences.replace(id, nodes: nodes, expectedVersion: version.value, in: workspace)
            return SequenceBody(saved)
        }
        routes.on(.post, "/v1/campaigns/{id}/sequence/nodes") { request, context in
            var request = request
            let id = try context.parameters.id(kind: .campaign, resource: "campaign")
            let workspace = try context.workspace()
            let current = try await sequences.get(id, in: workspace)
            let body = try await request.jsonBody(context: context)
            let after = body.string("after"), branch = body.string("branch")
            guard case .value(let reader) = body.object("node") else {
                try body.finish()
                throw ValidationError("node", "is required: the node to insert")
            }
            let node = NodeReader.node(reader, existing: nil, freshID: SequenceService.freshID(in: current))
            try body.finish()
            let saved = try await sequences.insert(node, after: after.value, branch: branch.value, into: id, in: workspace)
            return EditedResponse(status: .created, response: SequenceBody(saved))
        }
        routes.on(.patch, "/v1/campaigns/{id}/sequence/nodes/{node_id}") { request, context in
            var request = request
            let id = try context.parameters.id(kind: .campaign, resource: "campaign")
            let nodeID = context.parameters.get("node_id") ?? ""
            let workspace = try context.workspace()
            guard let existing = try await sequences.get(id, in: workspace).node(nodeID) else { throw NotFoundError("node", id: nodeID) }
            let body = try await request.jsonBody(context: context)
            let node = NodeReader.node(body, existing: existing, freshID: nodeID)
            try body.finish()
            return try SequenceBody(await sequences.update(nodeID, to: node, in: id, workspace: workspace))
        }
        routes.on(.delete, "/v1/campaigns/{id}/sequence/nodes/{node_id}") { _, context in
            let id = try context.parameters.id(kind: .campaign, resource: "campaign")
            let nodeID = context.parameters.get("node_id") ?? ""
            return try SequenceBody(await sequences.delete(nodeID, from: id, in: context.workspace()))
        }
        routes.on(.post, "/v1/campaigns/{id}/sequence/nodes/{node_id}/move") { request, context in
            var request = request
            let id = try context.parameters.id(kind: .campaign, resource: "campaign")
            let nodeID = context.parameters.get("node_id") ?? ""
            let workspace = try context.workspace()
            _ = try await campaigns.get(id, in: workspace)
            let body = try await request.jsonBody(context: context)
            let after = body.string("after")
            try body.finish()
            guard case .value(let target) = after else { throw ValidationError("after", "is required: the node to move after") }
            return try SequenceBody(await sequences.move(nodeID, after: target, in: id, workspace: workspace))
        }
        routes.on(.post, "/v1/campaigns/{id}/preview") { request, context in
            var request = request
            let id = try context.parameters.id(kind: .campaign, resource: "campaign")
            let workspace = try context.workspace()
            _ = try await campaigns.get(id, in: workspace)
            let body = try await request.jsonBody(context: context)
            let contactID = body.string("contact_id"), inline = body.object("contact").value.map(ContactInput.init)
            try body.finish()
            let contact: Contact
            if case .value(let raw) = contactID {
                guard let parsed = ID(raw, kind: .contact) else { throw ValidationError("contact_id", "no contact \(raw) in this workspace") }
                do { contact = try await contacts.get(parsed, in: workspace) } catch is NotFoundError {
                    throw ValidationError("contact_id", "no contact \(raw) in this workspace")
                }
            } else if let inline {
                contact = try await contacts.transient(inline, in: workspace)
            } else {
                throw ValidationError("", "send contact_id or an inline contact")
            }
            let previews = try await review.preview(id, contact: contact, in: workspace)
            return PreviewBody(contactId: contact.id.rawValue, nodes: previews.map(PreviewBody.Item.init))
        }
        routes.on(.get, "/v1/campaigns/{id}/validate") { _, context in
            let id = try context.parameters.id(kind: .campaign, resource: "campaign")
            return try ValidationBody(await review.validate(id, in: context.workspace()))
        }
    }
}

/// Reads nodes from JSON, keeping client IDs, assigning missing ones, and linking a node with
/// no `next` to the one after it in the list.
enum NodeReader {
    static func nodes(_ body: BodyReader) -> [Node] {
        guard case .value(let items) = body.array("nodes") else {
            body.addIssue("nodes", "is required: an array of nodes")
            return []
        }
        var taken = Set(items.compactMap { item -> String? in
            if case .object(let object) = item, case .string(let id)? = object["id"] { return id }
            return nil
        })
        var nodes: [Node] = []
        var explicitNext: [Bool] = []
        for (index, item) in items.enumerated() {
            guard case .object = item, let reader = try? BodyReader(body: item, path: "sequence.nodes[\(index)]", issues: body.issues) else {
                body.addIssue("nodes[\(index)]", "must be an object")
                continue
            }
            var fresh = "n\(index + 1)"
            var counter = index + 1
            while taken.contains(fresh) { counter += 1; fresh = "n\(counter)" }
            let node = node(reader, existing: nil, freshID: fresh)
            taken.insert(node.id)
            nodes.append(node)
            explicitNext.append(reader.object["next"] != nil)
        }
        for index in nodes.indices where !explicitNext[index] && index + 1 < nodes.count {
            switch nodes[index].kind {
            case .end, .condition: break
            default: nodes[index].next = nodes[index + 1].id
            }
        }
        return nodes
    }

    /// Every field some node type has (the document's `Node` schema).
    static let fieldNames = ["note", "subject", "body", "html", "is_reply", "variants", "minutes", "hours", "days", "signal",
                             "within_days", "yes", "no"]

    /// One node; fields not sent keep `existing`'s values (for PATCH). Another type's fields may
    /// come as null; with a value they are unknown fields.
    static func node(_ reader: BodyReader, existing: Node?, freshID: String) -> Node {
        reader.ignoringNulls(fieldNames)
        let id = reader.string("id").value ?? existing?.id ?? freshID
        let type = reader.string("type").value ?? existing?.type ?? ""
        var next = existing?.next
        switch reader.string("next") {
        case .value(let value): next = value
        case .null: next = nil
        case .absent: break
        }
        func text(_ key: String, _ current: String?) -> String? {
            switch reader.string(key) {
            case .value(let value): value
            case .null: nil
            case .absent: current
            }
        }
        let old = existing.map { NodeFields($0.kind) } ?? NodeFields()
        let kind: Node.Kind
        switch type {
        case "connection_request": kind = .connectionRequest(note: text("note", old.note))
        case "message": kind = .message(body: text("body", old.body) ?? "")
        case "sms": kind = .sms(body: text("body", old.body) ?? "")
        case "inmail": kind = .inmail(subject: text("subject", old.subject) ?? "", body: text("body", old.body) ?? "")
        case "profile_visit": kind = .profileVisit
        case "follow": kind = .follow
        case "like_post", "likeTweet", "like_tweet": kind = .likePost
        case "email":
            var variants = old.variants ?? []
            if case .value(let items) = reader.array("variants") {
                variants = items.enumerated().compactMap { index, item in
                    guard case .object = item, let v = try? BodyReader(body: item, path: "\(reader.path).variants[\(index)]", issues: reader.issues) else {
                        reader.addIssue("variants[\(index)]", "must be an object")
                        return nil
                    }
                    return EmailStep.Variant(id: v.string("id").value ?? String(UnicodeScalar(UInt8(97 + index % 26))),
                                             weight: v.int("weight").value ?? 1, subject: v.string("subject").value ?? "",
                                             body: v.string("body").value ?? "", html: v.string("html").value)
                }
            }
            kind = .email(EmailStep(subject: text("subject", old.subject) ?? "", body: text("body", old.body) ?? "",
                                    html: text("html", old.html), isReply: reader.bool("is_reply").value ?? old.isReply ?? false,
                                    variants: variants))
        case "delay":
            let parts = [("minutes", 1), ("hours", 60), ("days", 1440)].map { (reader.int($0.0).value, $0.1) }
            if parts.allSatisfy({ $0.0 == nil }) {
                if let minutes = old.minutes { kind = .delay(minutes: minutes) } else {
                    reader.addIssue("days", "a delay needs minutes, hours or days")
                    kind = .delay(minutes: 0)
                }
            } else {
                kind = .delay(minutes: parts.reduce(0) { $0 + ($1.0 ?? 0) * $1.1 })
            }
        case "condition":
            let signalText = reader.string("signal").value ?? old.signal?.rawValue
            let signal = signalText.flatMap(Signal.init(rawValue:))
            if signal == nil { reader.addIssue("signal", "must be one of accepted, replied, opened, clicked") }
            let yes = text("yes", old.yes), no = text("no", old.no)
            if yes == nil { reader.addIssue("yes", "is required: the node when the signal comes") }
            if no == nil { reader.addIssue("no", "is required: the node when the deadline passes") }
            kind = .condition(signal: signal ?? .replied, withinDays: reader.int("within_days").value ?? old.withinDays ?? 7,
                              yes: yes ?? "", no: no ?? "")
            next = nil
        case "end":
            kind = .end
            next = nil
        default:
            reader.addIssue("type", "must be one of connection_request, message, inmail, profile_visit, follow, like_post, email, sms, delay, condition, end")
            kind = .end
        }
        return Node(id: id, kind: kind, next: next)
    }
}
