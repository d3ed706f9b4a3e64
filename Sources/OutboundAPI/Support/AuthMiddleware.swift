import Foundation
import HTTPTypes
import Hummingbird
import OutboundChannels
import OutboundCore

/// Resolves `Authorization: Bearer <key>` or `X-API-KEY: <key>` to a workspace; 401 otherwise.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = AppContext
    let workspaces: WorkspaceService
    /// Login tokens (JWT) accepted besides API keys: given only to the Tether dialect's routes.
    var loginTokens: LoginTokens?
    /// Learns Outbound's address from authenticated requests only: an anonymous request with a
    /// forged `Host` must not change the links in the emails that go out.
    var publicURL: PublicURL?
    /// Where this server's keys live, named in the 401 for an unknown key (a key made by the CLI
    /// against another database file is the usual cause).
    let database: String
    /// The request rate of a key without its own, and of a signed-in user.
    var standardRate: RequestRate = .standard

    init(workspaces: WorkspaceService, database: String, loginTokens: LoginTokens? = nil, publicURL: PublicURL? = nil,
         standardRate: RequestRate = .standard) {
        self.workspaces = workspaces
        self.database = database
        self.standardRate = standardRate
        self.loginTokens = loginTokens
        self.publicURL = publicURL
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let secret = AuthMiddleware.presentedKey(request.headers) else {
            throw APIError.unauthorized("send an API key as Authorization: Bearer <key> or X-API-KEY: <key>")
        }
        if let loginTokens, !secret.hasPrefix("ob_") {
            guard let (user, workspace) = await loginTokens.verify(secret) else { throw APIError.unauthorized("Invalid or expired token") }
            var context = context
            context.workspaceID = workspace
            context.userID = user
            context.budget = (user.rawValue, standardRate)
            return try await EventActor.$current.withValue(EventActor.user(user)) { try await next(request, context) }
        }
        guard let key = try await workspaces.authenticate(secret: secret) else {
            throw APIError.unauthorized("the API key is unknown or revoked in this server's database (\(database))")
        }
        if let publicURL, !publicURL.isConfigured, let host = request.head.authority {
            publicURL.learn(scheme: ChannelRoutes.scheme(request), host: host)
        }
        var context = context
        context.workspaceID = key.workspaceID
        context.budget = (key.id.rawValue, key.rateLimit ?? standardRate)
        // Events this request causes name the key (its public prefix, never the secret).
        return try await EventActor.$current.withValue(EventActor.key(prefix: key.prefix)) { try await next(request, context) }
    }

    /// The key of `Authorization: Bearer …` (the scheme in any case, as RFC 7235 §2.1 has it;
    /// HummingbirdAuth's `bearer` accepts only `Bearer`) or of `X-API-KEY`.
    static func presentedKey(_ headers: HTTPFields) -> String? {
        if let value = headers[.authorization] {
            // `Bearer ob_…` as clients send it: no splitting, no case folding (every request).
            if value.hasPrefix("Bearer "), !value.hasSuffix(" "), value.utf8.dropFirst(7).first != UInt8(ascii: " ") {
                return String(value.dropFirst(7))
            }
            let parts = value.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "bearer" {
                return parts[1].trimmingCharacters(in: .whitespaces)
            }
        }
        if let value = headers[apiKeyHeader] {
            return value.trimmingCharacters(in: .whitespaces)
        }
        return nil
    }

    private static let apiKeyHeader = HTTPField.Name("X-API-KEY")!

    /// The password of `Authorization: Basic …` (any user name), the scheme in any case.
    static func basicPassword(_ headers: HTTPFields) -> String? {
        guard let value = headers[.authorization], value.lowercased().hasPrefix("basic "),
              let decoded = Data(base64Encoded: String(value.dropFirst(6)).trimmingCharacters(in: .whitespaces)),
              let text = String(data: decoded, encoding: .utf8), let colon = text.firstIndex(of: ":")
        else { return nil }
        return String(text[text.index(after: colon)...])
    }
}
