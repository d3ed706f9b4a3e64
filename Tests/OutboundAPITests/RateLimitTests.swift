import Foundation
import HTTPTypes
import Testing
import OutboundAPI
import OutboundCore
import OutboundTestSupport

/// Per-key token buckets: a key's own `rate_limit` or the server's, 429 with `Retry-After` and
/// `RateLimit-*` in each surface's error shape.
@Suite struct RateLimitTests {
    static let limit = HTTPField.Name("RateLimit-Limit")!
    static let remaining = HTTPField.Name("RateLimit-Remaining")!

    /// The server's clock stands still here, so no token comes back while the test runs, however slow the machine.
    static func stillHarness() async throws -> Harness {
        try await Harness.make(clock: VirtualClock(Date()))
    }

    @Test func aKeysOwnRateIsSpentAndThenRefused() async throws {
        let harness = try await Self.stillHarness()
        try await harness.run { api in
            let created = try await api.send(.post, "/v1/api-keys", json: #"{"name": "slow", "rate_limit": {"per_second": 1, "burst": 3}}"#)
            #expect(created.status == .created)
            #expect(created["rate_limit"] == .object(["per_second": .number(1), "burst": .number(3)]))
            let slow = try #require(created.string("key"))
            var remaining: [String?] = []
            for _ in 0..<3 {
                let answer = try await api.send(.get, "/v1/workspace", key: slow)
                #expect(answer.status == .ok)
                remaining.append(answer.headers[Self.remaining])
            }
            #expect(remaining == ["2", "1", "0"])
            let refused = try await api.send(.get, "/v1/workspace", key: slow)
            #expect(refused.status == .tooManyRequests)
            #expect(refused.headers[.contentType] == "application/problem+json")
            #expect(refused.string("type")?.hasSuffix("rate-limited") == true)
            #expect(refused.headers[.retryAfter] == "1")
            #expect(refused.headers[Self.limit] == "3")
            // Another key of the same workspace has its own budget.
            #expect(try await api.send(.get, "/v1/workspace").status == .ok)
            let listed = try await api.send(.get, "/v1/api-keys")
            #expect(listed.text.contains(#""rate_limit":null"#), "the first key has the server's rate")
        }
    }

    @Test func keysWithoutTheirOwnRateGetTheServersInEverySurfacesShape() async throws {
        let harness = try await Self.stillHarness()
        try await harness.run(requestRate: RequestRate(perSecond: 1, burst: 2)) { api in
            #expect(try await api.send(.get, "/v1/workspace").status == .ok)
            #expect(try await api.send(.get, "/rest/accounts/\(harness.workspace)/campaigns").status == .ok)
            let refused = try await api.send(.get, "/rest/accounts/\(harness.workspace)/campaigns")
            #expect(refused.status == .tooManyRequests)
            #expect(refused.headers[.contentType] != "application/problem+json", "Alsona's own error body")
            #expect(refused["success"] == .bool(false))
            #expect(refused.headers[.retryAfter] != nil)
            // The health check and the documents need no key and spend none.
            for _ in 0..<5 { #expect(try await api.send(.get, "/healthz", authenticated: false).status == .ok) }
        }
    }

    @Test(arguments: StoreKind.covered) func aRateMustBeCompleteAndWithinBounds(_ store: StoreKind) async throws {
        let harness = try await Harness.make(store)
        try await harness.run { api in
            for (body, field) in [
                (#"{"rate_limit": {"per_second": 0, "burst": 10}}"#, "rate_limit.per_second"),
                (#"{"rate_limit": {"per_second": 10, "burst": 5}}"#, "rate_limit.burst"),
                (#"{"rate_limit": {"per_second": 10}}"#, "rate_limit.burst"),
                (#"{"rate_limit": {"per_second": 10, "burst": 10, "per_minute": 5}}"#, "rate_limit.per_minute"),
            ] {
                let refused = try await api.send(.post, "/v1/api-keys", json: body)
                #expect(refused.status == .unprocessableContent)
                #expect(refused.errorFields == [field], "\(body)")
            }
            #expect(try await api.send(.post, "/v1/api-keys", json: #"{"rate_limit": null}"#).status == .created)
        }
    }
}
