/// The steps a campaign takes for each lead: a versioned graph of nodes. The first node is the
/// entry; node IDs are stable across versions so enrollments keep their place through edits.
public struct CampaignSequence: Sendable, Hashable {
    public var version: Int
    public var nodes: [Node]

    public init(version: Int = 1, nodes: [Node]) {
        self.version = version
        self.nodes = nodes
    }

    public func node(_ id: String) -> Node? { nodes.first { $0.id == id } }

    /// The steps in the order a lead meets them, following `next` from the first; a sequence with
    /// branches (or nodes off the path) is listed as stored. How the line-shaped dialects see it.
    public var inOrder: [Node] {
        guard var current = nodes.first else { return [] }
        var ordered: [Node] = []
        var seen: Set<String> = []
        while seen.insert(current.id).inserted {
            if case .condition = current.kind { return nodes }
            ordered.append(current)
            guard let next = current.next.flatMap(node) else { break }
            current = next
        }
        return ordered.count == nodes.count ? ordered : nodes
    }

    /// A line of steps linked in array order (each one's `next` is the one after it; `end` has none).
    public static func chained(_ steps: [Node]) -> [Node] {
        steps.enumerated().map { index, step in
            var step = step
            if case .end = step.kind { step.next = nil } else { step.next = index + 1 < steps.count ? steps[index + 1].id : nil }
            return step
        }
    }
    public func index(of id: String) -> Int? { nodes.firstIndex { $0.id == id } }

    /// What a new campaign gets: LinkedIn `[connection_request, end]`, email `[email (empty), end]`,
    /// SMS `[sms (empty), end]`; multichannel starts like email.
    public static func seed(for channel: CampaignChannel) -> CampaignSequence {
        let first: Node.Kind = switch channel {
        case .linkedin: .connectionRequest(note: nil)
        case .email, .multichannel: .email(EmailStep(subject: "", body: ""))
        case .sms: .sms(body: "")
        }
        return CampaignSequence(version: 1, nodes: [Node(id: "n1", kind: first, next: "n2"), Node(id: "n2", kind: .end)])
    }
}

/// One step of a sequence.
public struct Node: Sendable, Hashable {
    public var id: String
    public var kind: Kind
    /// The node after this one (unused by `condition`, which has `yes`/`no`, and by `end`).
    public var next: String?

    public init(id: String, kind: Kind, next: String? = nil) {
        self.id = id
        self.kind = kind
        self.next = next
    }

    public enum Kind: Sendable, Hashable {
        /// LinkedIn invitation; the note is at most 300 characters (LinkedIn's limit).
        case connectionRequest(note: String?)
        case message(body: String)
        case inmail(subject: String, body: String)
        case profileVisit
        case follow
        case likePost
        case email(EmailStep)
        case sms(body: String)
        /// A wait, in minutes (1 minute … 365 days).
        case delay(minutes: Int)
        /// Waits up to `withinDays` for `signal`, then goes to `yes` (seen) or `no` (deadline passed).
        case condition(signal: Signal, withinDays: Int, yes: String, no: String)
        case end
    }

    /// The API name of the node type.
    public var type: String {
        switch kind {
        case .connectionRequest: "connection_request"
        case .message: "message"
        case .inmail: "inmail"
        case .profileVisit: "profile_visit"
        case .follow: "follow"
        case .likePost: "like_post"
        case .email: "email"
        case .sms: "sms"
        case .delay: "delay"
        case .condition: "condition"
        case .end: "end"
        }
    }

    /// The channel a node sends on; nil for `delay`, `condition` and `end`.
    public var channel: ChannelKind? {
        switch kind {
        case .connectionRequest, .message, .inmail, .profileVisit, .follow, .likePost: .linkedin
        case .email: .email
        case .sms: .sms
        case .delay, .condition, .end: nil
        }
    }

    /// The action kind counted against sender limits; nil for nodes that send nothing.
    public var actionKind: ActionKind? {
        switch kind {
        case .connectionRequest: .connectionRequest
        case .message: .message
        case .inmail: .inmail
        case .profileVisit: .profileVisit
        case .follow: .follow
        case .likePost: .likePost
        case .email: .email
        case .sms: .sms
        case .delay, .condition, .end: nil
        }
    }

    /// Every node this one can lead to.
    public var successors: [String] {
        switch kind {
        case .condition(_, _, let yes, let no): [yes, no]
        case .end: []
        default: next.map { [$0] } ?? []
        }
    }
}

/// An email step: subject and body (text and/or HTML), optionally a reply in the previous
/// email's thread, and optional A/B variants chosen by weight.
public struct EmailStep: Sendable, Hashable {
    public var subject: String
    public var body: String
    public var html: String?
    public var isReply: Bool
    public var variants: [Variant]

    public init(subject: String, body: String, html: String? = nil, isReply: Bool = false, variants: [Variant] = []) {
        self.subject = subject
        self.body = body
        self.html = html
        self.isReply = isReply
        self.variants = variants
    }

    /// One A/B variant; its weight is relative to the others'.
    public struct Variant: Sendable, Hashable {
        public var id: String
        public var weight: Int
        public var subject: String
        public var body: String
        public var html: String?

        public init(id: String, weight: Int, subject: String, body: String, html: String? = nil) {
            self.id = id
            self.weight = weight
            self.subject = subject
            self.body = body
            self.html = html
        }
    }
}

/// What a condition waits for.
public enum Signal: String, Sendable, Hashable, CaseIterable {
    case accepted, replied, opened, clicked

    /// Whether a channel can produce this signal (LinkedIn: accepted, replied; email: opened,
    /// clicked, replied; SMS: replied).
    public func isProduced(by channel: CampaignChannel) -> Bool {
        switch (self, channel) {
        case (.replied, _), (_, .multichannel): true
        case (.accepted, .linkedin): true
        case (.opened, .email), (.clicked, .email): true
        default: false
        }
    }
}
