/// Sending windows of one campaign, per weekday, in the campaign's time zone.
public struct Schedule: Sendable, Hashable {
    /// Windows per weekday, sorted and non-overlapping; a missing weekday means no sending that day.
    public private(set) var windows: [Weekday: [MinuteRange]]

    /// A window as written in a request, before validation (`"09:00"`, `"17:30"`).
    public struct RawWindow: Sendable, Hashable {
        public var start: String
        public var end: String

        public init(start: String, end: String) {
            self.start = start
            self.end = end
        }
    }

    /// Builds a schedule from already-valid windows (sorted here).
    public init(_ windows: [Weekday: [MinuteRange]]) {
        self.windows = windows.filter { !$0.value.isEmpty }.mapValues { $0.sorted() }
    }

    /// Monday to Friday, 09:00–17:00: what a new campaign gets when it names no schedule.
    public static let businessHours = Schedule(
        Dictionary(uniqueKeysWithValues: [Weekday.monday, .tuesday, .wednesday, .thursday, .friday].map {
            ($0, [MinuteRange(start: 9 * 60, end: 17 * 60)])
        })
    )

    /// Validates windows keyed by weekday name; every problem is reported with its path
    /// under `field` (e.g. `schedule.monday[1].end`).
    public static func parse(_ raw: [String: [RawWindow]], field: String = "schedule") throws(ValidationError) -> Schedule {
        var issues = IssueList()
        var windows: [Weekday: [MinuteRange]] = [:]
        for (dayName, list) in raw.sorted(by: { $0.key < $1.key }) {
            guard let day = Weekday(rawValue: dayName) else {
                issues.add("\(field).\(dayName)", "is not a weekday; use monday … sunday")
                continue
            }
            var ranges: [(index: Int, range: MinuteRange)] = []
            for (index, window) in list.enumerated() {
                let path = "\(field).\(dayName)[\(index)]"
                let start = MinuteRange.minutes(from: window.start)
                let end = MinuteRange.minutes(from: window.end)
                if start == nil || start == 1440 { issues.add("\(path).start", "must be a time HH:MM from 00:00 to 23:59") }
                if end == nil { issues.add("\(path).end", "must be a time HH:MM from 00:01 to 24:00") }
                guard let start, let end, start < 1440 else { continue }
                if end <= start {
                    issues.add("\(path).end", "must be after start (\(window.start))")
                    continue
                }
                ranges.append((index, MinuteRange(start: start, end: end)))
            }
            let sorted = ranges.sorted { $0.range < $1.range }
            for (previous, next) in zip(sorted, sorted.dropFirst()) where next.range.start < previous.range.end {
                issues.add("\(field).\(dayName)[\(next.index)]", "overlaps \(field).\(dayName)[\(previous.index)]")
            }
            windows[day] = sorted.map(\.range)
        }
        try issues.throwIfAny()
        return Schedule(windows)
    }

    /// True when no weekday has a window: such a schedule never sends.
    public var isEmpty: Bool { windows.isEmpty }

    /// Windows of one weekday, sorted.
    public subscript(day: Weekday) -> [MinuteRange] { windows[day] ?? [] }
}
