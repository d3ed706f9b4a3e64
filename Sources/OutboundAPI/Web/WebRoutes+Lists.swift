import Foundation
import Hummingbird
import OutboundCore

/// The web app's lists: the lists page, a new list, a CSV import (a multipart form whose other
/// fields come before the file: `_csrf` is checked before a row is read; `/assets/app.js` shows
/// the upload's progress), the import's result, and CSV exports of a list and of a campaign's
/// actions.
extension WebRoutes {
    func registerLists(on routes: RouteRecorder) {
        routes.on(.get, "/app/lists") { request, _ in
            guard let (session, user) = try await signedIn(request) else { return WebPages.redirect("/app/login") }
            return try await listsPage(session, user, notice: nil)
        }

        routes.on(.post, "/app/lists") { request, context in
            var request = request
            let posted = try await post(&request, context)
            guard case .ok(let session, let user, _, let form) = posted else { return posted.answer }
            do {
                let list = try await services.lists.create(name: .value(form["name"] ?? ""), description: .absent, in: session.workspaceID)
                return try await listsPage(session, user, notice: ("The list \(list.name) is created.", true))
            } catch let error as ValidationError {
                return try await listsPage(session, user, notice: ("Not created — \(Self.problems(error))", false), status: .unprocessableContent)
            } catch let error as ConflictError {
                return try await listsPage(session, user, notice: ("Not created — \(error.message)", false), status: .conflict)
            }
        }

        routes.on(.get, "/app/lists/{id}/contacts.csv") { request, context in
            guard let (session, user) = try await signedIn(request) else { return WebPages.redirect("/app/login") }
            guard let id = context.parameters.get("id").flatMap({ ID($0, kind: .list) }) else { return notFound(session, user) }
            do {
                var csv = CSVText(header: Self.contactColumns)
                for contact in try await Self.everyItem({ try await services.lists.members(of: id, in: session.workspaceID, page: $0) }, id: \.id) {
                    csv.append(Self.contactFields(contact))
                }
                return csv.download(named: "list-\(id).csv")
            } catch is NotFoundError {
                return notFound(session, user)
            }
        }

        routes.on(.get, "/app/campaigns/{id}/actions.csv") { request, context in
            guard let (session, user) = try await signedIn(request) else { return WebPages.redirect("/app/login") }
            guard let id = context.parameters.get("id").flatMap({ ID($0, kind: .campaign) }) else { return notFound(session, user) }
            do {
                var csv = CSVText(header: ["action_id", "contact_id", "recipient", "step", "kind", "sender_id", "state", "subject", "body", "error",
                                           "attempts", "created_at", "sent_at"])
                for action in try await Self.everyItem({ try await services.actions.list(of: id, in: session.workspaceID, page: $0) }, id: \.id) {
                    csv.append([action.id.rawValue, action.contactID.rawValue, action.recipient, action.nodeID, action.kind.rawValue,
                                action.senderID?.rawValue, action.state.rawValue, action.subject, action.body, action.error, String(action.attempts),
                                Timestamp.iso(action.createdAt), action.sentAt.map(Timestamp.iso)])
                }
                return csv.download(named: "actions-\(id).csv")
            } catch is NotFoundError {
                return notFound(session, user)
            }
        }

        routes.on(.post, "/app/imports") { request, _ in
            guard let (session, user) = try await signedIn(request) else { return WebPages.redirect("/app/login") }
            guard let boundary = (request.headers[.contentType]).flatMap(ImportRoutes.boundary) else {
                return try await listsPage(session, user, notice: ("Not imported — choose a CSV file", false), status: .unprocessableContent)
            }
            // The fields before the file part, read before a row is taken.
            let stream = MultipartFileStream(body: request.body, boundary: boundary)
            var iterator = stream.makeAsyncIterator()
            var head: [[UInt8]] = []
            do {
                while !iterator.state.fileStarted, !iterator.state.done, let chunk = try await iterator.next() { head.append(chunk) }
            } catch is APIError {
                return try await listsPage(session, user, notice: ("Not imported — the upload could not be read: send the form again", false),
                                           status: .badRequest)
            }
            let fields = iterator.state.fields
            guard Self.same(fields["_csrf"] ?? "", session.csrfToken) else { return forbidden(session, user) }
            guard iterator.state.fileStarted else {
                return try await listsPage(session, user, notice: ("Not imported — choose a CSV file", false), status: .unprocessableContent)
            }
            var listID: ID?
            if let raw = fields["list_id"], !raw.isEmpty {
                guard let id = ID(raw, kind: .list) else { return notFound(session, user) }
                listID = id
            }
            do {
                let started = try await services.imports.start(filename: nil, listID: listID, in: session.workspaceID)
                let named = stream.filename
                let job = try await services.imports.run(started, source: Resumed(head: head, rest: iterator),
                                                         filename: { named.value.withLock { $0 } })
                return WebPages.redirect("/app/imports/\(job.id)")
            } catch is NotFoundError {
                return notFound(session, user)
            }
        }

        routes.on(.get, "/app/imports/{id}") { request, context in
            guard let (session, user) = try await signedIn(request) else { return WebPages.redirect("/app/login") }
            guard let id = context.parameters.get("id").flatMap({ ID($0, kind: .importJob) }) else { return notFound(session, user) }
            do {
                let job = try await services.imports.get(id, in: session.workspaceID)
                return pages.render("import", layout(session, user, title: "Import").merging(WebPages.values([
                    "filename": job.filename ?? "the file", "state": job.state.rawValue, "failed": job.state == .failed ? true : nil,
                    "failure": job.failure, "rowsRead": job.rowsRead, "created": job.created, "updated": job.updated,
                    "duplicates": job.duplicates, "invalid": job.invalid, "listID": job.listID?.rawValue,
                    "errors": job.errors.map { ["row": $0.row, "message": $0.message] },
                ])) { $1 }, status: job.state == .failed ? .unprocessableContent : .ok)
            } catch is NotFoundError {
                return notFound(session, user)
            }
        }
    }

