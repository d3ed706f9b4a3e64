import Foundation

/// Normalised forms of the identities senders and contacts are reached by.
public enum Identity {
    /// Trimmed and lower-cased; nil unless it looks like `local@domain.tld`.
    public static func email(_ raw: String) -> String? {
        let text = raw.trimmingWhitespace().lowercased()
        var at: Int?
        var count = 0
        var lastDot = -1
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "@"):
                if at != nil { return nil }
                at = count
            case UInt8(ascii: "."):
                if at != nil { lastDot = count }
            case 0...32, UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: "\""):
                return nil
            default: break
            }
            count += 1
        }
        // local@domain.tld: a local part, a dot in the domain, neither at its start nor its end.
        guard let at, at > 0, lastDot > at + 1, lastDot < count - 1 else { return nil }
        let bytes = Array(text.utf8)
        guard bytes[at + 1] != UInt8(ascii: ".") else { return nil }
        return text
    }

    /// An E.164 number (`+` then 8 to 15 digits, no leading zero); spaces, dashes, dots and
    /// parentheses are dropped first. National numbers are not accepted here.
    public static func phone(_ raw: String) -> String? {
        let kept = raw.filter { !" -.()\t".contains($0) }
        guard kept.hasPrefix("+") else { return nil }
        let digits = kept.dropFirst()
        guard (8...15).contains(digits.count), digits.allSatisfy({ $0.isASCII && $0.isNumber }),
              digits.first != "0"
        else { return nil }
        return kept
    }

    /// `https://www.linkedin.com/in/{slug}` with scheme, host variants, locale suffixes, query,
    /// fragment and trailing slash removed; nil unless it is a LinkedIn profile (`/in/…`) URL.
    /// Whether `text` holds `://` (by bytes: Foundation's `range(of:)` was most of an import's
    /// time spent on LinkedIn URLs).
    static func containsSchemeSeparator(_ text: Substring) -> Bool {
        var run = 0
        for byte in text.utf8 {
            switch (run, byte) {
            case (_, UInt8(ascii: ":")): run = 1
            case (1, UInt8(ascii: "/")): run = 2
            case (2, UInt8(ascii: "/")): return true
            default: run = 0
            }
        }
        return false
    }

    public static func linkedinURL(_ raw: String) -> String? {
        var text = Substring(raw.trimmingWhitespace().lowercased())
        if text.hasPrefix("https://") {
            text = text.dropFirst(8)
        } else if text.hasPrefix("http://") {
            text = text.dropFirst(7)
        } else if Self.containsSchemeSeparator(text) {
            return nil  // another scheme
        }
        if let end = text.firstIndex(where: { $0 == "?" || $0 == "#" }) { text = text[..<end] }
        let parts = text.split(separator: "/", omittingEmptySubsequences: true)
        guard parts.count >= 3 else { return nil }
        var host = parts[0]
        if let colon = host.firstIndex(of: ":") { host = host[..<colon] }
        guard host == "linkedin.com" || host.hasSuffix(".linkedin.com"), parts[1] == "in" else { return nil }
        var slug = String(parts[2])
        if slug.contains("%") { slug = slug.removingPercentEncoding?.lowercased() ?? slug }
        guard !slug.isEmpty, !slug.contains(where: { $0.isWhitespace }) else { return nil }
        return "https://www.linkedin.com/in/" + slug
    }
}
