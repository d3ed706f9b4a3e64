import Foundation

/// Normalised forms of the identities senders and contacts are reached by.
public enum Identity {
    /// Trimmed and lower-cased; nil unless it looks like `local@domain.tld`.
    public static func email(_ raw: String) -> String? {
        let text = raw.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."),
              !parts[1].hasPrefix("."), !parts[1].hasSuffix("."),
              !text.contains(where: { $0.isWhitespace || $0 == "<" || $0 == ">" || $0 == "," })
        else { return nil }
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
    public static func linkedinURL(_ raw: String) -> String? {
        var text = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        if !text.contains("://") { text = "https://" + text }
        guard let components = URLComponents(string: text), let host = components.host?.lowercased(),
              host == "linkedin.com" || host.hasSuffix(".linkedin.com")
        else { return nil }
        let segments = components.path.split(separator: "/").map(String.init)
        guard segments.count >= 2, segments[0].lowercased() == "in", !segments[1].isEmpty else { return nil }
        let slug = segments[1].removingPercentEncoding ?? segments[1]
        return "https://www.linkedin.com/in/" + slug.lowercased()
    }
}
