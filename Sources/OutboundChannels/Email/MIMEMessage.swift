// Written by hand: no MIME package is available in the package mirror. It follows RFC 5322
// (message format), RFC 2045 (quoted-printable), RFC 2046 (multipart/alternative), RFC 2047
// (encoded words for non-ASCII headers) and RFC 8058 (one-click unsubscribe headers).
import Foundation
import OutboundCore

/// One outgoing email, rendered to the bytes SMTP's DATA carries (CRLF lines, before dot-stuffing).
struct MIMEMessage: Sendable {
    var fromName: String?
    var from: String
    var to: String
    var subject: String
    var messageID: String
    /// The Message-ID this email answers (`In-Reply-To` and `References`).
    var inReplyTo: String?
    var date: Date
    var text: String
    var html: String?
    var unsubscribeURL: String?
    var unsubscribeMailto: String?
    /// Unique per message and absent from the parts (they are quoted-printable, which never
    /// produces `=_`).
    var boundary: String

    func rendered() -> String {
        var headers: [(String, String)] = []
        if let fromName, !fromName.isEmpty {
            headers.append(("From", "\(MIME.displayName(fromName)) <\(from)>"))
        } else {
            headers.append(("From", "<\(from)>"))
        }
        headers.append(("To", "<\(to)>"))
        headers.append(("Subject", MIME.encodedWords(subject)))
        headers.append(("Date", MIME.date(date)))
        headers.append(("Message-ID", messageID))
        if let inReplyTo {
            headers.append(("In-Reply-To", inReplyTo))
            headers.append(("References", inReplyTo))
        }
        var unsubscribe: [String] = []
        if let unsubscribeURL { unsubscribe.append("<\(unsubscribeURL)>") }
        if let unsubscribeMailto { unsubscribe.append("<\(unsubscribeMailto)>") }
        if !unsubscribe.isEmpty {
            headers.append(("List-Unsubscribe", unsubscribe.joined(separator: ",\r\n ")))
            if unsubscribeURL != nil { headers.append(("List-Unsubscribe-Post", "List-Unsubscribe=One-Click")) }
        }
        headers.append(("MIME-Version", "1.0"))
        var lines = headers.map { "\($0.0): \($0.1)" }
        if let html {
            lines.append("Content-Type: multipart/alternative;\r\n boundary=\"\(boundary)\"")
            lines.append("")
            lines.append("This is a multi-part message in MIME format.")
            for (type, content) in [("text/plain", text), ("text/html", html)] {
                lines.append("--\(boundary)")
                lines.append("Content-Type: \(type); charset=utf-8")
                lines.append("Content-Transfer-Encoding: quoted-printable")
                lines.append("")
                lines.append(MIME.quotedPrintable(content))
            }
            lines.append("--\(boundary)--")
        } else {
            lines.append("Content-Type: text/plain; charset=utf-8")
            lines.append("Content-Transfer-Encoding: quoted-printable")
            lines.append("")
            lines.append(MIME.quotedPrintable(text))
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }
}

enum MIME {
    /// A header value as is when it is printable ASCII, else RFC 2047 `=?UTF-8?B?…?=` words of
    /// at most 75 characters, folded onto continuation lines; a character is never split.
    static func encodedWords(_ value: String) -> String {
        if value.utf8.allSatisfy({ $0 >= 32 && $0 < 127 }) { return value }
        var words: [String] = []
        var chunk = ""
        for character in value {
            // 39 bytes of UTF-8 → 52 base64 characters + 12 of `=?UTF-8?B?` and `?=` = 64: with `Subject: ` ≤ 78.
            if chunk.utf8.count + String(character).utf8.count > 39 {
                words.append(word(chunk))
                chunk = ""
            }
            chunk.append(character)
        }
        if !chunk.isEmpty { words.append(word(chunk)) }
        return words.joined(separator: "\r\n ")
    }

    private static func word(_ text: String) -> String {
        "=?UTF-8?B?\(Data(text.utf8).base64EncodedString())?="
    }

    /// A display name: encoded when not ASCII, quoted when it holds RFC 5322 specials.
    static func displayName(_ name: String) -> String {
        if !name.utf8.allSatisfy({ $0 >= 32 && $0 < 127 }) { return encodedWords(name) }
        let specials = CharacterSet(charactersIn: "()<>[]:;@\\,.\"")
        if name.unicodeScalars.contains(where: specials.contains) {
            return "\"" + name.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        }
        return name
    }

    /// RFC 2045 §6.7: line breaks become CRLF, bytes outside printable ASCII and `=` become
    /// `=XX`, trailing spaces are encoded, and lines are soft-broken at 76 characters.
    static func quotedPrintable(_ text: String) -> String {
        let normalised = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
        let hex = Array("0123456789ABCDEF".utf8)
        var output: [String] = []
        for line in normalised.split(separator: "\n", omittingEmptySubsequences: false) {
            let bytes = Array(line.utf8)
            var encoded = ""
            var width = 0
            for (index, byte) in bytes.enumerated() {
                let isLast = index == bytes.count - 1
                let literal = (byte >= 33 && byte <= 126 && byte != 61) || ((byte == 32 || byte == 9) && !isLast)
                let token = literal
                    ? String(UnicodeScalar(byte))
                    : "=" + String(decoding: [hex[Int(byte >> 4)], hex[Int(byte & 15)]], as: UTF8.self)
                // Keep room for the soft break's `=` within 76 characters.
                if width + token.count > 75 {
                    encoded += "=\r\n"
                    width = 0
                }
                encoded += token
                width += token.count
            }
            output.append(encoded)
        }
        return output.joined(separator: "\r\n")
    }

    /// RFC 5321 §4.5.2: a line starting with `.` gets one more, so no line ends the DATA early.
    static func dotStuffed(_ message: String) -> String {
        var stuffed = message.hasPrefix(".") ? "." + message : message
        stuffed = stuffed.replacingOccurrences(of: "\r\n.", with: "\r\n..")
        return stuffed
    }

    /// `Tue, 24 Nov 2026 07:43:05 +0000`
    static func date(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        return formatter.string(from: date)
    }

    /// Plain text as minimal HTML (for the open pixel when a step has no HTML of its own).
    static func html(fromText text: String) -> String {
        let escaped = HTML.escape(text).replacingOccurrences(of: "\n", with: "<br>\n")
        return "<html><body>\(escaped)</body></html>"
    }

    /// Adds the 1×1 open pixel just before `</body>` (or at the end).
    static func addingPixel(_ url: String, to html: String) -> String {
        let image = "<img src=\"\(url)\" width=\"1\" height=\"1\" alt=\"\" style=\"display:none\">"
        if let range = html.range(of: "</body>", options: [.caseInsensitive, .backwards]) {
            return html.replacingCharacters(in: range, with: image + html[range])
        }
        return html + image
    }
}