    private func listsPage(_ session: WebSession, _ user: User, notice: (text: String, ok: Bool)?,
                           status: HTTPResponse.Status = .ok) async throws -> Response {
        let lists = try await Self.everyItem({ try await services.lists.list(in: session.workspaceID, page: $0) }, id: \.id)
        let rows = lists.map { list -> [String: Any] in
            ["id": list.id.rawValue, "name": list.name, "members": list.memberCount, "created": Timestamp.iso(list.createdAt)]
        }
        return pages.render("lists", layout(session, user, title: "Lists").merging(WebPages.values([
            "lists": rows, "hasLists": !rows.isEmpty, "notice": WebPages.notice(notice),
        ])) { $1 }, status: status)
    }

    static let contactColumns = ["first_name", "last_name", "email", "phone", "linkedin_url", "company", "title", "status"]

    static func contactFields(_ contact: Contact) -> [String?] {
        [contact.firstName, contact.lastName, contact.email, contact.phone, contact.linkedinURL, contact.company, contact.title, contact.status]
    }

    static func problems(_ error: ValidationError) -> String {
        error.issues.map { "\($0.field): \($0.message)" }.joined(separator: "; ")
    }
}

/// The chunks read while looking for the file part, then the rest of the body.
private struct Resumed<Rest: AsyncIteratorProtocol>: AsyncSequence where Rest.Element == [UInt8] {
    typealias Element = [UInt8]
    let head: [[UInt8]]
    let rest: Rest

    func makeAsyncIterator() -> Iterator { Iterator(head: head[...], rest: rest) }

    struct Iterator: AsyncIteratorProtocol {
        var head: ArraySlice<[UInt8]>
        var rest: Rest

        mutating func next() async throws -> [UInt8]? {
            if let chunk = head.popFirst() { return chunk }
            return try await rest.next()
        }
    }
}
