import Foundation
import Hummingbird
import OutboundCore

/// Settings beside the API keys and sessions: webhook endpoints (add — the signing secret shown
/// once —, test, delete) and the workspace's users (an admin adds one with a first password).
extension WebRoutes {
    func registerSettings(on routes: RouteRecorder) {
        routes.on(.get, "/app/settings/webhooks") { request, _ in
            guard let (session, user) = try await signedIn(request) else { return WebPages.redirect("/app/login") }
            return try await webhooksPage(session, user, notice: nil)
        }

        routes.on(.post, "/app/settings/webhooks") { request, context in
            var request = request
            let posted = try await post(&request, context)
            guard case .ok(let session, let user, _, let form) = posted else { return posted.answer }
            var input = WebhookEndpointInput()
            input.url = .value(form["url"] ?? "")
            if let description = form["description"], !description.isEmpty { input.description = .value(description) }
            let types = (form["types"] ?? "").split(whereSeparator: { $0 == "," || $0 == " " }).map(String.init)
            if !types.isEmpty { input.types = .value(types) }
            do {
                let created = try await services.webhooks.create(input, in: session.workspaceID)
                return try await webhooksPage(session, user, notice: nil, issued: (created.endpoint.url, created.secret))
            } catch let error as ValidationError {
                return try await webhooksPage(session, user, notice: ("Not added — \(Self.problems(error))", false), status: .unprocessableContent)
            }
        }

        for verb in ["ping", "delete"] {
            routes.on(.post, "/app/settings/webhooks/{id}/\(verb)") { request, context in
                var request = request
                let posted = try await post(&request, context, id: .webhookEndpoint)
                guard case .ok(let session, let user, let id?, _) = posted else { return posted.answer }
                do {
                    if verb == "ping" {
                        _ = try await services.webhooks.ping(id, in: session.workspaceID)
                        return try await webhooksPage(session, user, notice: ("A webhook.ping event is on its way.", true))
                    }
                    try await services.webhooks.delete(id, in: session.workspaceID)
                    return try await webhooksPage(session, user, notice: ("The endpoint is deleted.", true))
                } catch is NotFoundError {
                    return notFound(session, user)
                }
            }
        }

        routes.on(.get, "/app/settings/users") { request, _ in
            guard let (session, user) = try await signedIn(request) else { return WebPages.redirect("/app/login") }
            return try await usersPage(session, user, notice: nil)
        }

        routes.on(.post, "/app/settings/users") { request, context in
            var request = request
            let posted = try await post(&request, context)
            guard case .ok(let session, let user, _, let form) = posted else { return posted.answer }
            guard user.accessRole == "ADMIN" else {
                return try await usersPage(session, user, notice: ("Only an admin adds users.", false), status: .forbidden)
            }
            do {
                let added = try await services.users.create(email: form["email"], password: form["password"],
                                                            fullName: form["full_name"].flatMap { $0.isEmpty ? nil : $0 },
                                                            accessRole: form["access_role"], in: session.workspaceID)
                return try await usersPage(session, user, notice: ("\(added.email) can sign in now with the password you chose.", true))
            } catch let error as ValidationError {
                return try await usersPage(session, user, notice: ("Not added — \(Self.problems(error))", false), status: .unprocessableContent)
            } catch let error as ConflictError {
                return try await usersPage(session, user, notice: ("Not added — \(error.message)", false), status: .conflict)
            }
        }
    }

    private func webhooksPage(_ session: WebSession, _ user: User, notice: (text: String, ok: Bool)?, issued: (url: String, secret: String)? = nil,
                              status: HTTPResponse.Status = .ok) async throws -> Response {
        let endpoints = try await Self.everyItem({ try await services.webhooks.list(in: session.workspaceID, page: $0) }, id: \.id)
        var rows: [[String: Any]] = []
        for endpoint in endpoints {
            let backlog = try await services.webhooks.backlog(of: endpoint.id, in: session.workspaceID)
            let health = endpoint.disabledReason.map { "off: \($0)" }
                ?? endpoint.failingSince.map { "failing since \(Timestamp.iso($0))" } ?? (endpoint.enabled ? "on" : "off")
            rows.append(WebPages.values([
                "id": endpoint.id.rawValue, "url": endpoint.url, "description": endpoint.description,
                "types": endpoint.types.isEmpty ? "every event" : endpoint.types.joined(separator: ", "), "format": endpoint.format.rawValue,
                "health": health, "backlog": backlog,
            ]))
        }
        return pages.render("webhooks", layout(session, user, title: "Webhooks").merging(WebPages.values([
            "endpoints": rows, "hasEndpoints": !rows.isEmpty,
            "notice": WebPages.notice(notice),
            "issued": issued.map { ["url": $0.url, "secret": $0.secret] },
        ])) { $1 }, status: status)
    }

    private func usersPage(_ session: WebSession, _ user: User, notice: (text: String, ok: Bool)?,
                           status: HTTPResponse.Status = .ok) async throws -> Response {
        let users = try await services.users.list(in: session.workspaceID).map { member -> [String: Any] in
            WebPages.values(["email": member.email, "name": member.fullName, "role": member.accessRole, "created": Timestamp.iso(member.createdAt),
                             "you": member.id == user.id ? true : nil])
        }
        return pages.render("users", layout(session, user, title: "Users").merging(WebPages.values([
            "users": users, "admin": user.accessRole == "ADMIN" ? true : nil,
            "notice": WebPages.notice(notice),
        ])) { $1 }, status: status)
    }
}
