import OutboundCore

/// A sequence as stored in the `campaigns.sequence` column.
package struct StoredSequence: Codable {
    package var version: Int
    package var nodes: [StoredNode]

    package struct StoredNode: Codable {
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

    package struct StoredVariant: Codable {
        var id: String
        var weight: Int
        var subject: String
        var body: String
        var html: String?
    }

    package init(_ sequence: CampaignSequence) {
        version = sequence.version
        nodes = sequence.nodes.map { node in
            let f = NodeFields(node.kind)
            return StoredNode(
                id: node.id, type: node.type, next: node.next, note: f.note, subject: f.subject, body: f.body, html: f.html,
                isReply: f.isReply,
                variants: f.variants?.map { StoredVariant(id: $0.id, weight: $0.weight, subject: $0.subject, body: $0.body, html: $0.html) },
                minutes: f.minutes, signal: f.signal?.rawValue, withinDays: f.withinDays, yes: f.yes, no: f.no)
        }
    }

    package var sequence: CampaignSequence {
        CampaignSequence(version: version, nodes: nodes.map { stored in
            var fields = NodeFields()
            fields.note = stored.note
            fields.subject = stored.subject
            fields.body = stored.body
            fields.html = stored.html
            fields.isReply = stored.isReply
            fields.variants = stored.variants?.map {
                EmailStep.Variant(id: $0.id, weight: $0.weight, subject: $0.subject, body: $0.body, html: $0.html)
            }
            fields.minutes = stored.minutes
            fields.signal = stored.signal.flatMap(Signal.init(rawValue:))
            fields.withinDays = stored.withinDays
            fields.yes = stored.yes
            fields.no = stored.no
            return Node(id: stored.id, kind: fields.kind(type: stored.type) ?? .end, next: stored.next)
        })
    }
}
