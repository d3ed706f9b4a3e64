import Foundation

/// A time zone as users write it: an IANA name (`America/New_York`) or a fixed UTC offset
/// (`-05:00`, `+05:30`). The raw string is kept as given so it reads back unchanged.
public struct Zone: Hashable, Sendable, CustomStringConvertible {
    public let identifier: String
    public let timeZone: TimeZone

    public static let utc = Zone(uncheckedIdentifier: "UTC", timeZone: TimeZone(identifier: "UTC")!)

    private init(uncheckedIdentifier: String, timeZone: TimeZone) {
        self.identifier = uncheckedIdentifier
        self.timeZone = timeZone
    }

    /// Parses an IANA name or a `±HH:MM` offset; nil for anything else.
    public init?(_ text: String) {
        if let offset = Zone.parseOffset(text) {
            guard let zone = TimeZone(secondsFromGMT: offset) else { return nil }
            self.init(uncheckedIdentifier: text, timeZone: zone)
            return
        }
        // Only real region names: TimeZone(identifier:) also takes abbreviations such as "EST".
        guard text.contains("/") || text == "UTC", TimeZone.knownTimeZoneIdentifiers.contains(text) || text == "UTC",
              let zone = TimeZone(identifier: text)
        else { return nil }
        self.init(uncheckedIdentifier: text, timeZone: zone)
    }

    /// A fixed-offset zone from minutes east of UTC (the Alsona dialect's `timezone: -300`).
    public init?(offsetMinutes: Int) {
        guard abs(offsetMinutes) <= 14 * 60 else { return nil }
        let sign = offsetMinutes < 0 ? "-" : "+"
        let text = String(format: "%@%02d:%02d", sign, abs(offsetMinutes) / 60, abs(offsetMinutes) % 60)
        self.init(text)
    }

    public var description: String { identifier }

    /// `±HH:MM` → seconds east of UTC, within ±14:00.
    private static func parseOffset(_ text: String) -> Int? {
        let chars = Array(text)
        guard chars.count == 6, chars[0] == "+" || chars[0] == "-", chars[3] == ":",
              let hours = Int(String(chars[1...2])), let minutes = Int(String(chars[4...5])),
              chars[1...2].allSatisfy(\.isASCII), minutes < 60, hours * 60 + minutes <= 14 * 60
        else { return nil }
        let seconds = (hours * 60 + minutes) * 60
        return chars[0] == "-" ? -seconds : seconds
    }

    public static func == (lhs: Zone, rhs: Zone) -> Bool { lhs.identifier == rhs.identifier }
    public func hash(into hasher: inout Hasher) { hasher.combine(identifier) }
}
