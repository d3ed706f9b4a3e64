import Hummingbird

/// The first middleware of every route group under a vendor's prefix: marks the request as the
/// vendor's (bodies are then read as leniently as the vendor does) and answers any error in the
/// vendor's error shape.
struct DialectMiddleware: RouterMiddleware {
    typealias Context = AppContext
    let dialect: Dialect

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.dialect = dialect
        do {
            return try await next(request, context)
        } catch {
            return dialect.errorResponse(Problem(error, of: request, context: context))
        }
    }
}
