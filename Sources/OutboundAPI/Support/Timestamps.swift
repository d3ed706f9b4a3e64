import Foundation

/// RFC 3339 timestamps as clients send them (the API writes them with `Timestamp.iso`).
enum Timestamps {
    /// Accepts fractional seconds or none, `Z` or a numeric offset.
    static func parse(_ text: String) -> Date? {
        if let date = try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text) { return date }
        return try? Date.ISO8601FormatStyle().parse(text)
    }
}
