// Written by hand: no package in the mirror reads mail. It follows RFC 5322 (header fields and
// their folding, §2.2.3; Message-IDs, §3.6.4), RFC 3464 (delivery-status reports), RFC 3834
// (`Auto-Submitted`), and of MIME (RFC 2045/2046) only what finding the text of a reply needs:
// multipart boundaries, quoted-printable and base64.
import Foundation
import OutboundCore

/// Reads inbound mail off the wire into the core's `InboundEmail`: a raw message (an
/// inbound-parse service's raw post, later IMAP), or the fields a JSON post already split out.
public enum InboundMail {
    /// A raw message (an inbound-parse service's post, a message read over IMAP): `From`,
    /// `Subject`, the Message-IDs of `In-Reply-To` and `References`, the text a person wrote
    /// (its text/plain part), the delivery-status report when it is a bounce report, and whether
    /// it is an automatic answer.
    public static func parse(rawMessage text: String) -> InboundEmail {
        let subject = value("Subject", in: text)
        return InboundEmail(from: value("From", in: text) ?? "", subject: subject, references: references(inHeaders: text),
                            text: plainText(of: text) ?? text, report: deliveryReport(text),
                            isAutomatic: isAutomatic(headers: text, subject: subject))
    }

    /// Subjects that out-of-office and vacation answers start with, in the languages most seen.
    static let automaticSubjects = [
        "out of office", "out-of-office", "automatic reply", "auto reply", "auto-reply", "autoreply", "auto:", "autosvar",
        "abwesenheitsnotiz", "automatische antwort", "réponse automatique", "absence", "respuesta automática",
        "risposta automatica", "resposta automática", "afwezigheidsbericht", "automatisch antwoord",
    ]

    /// An automatic answer: `Auto-Submitted` other than `no` (RFC 3834), the de-facto
    /// `X-Autoreply`/`X-Autorespond` headers, `Precedence: auto_reply`, or an out-of-office subject.
    static func isAutomatic(headers: String, subject: String?) -> Bool {
        if let auto = value("Auto-Submitted", in: headers)?.lowercased(), !auto.hasPrefix("no") { return true }
        if value("X-Autoreply", in: headers) != nil || value("X-Autorespond", in: headers) != nil { return true }
        if value("Precedence", in: headers)?.lowercased() == "auto_reply" { return true }
        let lowered = (subject ?? "").lowercased().trimmingCharacters(in: .whitespaces)
        return automaticSubjects.contains { lowered.hasPrefix($0) }
    }

    /// The first text/plain part of a message (the whole body of a single-part text message),
    /// decoded; nil when it has none.
    static func plainText(of message: String) -> String? {
        let (headers, body) = split(message)
        let type = (value("Content-Type", in: headers) ?? "text/plain").lowercased()
        if type.hasPrefix("multipart/") {
            guard let boundary = parameter("boundary", in: value("Content-Type", in: headers) ?? "") else { return nil }
            for part in parts(of: body, boundary: boundary) {
                if let text = plainText(of: part) { return text }
            }
            return nil
        }
        guard type.hasPrefix("text/plain") else { return nil }
        let encoding = (value("Content-Transfer-Encoding", in: headers) ?? "").lowercased().trimmingCharacters(in: .whitespaces)
        switch encoding {
        case "quoted-printable": return quotedPrintableDecoded(body)
        case "base64":
            let joined = body.filter { !$0.isWhitespace }
            return Data(base64Encoded: joined).map { String(decoding: $0, as: UTF8.self) } ?? body
        default: return body
        }
    }

    /// The header block and the body (after the first empty line).
    static func split(_ message: String) -> (headers: String, body: String) {
        for separator in ["\r\n\r\n", "\n\n"] {
            if let range = message.range(of: separator) {
                return (String(message[..<range.lowerBound]), String(message[range.upperBound...]))
            }
        }
        return (message, "")
    }

    /// The parts between `--boundary` lines, up to `--boundary--`.
    static func parts(of body: String, boundary: String) -> [String] {
        var parts: [String] = []
        var current: [Substring]?
        for line in body.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed == "--\(boundary)" || trimmed == "--\(boundary)--" {
                if let current { parts.append(current.joined(separator: "\r\n")) }
                if trimmed.hasSuffix("--\(boundary)--") { break }
                current = []
            } else {
                current?.append(line)
            }
        }
        return parts
    }

    /// `name=value` or `name="value"` of a header value (`multipart/mixed; boundary="x"`).
    static func parameter(_ name: String, in header: String) -> String? {
        for piece in header.split(separator: ";").dropFirst() {
            let pair = piece.split(separator: "=", maxSplits: 1)
            guard pair.count == 2, pair[0].trimmingCharacters(in: .whitespaces).lowercased() == name else { continue }
            return pair[1].trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        }
        return nil
    }

    /// Quoted-printable (RFC 2045 §6.7): `=XX` bytes and `=` soft line breaks, read as UTF-8.
    static func quotedPrintableDecoded(_ text: String) -> String {
        var bytes: [UInt8] = []
        let utf8 = Array(text.utf8)
        var index = 0
        while index < utf8.count {
            let byte = utf8[index]
            if byte == UInt8(ascii: "="), index + 1 < utf8.count {
                if utf8[index + 1] == UInt8(ascii: "\r") || utf8[index + 1] == UInt8(ascii: "\n") {
                    index += utf8[index + 1] == UInt8(ascii: "\r") && index + 2 < utf8.count && utf8[index + 2] == UInt8(ascii: "\n") ? 3 : 2
                    continue
                }
                if index + 2 < utf8.count, let value = UInt8(String(decoding: utf8[(index + 1)...(index + 2)], as: UTF8.self), radix: 16) {
                    bytes.append(value)
                    index += 3
                    continue
                }
            }
            bytes.append(byte)
            index += 1
        }
        return String(decoding: bytes, as: UTF8.self)
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
