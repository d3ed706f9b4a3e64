/// A node's content as flat optional fields — the shape the API and the store both write —
/// and back. One place knows which kind uses which field.
public struct NodeFields: Sendable, Hashable {
    public var note: String?
    public var subject: String?
    public var body: String?
    public var html: String?
    public var isReply: Bool?
    public var variants: [EmailStep.Variant]?
    public var minutes: Int?
    public var signal: Signal?
    public var withinDays: Int?
    public var yes: String?
    public var no: String?

    public init() {}

    public init(_ kind: Node.Kind) {
        switch kind {
        case .connectionRequest(let note): self.note = note
        case .message(let body), .sms(let body): self.body = body
        case .inmail(let subject, let body):
            self.subject = subject
            self.body = body
        case .email(let step):
            subject = step.subject
            body = step.body
            html = step.html
            isReply = step.isReply
            variants = step.variants
        case .delay(let minutes): self.minutes = minutes
        case .condition(let signal, let days, let yes, let no):
            self.signal = signal
            withinDays = days
            self.yes = yes
            self.no = no
        case .profileVisit, .follow, .likePost, .end: break
        }
    }

    /// The kind named `type` built from these fields (missing texts read as empty); nil for an
    /// unknown type.
    public func kind(type: String) -> Node.Kind? {
        switch type {
        case "connection_request": .connectionRequest(note: note)
        case "message": .message(body: body ?? "")
        case "sms": .sms(body: body ?? "")
        case "inmail": .inmail(subject: subject ?? "", body: body ?? "")
        case "profile_visit": .profileVisit
        case "follow": .follow
        case "like_post": .likePost
        case "email": .email(EmailStep(subject: subject ?? "", body: body ?? "", html: html, isReply: isReply ?? false,
                                       variants: variants ?? []))
        case "delay": .delay(minutes: minutes ?? 1)
        case "condition": .condition(signal: signal ?? .replied, withinDays: withinDays ?? 1, yes: yes ?? "", no: no ?? "")
        case "end": .end
        default: nil
        }
    }
}
