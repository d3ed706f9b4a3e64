import Foundation
import Hummingbird
import OutboundCore

/// `/v1/lists` and their members.
struct ListRoutes {
    let lists: ListService

    func register(on routes: RouteRecorder) {
        routes.on(.post, "/v1/lists") { request, context in
            var request = request
            let body = try await request.jsonBody(context: context)
            let name = body.string("name"), description = body.string("description")
            try body.finish()
            let list = try await lists.create(name: name, description: description, in: context.workspace())
            return EditedResponse(status: .created, response: ContactListBody(list))
        }
        routes.on(.get, "/v1/lists", query: PageRequest.queryNames) { request, context in
            let page = try await lists.list(in: context.workspace(), page: request.pageRequest(kind: .list))
            return ListBody(page, id: \.id, map: ContactListBody.init)
        }
        routes.on(.get, "/v1/lists/{id}") { _, context in
            let id = try context.parameters.id(kind: .list, resource: "list")
            return try ContactListBody(await lists.get(id, in: context.workspace()))
        }
        routes.on(.patch, "/v1/lists/{id}") { request, context in
            var request = request
            let id = try context.parameters.id(kind: .list, resource: "list")
            let workspace = try context.workspace()
            _ = try await lists.get(id, in: workspace)
            let body = try await request.jsonBody(context: context)
            let name = body.string("name"), description = body.string("description")
            body.ignoring(BodyReader.readOnlyMembers + ["member_count"])
            try body.finish()
            return try ContactListBody(await lists.update(id, name: name, description: description, in: workspace))
        }
        routes.on(.delete, "/v1/lists/{id}") { _, context in
            let id = try context.parameters.id(kind: .list, resource: "list")
            try await lists.delete(id, in: context.workspace())
            return Response(status: .noContent)
        }
        routes.on(.get, "/v1/lists/{id}/members", query: PageRequest.queryNames) { request, context in
            let id = try context.parameters.id(kind: .list, resource: "list")
            let page = try await lists.members(of: id, in: context.workspace(), page: request.pageRequest(kind: .contact))
            return ListBody(page, id: \.id, map: ContactBody.init)
        }
        routes.on(.post, "/v1/lists/{id}/members") { request, context in
            var request = request
            let id = try context.parameters.id(kind: .list, resource: "list")
            let workspace = try context.workspace()
            _ = try await lists.get(id, in: workspace)
            let ids = try await Self.contactIDs(&request, context)
            let (added, already, notFound) = try await lists.addMembers(ids, to: id, in: workspace)
            return MembershipBody(added: added.count, alreadyMembers: already, removed: nil, notFound: notFound)
        }
        routes.on(.post, "/v1/lists/{id}/members/remove") { request, context in
            var request = request
            let id = try context.parameters.id(kind: .list, resource: "list")
            let workspace = try context.workspace()
            _ = try await lists.get(id, in: workspace)
            let ids = try await Self.contactIDs(&request, context)
            let removed = try await lists.removeMembers(ids, from: id, in: workspace)
            return MembershipBody(added: nil, alreadyMembers: nil, removed: removed.count, notFound: [])
        }
    }

    private static func contactIDs(_ request: inout Request, _ context: AppContext) async throws -> [String] {
        let body = try await request.jsonBody(context: context)
        let ids = body.strings("contact_ids")
        try body.finish()
        guard case .value(let values) = ids else { throw ValidationError("contact_ids", "is required: an array of contact IDs") }
        return values
    }
}

struct ContactListBody: ResponseEncodable, Sendable {
    var id: String
    var object = "list"
    var name: String
    @Nullable var description: String?
    var memberCount: Int
    var createdAt: Date
    var updatedAt: Date

    init(_ list: ContactList) {
        id = list.id.rawValue
        name = list.name
        description = list.description
        memberCount = list.memberCount
        createdAt = list.createdAt
        updatedAt = list.updatedAt
    }
}

struct MembershipBody: ResponseEncodable, Sendable {
    var added: Int?
    var alreadyMembers: Int?
    var removed: Int?
    var notFound: [String]
}
