import Foundation
import OutboundCore

// How both stores write the values a column holds as JSON text: one encoding, so `outbound
// migrate` copies a campaign or a sender from SQLite to PostgreSQL byte for byte.

/// Times as both stores keep them: milliseconds since 1970, rounded to the nearest.
package enum StoredTime {
    package static func millis(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }
    package static func millis(_ date: Date?) -> Int64? { date.map(millis) }
    package static func date(_ millis: Int64) -> Date { Date(timeIntervalSince1970: Double(millis) / 1000) }
    package static func date(_ millis: Int64?) -> Date? { millis.map(date) }
}

/// JSON text in and out of a column: sorted keys, so equal values are equal text.
package enum StoredJSON {
    package static func encode<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    package static func decode<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
        try JSONDecoder().decode(type, from: Data(text.utf8))
    }

    /// `{"key": value, …}` with sorted keys; written directly, as it runs once per imported row.
    package static func customFields(_ fields: [String: CustomValue]) -> String {
        guard !fields.isEmpty else { return "{}" }
        var out = "{"
        for (index, key) in fields.keys.sorted().enumerated() {
            if index > 0 { out += "," }
            appendJSONString(key, to: &out)
            out += ":"
            switch fields[key]! {
            case .string(let text): appendJSONString(text, to: &out)
            case .bool(let flag): out += flag ? "true" : "false"
            case .number(let number):
                out += number.isFinite ? (number.rounded() == number && abs(number) < 1e15 ? String(Int64(number)) : String(number)) : "null"
            }
        }
        return out + "}"
    }

    private static func appendJSONString(_ text: String, to out: inout String) {
        out += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}

/// Limits keyed by action kind name, as stored in the `limits` column.
package struct StoredLimits: Codable {
    package var byKind: [String: RateLimit]

    package init(_ limits: [ActionKind: RateLimit]) {
        byKind = Dictionary(uniqueKeysWithValues: limits.map { ($0.key.rawValue, $0.value) })
    }

    package init(from decoder: any Decoder) throws {
        byKind = try [String: RateLimit](from: decoder)
    }

    package func encode(to encoder: any Encoder) throws {
        try byKind.encode(to: encoder)
    }

    package var limits: [ActionKind: RateLimit] {
        Dictionary(uniqueKeysWithValues: byKind.compactMap { key, value in ActionKind(rawValue: key).map { ($0, value) } })
    }
}

/// A schedule as stored in the `schedule` column: `{"monday": [[540, 1020]], …}` in minutes.
package struct StoredSchedule: Codable {
    package var days: [String: [[Int]]]

    package init(_ schedule: Schedule) {
        days = Dictionary(uniqueKeysWithValues: schedule.windows.map { day, ranges in
            (day.rawValue, ranges.map { [$0.start, $0.end] })
        })
    }

    package init(from decoder: any Decoder) throws {
        days = try [String: [[Int]]](from: decoder)
    }

    package func encode(to encoder: any Encoder) throws {
        try days.encode(to: encoder)
    }

    package var schedule: Schedule {
        Schedule(Dictionary(uniqueKeysWithValues: days.compactMap { name, ranges in
            Weekday(rawValue: name).map { ($0, ranges.filter { $0.count == 2 }.map { MinuteRange(start: $0[0], end: $0[1]) }) }
        }))
    }
}

/// An automation as stored in the `campaigns.automations` column.
package struct StoredAutomation: Codable {
    package var on: String
    package var action: String
    package var value: String?

    package init(_ automation: Automation) {
        on = automation.on.rawValue
        switch automation.action {
        case .setContactStatus(let status): action = "set_contact_status"; value = status
        case .addToList(let list): action = "add_to_list"; value = list.rawValue
        case .removeFromList(let list): action = "remove_from_list"; value = list.rawValue
        case .stop: action = "stop"; value = nil
        }
    }

    package var automation: Automation? {
        guard let signal = SignalType(rawValue: on) else { return nil }
        switch action {
        case "set_contact_status": return value.map { Automation(on: signal, action: .setContactStatus($0)) }
        case "add_to_list": return value.map { Automation(on: signal, action: .addToList(ID(trusted: $0))) }
        case "remove_from_list": return value.map { Automation(on: signal, action: .removeFromList(ID(trusted: $0))) }
        case "stop": return Automation(on: signal, action: .stop)
        default: return nil
        }
    }
}

/// What the dispatch bench verifies, counted from the recorded actions alone (either store).
public struct BenchCheck: Sendable {
    public var actions: Int
    public var duplicates: Int
    public var capViolations: Int
    public var windowViolations: Int
    public var open: Int

    public init(actions: Int, duplicates: Int, capViolations: Int, windowViolations: Int, open: Int) {
        self.actions = actions
        self.duplicates = duplicates
        self.capViolations = capViolations
        self.windowViolations = windowViolations
        self.open = open
    }
}

extension CampaignStats {
    /// Statistics from a campaign's counters as both stores keep them: `state.<state>`, `sent`,
    /// `sent.node.<node>`, `sent.sender.<sender>`, `signal.<type>`, `signal.node.<type>.<node>`,
    /// `contacted` (keys that never leave the stores).
    package init(counters: [(key: String, value: Int)]) {
        self.init()
        for (key, value) in counters {
            if key == "sent" {
                sent = value
            } else if key == "contacted" {
                contacted = value
            } else if let node = key.removingPrefix("sent.node.") {
                sentPerNode[node] = value
            } else if let rest = key.removingPrefix("signal.node."), let dot = rest.firstIndex(of: "."),
                      let type = SignalType(rawValue: String(rest[..<dot])) {
                signalsPerNode[String(rest[rest.index(after: dot)...]), default: [:]][type] = value
            } else if let sender = key.removingPrefix("sent.sender.") {
                sentPerSender[ID(trusted: sender)] = value
            } else if let state = key.removingPrefix("state.").flatMap(EnrollmentState.init(rawValue:)) {
                leads[state] = value
            } else if let signal = key.removingPrefix("signal.").flatMap(SignalType.init(rawValue:)) {
                signals[signal] = value
            }
        }
    }
}

/// What an observed signal's event says (`reply.received`, `message.opened`, …), as both stores log it.
package enum SignalEventData {
    package static func data(_ type: SignalType, campaign: String, contact: String, action: String?, text: String?, at: Date) -> [String: Any] {
        let lead: [String: Any] = ["object": "lead", "campaign_id": campaign, "contact_id": contact]
        let text: Any = text ?? NSNull(), actionValue: Any = action ?? NSNull()
        switch type {
        case .replied, .autoReplied:
            return ["reply": ["text": text, "action_id": actionValue, "received_at": Timestamp.iso(at)] as [String: Any], "lead": lead]
        case .accepted, .unsubscribed, .interested, .notInterested:
            return ["lead": lead, "action_id": actionValue]
        case .opened, .clicked, .bounced:
            return ["message": ["id": actionValue, "object": "action", "campaign_id": campaign, "contact_id": contact] as [String: Any]]
        }
    }
}

extension String {
    /// The rest of the string after `prefix`, or nil when it does not start with it.
    package func removingPrefix(_ prefix: String) -> String? {
        hasPrefix(prefix) ? String(dropFirst(prefix.count)) : nil
    }
}
