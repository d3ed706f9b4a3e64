import Foundation

/// An email that arrived at a sender's mailbox, as an inbound-parse service posts it.
public struct InboundEmail: Sendable {
    public var from: String
    public var subject: String?
    /// Message-IDs from `In-Reply-To` and `References`, nearest first.
    public var references: [String]
    public var text: String?

    public init(from: String, subject: String? = nil, references: [String] = [], text: String? = nil) {
        self.from = from
        self.subject = subject
        self.references = references
        self.text = text
    }
}

extension InboundEmail {
    /// A raw message (RFC 5322): `From`, `Subject` and the Message-IDs of `In-Reply-To` and
    /// `References` from its header block; the whole text is kept for the bounce-report reader.
    public init(rawMessage text: String) {
        self.init(from: MessageHeaders.value("From", in: text) ?? "", subject: MessageHeaders.value("Subject", in: text),
                  references: Self.references(inHeaders: text), text: text)
    }

    /// The Message-IDs that `In-Reply-To` and `References` name in a header block.
    public static func references(inHeaders block: String) -> [String] {
        InboundService.messageIDs(in: (MessageHeaders.value("In-Reply-To", in: block) ?? "") + " "
                                      + (MessageHeaders.value("References", in: block) ?? ""))
    }
}

/// Reading RFC 5322 header lines (folded lines joined).
enum MessageHeaders {
    /// Lines with their continuation lines joined (RFC 5322 §2.2.3).
    static func unfolded(_ text: String) -> [String] {
        var lines: [String] = []
        for raw in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            if let first = raw.first, first == " " || first == "\t", !lines.isEmpty {
                lines[lines.count - 1] += " " + raw.trimmingCharacters(in: .whitespaces)
            } else {
                lines.append(String(raw))
            }
        }
        return lines
    }

    /// The first header `name` of the header block (up to the first empty line), any case.
    static func value(_ name: String, in message: String) -> String? {
        let prefix = name.lowercased() + ":"
        for line in unfolded(message) {
            if line.isEmpty { return nil }
            if line.lowercased().hasPrefix(prefix) { return line.dropFirst(prefix.count).trimmingCharacters(in: .whitespaces) }
        }
        return nil
    }
}

/// The machine-readable part of a bounce report (RFC 3464).
public struct DeliveryStatusReport: Sendable, Hashable {
    public var recipient: String
    /// `failed`, `delayed`, `delivered`, `relayed` or `expanded`.
    public var action: String
    public var status: String?
    public var diagnostic: String?
    /// Message-IDs quoted in the report (the returned message's headers).
    public var messageIDs: [String]

    /// A permanent failure, the only kind that ends a lead.
    public var isBounce: Bool { action == "failed" || status?.hasPrefix("5") == true }

    /// Reads `Final-Recipient`, `Action`, `Status` and `Diagnostic-Code` from a DSN body (the
    /// whole multipart/report or only its message/delivery-status part). Nil when there is none.
    public static func parse(_ text: String) -> DeliveryStatusReport? {
        var fields: [String: String] = [:]
        var messageIDs: [String] = []
        for line in MessageHeaders.unfolded(text) {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            if name == "message-id" || name == "original-message-id" || name == "x-original-message-id" {
                messageIDs += InboundService.messageIDs(in: value)
            } else if ["final-recipient", "original-recipient", "action", "status", "diagnostic-code"].contains(name), fields[name] == nil {
                fields[name] = value
            }
        }
        guard let recipientField = fields["final-recipient"] ?? fields["original-recipient"], let action = fields["action"] else { return nil }
        // `rfc822; jane@example.com`
        let recipient = recipientField.split(separator: ";", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) } ?? recipientField
        return DeliveryStatusReport(recipient: recipient, action: action.lowercased(), status: fields["status"],
                                    diagnostic: fields["diagnostic-code"], messageIDs: messageIDs)
    }
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
        try await reply(identity: phone, sender: sender)
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

    /// An email to a sender's mailbox: a bounce report bounces its lead; anything else is a reply,
    /// matched by the Message-IDs it answers first, then by the sender's address.
    @discardableResult
    public func receiveEmail(_ email: InboundEmail, to sender: Sender) async throws -> Int {
        if let text = email.text, let report = DeliveryStatusReport.parse(text) {
            guard report.isBounce else { return 0 }
            if let actionID = try await knownAction(in: report.messageIDs + email.references, workspace: sender.workspaceID) {
                return try await receive(InboundEvent(type: .bounced, actionID: actionID), in: sender.workspaceID)
            }
            return try await receive(InboundEvent(type: .bounced, identity: report.recipient), in: sender.workspaceID)
        }
        if let actionID = try await knownAction(in: email.references, workspace: sender.workspaceID) {
            return try await receive(InboundEvent(type: .replied, actionID: actionID, senderID: sender.id), in: sender.workspaceID)
        }
        guard let address = Self.address(in: email.from) else { throw ValidationError("from", "is not an email address") }
        return try await reply(identity: address, sender: sender)
    }

    /// `Jane Doe <jane@example.com>` → `jane@example.com`.
    public static func address(in field: String) -> String? {
        if let open = field.lastIndex(of: "<"), let close = field.lastIndex(of: ">"), open < close {
            return Identity.email(String(field[field.index(after: open)..<close]))
        }
        return Identity.email(field)
    }

    /// The `<…>` tokens of a Message-ID header (also bare IDs separated by spaces).
    public static func messageIDs(in header: String) -> [String] {
        var ids: [String] = []
        var rest = Substring(header)
        while let open = rest.firstIndex(of: "<"), let close = rest[open...].firstIndex(of: ">") {
            ids.append(String(rest[open...close]))
            rest = rest[rest.index(after: close)...]
        }
        if ids.isEmpty { ids = header.split(whereSeparator: { $0 == " " || $0 == "," }).map { "<\($0)>" } }
        return ids
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
    private func reply(identity: String, sender: Sender) async throws -> Int {
        let touched = try await receive(InboundEvent(type: .replied, senderID: sender.id, identity: identity), in: sender.workspaceID)
        if touched > 0 { return touched }
        return try await receive(InboundEvent(type: .replied, identity: identity), in: sender.workspaceID)
    }
}
