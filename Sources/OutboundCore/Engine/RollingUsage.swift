import Foundation

/// A sender's recent actions of one kind, newest last, and what its caps allow.
public struct RollingUsage: Sendable, Hashable {
    /// Times of actions in the last 7 days, oldest first.
    public var times: [Date]

    public init(times: [Date]) {
        self.times = times.sorted()
    }

    public func count(since start: Date) -> Int {
        // Binary search: times are sorted.
        var low = 0, high = times.count
        while low < high {
            let mid = (low + high) / 2
            if times[mid] <= start { low = mid + 1 } else { high = mid }
        }
        return times.count - low
    }

    /// Nil when one more action fits every window of `limit` at `now`; otherwise the first
    /// instant at which it will (the moment the oldest counted action leaves its window).
    public func nextFreeSlot(under limit: RateLimit, at now: Date) -> Date? {
        var latest: Date?
        for (cap, window) in [(limit.perHour, 3600.0), (limit.perDay, 86_400.0), (limit.perWeek, 604_800.0)] {
            guard let cap else { continue }
            let start = now.addingTimeInterval(-window)
            let used = count(since: start)
            guard used >= cap else { continue }
            if cap == 0 { return .distantFuture }
            // The action whose leaving frees a place is the (used - cap + 1)-th oldest in the window.
            let inWindow = times.suffix(used)
            let leaving = inWindow[inWindow.startIndex + (used - cap)]
            let free = leaving.addingTimeInterval(window)
            latest = max(latest ?? free, free)
        }
        return latest
    }
}
