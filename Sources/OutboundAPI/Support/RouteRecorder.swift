import Hummingbird

/// Registers routes on the router and remembers each (method, path), so the OpenAPI test can
/// compare what is really served with what the document says.
/// Paths under `/v1/` go to the authenticated group, the rest to the open router; a dialect's
/// routes go to the groups of its prefixes (`DialectGroups`).
final class RouteRecorder {
    let router: Router<AppContext>
    let v1: RouterGroup<AppContext>
    /// Each dialect's route groups, one pair per prefix.
    let dialects: [Dialect: [DialectGroups]]
    private(set) var routes: [RouteKey] = []
    /// Dialect routes by dialect, under its first prefix (each is also served under the others).
    private(set) var dialectRoutes: [Dialect: [RouteKey]] = [:]

    init(router: Router<AppContext>, v1: RouterGroup<AppContext>, dialects: [Dialect: [DialectGroups]]) {
        self.router = router
        self.v1 = v1
        self.dialects = dialects
    }

    /// Each dialect's OpenAPI document (`/puffle/openapi.json`, `/rest/openapi.json`).
    private(set) var documents: [Dialect: RouteKey] = [:]

    func document(_ dialect: Dialect, _ path: String, _ handler: @escaping @Sendable (Request, AppContext) async throws -> Response) {
        router.on(RouterPath(path), method: .get, use: handler)
        documents[dialect] = RouteKey(method: "GET", path: path)
    }

    /// Every route served, native and dialect, under every prefix (to tell 405 from 404).
    var allRoutes: [RouteKey] {
        routes + documents.values + dialectRoutes.flatMap { dialect, keys in
            dialect.prefixes.flatMap { prefix in
                keys.map { RouteKey(method: $0.method, path: prefix + $0.path.dropFirst(dialect.prefixes[0].count)) }
            }
        }
    }

    /// A dialect route: `path` starts with the dialect's first prefix; it is served under each
    /// of its prefixes, behind the API-key check unless `open`.
    func on(
        _ dialect: Dialect, _ method: HTTPRequest.Method, _ path: String, open: Bool = false,
        _ handler: @escaping @Sendable (Request, AppContext) async throws -> Response
    ) {
        let suffix = String(path.dropFirst(dialect.prefixes[0].count + 1))
        for groups in dialects[dialect] ?? [] {
            (open ? groups.open : groups.authenticated).on(RouterPath(suffix), method: method, use: handler)
        }
        dialectRoutes[dialect, default: []].append(RouteKey(method: method.rawValue, path: path))
    }

    /// A route; under `/v1/` a query parameter not in `query` is a 400 naming it, so a filter
    /// spelt wrong (`?stat=active`) is never silently ignored.
    func on(
        _ method: HTTPRequest.Method, _ path: String, query: Set<String> = [],
        _ handler: @escaping @Sendable (Request, AppContext) async throws -> Response
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
        routes.append(RouteKey(method: method.rawValue, path: path))
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
