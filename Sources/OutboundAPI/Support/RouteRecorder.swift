import Hummingbird

/// Registers routes on the router and remembers each (method, path), so the OpenAPI test can
/// compare what is really served with what the document says.
/// Paths under `/v1/` go to the authenticated group, the rest to the open router.
final class RouteRecorder {
    let router: Router<AppContext>
    let v1: RouterGroup<AppContext>
    private(set) var routes: [RouteKey] = []

    init(router: Router<AppContext>, v1: RouterGroup<AppContext>) {
        self.router = router
        self.v1 = v1
    }

    func on(
        _ method: HTTPRequest.Method, _ path: String,
        _ handler: @escaping @Sendable (Request, AppContext) async throws -> Response
    ) {
        if path.hasPrefix("/v1/") {
            v1.on(RouterPath(String(path.dropFirst(4))), method: method, use: handler)
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
