import Foundation

/// An email that arrived at a sender's mailbox, already read off the wire by the email channel
/// (`InboundMail` in OutboundChannels: headers, Message-IDs, delivery-status reports).
public struct InboundEmail: Sendable {
    /// The `From` address, as written (`Jane <jane@example.com>` or a bare address).
    public var from: String
    public var subject: String?
    /// Message-IDs from `In-Reply-To` and `References`, nearest first.
    public var references: [String]
    public var text: String?
    /// The delivery-status report the message carries, when it is a bounce report.
    public var report: DeliveryReport?
    /// An automatic answer (`Auto-Submitted`, an out-of-office subject), not a person's reply.
    public var isAutomatic: Bool

    public init(from: String, subject: String? = nil, references: [String] = [], text: String? = nil, report: DeliveryReport? = nil,
                isAutomatic: Bool = false) {
        self.from = from
        self.subject = subject
        self.references = references
        self.text = text
        self.report = report
        self.isAutomatic = isAutomatic
    }
}

/// What a bounce report says of one recipient (the machine-readable part of RFC 3464).
public struct DeliveryReport: Sendable, Hashable {
    public var recipient: String
    /// `failed`, `delayed`, `delivered`, `relayed` or `expanded`.
    public var action: String
    public var status: String?
    public var diagnostic: String?
    /// Message-IDs quoted in the report (the returned message's headers).
    public var messageIDs: [String]

    public init(recipient: String, action: String, status: String?, diagnostic: String?, messageIDs: [String]) {
        self.recipient = recipient
        self.action = action
        self.status = status
        self.diagnostic = diagnostic
        self.messageIDs = messageIDs
    }

    /// A permanent failure, the only kind that ends a lead.
    public var isBounce: Bool { action == "failed" || status?.hasPrefix("5") == true }
}

/// What Outbound answers an inbound SMS with, if anything.
public enum SMSReply: Sendable, Hashable {
    case optedOut, help, optedIn

    public var text: String {
        switch self {
        case .optedOut: "You have been unsubscribed and will receive no more messages. Reply START to resubscribe."
        case .help: "Reply STOP to unsubscribe, START to resubscribe."
        case .optedIn: "You have been resubscribed. Reply STOP to unsubscribe."
        }
    }
}

extension InboundService {
    /// Carrier opt-out words (CTIA), matched on the whole trimmed body in any case.
    public static let stopWords: Set<String> = ["STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"]
    public static let helpWords: Set<String> = ["HELP", "INFO"]
    public static let startWords: Set<String> = ["START", "UNSTOP"]

    /// An SMS to `sender`: an opt-out word suppresses the number and stops its leads everywhere
    /// (answered once: a second STOP gets no reply), HELP gets help, START lifts the suppression,
    /// anything else is a reply.
    public func receiveSMS(from raw: String, body: String, to sender: Sender) async throws -> SMSReply? {
        guard let region = try await store.workspace(sender.workspaceID)?.phoneRegion, let phone = region.normalise(raw) else {
            throw ValidationError("From", "is not a phone number")
        }
        let word = body.trimmingCharacters(in: .whitespacesAndNewlines).uppercased()
        if Self.stopWords.contains(word) {
            return try await optOut(.phone, phone, in: sender.workspaceID) ? .optedOut : nil
        }
        if Self.helpWords.contains(word) { return .help }
        if Self.startWords.contains(word) {
            if let entry = try await store.suppression(.phone, value: phone, in: sender.workspaceID) {
                _ = try await store.deleteSuppression(entry.id, in: sender.workspaceID)
            }
            return .optedIn
        }
        try await reply(identity: phone, sender: sender, text: body)
        return nil
    }

