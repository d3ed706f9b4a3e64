import Foundation

/// A bar chart of actions per day drawn on the server as SVG: days that happened as filled bars,
/// forecast days as dashed outlines, replies as dots — told apart by shape, not only by colour.
/// It gives the template numbers and labels only (the template escapes them); no markup is
/// built here.
struct DayChart {
    struct Day {
        var date: String
        var actions: Int
        var replies: Int
        var forecast: Bool
    }

    static let height = 160.0
    static let barWidth = 14.0
    static let gap = 6.0
    static let top = 14.0
    static let bottom = 22.0

    /// The values the `campaign` template draws.
    static func values(_ days: [Day]) -> [String: Any] {
        let peak = Double(max(days.map { max($0.actions, $0.replies) }.max() ?? 0, 1))
        let plot = height - top - bottom
        var bars: [[String: Any]] = []
        var dots: [[String: Any]] = []
        var labels: [[String: Any]] = []
        for (index, day) in days.enumerated() {
            let x = gap + Double(index) * (barWidth + gap)
            let barHeight = plot * Double(day.actions) / peak
            let what = day.forecast ? "forecast" : "sent"
            bars.append(["x": x, "y": top + plot - barHeight, "width": barWidth, "height": barHeight,
                         "class": day.forecast ? "forecast" : "past", "title": "\(day.date): \(day.actions) \(what)"])
            if day.replies > 0 {
                dots.append(["cx": x + barWidth / 2, "cy": top + plot - plot * Double(day.replies) / peak,
                             "title": "\(day.date): \(day.replies) replies"])
            }
            // Every seventh day is labelled (MM-DD), so labels never collide.
            if index % 7 == 0 { labels.append(["x": x, "y": height - 6, "text": String(day.date.suffix(5))]) }
        }
        // Room on the right for the last label.
        return ["width": gap + Double(days.count) * (barWidth + gap) + 24, "height": height, "baseline": top + plot,
                "bars": bars, "dots": dots, "labels": labels, "peak": Int(peak)]
    }
}
