import Hummingbird
import OutboundCore

/// The request context of every route: Hummingbird's core storage plus who is calling.
public struct AppContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set by `AuthMiddleware` from a valid API key.
    public var workspaceID: ID?
    /// Set when a user's login token (not an API key) authenticated the request.
    public var userID: ID?
    /// Set by a dialect's group middleware on the vendor's routes; nil on the native API.
    var dialect: Dialect?
    /// Whose request budget this request spends (an API key's or a signed-in user's ID) and at
    /// what rate: set by `AuthMiddleware`, spent by `RateLimitMiddleware`.
    var budget: (owner: String, rate: RequestRate)?

    public init(source: Source) {
        coreContext = .init(source: source)
        workspaceID = nil
        userID = nil
        dialect = nil
        budget = nil
    }

    /// Writes every DTO a route returns (see `APIResponseEncoder`).
    public var responseEncoder: APIResponseEncoder { APIResponseEncoder() }

    /// Up to 16 MiB per request body (a bulk upsert of 10,000 contacts fits).
    public var maxUploadSize: Int { 16 * 1024 * 1024 }

    /// The authenticated workspace; 401 when a route is reached without one.
    func workspace() throws -> ID {
        guard let workspaceID else { throw APIError.unauthorized("send an API key as Authorization: Bearer <key> or X-API-KEY") }
        return workspaceID
    }
}
