import Foundation

extension Sender {
    /// Applies `input` onto this sender, collecting every problem in `issues` with its field path.
    /// The channel is fixed; limits, pacing and provider settings merge window by window.
    mutating func apply(_ input: SenderInput, issues: inout IssueList) {
        if case .value(let raw) = input.channel, raw != channel.rawValue {
            issues.add("channel", "cannot change after creation (is \(channel.rawValue))")
        }
        switch input.displayName {
        case .absent: break
        case .null: issues.add("display_name", "is required")
        case .value(let name):
            let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.isEmpty || trimmed.count > 255 {
                issues.add("display_name", "must be 1 to 255 characters")
            } else {
                displayName = trimmed
            }
        }
        applyIdentity(input.linkedinURL, to: \.linkedinURL, field: "linkedin_url", normalise: Identity.linkedinURL,
                      expected: "a LinkedIn profile URL like https://www.linkedin.com/in/jane-doe", issues: &issues)
        applyIdentity(input.email, to: \.email, field: "email", normalise: Identity.email,
                      expected: "an email address", issues: &issues)
        applyIdentity(input.phone, to: \.phone, field: "phone", normalise: Identity.phone,
                      expected: "an E.164 phone number like +14155550133", issues: &issues)
        if identity == nil {
            let field = switch channel { case .linkedin: "linkedin_url"; case .email: "email"; case .sms: "phone" }
            if !issues.issues.contains(where: { $0.field == field }) {
                issues.add(field, "is required for a \(channel.rawValue) sender")
            }
        }
        switch input.timezone {
        case .absent: break
        case .null: timezone = .utc
        case .value(let text):
            if let zone = Zone(text) { timezone = zone } else {
                issues.add("timezone", "must be an IANA time zone like Europe/Berlin or an offset like -05:00")
            }
        }
        switch input.status {
        case .absent: break
        case .null: issues.add("status", "must be one of active, paused, disconnected")
        case .value(let text):
            if let value = Status(rawValue: text) { status = value } else {
                issues.add("status", "must be one of active, paused, disconnected")
            }
        }
        applyLimits(input.limits, issues: &issues)
        applyPacing(input.pacing, issues: &issues)
        applySettings(input, issues: &issues)
    }

    private mutating func applyIdentity(
        _ field: Field<String>, to keyPath: WritableKeyPath<Sender, String?>, field name: String,
        normalise: (String) -> String?, expected: String, issues: inout IssueList
    ) {
        switch field {
        case .absent: break
        case .null: self[keyPath: keyPath] = nil
        case .value(let raw):
            if let value = normalise(raw) { self[keyPath: keyPath] = value } else { issues.add(name, "must be \(expected)") }
        }
    }

    private mutating func applyLimits(_ field: Field<[String: Field<RateLimitInput>]>, issues: inout IssueList) {
        let defaults = RateLimit.defaults(for: channel)
        switch field {
        case .absent: return
        case .null: limits = defaults; return
        case .value(let byKind):
            for (name, entry) in byKind.sorted(by: { $0.key < $1.key }) {
                let path = "limits.\(name)"
                guard let kind = ActionKind(rawValue: name), kind.channel == channel else {
                    let allowed = channel.actionKinds.map(\.rawValue).joined(separator: ", ")
                    issues.add(path, "is not an action of a \(channel.rawValue) sender; use \(allowed)")
                    continue
                }
                switch entry {
                case .absent: continue
                case .null: limits[kind] = defaults[kind]
                case .value(let input):
                    var limit = limits[kind] ?? RateLimit()
                    Sender.merge(input.perHour, into: &limit.perHour, field: "\(path).per_hour", issues: &issues)
                    Sender.merge(input.perDay, into: &limit.perDay, field: "\(path).per_day", issues: &issues)
                    Sender.merge(input.perWeek, into: &limit.perWeek, field: "\(path).per_week", issues: &issues)
                    if let hour = limit.perHour, let day = limit.perDay, hour > day {
                        issues.add("\(path).per_hour", "cannot exceed per_day (\(day))")
                    }
                    if let day = limit.perDay, let week = limit.perWeek, day > week {
                        issues.add("\(path).per_day", "cannot exceed per_week (\(week))")
                    }
                    limits[kind] = limit
                }
            }
        }
    }

    private static func merge(_ field: Field<Int>, into value: inout Int?, field name: String, issues: inout IssueList) {
        switch field {
        case .absent: break
        case .null: value = nil
        case .value(let number):
            if (0...RateLimit.maximum).contains(number) { value = number } else {
                issues.add(name, "must be between 0 and \(RateLimit.maximum)")
            }
        }
    }

    private mutating func applyPacing(_ field: Field<PacingInput>, issues: inout IssueList) {
        switch field {
        case .absent: return
        case .null: pacing = Pacing.defaults(for: channel)
        case .value(let input):
            let defaults = Pacing.defaults(for: channel)
            for (value, name, keyPath) in [
                (input.minGapSeconds, "min_gap_seconds", \Pacing.minGapSeconds),
                (input.maxGapSeconds, "max_gap_seconds", \Pacing.maxGapSeconds),
            ] {
                switch value {
                case .absent: break
                case .null: pacing[keyPath: keyPath] = defaults[keyPath: keyPath]
                case .value(let seconds):
                    if (0...Pacing.maximumGap).contains(seconds) { pacing[keyPath: keyPath] = seconds } else {
                        issues.add("pacing.\(name)", "must be between 0 and \(Pacing.maximumGap) seconds")
                    }
                }
            }
            if pacing.maxGapSeconds < pacing.minGapSeconds {
                issues.add("pacing.max_gap_seconds", "must be at least min_gap_seconds (\(pacing.minGapSeconds))")
            }
        }
    }
}
