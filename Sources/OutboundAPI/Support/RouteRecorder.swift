import Hummingbird

/// Registers routes where they belong: paths under `/v1/` on the authenticated group (refusing
/// query parameters the route does not read), a dialect's routes on the groups of each of its
/// prefixes (`DialectGroups`), the rest on the open router. What is served is the router's own
/// list (`Router.routes`).
final class RouteRecorder {
    let router: Router<AppContext>
    let v1: RouterGroup<AppContext>
    /// Each dialect's route groups, one pair per prefix.
    let dialects: [Dialect: [DialectGroups]]

    init(router: Router<AppContext>, v1: RouterGroup<AppContext>, dialects: [Dialect: [DialectGroups]]) {
        self.router = router
        self.v1 = v1
        self.dialects = dialects
    }

    /// Every route the router serves, under every prefix (to tell 405 from 404).
    var served: [RouteKey] {
        router.routes.map { RouteKey(method: $0.method.rawValue, path: $0.path.description) }
    }

    /// The routes served for `dialect`, under its first prefix (what its OpenAPI document lists).
    func routes(of dialect: Dialect) -> [RouteKey] {
        served.filter { $0.path.hasPrefix(dialect.prefixes[0] + "/") }
    }

    /// The native API's routes: everything but the dialects' (their documents included) and the
    /// web app's pages and assets (HTML for browsers, not API: `WebRoutes`).
    var native: [RouteKey] {
        served.filter { key in
            Dialect.owning(key.path) == nil && !Dialect.allCases.contains { $0.documentPath == key.path } && !Self.isWebApp(key.path)
        }
    }

    static func isWebApp(_ path: String) -> Bool {
        path == "/app" || path.hasPrefix("/app/") || path.hasPrefix("/assets/")
    }

    /// A dialect route: `path` starts with the dialect's first prefix; it is served under each
    /// of its prefixes, behind the API-key check unless `open`.
    func on<Output: ResponseGenerator>(
        _ dialect: Dialect, _ method: HTTPRequest.Method, _ path: String, open: Bool = false,
        _ handler: @escaping @Sendable (Request, AppContext) async throws -> Output
    ) {
        let suffix = String(path.dropFirst(dialect.prefixes[0].count + 1))
        for groups in dialects[dialect] ?? [] {
            (open ? groups.open : groups.authenticated).on(RouterPath(suffix), method: method, use: handler)
        }
    }

    /// A route; under `/v1/` a query parameter not in `query` is a 400 naming it, so a filter
    /// spelt wrong (`?stat=active`) is never silently ignored.
    func on<Output: ResponseGenerator>(
        _ method: HTTPRequest.Method, _ path: String, query: Set<String> = [],
        _ handler: @escaping @Sendable (Request, AppContext) async throws -> Output
    ) {
        if path.hasPrefix("/v1/") {
            v1.on(RouterPath(String(path.dropFirst(4))), method: method) { request, context in
                for (name, _) in request.uri.queryParameters where !query.contains(String(name)) {
                    let meant = FieldNames.closest(to: String(name), among: query).map { "; did you mean \($0)?" } ?? ""
                    let accepted = query.isEmpty ? "this route takes none" : "this route takes \(query.sorted().joined(separator: ", "))"
                    throw APIError.badQuery(field: String(name), message: "unknown query parameter\(meant) (\(accepted))")
                }
                return try await handler(request, context)
            }
        } else {
            router.on(RouterPath(path), method: method, use: handler)
        }
    }
}

/// One served route: `POST /v1/campaigns`.
public struct RouteKey: Hashable, Sendable, CustomStringConvertible, Comparable {
    public var method: String
    public var path: String

    public init(method: String, path: String) {
        self.method = method
        self.path = path
    }

    public var description: String { "\(method) \(path)" }

    public static func < (lhs: RouteKey, rhs: RouteKey) -> Bool { (lhs.path, lhs.method) < (rhs.path, rhs.method) }
}

/// The route groups of one vendor prefix: every route's errors take the vendor's shape
/// (`DialectMiddleware`); the authenticated group also checks the key (and, for Tether, login tokens).
struct DialectGroups {
    let open: RouterGroup<AppContext>
    let authenticated: RouterGroup<AppContext>
}
