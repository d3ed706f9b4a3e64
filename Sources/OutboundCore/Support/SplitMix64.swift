/// SplitMix64: a small, fast, seedable generator (a 64-bit state advanced by the golden gamma,
/// then a finalizer). The project's one source of deterministic choices: template spintax and
/// A/B variants, the simulator's draws, pacing gaps.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    public var state: UInt64

    public init(seed: UInt64) {
        state = seed
    }

    public mutating func next() -> UInt64 {
        defer { state &+= 0x9E37_79B9_7F4A_7C15 }
        return SplitMix64.mix(state)
    }

    /// True with probability `probability` (53 bits of one draw).
    public mutating func chance(_ probability: Double) -> Bool {
        Double(next() >> 11) / Double(1 << 53) < probability
    }

    /// The generator's output for a state (the golden gamma 0x9E37…7C15 added, then the
    /// finalizer): a good 64-bit hash.
    public static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
