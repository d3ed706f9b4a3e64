import Foundation
import Testing
@testable import OutboundCore

@Suite struct ScheduleTests {
    let newYork = Zone("America/New_York")!
    let berlin = Zone("Europe/Berlin")!

    func utc(_ text: String) -> Date { try! Date(text, strategy: .iso8601) }

    func schedule(_ day: Weekday, _ start: String, _ end: String) -> Schedule {
        try! Schedule.parse([day.rawValue: [Schedule.RawWindow(start: start, end: end)]])
    }

    @Test func springForwardInNewYorkOpensAtLocalNineNotTenPastMidnightPlusNine() {
        // 2026-03-08: clocks go from 02:00 EST to 03:00 EDT. Midnight is 05:00Z; 09:00 EDT is 13:00Z.
        let sunday = schedule(.sunday, "09:00", "17:00")
        #expect(sunday.nextOpening(atOrAfter: utc("2026-03-08T05:00:00Z"), in: newYork) == utc("2026-03-08T13:00:00Z"))
        #expect(sunday.contains(utc("2026-03-08T13:00:00Z"), in: newYork))
        #expect(!sunday.contains(utc("2026-03-08T12:59:59Z"), in: newYork))
        #expect(sunday.windowEnd(containing: utc("2026-03-08T15:00:00Z"), in: newYork) == utc("2026-03-08T21:00:00Z"))
    }

    @Test func fallBackInNewYork() {
        // 2026-11-01: clocks go from 02:00 EDT back to 01:00 EST. 09:00 EST is 14:00Z.
        let sunday = schedule(.sunday, "09:00", "17:00")
        #expect(sunday.nextOpening(atOrAfter: utc("2026-11-01T04:00:00Z"), in: newYork) == utc("2026-11-01T14:00:00Z"))
        #expect(sunday.windowEnd(containing: utc("2026-11-01T14:00:00Z"), in: newYork) == utc("2026-11-01T22:00:00Z"))
    }

    @Test func windowStartingInTheSkippedHourOpensAtTheTransition() {
        let sunday = schedule(.sunday, "02:30", "04:00")
        // 02:30 does not exist that day; the first instant at or after it is 03:00 EDT = 07:00Z.
        #expect(sunday.nextOpening(atOrAfter: utc("2026-03-08T05:00:00Z"), in: newYork) == utc("2026-03-08T07:00:00Z"))
        #expect(!sunday.contains(utc("2026-03-08T06:59:00Z"), in: newYork))
    }

    @Test func repeatedHourCountsBothTimes() {
        let sunday = schedule(.sunday, "01:30", "03:00")
        // First 01:30 is EDT (05:30Z); 01:45 EST (06:45Z) is the second pass through the window.
        #expect(sunday.nextOpening(atOrAfter: utc("2026-11-01T04:00:00Z"), in: newYork) == utc("2026-11-01T05:30:00Z"))
        #expect(sunday.contains(utc("2026-11-01T06:45:00Z"), in: newYork))
        #expect(sunday.contains(utc("2026-11-01T05:45:00Z"), in: newYork))
        #expect(!sunday.contains(utc("2026-11-01T08:00:00Z"), in: newYork))
    }

    @Test func berlinSpringForwardAndFallBack() {
        let sunday = schedule(.sunday, "09:00", "17:00")
        // 2026-03-29 CET → CEST: 09:00 local is 07:00Z. 2026-10-25 CEST → CET: 09:00 local is 08:00Z.
        #expect(sunday.nextOpening(atOrAfter: utc("2026-03-28T23:00:00Z"), in: berlin) == utc("2026-03-29T07:00:00Z"))
        #expect(sunday.nextOpening(atOrAfter: utc("2026-10-24T22:00:00Z"), in: berlin) == utc("2026-10-25T08:00:00Z"))
        #expect(sunday.windowEnd(containing: utc("2026-10-25T08:00:00Z"), in: berlin) == utc("2026-10-25T16:00:00Z"))
        let spring = schedule(.sunday, "02:00", "02:59")
        // 02:00–02:59 never happens on 2026-03-29 in Berlin: the next opening is a week later.
        #expect(spring.nextOpening(atOrAfter: utc("2026-03-28T23:00:00Z"), in: berlin) == utc("2026-04-05T00:00:00Z"))
    }

    @Test func nextOpeningSkipsTheWeekend() {
        let weekdays = Schedule.businessHours
        // Friday 2026-11-27 17:30 EST → Monday 2026-11-30 09:00 EST = 14:00Z.
        #expect(weekdays.nextOpening(atOrAfter: utc("2026-11-27T22:30:00Z"), in: newYork) == utc("2026-11-30T14:00:00Z"))
        // Inside a window the instant itself is the opening.
        #expect(weekdays.nextOpening(atOrAfter: utc("2026-11-30T15:00:00Z"), in: newYork) == utc("2026-11-30T15:00:00Z"))
        // The end is exclusive.
        #expect(!weekdays.contains(utc("2026-11-30T22:00:00Z"), in: newYork))
    }

    @Test func fixedOffsetHasNoDaylightSaving() {
        let sunday = schedule(.sunday, "09:00", "17:00")
        let minusFive = Zone("-05:00")!
        #expect(sunday.nextOpening(atOrAfter: utc("2026-03-08T05:00:00Z"), in: minusFive) == utc("2026-03-08T14:00:00Z"))
        #expect(sunday.nextOpening(atOrAfter: utc("2026-07-05T05:00:00Z"), in: minusFive) == utc("2026-07-05T14:00:00Z"))
    }

    @Test func windowUntilMidnight() {
        let late = schedule(.monday, "22:00", "24:00")
        #expect(late.contains(utc("2026-11-30T23:59:59Z"), in: .utc))
        #expect(!late.contains(utc("2026-12-01T00:00:00Z"), in: .utc))
        #expect(late.windowEnd(containing: utc("2026-11-30T23:00:00Z"), in: .utc) == utc("2026-12-01T00:00:00Z"))
    }

    @Test func emptyScheduleNeverOpens() {
        #expect(Schedule([:]).nextOpening(atOrAfter: utc("2026-11-30T12:00:00Z"), in: newYork) == nil)
    }

    @Test func parseReportsEveryProblemWithItsPath() {
        let raw: [String: [Schedule.RawWindow]] = [
            "monday": [.init(start: "09:00", end: "12:00"), .init(start: "11:00", end: "13:00")],
            "tuesday": [.init(start: "10:00", end: "09:00"), .init(start: "9am", end: "25:00")],
            "wednesday": [.init(start: "24:00", end: "24:00")],
            "funday": [],
        ]
        #expect(throws: ValidationError.self) { try Schedule.parse(raw) }
        do {
            _ = try Schedule.parse(raw)
        } catch {
            let fields = Set(error.issues.map(\.field))
            #expect(fields == [
                "schedule.monday[1]", "schedule.tuesday[0].end", "schedule.tuesday[1].start",
                "schedule.tuesday[1].end", "schedule.wednesday[0].start", "schedule.funday",
            ])
        }
    }

    @Test func parseAcceptsEndOfDayAndSortsWindows() throws {
        let parsed = try Schedule.parse(["friday": [.init(start: "13:00", end: "24:00"), .init(start: "08:00", end: "12:00")]])
        #expect(parsed[.friday] == [MinuteRange(start: 480, end: 720), MinuteRange(start: 780, end: 1440)])
        #expect(parsed[.monday].isEmpty)
    }
}
