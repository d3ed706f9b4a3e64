import Foundation
import OutboundCore

/// RFC 3339 timestamps as the API writes them: UTC with milliseconds (`2026-05-20T15:00:00.000Z`).
enum Timestamps {
    static func format(_ date: Date) -> String { Timestamp.iso(date) }

    /// Accepts fractional seconds or none, `Z` or a numeric offset.
    static func parse(_ text: String) -> Date? {
        if let date = try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text) { return date }
        return try? Date.ISO8601FormatStyle().parse(text)
    }
}
