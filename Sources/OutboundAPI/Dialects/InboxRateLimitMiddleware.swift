import Foundation
import HTTPTypes
import Hummingbird
import OutboundCore
import Synchronization

/// Inbox's published limit, 300 requests a minute, counted per API key over a sliding minute;
/// every Inbox answer carries `X-RateLimit-*`, and going over is 429 `RATE_LIMITED`. Attached to
/// Inbox's route groups (one value shared by them, so both count the same keys).
struct InboxRateLimitMiddleware: RouterMiddleware {
    typealias Context = AppContext
    static let limit = 300
    private final class Windows: Sendable { let times = Mutex<[String: [Date]]>([:]) }
    private let windows = Windows()

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let key = AuthMiddleware.presentedKey(request.headers) ?? "anonymous"
        let now = Date()
        let (admitted, remaining, reset) = windows.times.withLock { windows -> (Bool, Int, Date) in
            var times = (windows[key] ?? []).filter { now.timeIntervalSince($0) < 60 }
            let admitted = times.count < Self.limit
            if admitted { times.append(now) }
            windows[key] = times
            // Keys seen once (or made up) must not pile up.
            if windows.count > 10_000 { windows = windows.filter { $0.value.contains { now.timeIntervalSince($0) < 60 } } }
            return (admitted, Self.limit - times.count, (times.first ?? now).addingTimeInterval(60))
        }
        var response: Response
        if admitted {
            response = try await next(request, context)
        } else {
            response = Dialect.inbox.errorResponse(Problem(.tooManyRequests, type: "rate-limited", title: "Too Many Requests",
                                                           detail: "Rate limit exceeded. Try again in 60 seconds."))
            response.headers[.retryAfter] = "60"
        }
        response.headers[HTTPField.Name("X-RateLimit-Limit")!] = String(Self.limit)
        response.headers[HTTPField.Name("X-RateLimit-Remaining")!] = String(max(0, remaining))
        response.headers[HTTPField.Name("X-RateLimit-Reset")!] = String(Int(reset.timeIntervalSince1970))
        return response
    }
}
