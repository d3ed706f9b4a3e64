// Written by hand: no package in the mirror reads mail. It follows RFC 5322 (header fields and
// their folding, §2.2.3; Message-IDs, §3.6.4) and RFC 3464 (delivery-status reports).
import Foundation
import OutboundCore

/// Reads inbound mail off the wire into the core's `InboundEmail`: a raw message (an
/// inbound-parse service's raw post, later IMAP), or the fields a JSON post already split out.
public enum InboundMail {
    /// A raw message: `From`, `Subject`, the Message-IDs of `In-Reply-To` and `References` from
    /// its header block, and the delivery-status report when it is a bounce report.
    public static func parse(rawMessage text: String) -> InboundEmail {
        email(from: value("From", in: text) ?? "", subject: value("Subject", in: text), references: references(inHeaders: text),
              text: text)
    }

    /// An email from fields already split out; the report is read from `text` when it is one.
    public static func email(from: String, subject: String?, references: [String], text: String?) -> InboundEmail {
        InboundEmail(from: from, subject: subject, references: references, text: text, report: text.flatMap(deliveryReport))
    }

    /// The Message-IDs that `In-Reply-To` and `References` name in a header block.
    public static func references(inHeaders block: String) -> [String] {
        messageIDs(in: (value("In-Reply-To", in: block) ?? "") + " " + (value("References", in: block) ?? ""))
    }

    /// The `<…>` tokens of a Message-ID header (also bare IDs separated by spaces or commas).
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

    /// `Final-Recipient`, `Action`, `Status` and `Diagnostic-Code` of a DSN body (the whole
    /// multipart/report or only its message/delivery-status part); nil when there is none.
    static func deliveryReport(_ text: String) -> DeliveryReport? {
        var fields: [String: String] = [:]
        var ids: [String] = []
        for line in unfolded(text) {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            if name == "message-id" || name == "original-message-id" || name == "x-original-message-id" {
                ids += messageIDs(in: value)
            } else if ["final-recipient", "original-recipient", "action", "status", "diagnostic-code"].contains(name), fields[name] == nil {
                fields[name] = value
            }
        }
        guard let recipientField = fields["final-recipient"] ?? fields["original-recipient"], let action = fields["action"] else { return nil }
        // `rfc822; jane@example.com`
        let recipient = recipientField.split(separator: ";", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) } ?? recipientField
        return DeliveryReport(recipient: recipient, action: action.lowercased(), status: fields["status"],
                              diagnostic: fields["diagnostic-code"], messageIDs: ids)
    }

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
