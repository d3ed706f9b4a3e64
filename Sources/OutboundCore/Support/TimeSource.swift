import Foundation
import Synchronization

/// Where the current instant comes from: the wall clock in the server, a virtual clock in
/// tests, the simulator and benchmarks.
public protocol TimeSource: Sendable {
    var now: Date { get }
}

/// The system's wall clock, truncated to whole milliseconds (what the API and storage keep).
public struct WallClock: TimeSource {
    public init() {}

    public var now: Date {
        Date(timeIntervalSince1970: (Date().timeIntervalSince1970 * 1000).rounded(.down) / 1000)
    }
}

/// A clock that only moves when told to.
public final class VirtualClock: TimeSource {
    private let current: Mutex<Date>

    public init(_ start: Date) {
        current = Mutex(start)
    }

    public var now: Date { current.withLock { $0 } }

    public func advance(by seconds: TimeInterval) {
        current.withLock { $0 = $0.addingTimeInterval(seconds) }
    }

    public func set(_ instant: Date) {
        current.withLock { $0 = instant }
    }
}
