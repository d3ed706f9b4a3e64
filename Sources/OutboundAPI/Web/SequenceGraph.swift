import Foundation
import OutboundCore

/// A campaign's sequence drawn as its graph on the server (SVG): one box per step in rows by
/// distance from the start, an arrow per way on (a condition's two labelled "yes" and "no"),
/// each sending step with its funnel. Like `DayChart` it hands the template numbers and words
/// only; the template escapes them.
struct SequenceGraph {
    static let boxWidth = 200.0
    static let boxHeight = 52.0
    static let columnGap = 28.0
    static let rowGap = 44.0
    static let margin = 8.0

    /// What a step's box says under its name: sent, then what came back.
    typealias Figures = (sent: Int, opened: Int, accepted: Int, replied: Int)

    static func values(_ sequence: CampaignSequence, figures: (String) -> Figures?) -> [String: Any] {
        // Rows: breadth-first distance from the first step; a step reached again keeps its first row.
        var row: [String: Int] = [:]
        var order: [String] = []
        var queue = sequence.nodes.first.map { [$0.id] } ?? []
        if let first = queue.first { row[first] = 0 }
        while !queue.isEmpty {
            let id = queue.removeFirst()
            order.append(id)
            for next in sequence.node(id)?.successors ?? [] where row[next] == nil && sequence.node(next) != nil {
                row[next] = (row[id] ?? 0) + 1
                queue.append(next)
            }
        }
        // Steps no path reaches are drawn last, each on a row of its own.
        for node in sequence.nodes where row[node.id] == nil {
            row[node.id] = (row.values.max() ?? -1) + 1
            order.append(node.id)
        }
        var column: [String: Int] = [:]
        var perRow: [Int: Int] = [:]
        for id in order {
            let r = row[id] ?? 0
            column[id] = perRow[r, default: 0]
            perRow[r, default: 0] += 1
        }
        let columns = max(perRow.values.max() ?? 1, 1)
        let rows = (row.values.max() ?? 0) + 1
        let width = margin * 2 + Double(columns) * boxWidth + Double(columns - 1) * columnGap
        let height = margin * 2 + Double(rows) * boxHeight + Double(rows - 1) * rowGap
        func origin(_ id: String) -> (x: Double, y: Double) {
            let r = row[id] ?? 0
            // Each row centred, so a single path runs straight down the middle.
            let count = Double(perRow[r] ?? 1)
            let rowWidth = count * boxWidth + (count - 1) * columnGap
            let x = (width - rowWidth) / 2 + Double(column[id] ?? 0) * (boxWidth + columnGap)
            return (x, margin + Double(r) * (boxHeight + rowGap))
        }
        var boxes: [[String: Any]] = []
        var arrows: [[String: Any]] = []
        for id in order {
            guard let node = sequence.node(id) else { continue }
            let (x, y) = origin(id)
            var detail = describe(node)
            if node.channel != nil, let f = figures(id) {
                let answers = [(f.opened, "opened"), (f.accepted, "accepted"), (f.replied, "replied")].filter { $0.0 > 0 || $0.1 == "replied" }
                detail = "\(f.sent) sent → " + answers.map { "\($0.0) \($0.1)" }.joined(separator: " → ")
            }
            boxes.append(["x": x, "y": y, "width": boxWidth, "height": boxHeight, "class": node.channel != nil ? "send" : node.type,
                          "tx": x + 10, "ty1": y + 20, "ty2": y + 40, "title": "\(node.id) · \(node.type.replacingOccurrences(of: "_", with: " "))",
                          "detail": detail])
            var ways: [(String, String?)] = node.successors.map { ($0, nil) }
            if case .condition(_, _, let yes, let no) = node.kind { ways = [(yes, "yes"), (no, "no")] }
            for (target, label) in ways where sequence.node(target) != nil {
                let to = origin(target)
                let x1 = x + boxWidth / 2, y1 = y + boxHeight
                let x2 = to.x + boxWidth / 2, y2 = to.y
                arrows.append(WebPages.values(["x1": x1, "y1": y1, "x2": x2, "y2": y2 - 2, "label": label,
                                               "lx": (x1 + x2) / 2 + 6, "ly": (y1 + y2) / 2]))
            }
        }
        return ["width": width, "height": height, "boxes": boxes, "arrows": arrows]
    }

    /// A step in a few words.
    static func describe(_ node: Node) -> String {
        switch node.kind {
        case .delay(let minutes):
            minutes % 1440 == 0 ? "wait \(minutes / 1440) day\(minutes == 1440 ? "" : "s")"
                : minutes % 60 == 0 ? "wait \(minutes / 60) h" : "wait \(minutes) min"
        case .condition(let signal, let days, _, _): "if \(signal.rawValue) within \(days) day\(days == 1 ? "" : "s")"
        case .end: "the lead is done"
        default: "not sent yet"
        }
    }
}
