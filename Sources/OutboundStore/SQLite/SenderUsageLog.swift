import Foundation
import OutboundCore

/// A sender's usage log, kept on its row (`senders.recent`): one record per action it took in
/// the last week that counts against its limits, oldest first. The dispatcher reads it with the
/// sender, so checking a rolling hour/day/week cap or a campaign's hourly rate never scans the
/// `actions` table. A claim appends; an attempt proven not to have gone out (a transient failure)
/// is removed; anything else that may have reached the provider stays counted.
///
/// Encoding: 16 bytes per record, little-endian: the time in ms, then the campaign's seq shifted
/// left 8 bits with the kind's code in the low byte.
struct SenderUsageLog: Sendable {
    struct Entry: Sendable, Hashable {
        var at: Int64
        var campaign: Int64
        var kind: ActionKind
    }

    private(set) var entries: [Entry] = []

    /// How long a record is kept: the longest window a limit can have.
    static let horizonMillis: Int64 = 7 * 86_400_000

    init() {}

    init(_ data: Data?) {
        guard let data else { return }
        entries.reserveCapacity(data.count / 16 + 1)
        data.withUnsafeBytes { raw in
            var offset = 0
            while offset + 16 <= raw.count {
                let at = Int64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: Int64.self))
                let packed = Int64(littleEndian: raw.loadUnaligned(fromByteOffset: offset + 8, as: Int64.self))
                if let kind = Self.kind(code: Int(packed & 0xFF)) { entries.append(Entry(at: at, campaign: packed >> 8, kind: kind)) }
                offset += 16
            }
        }
    }

    var data: Data? {
        guard !entries.isEmpty else { return nil }
        var data = Data(count: entries.count * 16)
        data.withUnsafeMutableBytes { raw in
            for (index, entry) in entries.enumerated() {
                raw.storeBytes(of: entry.at.littleEndian, toByteOffset: index * 16, as: Int64.self)
                raw.storeBytes(of: (entry.campaign << 8 | Int64(Self.code(entry.kind))).littleEndian, toByteOffset: index * 16 + 8, as: Int64.self)
            }
        }
        return data
    }

    /// Records an action and forgets what is older than a week.
    mutating func append(at: Int64, campaign: Int64, kind: ActionKind) {
        if let first = entries.first, first.at <= at - Self.horizonMillis {
            entries.removeAll { $0.at <= at - Self.horizonMillis }
        }
        var index = entries.endIndex
        while index > entries.startIndex, entries[index - 1].at > at { index -= 1 }
        entries.insert(Entry(at: at, campaign: campaign, kind: kind), at: index)
    }

    /// Forgets one record of an action proven not to have gone out.
    mutating func remove(at: Int64, campaign: Int64, kind: ActionKind) {
        if let index = entries.lastIndex(of: Entry(at: at, campaign: campaign, kind: kind)) { entries.remove(at: index) }
    }

    /// Per kind, the times of the last week's actions.
    func usage(at now: Int64) -> [ActionKind: RollingUsage] {
        var times: [ActionKind: [Date]] = [:]
        for entry in entries where entry.at > now - Self.horizonMillis {
            times[entry.kind, default: []].append(SQLiteStore.date(entry.at))
        }
        return times.mapValues(RollingUsage.init)
    }

    /// Times of the actions of one campaign since `start` (its hourly message rate).
    func times(of campaign: Int64, since start: Int64) -> RollingUsage {
        RollingUsage(times: entries.filter { $0.campaign == campaign && $0.at > start }.map { SQLiteStore.date($0.at) })
    }

    private static let codes: [ActionKind] = [.connectionRequest, .message, .inmail, .profileVisit, .follow, .likePost, .email, .sms]

    private static func code(_ kind: ActionKind) -> Int { codes.firstIndex(of: kind)! }

    private static func kind(code: Int) -> ActionKind? { code < codes.count ? codes[code] : nil }
}
