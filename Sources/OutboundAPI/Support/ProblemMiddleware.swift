import Hummingbird
import Logging

/// Turns every error thrown below it into one problem+json response (the only place errors
/// are mapped for the native API), and logs the unexpected ones. A vendor's routes map their
/// own errors (`DialectMiddleware`); what reaches here under a vendor's prefix matched no route,
/// so the prefix alone says whose error shape the 404 or 405 takes.
struct ProblemMiddleware: RouterMiddleware {
    typealias Context = AppContext
    /// Every served route, filled once the router is built (to tell 405 from 404).
    let routes: RouteIndex

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let problem = Problem(error, of: request, context: context)
            // A vendor's path gets the vendor's error shape, whatever went wrong.
            let dialect = Dialect.owning(request.uri.path)
            if problem.type == "route-not-found" {
                let allowed = routes.methods(for: request.uri.path)
                if !allowed.isEmpty {
                    let notAllowed = Problem(APIError.methodNotAllowed)
                    if let dialect { return dialect.errorResponse(notAllowed, allow: allowed) }
                    var response = notAllowed.response
                    response.headers[.allow] = allowed.joined(separator: ", ")
                    return response
                }
                let notFound = Problem(APIError.routeNotFound(request.uri.path))
                return dialect?.errorResponse(notFound) ?? notFound.response
            }
            return dialect?.errorResponse(problem) ?? problem.response
        }
    }
}

/// The served routes, to answer 405 with `Allow` when a path exists under other methods.
final class RouteIndex: Sendable {
    private let routes = Mutex<[RouteKey]>([])

    func set(_ keys: [RouteKey]) {
        routes.withLock { $0 = keys }
    }

    /// Methods served at `path` (`{name}` segments match any one segment).
    func methods(for path: String) -> [String] {
        let segments = path.split(separator: "/", omittingEmptySubsequences: true)
        return routes.withLock { keys in
            keys.filter { key in
                let pattern = key.path.split(separator: "/", omittingEmptySubsequences: true)
                return pattern.count == segments.count
                    && zip(pattern, segments).allSatisfy { $0.first == "{" || $0 == $1 }
            }.map(\.method)
        }.sorted()
    }
}

import Synchronization
