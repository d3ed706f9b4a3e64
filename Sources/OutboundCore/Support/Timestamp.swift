import Foundation

/// RFC 3339 timestamps as Outbound writes them: UTC with milliseconds (`2026-05-20T15:00:00.000Z`).
public enum Timestamp {
    public static func iso(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: TimeZone(identifier: "UTC")!))
    }
}
