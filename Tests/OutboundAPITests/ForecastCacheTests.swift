import Foundation
import Synchronization
import Testing
@testable import OutboundAPI
import OutboundCore

/// The campaign page's forecast cache: a slow forecast is waited for a moment once, then shown
/// when done; a new version of the campaign is worked out again.
@Suite struct ForecastCacheTests {
    @Test func aSlowForecastIsPendingThenReadyAndANewVersionIsWorkedOutAgain() async throws {
        let cache = ForecastCache(freshFor: .seconds(60), patience: .milliseconds(50))
        let now = Date(timeIntervalSince1970: 1_796_083_200)
        var campaign = Campaign(id: .generate(.campaign), workspaceID: .generate(.workspace), name: "Slow", channel: .email,
                                createdAt: now, updatedAt: now)
        let computed = Mutex(0)
        // The forecast finishes only when the test says so: nothing here depends on timing.
        let (gate, open) = AsyncStream.makeStream(of: Void.self)
        let slow: @Sendable () async -> ForecastService.Forecast? = {
            computed.withLock { $0 += 1 }
            for await _ in gate { break }
            return nil
        }
        #expect(Self.isPending(await cache.forecast(of: campaign, compute: slow)), "the first view waits a moment, not for the forecast")
        #expect(Self.isPending(await cache.forecast(of: campaign, compute: slow)), "a second view does not start it again")
        open.yield()
        var answer = await cache.forecast(of: campaign, compute: slow)
        for _ in 0..<500 where Self.isPending(answer) {
            try await Task.sleep(for: .milliseconds(10))
            answer = await cache.forecast(of: campaign, compute: slow)
        }
        #expect(!Self.isPending(answer), "done: shown (here: it could not be worked out)")
        #expect(computed.withLock { $0 } == 1, "worked out once")

        campaign.updatedAt = now.addingTimeInterval(1)
        let other: @Sendable () async -> ForecastService.Forecast? = {
            computed.withLock { $0 += 1 }
            try? await Task.sleep(for: .seconds(30))
            return nil
        }
        #expect(Self.isPending(await cache.forecast(of: campaign, compute: other)), "another version of the campaign: worked out anew")
        for _ in 0..<500 where computed.withLock({ $0 }) < 2 { try await Task.sleep(for: .milliseconds(10)) }
        #expect(computed.withLock { $0 } == 2)
    }

    private static func isPending(_ answer: ForecastCache.Answer) -> Bool {
        if case .pending = answer { return true }
        return false
    }
}
