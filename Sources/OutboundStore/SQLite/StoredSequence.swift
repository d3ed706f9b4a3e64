import OutboundCore

/// A sequence as stored in the `campaigns.sequence` column.
struct StoredSequence: Codable {
    var version: Int
    var nodes: [StoredNode]

    struct StoredNode: Codable {
        var id: String
        var type: String
        var next: String?
        var note: String?
        var subject: String?
        var body: String?
        var html: String?
        var isReply: Bool?
        var variants: [StoredVariant]?
        var minutes: Int?
        var signal: String?
        var withinDays: Int?
        var yes: String?
        var no: String?
    }

    struct StoredVariant: Codable {
        var id: String
        var weight: Int
        var subject: String
        var body: String
        var html: String?
    }

    init(_ sequence: CampaignSequence) {
        version = sequence.version
        nodes = sequence.nodes.map { node in
            var stored = StoredNode(id: node.id, type: node.type, next: node.next)
            switch node.kind {
            case .connectionRequest(let note): stored.note = note
            case .message(let body), .sms(let body): stored.body = body
            case .inmail(let subject, let body): stored.subject = subject; stored.body = body
            case .email(let step):
                stored.subject = step.subject
                stored.body = step.body
                stored.html = step.html
                stored.isReply = step.isReply
                stored.variants = step.variants.map {
                    StoredVariant(id: $0.id, weight: $0.weight, subject: $0.subject, body: $0.body, html: $0.html)
                }
            case .delay(let minutes): stored.minutes = minutes
            case .condition(let signal, let days, let yes, let no):
                stored.signal = signal.rawValue
                stored.withinDays = days
                stored.yes = yes
                stored.no = no
            case .profileVisit, .follow, .likePost, .end: break
            }
            return stored
        }
    }

    var sequence: CampaignSequence {
        CampaignSequence(version: version, nodes: nodes.map { stored in
            let kind: Node.Kind = switch stored.type {
            case "connection_request": .connectionRequest(note: stored.note)
            case "message": .message(body: stored.body ?? "")
            case "sms": .sms(body: stored.body ?? "")
            case "inmail": .inmail(subject: stored.subject ?? "", body: stored.body ?? "")
            case "profile_visit": .profileVisit
            case "follow": .follow
            case "like_post": .likePost
            case "email": .email(EmailStep(
                subject: stored.subject ?? "", body: stored.body ?? "", html: stored.html, isReply: stored.isReply ?? false,
                variants: (stored.variants ?? []).map {
                    EmailStep.Variant(id: $0.id, weight: $0.weight, subject: $0.subject, body: $0.body, html: $0.html)
                }))
            case "delay": .delay(minutes: stored.minutes ?? 1)
            case "condition": .condition(signal: Signal(rawValue: stored.signal ?? "") ?? .replied,
                                         withinDays: stored.withinDays ?? 1, yes: stored.yes ?? "", no: stored.no ?? "")
            default: .end
            }
            return Node(id: stored.id, kind: kind, next: stored.next)
        })
    }
}
