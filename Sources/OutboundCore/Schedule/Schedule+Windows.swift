import Foundation

// All arithmetic here is on UTC seconds and `TimeZone.secondsFromGMT(for:)`, never on
// "midnight + N hours", so days of 23 or 25 hours (DST changes) come out right.
extension Schedule {
    /// Whether `instant` lies inside a window, read in `zone`'s local time.
    /// In a fall-back hour both occurrences of a local time count as that local time.
    public func contains(_ instant: Date, in zone: Zone) -> Bool {
        let local = LocalClock(instant, zone.timeZone)
        let second = local.secondOfDay
        return self[local.weekday].contains { $0.start * 60 <= second && second < $0.end * 60 }
    }

    /// The first instant at or after `instant` that lies inside a window, or nil if the schedule
    /// has no window at all. A window opening at a local time skipped by spring-forward opens at
    /// the transition; one opening at a repeated fall-back time opens at its first occurrence.
    public func nextOpening(atOrAfter instant: Date, in zone: Zone) -> Date? {
        if contains(instant, in: zone) { return instant }
        return windowInstants(after: instant, in: zone).first { $0.start > instant }?.start
    }

    /// The end of the window containing `instant`, or nil when `instant` is outside every window.
    public func windowEnd(containing instant: Date, in zone: Zone) -> Date? {
        guard contains(instant, in: zone) else { return nil }
        return windowInstants(after: instant.addingTimeInterval(-86_400 * 2), in: zone)
            .first { $0.start <= instant && instant < $0.end }?.end
    }

    /// Windows as UTC intervals, in order, from the local day before `instant` over two weeks.
    private func windowInstants(after instant: Date, in zone: Zone) -> [(start: Date, end: Date)] {
        guard !isEmpty else { return [] }
        let tz = zone.timeZone
        let firstDay = LocalClock(instant, tz).dayNumber - 1
        var result: [(start: Date, end: Date)] = []
        for day in firstDay...(firstDay + 15) {
            for window in self[LocalClock.weekday(ofDay: day)] {
                let start = LocalClock.firstInstant(day: day, minute: window.start, in: tz)
                let end = LocalClock.firstInstant(day: day, minute: window.end, in: tz)
                if end > start, end > instant { result.append((start, end)) }
            }
        }
        return result
    }
}

/// A UTC instant read as local wall-clock time in one zone.
struct LocalClock {
    /// Days since 1970-01-01 in local time.
    let dayNumber: Int
    let secondOfDay: Int

    init(_ instant: Date, _ tz: TimeZone) {
        let utc = Int(instant.timeIntervalSince1970.rounded(.down))
        let local = utc + tz.secondsFromGMT(for: instant)
        dayNumber = Int((Double(local) / 86_400).rounded(.down))
        secondOfDay = local - dayNumber * 86_400
    }

    var weekday: Weekday { LocalClock.weekday(ofDay: dayNumber) }

    /// 1970-01-01 was a Thursday.
    static func weekday(ofDay day: Int) -> Weekday {
        let order: [Weekday] = [.thursday, .friday, .saturday, .sunday, .monday, .tuesday, .wednesday]
        return order[((day % 7) + 7) % 7]
    }

    /// The first instant whose local time in `tz` is at or after `minute` of local day `day`
    /// (minute 1440 is the next day's midnight). Exact for every zone, including DST gaps
    /// (→ the transition instant) and repeated hours (→ the earlier occurrence).
    static func firstInstant(day: Int, minute: Int, in tz: TimeZone) -> Date {
        let wanted = day * 86_400 + minute * 60
        var best: Int?
        for probe in [wanted - 86_400, wanted, wanted + 86_400] {
            let offset = tz.secondsFromGMT(for: Date(timeIntervalSince1970: Double(probe)))
            let candidate = wanted - offset
            if tz.secondsFromGMT(for: Date(timeIntervalSince1970: Double(candidate))) == offset {
                best = min(best ?? candidate, candidate)
            }
        }
        if let best { return Date(timeIntervalSince1970: Double(best)) }
        // The local time was skipped (spring forward): find the transition by bisection.
        let before = tz.secondsFromGMT(for: Date(timeIntervalSince1970: Double(wanted - 86_400)))
        let after = tz.secondsFromGMT(for: Date(timeIntervalSince1970: Double(wanted + 86_400)))
        var low = wanted - after, high = wanted - before
        while high - low > 1 {
            let mid = (low + high) / 2
            if tz.secondsFromGMT(for: Date(timeIntervalSince1970: Double(mid))) == after { high = mid } else { low = mid }
        }
        return Date(timeIntervalSince1970: Double(high))
    }
}
