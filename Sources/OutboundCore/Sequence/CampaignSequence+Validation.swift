extension CampaignSequence {
    public static let maximumNodes = 100
    public static let maximumTextLength = 100_000
    public static let connectionNoteLimit = 300
    public static let delayRange = 1...(365 * 24 * 60)
    public static let conditionDaysRange = 1...365

    /// Problems that make the sequence unusable, each with its path (`sequence.nodes[3].next`):
    /// bad IDs, dangling references, unreachable nodes, cycles, paths with no `end`, node types
    /// foreign to the channel, out-of-range delays, conditions the channel cannot signal, and
    /// templates that do not compile. Empty texts are not here: see `contentIssues`.
    public func structuralIssues(for channel: CampaignChannel) -> [FieldIssue] {
        var issues = IssueList()
        if nodes.isEmpty { issues.add("sequence.nodes", "needs at least one node") }
        if nodes.count > CampaignSequence.maximumNodes { issues.add("sequence.nodes", "at most \(CampaignSequence.maximumNodes) nodes") }
        var seen: [String: Int] = [:]
        for (index, node) in nodes.enumerated() {
            let path = "sequence.nodes[\(index)]"
            if node.id.isEmpty || node.id.count > 64 || !node.id.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }) {
                issues.add("\(path).id", "must be 1 to 64 letters, digits, _ or -")
            } else if let first = seen[node.id] {
                issues.add("\(path).id", "repeats the ID of sequence.nodes[\(first)]")
            } else {
                seen[node.id] = index
            }
            if let nodeChannel = node.channel, !channel.accepts(nodeChannel) {
                issues.add("\(path).type", "a \(channel.rawValue) campaign cannot hold a \(node.type) step")
            }
            checkFields(of: node, at: path, channel: channel, issues: &issues)
        }
        guard issues.isEmpty else { return issues.issues }
        checkGraph(seen, issues: &issues)
        return issues.issues
    }

    /// Texts that must be written before launch (empty bodies and subjects), as issues with paths.
    public func contentIssues() -> [FieldIssue] {
        var issues = IssueList()
        for (index, node) in nodes.enumerated() {
            let path = "sequence.nodes[\(index)]"
            switch node.kind {
            case .message(let body), .sms(let body):
                if body.allSatisfy(\.isWhitespace) { issues.add("\(path).body", "is empty") }
            case .inmail(let subject, let body):
                if subject.allSatisfy(\.isWhitespace) { issues.add("\(path).subject", "is empty") }
                if body.allSatisfy(\.isWhitespace) { issues.add("\(path).body", "is empty") }
            case .email(let step):
                if !step.isReply, step.subject.allSatisfy(\.isWhitespace) { issues.add("\(path).subject", "is empty") }
                if step.body.allSatisfy(\.isWhitespace), (step.html ?? "").allSatisfy(\.isWhitespace) {
                    issues.add("\(path).body", "is empty (write body, html or both)")
                }
                for (v, variant) in step.variants.enumerated() where variant.body.allSatisfy(\.isWhitespace) && (variant.html ?? "").isEmpty {
                    issues.add("\(path).variants[\(v)].body", "is empty")
                }
            default: break
            }
        }
        return issues.issues
    }

    /// Every template text of the sequence with its path, e.g. (`sequence.nodes[0].body`, "Hi {{first_name}}").
    public var texts: [(path: String, nodeID: String, text: String)] {
        var result: [(String, String, String)] = []
        for (index, node) in nodes.enumerated() {
            let path = "sequence.nodes[\(index)]"
            switch node.kind {
            case .connectionRequest(let note): if let note { result.append(("\(path).note", node.id, note)) }
            case .message(let body), .sms(let body): result.append(("\(path).body", node.id, body))
            case .inmail(let subject, let body):
                result.append(("\(path).subject", node.id, subject))
                result.append(("\(path).body", node.id, body))
            case .email(let step):
                result.append(("\(path).subject", node.id, step.subject))
                result.append(("\(path).body", node.id, step.body))
                if let html = step.html { result.append(("\(path).html", node.id, html)) }
                for (v, variant) in step.variants.enumerated() {
                    result.append(("\(path).variants[\(v)].subject", node.id, variant.subject))
                    result.append(("\(path).variants[\(v)].body", node.id, variant.body))
                    if let html = variant.html { result.append(("\(path).variants[\(v)].html", node.id, html)) }
                }
            default: break
            }
        }
        return result
    }

    private func checkFields(of node: Node, at path: String, channel: CampaignChannel, issues: inout IssueList) {
        switch node.kind {
        case .connectionRequest(let note):
            if let note, note.count > CampaignSequence.connectionNoteLimit {
                issues.add("\(path).note", "must be at most \(CampaignSequence.connectionNoteLimit) characters (LinkedIn's limit); it has \(note.count)")
            }
        case .delay(let minutes):
            if !CampaignSequence.delayRange.contains(minutes) { issues.add(path, "a delay must total 1 minute to 365 days") }
        case .condition(let signal, let days, _, _):
            if !signal.isProduced(by: channel) {
                issues.add("\(path).signal", "a \(channel.rawValue) campaign cannot observe \(signal.rawValue)")
            }
            if !CampaignSequence.conditionDaysRange.contains(days) { issues.add("\(path).within_days", "must be 1 to 365") }
        case .email(let step):
            var variantIDs: Set<String> = []
            for (v, variant) in step.variants.enumerated() {
                if variant.weight < 1 || variant.weight > 1_000 { issues.add("\(path).variants[\(v)].weight", "must be 1 to 1000") }
                if variant.id.isEmpty || !variantIDs.insert(variant.id).inserted {
                    issues.add("\(path).variants[\(v)].id", "must be present and unique within the step")
                }
            }
        default: break
        }
        for (field, _, text) in CampaignSequence(nodes: [node]).texts {
            let fieldPath = path + field.dropFirst("sequence.nodes[0]".count)
            if text.count > CampaignSequence.maximumTextLength {
                issues.add(fieldPath, "must be at most \(CampaignSequence.maximumTextLength) characters")
                continue
            }
            do { _ = try Template.parse(text) } catch { issues.add(fieldPath, error.description) }
        }
    }

    private func checkGraph(_ indexByID: [String: Int], issues: inout IssueList) {
        for (index, node) in nodes.enumerated() {
            let path = "sequence.nodes[\(index)]"
            switch node.kind {
            case .condition(_, _, let yes, let no):
                if indexByID[yes] == nil { issues.add("\(path).yes", "no node \(yes) in this sequence") }
                if indexByID[no] == nil { issues.add("\(path).no", "no node \(no) in this sequence") }
            case .end:
                break
            default:
                if let next = node.next {
                    if indexByID[next] == nil { issues.add("\(path).next", "no node \(next) in this sequence") }
                } else {
                    issues.add("\(path).next", "is missing: every path must reach an end node")
                }
            }
        }
        guard issues.isEmpty, !nodes.isEmpty else { return }
        // Depth-first from the entry: grey nodes are on the current path, so reaching one again is a cycle.
        var color = [Int](repeating: 0, count: nodes.count)
        var cycleReported = false
        func visit(_ index: Int, _ trail: [String]) {
            color[index] = 1
            for successor in nodes[index].successors {
                guard let next = indexByID[successor] else { continue }
                if color[next] == 1, !cycleReported {
                    cycleReported = true
                    let loop = (trail + [nodes[index].id, successor]).drop { $0 != successor }
                    issues.add("sequence.nodes[\(index)]", "makes a cycle (\(loop.joined(separator: " → ")))")
                } else if color[next] == 0 {
                    visit(next, trail + [nodes[index].id])
                }
            }
            color[index] = 2
        }
        visit(0, [])
        for (index, state) in color.enumerated() where state == 0 {
            issues.add("sequence.nodes[\(index)]", "is unreachable from the first node (\(nodes[0].id))")
        }
    }
}
