import Foundation
import OutboundCore

/// A sender's usage log, kept on its row (`senders.recent`): one record per action it took in
/// the last week that counts against its limits, oldest first. The dispatcher reads it with the
/// sender, so checking a rolling hour/day/week cap or a campaign's hourly rate never scans the
/// `actions` table. A claim appends; an attempt proven not to have gone out (a transient failure)
/// is removed; anything else that may have reached the provider stays counted.
///
/// Encoding: 8 bytes per record, little-endian: the second (rounded up, so a cap frees no earlier
/// than it should) in the high 32 bits, the campaign's seq in the next 24, the kind's code in the
/// low 8. A week of a busy mailbox (350 records) fits in 3 KB, inside the row's page.
package struct SenderUsageLog: Sendable {
    package struct Entry: Sendable, Hashable {
        package var at: Int64
        package var campaign: Int64
        package var kind: ActionKind

        package init(at: Int64, campaign: Int64, kind: ActionKind) {
            self.at = at
            self.campaign = campaign
            self.kind = kind
        }
    }

    package private(set) var entries: [Entry] = []

    /// How long a record is kept: the longest window a limit can have.
    package static let horizonMillis: Int64 = 7 * 86_400_000

    package init() {}

    package init(_ data: Data?) {
        guard let data else { return }
        entries.reserveCapacity(data.count / 8 + 1)
        data.withUnsafeBytes { raw in
            var offset = 0
            while offset + 8 <= raw.count {
                let packed = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
                if let kind = ActionKind(code: Int(packed & 0xFF)) {
                    entries.append(Entry(at: Int64(packed >> 32) * 1000, campaign: Int64((packed >> 8)) & Self.campaignMask, kind: kind))
                }
                offset += 8
            }
        }
    }

    package var data: Data? {
        guard !entries.isEmpty else { return nil }
        var data = Data(count: entries.count * 8)
        data.withUnsafeMutableBytes { raw in
            for (index, entry) in entries.enumerated() {
                let packed = UInt64(entry.at / 1000) << 32 | UInt64(entry.campaign) << 8 | UInt64(entry.kind.code)
                raw.storeBytes(of: packed.littleEndian, toByteOffset: index * 8, as: UInt64.self)
            }
        }
        return data
    }

    /// Records an action (its time rounded up to the second) and forgets what is older than a week.
    package mutating func append(at: Int64, campaign: Int64, kind: ActionKind) {
        let at = Self.roundedUp(at), campaign = campaign & Self.campaignMask
        if let first = entries.first, first.at <= at - Self.horizonMillis {
            entries.removeAll { $0.at <= at - Self.horizonMillis }
        }
        var index = entries.endIndex
        while index > entries.startIndex, entries[index - 1].at > at { index -= 1 }
        entries.insert(Entry(at: at, campaign: campaign, kind: kind), at: index)
    }

    /// Forgets one record of an action proven not to have gone out.
    package mutating func remove(at: Int64, campaign: Int64, kind: ActionKind) {
        let at = Self.roundedUp(at), campaign = campaign & Self.campaignMask
        if let index = entries.lastIndex(of: Entry(at: at, campaign: campaign, kind: kind)) { entries.remove(at: index) }
    }

    /// Per kind, the times of the last week's actions (grouped by the kind's code: this runs for
    /// every sender the dispatcher visits).
    package func usage(at now: Int64) -> [ActionKind: RollingUsage] {
        var times = [[Date]](repeating: [], count: ActionKind.allCases.count)
        for entry in entries where entry.at > now - Self.horizonMillis {
            times[entry.kind.code].append(StoredTime.date(entry.at))
        }
        var usage: [ActionKind: RollingUsage] = [:]
        for (code, kindTimes) in times.enumerated() where !kindTimes.isEmpty {
            if let kind = ActionKind(code: code) { usage[kind] = RollingUsage(times: kindTimes) }
        }
        return usage
    }

    /// Times of the actions of one campaign since `start` (its hourly message rate).
    package func times(of campaign: Int64, since start: Int64) -> RollingUsage {
        let campaign = campaign & Self.campaignMask
        return RollingUsage(times: entries.filter { $0.campaign == campaign && $0.at > start }.map { StoredTime.date($0.at) })
    }

    /// Campaigns are told apart by the low 24 bits of their seq (16 million campaigns).
    private static let campaignMask: Int64 = 0xFF_FFFF

    private static func roundedUp(_ millis: Int64) -> Int64 { (millis + 999) / 1000 * 1000 }
}
