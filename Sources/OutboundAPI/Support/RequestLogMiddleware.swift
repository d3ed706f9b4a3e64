import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Synchronization

/// One structured log line per request — method, route pattern, status, duration, request ID —
/// and `X-Request-Id` on every answer: the client's own when it sent a usable one, else a new
/// one. The line names the route's pattern (`/v1/campaigns/{id}`), never the path, query, headers
/// or body, so no key, password or personal data reaches the log (docs/ARCHITECTURE.md §3).
struct RequestLogMiddleware: RouterMiddleware {
    typealias Context = AppContext
    static let header = HTTPField.Name("X-Request-Id")!

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        let id = Self.requestID(request.headers[Self.header])
        do {
            var response = try await next(request, context)
            response.headers[Self.header] = id
            log(request, context, status: response.status.code, since: started, id: id)
            return response
        } catch {
            // Errors become answers inside (ProblemMiddleware); one that escapes is the server's own.
            log(request, context, status: (error as? any HTTPResponseError)?.status.code ?? 500, since: started, id: id)
            throw error
        }
    }

    private func log(_ request: Request, _ context: Context, status: Int, since started: ContinuousClock.Instant, id: String) {
        let elapsed = ContinuousClock.now - started
        let milliseconds = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        context.logger.info("request", metadata: [
            "method": .string(request.method.rawValue),
            "route": .string(context.endpointPath ?? "NotFound"),
            "status": .stringConvertible(status),
            "duration_ms": .string(String(format: "%.2f", milliseconds)),
            "request_id": .string(id),
        ])
    }

    /// The client's request ID when it is 1–128 visible ASCII characters, else a new one: this
    /// process's random prefix and a counter (unique, and cheap: it is made for every request).
    static func requestID(_ given: String?) -> String {
        if let given, (1...128).contains(given.utf8.count), given.utf8.allSatisfy({ $0 > 32 && $0 < 127 }) { return given }
        let count = counter.withLock { value -> UInt64 in
            value &+= 1
            return value
        }
        return "req_" + prefix + hex(count)
    }

    private static let prefix = hex(UInt64.random(in: .min ... .max))
    private static let counter = Mutex<UInt64>(0)

    /// 16 lower-case hex digits.
    private static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
