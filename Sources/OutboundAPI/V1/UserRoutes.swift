import Foundation
import Hummingbird
import OutboundCore

/// `POST /v1/users`: a user of the caller's workspace who can sign in with a password.
struct UserRoutes {
    let users: UserService

    func register(on routes: RouteRecorder) {
        routes.on(.post, "/v1/users") { request, context in
            var request = request
            let body = try await request.jsonBody(context: context)
            let email = body.string("email"), password = body.string("password")
            let fullName = body.string("full_name"), role = body.string("access_role")
            try body.finish()
            let user = try await users.create(email: email.value, password: password.value, fullName: fullName.value,
                                              accessRole: role.value, in: context.workspace())
            return EditedResponse(status: .created, response: UserBody(user))
        }
    }
}

/// A user as the API shows it: never the password or its hash.
struct UserBody: ResponseEncodable, Sendable {
    var id: String
    var object = "user"
    var workspaceId: String
    var email: String
    @Nullable var fullName: String?
    var accessRole: String
    var createdAt: Date

    init(_ user: User) {
        id = user.id.rawValue
        workspaceId = user.workspaceID.rawValue
        email = user.email
        fullName = user.fullName
        accessRole = user.accessRole
        createdAt = user.createdAt
    }
}
