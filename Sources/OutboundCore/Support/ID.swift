/// A public identifier: `{prefix}_{20 lowercase hex}`, e.g. `campaign_6a13e661ecc6a86e3fb7`.
///
/// IDs are random (80 bits), so they are unique by construction; the store still guards
/// uniqueness with a unique index and reports a collision as a conflict.
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

    /// A new random ID of `kind`.
    public static func generate(_ kind: Kind) -> ID {
        var generator = SystemRandomNumberGenerator()
        return generate(kind, using: &generator)
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
