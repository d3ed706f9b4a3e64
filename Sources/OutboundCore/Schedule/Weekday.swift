/// A day of the week, named as in the API (`monday` … `sunday`).
public enum Weekday: String, Sendable, CaseIterable, Hashable, Comparable {
    case monday, tuesday, wednesday, thursday, friday, saturday, sunday

    /// From `Calendar`'s numbering (1 = Sunday … 7 = Saturday).
    public init(calendarWeekday: Int) {
        switch calendarWeekday {
        case 1: self = .sunday
        case 2: self = .monday
        case 3: self = .tuesday
        case 4: self = .wednesday
        case 5: self = .thursday
        case 6: self = .friday
        default: self = .saturday
        }
    }

    private var order: Int { Weekday.allCases.firstIndex(of: self)! }

    public static func < (lhs: Weekday, rhs: Weekday) -> Bool { lhs.order < rhs.order }
}
