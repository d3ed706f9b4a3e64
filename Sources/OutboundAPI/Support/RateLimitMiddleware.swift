import Foundation
import HTTPTypes
import Hummingbird
import OutboundCore
import Synchronization

/// A token bucket per API key (or signed-in user), after authentication: a key's own
/// `rate_limit`, else the server's `--rate-limit`/`--rate-burst`. Every answer carries
/// `RateLimit-Limit` (the burst), `RateLimit-Remaining` and `RateLimit-Reset` (seconds until the
/// bucket is full); going over is 429 with `Retry-After`, in the surface's own error shape.
/// Inbox's routes keep Inbox's published limit instead (`InboxRateLimitMiddleware`).
struct RateLimitMiddleware: RouterMiddleware {
    typealias Context = AppContext
    let limiter: RequestLimiter

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let (owner, rate) = context.budget else { return try await next(request, context) }
        let take = limiter.take(owner, rate: rate)
        var response: Response
        if take.admitted {
            response = try await next(request, context)
        } else {
            let problem = Problem(.tooManyRequests, type: "rate-limited", title: "Too Many Requests",
                                  detail: "more than \(rate.perSecond) requests a second (bursts of \(rate.burst)) with this key; retry after \(take.retryAfter) s")
            response = context.dialect?.errorResponse(problem) ?? problem.response
            response.headers[.retryAfter] = String(take.retryAfter)
        }
        response.headers[Self.limit] = String(rate.burst)
        response.headers[Self.remaining] = String(take.remaining)
        response.headers[Self.reset] = String(take.reset)
        return response
    }

    private static let limit = HTTPField.Name("RateLimit-Limit")!
    private static let remaining = HTTPField.Name("RateLimit-Remaining")!
    private static let reset = HTTPField.Name("RateLimit-Reset")!
}

/// The buckets, shared by every route group of a server.
final class RequestLimiter: Sendable {
    private struct Bucket {
        var tokens: Double
        var at: Date
    }

    private let buckets = Mutex<[String: Bucket]>([:])
    /// The server's clock (tests hold it still, so a bucket refills only when they say).
    private let clock: any TimeSource

    init(clock: any TimeSource) {
        self.clock = clock
    }

    /// Spends one token of `owner`'s bucket if there is one.
    func take(_ owner: String, rate: RequestRate) -> (admitted: Bool, remaining: Int, retryAfter: Int, reset: Int) {
        let now = clock.now
        let perSecond = Double(rate.perSecond), burst = Double(rate.burst)
        return buckets.withLock { buckets in
            var bucket = buckets[owner] ?? Bucket(tokens: burst, at: now)
            let seconds = max(0, now.timeIntervalSince(bucket.at))
            bucket.tokens = min(burst, bucket.tokens + seconds * perSecond)
            bucket.at = now
            let admitted = bucket.tokens >= 1
            if admitted { bucket.tokens -= 1 }
            // Owners seen once must not pile up: full buckets carry nothing worth keeping.
            if buckets.count > 10_000 { buckets = buckets.filter { $0.value.tokens < burst } }
            buckets[owner] = bucket
            let retryAfter = admitted ? 0 : max(1, Int(((1 - bucket.tokens) / perSecond).rounded(.up)))
            let reset = Int(((burst - bucket.tokens) / perSecond).rounded(.up))
            return (admitted, Int(bucket.tokens), retryAfter, reset)
        }
    }
}
