import Foundation

/// One entry of a workspace's event log: something a user cares about changed, written in the
/// same transaction as the change (docs/ARCHITECTURE.md §5).
public struct Event: Sendable, Equatable {
    /// `event_<20 hex>`; receivers of webhooks dedupe by it.
    public var id: String
    public var workspaceID: ID
    /// 1, 2, 3, … per workspace, with no gaps: a gap a consumer sees is an event it missed.
    public var seq: Int64
    public var type: String
    public var at: Date
    /// Who caused it: `key:<prefix>`, `user:<id>` or `system`.
    public var actor: String
    /// The JSON object of the change, shaped like the API's resource (raw JSON text).
    public var data: String

    public init(id: String, workspaceID: ID, seq: Int64, type: String, at: Date, actor: String, data: String) {
        self.id = id
        self.workspaceID = workspaceID
        self.seq = seq
        self.type = type
        self.at = at
        self.actor = actor
        self.data = data
    }
}

/// Who is acting in the current task. The API's authentication sets it for the request; the
/// store stamps it on every event the request's writes cause. Anything else (the dispatcher,
/// provider webhooks) is `system`.
public enum EventActor {
    @TaskLocal public static var current: String = "system"

    public static func key(prefix: String) -> String { "key:\(prefix)" }
    public static func user(_ id: ID) -> String { "user:\(id.rawValue)" }
}

/// The event types, and filters over them (`message.*`).
public enum EventType {
    /// Every type the log writes.
    public static let all: [String] = [
        "campaign.launched", "campaign.paused", "campaign.resumed", "campaign.completed", "campaign.archived", "campaign.reopened",
        "lead.enrolled", "lead.completed", "lead.replied", "lead.stopped", "lead.failed", "lead.skipped", "lead.bounced",
        "lead.unsubscribed", "lead.uncertain", "lead.retried", "lead.interested", "lead.not_interested",
        "message.sent", "message.failed", "message.uncertain", "message.bounced", "message.opened", "message.clicked",
        "connection.accepted", "reply.received", "reply.automatic",
        "contact.unsubscribed", "contact.suppressed", "contact.deleted", "contact.erased",
        "sender.disconnected", "sender.reconnected", "sender.paused", "sender.resumed",
        "import.completed", "import.failed",
        "webhook_endpoint.disabled", "webhook.delivery_failed", "webhook.ping",
    ]

    /// The event an inbound signal is logged as.
    public static func of(_ signal: SignalType) -> String {
        switch signal {
        case .replied: "reply.received"
        case .accepted: "connection.accepted"
        case .opened: "message.opened"
        case .clicked: "message.clicked"
        case .bounced: "message.bounced"
        case .unsubscribed: "contact.unsubscribed"
        case .autoReplied: "reply.automatic"
        case .interested: "lead.interested"
        case .notInterested: "lead.not_interested"
        }
    }

    /// The signal an event type records, if it records one (the charts count them).
    public static func signal(of type: String) -> SignalType? {
        SignalType.allCases.first { of($0) == type }
    }

    /// Whether `pattern` names any type: an exact type, `family.*`, or `*`.
    public static func isKnown(pattern: String) -> Bool {
        all.contains { matches($0, pattern: pattern) }
    }

    public static func matches(_ type: String, pattern: String) -> Bool {
        if pattern == "*" { return true }
        if pattern.hasSuffix(".*") { return type.hasPrefix(pattern.dropLast()) }
        return type == pattern
    }

    /// Checks a list of type filters, reporting each unknown one under `field[i]`.
    public static func validate(_ patterns: [String], field: String, into issues: inout IssueList) {
        for (index, pattern) in patterns.enumerated() where !isKnown(pattern: pattern) {
            issues.add("\(field)[\(index)]", "is not an event type or a family such as message.* (known: \(all.joined(separator: ", ")))")
        }
    }
}
