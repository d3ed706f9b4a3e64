import Foundation
import HTTPTypes
import Hummingbird
import Logging

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
        var context = context
        context.logger[metadataKey: "request_id"] = .string(id)
        do {
            var response = try await next(request, context)
            response.headers[Self.header] = id
            log(request, context, status: response.status.code, since: started)
            return response
        } catch {
            // Errors become answers inside (ProblemMiddleware); one that escapes is the server's own.
            log(request, context, status: (error as? any HTTPResponseError)?.status.code ?? 500, since: started)
            throw error
        }
    }

    private func log(_ request: Request, _ context: Context, status: Int, since started: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - started
        let milliseconds = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        context.logger.info("request", metadata: [
            "method": .string(request.method.rawValue),
            "route": .string(context.endpointPath ?? "NotFound"),
            "status": .stringConvertible(status),
            "duration_ms": .string(String(format: "%.2f", milliseconds)),
        ])
    }

    /// The client's request ID when it is 1–128 visible ASCII characters, else a new one.
    static func requestID(_ given: String?) -> String {
        if let given, (1...128).contains(given.utf8.count), given.utf8.allSatisfy({ $0 > 32 && $0 < 127 }) { return given }
        var generator = SystemRandomNumberGenerator()
        return "req_" + (0..<16).map { _ in String(format: "%02x", generator.next() as UInt8) }.joined()
    }
}
