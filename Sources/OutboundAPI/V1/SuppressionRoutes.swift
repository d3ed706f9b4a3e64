import Foundation
import Hummingbird
import OutboundCore

/// `/v1/suppressions`: the do-not-contact list.
struct SuppressionRoutes {
    let suppressions: SuppressionService

    func register(on routes: RouteRecorder) {
        routes.on(.post, "/v1/suppressions") { request, context in
            var request = request
            let body = try await request.jsonBody(context: context)
            let kind = body.string("kind"), value = body.string("value"), reason = body.string("reason")
            try body.finish()
            let entry = try await suppressions.add(kind: kind, value: value, reason: reason, in: context.workspace())
            return EditedResponse(status: .created, response: SuppressionBody(entry))
        }
        routes.on(.get, "/v1/suppressions", query: PageRequest.queryNames) { request, context in
            let page = try await suppressions.list(in: context.workspace(), page: request.pageRequest(kind: .suppression))
            return ListBody(page, id: \.id, map: SuppressionBody.init)
        }
        routes.on(.delete, "/v1/suppressions/{id}") { _, context in
            let id = try context.parameters.id(kind: .suppression, resource: "suppression")
            try await suppressions.delete(id, in: context.workspace())
            return Response(status: .noContent)
        }
    }
}

struct SuppressionBody: ResponseEncodable, Sendable {
    var id: String
    var object = "suppression"
    var kind: String
    var value: String
    @Nullable var reason: String?
    var createdAt: Date

    init(_ suppression: Suppression) {
        id = suppression.id.rawValue
        kind = suppression.kind.rawValue
        value = suppression.value
        reason = suppression.reason
        createdAt = suppression.createdAt
    }
}
