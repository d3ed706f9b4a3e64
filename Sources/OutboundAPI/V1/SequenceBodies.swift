import Foundation
import Hummingbird
import OutboundCore

/// A sequence as the API shows it: `{"version": 3, "nodes": [...]}`.
struct SequenceBody: ResponseEncodable, Sendable {
    var object = "sequence"
    var version: Int
    var nodes: [NodeBody]

    init(_ sequence: CampaignSequence) {
        version = sequence.version
        nodes = sequence.nodes.map(NodeBody.init)
    }
}

struct NodeBody: Encodable, Sendable {
    var id: String
    var type: String
    var next: String?
    var note: String?
    var subject: String?
    var body: String?
    var html: String?
    var isReply: Bool?
    var variants: [VariantBody]?
    var minutes: Int?
    var signal: String?
    var withinDays: Int?
    var yes: String?
    var no: String?

    struct VariantBody: Encodable, Sendable {
        var id: String
        var weight: Int
        var subject: String
        var body: String
        var html: String?
    }

    init(_ node: Node) {
        id = node.id
        type = node.type
        next = node.next
        let f = NodeFields(node.kind)
        note = f.note
        subject = f.subject
        body = f.body
        html = f.html
        isReply = f.isReply
        variants = f.variants?.map { VariantBody(id: $0.id, weight: $0.weight, subject: $0.subject, body: $0.body, html: $0.html) }
        minutes = f.minutes
        signal = f.signal?.rawValue
        withinDays = f.withinDays
        yes = f.yes
        no = f.no
    }
}

struct PreviewBody: ResponseEncodable, Sendable {
    var contactId: String
    var nodes: [Item]

    struct Item: Encodable, Sendable {
        var nodeId: String
        var type: String
        @Nullable var senderId: String?
        @Nullable var variantId: String?
        @Nullable var subject: String?
        @Nullable var body: String?
        @Nullable var html: String?
        var characters: Int
        @Nullable var sms: SMSBody?
        var fellBack: [String]
        var missing: [String]

        init(_ preview: NodePreview) {
            nodeId = preview.nodeID
            type = preview.type
            senderId = preview.senderID?.rawValue
            variantId = preview.variantID
            subject = preview.subject
            body = preview.body
            html = preview.html
            characters = preview.characters
            sms = preview.sms.map { SMSBody(encoding: $0.encoding, units: $0.units, segments: $0.segments) }
            fellBack = preview.fellBack
            missing = preview.missing
        }
    }

    struct SMSBody: Encodable, Sendable {
        var encoding: String
        var units: Int
        var segments: Int
    }
}

struct ValidationBody: ResponseEncodable, Sendable {
    struct Item: Encodable, Sendable {
        var code: String
        var message: String
        @Nullable var path: String?
    }

    var ready: Bool
    var checks: [String: Bool]
    var errors: [Item]
    var warnings: [Item]

    init(_ report: ValidationReport) {
        ready = report.ready
        checks = report.checks
        errors = report.errors.map { Item(code: $0.code, message: $0.message, path: $0.path) }
        warnings = report.warnings.map { Item(code: $0.code, message: $0.message, path: $0.path) }
    }
}
