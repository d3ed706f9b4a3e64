import Foundation
import Synchronization

/// A public identifier: `{prefix}_{20 lowercase hex}`, e.g. `campaign_6a13e661ecc6a86e3fb7`.
///
/// New IDs are 11 hex digits of the millisecond they were made, then 9 of a per-process counter
/// that starts at a random value: unique by construction, and each sorts after the ones made
/// before it, so storing one appends to its index instead of landing on a random page (a
/// million actions or contacts write a few hundred index pages, not a million). The store still
/// guards uniqueness with a unique index and reports a collision as a conflict.
public struct ID: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let rawValue: String

    /// What kind of resource an ID names; the raw value is the ID's prefix.
    public enum Kind: String, Sendable, CaseIterable {
        case workspace
        case key
        case sender = "seat"
        case campaign
        case contact
        case list
        case suppression
        case importJob = "import"
        case action
        case user
        case webhookEndpoint = "webhook"
        case webhookAttempt = "attempt"
        case session
    }

    /// Wraps a string already known to be an ID (read back from storage).
    public init(trusted rawValue: String) {
        self.rawValue = rawValue
    }

    /// Parses `raw` as an ID of `kind`; nil when the prefix or the hex part is wrong.
    public init?(_ raw: String, kind: Kind) {
        let prefix = kind.rawValue + "_"
        guard raw.hasPrefix(prefix) else { return nil }
        let hex = raw.utf8.dropFirst(prefix.utf8.count)
        guard hex.count == 20, hex.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }) else {
            return nil
        }
        self.rawValue = raw
    }

    /// A new ID of `kind`, ordered after every ID this process made before.
    public static func generate(_ kind: Kind) -> ID {
        let millis = UInt64(max(0, Date().timeIntervalSince1970 * 1000)) & 0xFFF_FFFF_FFFF
        let count = counter.add(1, ordering: .relaxed).oldValue & 0xF_FFFF_FFFF
        return ID(kind, hex: [(millis, 11), (count, 9)])
    }

    private static let counter = Atomic<UInt64>(UInt64.random(in: 0..<(1 << 35)))

    /// `kind`'s prefix, then for each part the low `digits` hex digits of its value, most significant first.
    private init(_ kind: Kind, hex parts: [(value: UInt64, digits: Int)]) {
        let alphabet = Array("0123456789abcdef".utf8)
        var bytes: [UInt8] = []
        for (value, digits) in parts {
            for shift in stride(from: (digits - 1) * 4, through: 0, by: -4) {
                bytes.append(alphabet[Int((value >> UInt64(shift)) & 0xF)])
            }
        }
        rawValue = kind.rawValue + "_" + String(decoding: bytes, as: UTF8.self)
    }

    /// A new ID of `kind` drawn from `generator` (seeded generators make tests repeatable).
    public static func generate(_ kind: Kind, using generator: inout some RandomNumberGenerator) -> ID {
        let digits = Array("0123456789abcdef".utf8)
        // 80 random bits from two draws (each draw of the system generator is a syscall).
        var high = generator.next(), low = generator.next()
        var bytes = [UInt8](repeating: 0, count: 20)
        for index in 0..<16 {
            bytes[index] = digits[Int(high & 0xF)]
            high >>= 4
        }
        for index in 16..<20 {
            bytes[index] = digits[Int(low & 0xF)]
            low >>= 4
        }
        return ID(trusted: kind.rawValue + "_" + String(decoding: bytes, as: UTF8.self))
    }

    public var description: String { rawValue }

    public static func < (lhs: ID, rhs: ID) -> Bool { lhs.rawValue < rhs.rawValue }
}