    /// A one-click unsubscribe from an email: suppresses the address the action went to and
    /// stops every lead with it. Repeating it changes nothing.
    public func unsubscribe(action actionID: ID, in workspace: ID) async throws {
        guard let action = try await store.action(actionID, in: workspace), let recipient = action.recipient else {
            throw NotFoundError("action", id: actionID.rawValue)
        }
        let kind: Suppression.Kind = switch action.kind.channel {
        case .email: .email
        case .sms: .phone
        case .linkedin: .linkedinURL
        }
        _ = try await optOut(kind, recipient, in: workspace)
    }

    /// An email to a sender's mailbox: a bounce report bounces its lead; an automatic answer is
    /// recorded as `auto_replied`; anything else is a reply. Both are matched by the Message-IDs
    /// they answer first, then by the sender's address.
    /// `receipt` names the message (see `InboundEvent.receipt`).
    @discardableResult
    public func receiveEmail(_ email: InboundEmail, to sender: Sender, receipt: String? = nil) async throws -> Int {
        if let report = email.report {
            guard report.isBounce else { return 0 }
            var event = InboundEvent(type: .bounced, identity: report.recipient)
            event.receipt = receipt
            if let actionID = try await knownAction(in: report.messageIDs + email.references, workspace: sender.workspaceID) {
                event.actionID = actionID
                event.identity = nil
            }
            return try await receive(event, in: sender.workspaceID)
        }
        let type: SignalType = email.isAutomatic ? .autoReplied : .replied
        if let actionID = try await knownAction(in: email.references, workspace: sender.workspaceID) {
            var event = InboundEvent(type: type, actionID: actionID, senderID: sender.id, text: email.text)
            event.receipt = receipt
            return try await receive(event, in: sender.workspaceID)
        }
        guard let address = Identity.email(Self.addressPart(of: email.from)) else { throw ValidationError("from", "is not an email address") }
        return try await reply(identity: address, sender: sender, text: email.text, type: type, receipt: receipt)
    }

    /// `Jane Doe <jane@example.com>` → `jane@example.com` (the angle-bracketed part, else all of it).
    private static func addressPart(of field: String) -> String {
        if let open = field.lastIndex(of: "<"), let close = field.lastIndex(of: ">"), open < close {
            return String(field[field.index(after: open)..<close])
        }
        return field
    }

    /// The first of `messageIDs` that names one of our actions in `workspace` (`<action_…@domain>`).
    private func knownAction(in messageIDs: [String], workspace: ID) async throws -> ID? {
        for messageID in messageIDs {
            let local = messageID.trimmingCharacters(in: CharacterSet(charactersIn: "<> ")).split(separator: "@").first.map(String.init) ?? ""
            if let id = ID(local, kind: .action), try await store.action(id, in: workspace) != nil { return id }
        }
        return nil
    }

    /// Suppresses `value` and stops the leads with it; false when it was suppressed already.
    private func optOut(_ kind: Suppression.Kind, _ value: String, in workspace: ID) async throws -> Bool {
        if try await store.suppression(kind, value: value, in: workspace) != nil { return false }
        _ = try await receive(InboundEvent(type: .unsubscribed, identity: value), in: workspace)
        // The reaction suppresses the contact's first identity; the opt-out names this one.
        _ = try await store.insertSuppression(Suppression(id: .generate(.suppression), workspaceID: workspace, kind: kind, value: value,
                                                          reason: "unsubscribed", createdAt: clock.now))
        return true
    }

    /// A reply from `identity`: to the leads this sender talks to, or any lead with it.
    @discardableResult
    private func reply(identity: String, sender: Sender, text: String?, type: SignalType = .replied, receipt: String? = nil) async throws -> Int {
        var event = InboundEvent(type: type, senderID: sender.id, identity: identity, text: text)
        event.receipt = receipt
        let touched = try await receive(event, in: sender.workspaceID)
        if touched > 0 { return touched }
        // Nothing matched, so nothing was recorded under the receipt: the wider match may use it.
        event.senderID = nil
        return try await receive(event, in: sender.workspaceID)
    }
}
