import Foundation
import Hummingbird
import OutboundCore

/// `GET /v1/workspace` and the API key routes.
struct WorkspaceRoutes {
    let workspaces: WorkspaceService

    func register(on routes: RouteRecorder) {
        routes.on(.get, "/v1/workspace") { _, context in
            let workspace = try await workspaces.workspace(context.workspace())
            return WorkspaceBody(workspace)
        }
        routes.on(.patch, "/v1/workspace") { request, context in
            var request = request
            let body = try await request.jsonBody(context: context)
            let name = body.string("name"), region = body.string("default_phone_region"), quota = body.int("daily_quota")
            body.ignoring(BodyReader.readOnlyMembers)
            try body.finish()
            let workspace = try await workspaces.update(context.workspace(), name: name, defaultPhoneRegion: region, dailyQuota: quota)
            return WorkspaceBody(workspace)
        }
        routes.on(.post, "/v1/api-keys") { request, context in
            var request = request
            let workspace = try context.workspace()
            var name: String?
            var rate: RequestRate?
            if request.headers[.contentLength] != "0" {
                let body = try await request.jsonBody(context: context)
                name = body.string("name").value
                if case .value(let limit) = body.object("rate_limit") {
                    // Both or neither: a rate without its burst is not understood.
                    let perSecond = limit.int("per_second"), burst = limit.int("burst")
                    if perSecond.isAbsent { limit.addIssue("per_second", "is required") }
                    if burst.isAbsent { limit.addIssue("burst", "is required") }
                    if let perSecond = perSecond.value, let burst = burst.value { rate = RequestRate(perSecond: perSecond, burst: burst) }
                }
                try body.finish()
            }
            let issued = try await workspaces.createKey(name: name, rateLimit: rate, in: workspace)
            return EditedResponse(status: .created, response: ApiKeyBody(issued.key, secret: issued.secret))
        }
        routes.on(.get, "/v1/api-keys", query: PageRequest.queryNames) { request, context in
            let page = try await workspaces.keys(in: context.workspace(), page: request.pageRequest(kind: .key))
            return try JSONResponse.make(ListBody(page, id: \.id) { ApiKeyBody($0, secret: nil) })
        }
        routes.on(.delete, "/v1/api-keys/{id}") { _, context in
            let id = try context.parameters.id(kind: .key, resource: "api_key")
            let key = try await workspaces.revokeKey(id, in: context.workspace())
            return ApiKeyBody(key, secret: nil)
        }
    }
}

struct WorkspaceBody: ResponseEncodable, Sendable {
    var id: String
    var object = "workspace"
    var name: String
    var defaultPhoneRegion: String
    @Nullable var dailyQuota: Int?
    var createdAt: Date
    var updatedAt: Date

    init(_ workspace: Workspace) {
        id = workspace.id.rawValue
        name = workspace.name
        defaultPhoneRegion = workspace.defaultPhoneRegion
        dailyQuota = workspace.dailyQuota
        createdAt = workspace.createdAt
        updatedAt = workspace.updatedAt
    }
}

/// A key as listed; `key` (the secret) is present only in the answer that created it.
struct ApiKeyBody: ResponseEncodable, Sendable {
    var id: String
    var object = "api_key"
    var name: String
    var prefix: String
    var key: String?
    var createdAt: Date
    @Nullable var revokedAt: Date?
    /// The key's own rate; null means the server's default.
    @Nullable var rateLimit: RateBody?

    struct RateBody: Encodable, Sendable {
        var perSecond: Int
        var burst: Int
    }

    init(_ apiKey: ApiKey, secret: String?) {
        id = apiKey.id.rawValue
        name = apiKey.name
        prefix = apiKey.prefix
        key = secret
        createdAt = apiKey.createdAt
        revokedAt = apiKey.revokedAt
        rateLimit = apiKey.rateLimit.map { RateBody(perSecond: $0.perSecond, burst: $0.burst) }
    }
}
