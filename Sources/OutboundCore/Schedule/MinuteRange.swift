/// A half-open window `[start, end)` of minutes after local midnight; `end` may be 1440 (`24:00`).
public struct MinuteRange: Hashable, Sendable, Comparable {
    public var start: Int
    public var end: Int

    public init(start: Int, end: Int) {
        self.start = start
        self.end = end
    }

    /// Parses `"HH:MM"` into minutes after midnight; `"24:00"` is allowed (as an end).
    public static func minutes(from text: String) -> Int? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 2, parts[1].count == 2,
              parts.allSatisfy({ $0.allSatisfy(\.isASCII) }),
              let hours = Int(parts[0]), let minutes = Int(parts[1]),
              (0...24).contains(hours), (0..<60).contains(minutes)
        else { return nil }
        let total = hours * 60 + minutes
        return total <= 1440 ? total : nil
    }

    /// `"HH:MM"` for minutes after midnight (1440 → `"24:00"`).
    public static func text(from minutes: Int) -> String {
        let h = minutes / 60, m = minutes % 60
        return (h < 10 ? "0" : "") + String(h) + ":" + (m < 10 ? "0" : "") + String(m)
    }

    public func contains(_ minute: Int) -> Bool { start <= minute && minute < end }

    public static func < (lhs: MinuteRange, rhs: MinuteRange) -> Bool {
        (lhs.start, lhs.end) < (rhs.start, rhs.end)
    }
}
