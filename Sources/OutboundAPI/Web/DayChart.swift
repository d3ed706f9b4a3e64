import Foundation

/// A bar chart of actions per day drawn on the server as SVG: what was sent as filled bars, what
/// the forecast expects as dashed outlines stacked on them (today has both), replies as dots —
/// told apart by shape, not only by colour. It gives the template numbers and labels only (the
/// template escapes them); no markup is built here.
struct DayChart {
    struct Day {
        var date: String
        var sent: Int
        var forecast: Int
        var replies: Int
    }

    static let height = 160.0
    static let barWidth = 14.0
    static let gap = 6.0
    static let top = 14.0
    static let bottom = 22.0

    /// The values the `campaign` template draws.
    static func values(_ days: [Day]) -> [String: Any] {
        let peak = Double(max(days.map { max($0.sent + $0.forecast, $0.replies) }.max() ?? 0, 1))
        let plot = height - top - bottom
        let baseline = top + plot
        var bars: [[String: Any]] = []
        var dots: [[String: Any]] = []
        var labels: [[String: Any]] = []
        for (index, day) in days.enumerated() {
            let x = gap + Double(index) * (barWidth + gap)
            let sent = plot * Double(day.sent) / peak, expected = plot * Double(day.forecast) / peak
            if day.sent > 0 {
                bars.append(["x": x, "y": baseline - sent, "width": barWidth, "height": sent, "class": "past",
                             "title": "\(day.date): \(day.sent) sent"])
            }
            if day.forecast > 0 {
                bars.append(["x": x, "y": baseline - sent - expected, "width": barWidth, "height": expected, "class": "forecast",
                             "title": "\(day.date): \(day.forecast) expected"])
            }
            if day.replies > 0 {
                dots.append(["cx": x + barWidth / 2, "cy": baseline - plot * Double(day.replies) / peak,
                             "title": "\(day.date): \(day.replies) replies"])
            }
            // Every seventh day is labelled (MM-DD), so labels never collide.
            if index % 7 == 0 { labels.append(["x": x, "y": height - 6, "text": String(day.date.suffix(5))]) }
        }
        // Room on the right for the last label.
        return ["width": gap + Double(days.count) * (barWidth + gap) + 24, "height": height, "baseline": baseline,
                "bars": bars, "dots": dots, "labels": labels, "peak": Int(peak)]
    }

    /// What holds a campaign back, in words (the forecast names it by its API code).
    static func bottleneck(_ code: String) -> String {
        switch code {
        case "sender limits": "the senders' own caps"
        case "hourly_message_rate": "the campaign's hourly message rate"
        case "windows": "the sending windows and the senders' pacing"
        case "daily_limit": "the campaign's daily limit of new leads"
        case "no usable sender": "no sender can send (each is paused, disconnected or of another channel)"
        case "none": "nothing: the sequence has no step that sends"
        default: code
        }
    }
}
