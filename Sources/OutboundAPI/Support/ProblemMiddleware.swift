import Hummingbird
import Logging

/// Turns every error thrown below it into one problem+json response (the only place errors
/// are mapped for the native API), and logs the unexpected ones.
struct ProblemMiddleware: RouterMiddleware {
    typealias Context = AppContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let problem = Problem(error)
            if problem.status == .internalServerError {
                context.logger.error("unhandled error", metadata: ["error": "\(String(reflecting: error))", "path": "\(request.uri.path)"])
            }
            if problem.type == "route-not-found" { return Problem(APIError.routeNotFound(request.uri.path)).response }
            return problem.response
        }
    }
}
