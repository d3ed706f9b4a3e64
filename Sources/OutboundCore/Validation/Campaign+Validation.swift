import Foundation

extension Campaign {
    /// Applies `input` onto this campaign, collecting every problem in `issues` with its field
    /// path. Sender IDs are only parsed here; `CampaignService` checks they exist and match.
    mutating func apply(_ input: CampaignInput, issues: inout IssueList) {
        switch input.name {
        case .absent: break
        case .null: issues.add("name", "is required")
        case .value(let text):
            let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
            if Campaign.nameLengthRange.contains(trimmed.count) { name = trimmed } else {
                issues.add("name", "must be 1 to 255 characters")
            }
        }
        switch input.description {
        case .absent: break
        case .null: description = nil
        case .value(let text):
            if text.count <= 10_000 { description = text.isEmpty ? nil : text } else {
                issues.add("description", "must be at most 10000 characters")
            }
        }
        if case .value(let raw) = input.channel, raw != channel.rawValue {
            issues.add("channel", "cannot change after creation (is \(channel.rawValue))")
        }
        if case .value(let raw) = input.status, raw != status.rawValue {
            issues.add("status", "is changed by the launch, pause, resume, complete and archive actions (is \(status.rawValue))")
        }
        Campaign.set(input.dryRun, &dryRun, default: false)
        switch input.priority {
        case .absent: break
        case .null: priority = 0
        case .value(let value):
            if value >= 0 { priority = value } else { issues.add("priority", "must be 0 or more") }
        }
        switch input.timezone {
        case .absent: break
        case .null: timezone = .utc
        case .value(let text):
            if let zone = Zone(text) { timezone = zone } else {
                issues.add("timezone", "must be an IANA time zone like America/New_York or an offset like -05:00")
            }
        }
        switch input.schedule {
        case .absent: break
        case .null: schedule = .businessHours
        case .value(let raw):
            do { schedule = try Schedule.parse(raw) } catch { issues.append(contentsOf: error.issues) }
        }
        switch input.startAt {
        case .absent: break
        case .null: startAt = nil
        case .value(let date): startAt = date
        }
        switch input.senderIDs {
        case .absent: break
        case .null: senderIDs = []
        case .value(let raw):
            var parsed: [ID] = []
            for (index, text) in raw.enumerated() {
                if let id = ID(text, kind: .sender) {
                    if parsed.contains(id) { issues.add("sender_ids[\(index)]", "is listed twice") } else { parsed.append(id) }
                } else {
                    issues.add("sender_ids[\(index)]", "is not a sender ID (seat_ and 20 hex digits)")
                }
            }
            senderIDs = parsed
        }
        Campaign.set(input.hourlyMessageRate, &hourlyMessageRate, default: Campaign.defaultHourlyMessageRate,
                     range: Campaign.hourlyMessageRateRange, field: "hourly_message_rate", issues: &issues)
        Campaign.set(input.dailyLimit, &dailyLimit, default: Campaign.defaultDailyLimit,
                     range: Campaign.dailyLimitRange, field: "daily_limit", issues: &issues)
        Campaign.set(input.stopOnReply, &stopOnReply, default: true)
        Campaign.set(input.openTracking, &openTracking, default: false)
        Campaign.set(input.skipOtherCampaigns, &skipOtherCampaigns, default: true)
        Campaign.set(input.prioritizeNewLeads, &prioritizeNewLeads, default: false)
        Campaign.set(input.sendInLeadTimezone, &sendInLeadTimezone, default: false)
        applyLeadRules(input.leadRules, issues: &issues)
        applySimulation(input.simulation, issues: &issues)
        applyAutomations(input.automations, issues: &issues)
        applySequence(input.sequence, issues: &issues)
        switch input.signature {
        case .absent: break
        case .null: signature = nil
        case .value(let text):
            if text.count <= 5_000 { signature = text.isEmpty ? nil : text } else {
                issues.add("signature", "must be at most 5000 characters")
            }
        }
    }

    private static func set(_ field: Field<Bool>, _ value: inout Bool, default fallback: Bool) {
        switch field {
        case .absent: break
        case .null: value = fallback
        case .value(let flag): value = flag
        }
    }

    private static func set(
        _ field: Field<Int>, _ value: inout Int, default fallback: Int, range: ClosedRange<Int>,
        field name: String, issues: inout IssueList
    ) {
        switch field {
        case .absent: break
        case .null: value = fallback
        case .value(let number):
            if range.contains(number) { value = number } else {
                issues.add(name, "must be between \(range.lowerBound) and \(range.upperBound)")
            }
        }
    }

