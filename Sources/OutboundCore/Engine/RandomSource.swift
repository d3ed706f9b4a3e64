import Foundation
import Synchronization

/// Seeded randomness for pacing gaps (repeatable on a virtual clock); also a generator, so
/// anything shuffled with it comes out the same every run.
public final class RandomSource: Sendable, RandomNumberGenerator {
    private let state: Mutex<UInt64>

    public init(seed: UInt64) {
        state = Mutex(seed)
    }

    public func next() -> UInt64 {
        state.withLock { value in
            value = SplitMix64.mix(value)
            return value
        }
    }

    /// A gap in seconds, uniform between the pacing's bounds.
    public func gap(_ pacing: Pacing) -> TimeInterval {
        let span = max(0, pacing.maxGapSeconds - pacing.minGapSeconds)
        return Double(pacing.minGapSeconds) + (span == 0 ? 0 : Double(next() % UInt64(span + 1)))
    }
}