    private mutating func applyLeadRules(_ field: Field<LeadRulesInput>, issues: inout IssueList) {
        switch field {
        case .absent: return
        case .null: leadRules = LeadRules()
        case .value(let input):
            Campaign.listIDs(input.includeListIDs, &leadRules.includeListIDs, "lead_rules.include_list_ids", &issues)
            Campaign.listIDs(input.excludeListIDs, &leadRules.excludeListIDs, "lead_rules.exclude_list_ids", &issues)
            Campaign.set(input.excludeContacted, &leadRules.excludeContacted, default: false)
            Campaign.set(input.skipActiveInOtherCampaigns, &skipOtherCampaigns, default: true)
            for (index, id) in leadRules.excludeListIDs.enumerated() where leadRules.includeListIDs.contains(id) {
                issues.add("lead_rules.exclude_list_ids[\(index)]", "is also an included list")
            }
        }
    }

    private static func listIDs(_ field: Field<[String]>, _ value: inout [ID], _ name: String, _ issues: inout IssueList) {
        switch field {
        case .absent: break
        case .null: value = []
        case .value(let raw):
            var parsed: [ID] = []
            for (index, text) in raw.enumerated() {
                if let id = ID(text, kind: .list) {
                    if !parsed.contains(id) { parsed.append(id) }
                } else {
                    issues.add("\(name)[\(index)]", "is not a list ID (list_ and 20 hex digits)")
                }
            }
            value = parsed
        }
    }

    /// The same nodes as now (a body sent back as it was read) change nothing; other nodes
    /// replace the sequence under the rules of a sequence edit (draft or paused, the version
    /// if given, a sound graph), as one more version.
    private mutating func applySequence(_ field: Field<SequenceInput>, issues: inout IssueList) {
        switch field {
        case .absent: return
        case .null: issues.add("sequence", "cannot be null; send {\"nodes\": [...]} or leave it out")
        case .value(let input):
            guard input.nodes != sequence.nodes else { return }
            guard acceptsSequenceEdits else {
                issues.add("sequence", status == .active ? "campaign is active; pause it before editing its sequence"
                                                         : "campaign is \(status.rawValue); its sequence can no longer change")
                return
            }
            if let version = input.version, version != sequence.version {
                issues.add("sequence.version", "the sequence is at version \(sequence.version), not \(version); reload and retry")
                return
            }
            var replaced = sequence
            replaced.nodes = input.nodes
            let problems = replaced.structuralIssues(for: channel)
            guard problems.isEmpty else {
                issues.append(contentsOf: problems)
                return
            }
            replaced.version += 1
            sequence = replaced
        }
    }

    private mutating func applySimulation(_ field: Field<SimulationInput>, issues: inout IssueList) {
        switch field {
        case .absent: return
        case .null: simulation = nil
        case .value(let input):
            var settings = simulation ?? Simulation()
            if case .value(let seed) = input.seed {
                if seed >= 0 { settings.seed = UInt64(seed) } else { issues.add("simulation.seed", "must be 0 or more") }
            }
            let keys: [(String, WritableKeyPath<Simulation, Double>)] = [
                ("accept_rate", \.acceptRate), ("reply_rate", \.replyRate), ("open_rate", \.openRate), ("bounce_rate", \.bounceRate),
            ]
            for (name, keyPath) in keys {
                if case .value(let rate)? = input.rates[name] {
                    if (0...1).contains(rate) { settings[keyPath: keyPath] = rate } else { issues.add("simulation.\(name)", "must be between 0 and 1") }
                }
            }
            if case .value(let delays) = input.signalDelayMinutes {
                if delays.count == 2, delays[0] >= 0, delays[1] >= delays[0], delays[1] <= 525_600 {
                    settings.signalDelayMinutes = delays
                } else {
                    issues.add("simulation.signal_delay_minutes", "must be [min, max] minutes with 0 ≤ min ≤ max ≤ 525600")
                }
            }
            simulation = settings
        }
    }
    private mutating func applyAutomations(_ field: Field<[AutomationInput]>, issues: inout IssueList) {
        switch field {
        case .absent: return
        case .null: automations = []
        case .value(let inputs):
            var parsed: [Automation] = []
            for (index, input) in inputs.enumerated() {
                let path = "automations[\(index)]"
                guard let on = input.on.flatMap(SignalType.init(rawValue:)) else {
                    issues.add("\(path).on", "must be one of \(SignalType.allCases.map(\.rawValue).joined(separator: ", "))")
                    continue
                }
                switch input.action {
                case "set_contact_status":
                    if let value = input.value?.trimmingWhitespace(), (1...100).contains(value.count) {
                        parsed.append(Automation(on: on, action: .setContactStatus(value)))
                    } else { issues.add("\(path).value", "is the status to set (1 to 100 characters)") }
                case "add_to_list", "remove_from_list":
                    if let value = input.value, let list = ID(value, kind: .list) {
                        parsed.append(Automation(on: on, action: input.action == "add_to_list" ? .addToList(list) : .removeFromList(list)))
                    } else { issues.add("\(path).value", "is the list ID") }
                case "stop":
                    parsed.append(Automation(on: on, action: .stop))
                default:
                    issues.add("\(path).do", "must be one of \(Automation.actionNames.joined(separator: ", "))")
                }
            }
            automations = parsed
        }
    }
}
