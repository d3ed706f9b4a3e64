import Foundation
import Hummingbird
import OutboundCore

/// `/v1/contacts`: create, bulk upsert, list, read, patch, delete and erase.
struct ContactRoutes {
    let contacts: ContactService

    func register(on routes: RouteRecorder) {
        routes.on(.post, "/v1/contacts") { request, context in
            var request = request
            let input = ContactInput(try await request.jsonBody(context: context))
            return try EditedResponse(status: .created, response: ContactBody(await contacts.create(input, in: context.workspace())))
        }
        routes.on(.post, "/v1/contacts/bulk") { request, context in
            var request = request
            let body = try await request.jsonBody(context: context)
            let items = body.array("contacts")
            try body.finish()
            guard case .value(let values) = items else { throw ValidationError("contacts", "is required: an array of contacts") }
            guard values.count <= ContactService.maximumBatch else {
                throw ValidationError("contacts", "at most \(ContactService.maximumBatch) contacts per call (got \(values.count))")
            }
            let inputs = values.enumerated().map { index, value in ContactInput(element: value, path: "contacts[\(index)]", of: body) }
            let outcomes = try await contacts.upsert(inputs, in: context.workspace())
            return BulkBody(outcomes)
        }
        routes.on(.get, "/v1/contacts", query: PageRequest.queryNames) { request, context in
            let page = try await contacts.list(in: context.workspace(), page: request.pageRequest(kind: .contact))
            return ListBody(page, id: \.id, map: ContactBody.init)
        }
        routes.on(.get, "/v1/contacts/{id}") { _, context in
            let id = try context.parameters.id(kind: .contact, resource: "contact")
            return try ContactBody(await contacts.get(id, in: context.workspace()))
        }
        routes.on(.patch, "/v1/contacts/{id}") { request, context in
            var request = request
            let id = try context.parameters.id(kind: .contact, resource: "contact")
            let workspace = try context.workspace()
            _ = try await contacts.get(id, in: workspace)
            let input = ContactInput(try await request.jsonBody(context: context))
            return try ContactBody(await contacts.update(id, with: input, in: workspace))
        }
        routes.on(.delete, "/v1/contacts/{id}", query: ["erase"]) { request, context in
            let id = try context.parameters.id(kind: .contact, resource: "contact")
            let erase = request.uri.queryParameters["erase"].map(String.init)
            guard erase == nil || erase == "true" || erase == "false" else {
                throw APIError.badQuery(field: "erase", message: "must be true or false")
            }
            if erase == "true" {
                try await contacts.erase(id, in: context.workspace())
            } else {
                try await contacts.delete(id, in: context.workspace())
            }
            return Response(status: .noContent)
        }
    }
}

extension ContactInput {
    /// Reads a contact body; type errors are kept in `readIssues` with their paths.
    init(_ body: BodyReader) {
        self.init()
        firstName = body.string("first_name")
        lastName = body.string("last_name")
        email = body.string("email")
        phone = body.string("phone")
        linkedinURL = body.string("linkedin_url")
        company = body.string("company")
        title = body.string("title")
        timezone = body.string("timezone")
        status = body.string("status")
        customFields = body.object("custom_fields").map { fields in
            var result: [String: Field<CustomValue>] = [:]
            for (key, value) in fields.members() {
                switch value {
                case .null: result[key] = .null
                case .string(let text): result[key] = .value(.string(text))
                case .number(let number): result[key] = .value(.number(number))
                case .bool(let flag): result[key] = .value(.bool(flag))
                case .array, .object: fields.addIssue(key, "must be a string, number or boolean, not \(value.typeName)")
                }
            }
            return result
        }
        body.ignoring(BodyReader.readOnlyMembers)
        readIssues = body.readIssues
    }

    /// One element of an array of contacts, with paths under `path` (`contacts[3].email`).
    init(element: JSONValue, path: String, of batch: BodyReader) {
        guard case .object = element, let reader = try? batch.element(element, path: path) else {
            self.init()
            readIssues = [FieldIssue(path, "must be an object, not \(element.typeName)")]
            return
        }
        self.init(reader)
        // Paths inside the outcome are relative to the element: drop the prefix.
        readIssues = readIssues.map { FieldIssue(String($0.field.dropFirst(path.count + 1)), $0.message) }
    }
}

/// A contact as the API shows it.
struct ContactBody: ResponseEncodable, Sendable {
    var id: String
    var object = "contact"
    @Nullable var firstName: String?
    @Nullable var lastName: String?
    @Nullable var email: String?
    @Nullable var phone: String?
    @Nullable var linkedinUrl: String?
    @Nullable var company: String?
    @Nullable var title: String?
    @Nullable var timezone: String?
    var status: String
    var customFields: [String: CustomValue]
    var createdAt: Date
    var updatedAt: Date

    init(_ contact: Contact) {
        id = contact.id.rawValue
        firstName = contact.firstName
        lastName = contact.lastName
        email = contact.email
        phone = contact.phone
        linkedinUrl = contact.linkedinURL
        company = contact.company
        title = contact.title
        timezone = contact.timezone?.identifier
        status = contact.status
        customFields = contact.customFields
        createdAt = contact.createdAt
        updatedAt = contact.updatedAt
    }
}

/// The answer of a bulk upsert: one result per input index, and totals.
struct BulkBody: ResponseEncodable, Sendable {
    struct Item: Encodable, Sendable {
        var index: Int
        var result: String
        @Nullable var id: String?
        var errors: [ErrorItem]
    }

    struct ErrorItem: Encodable, Sendable {
        var field: String
        var message: String
    }

    struct Totals: Encodable, Sendable {
        var created = 0
        var updated = 0
        var duplicate = 0
        var invalid = 0
    }

    var results: [Item]
    var totals: Totals

    init(_ outcomes: [UpsertOutcome]) {
        var totals = Totals()
        results = outcomes.enumerated().map { index, outcome in
            switch outcome {
            case .created(let c): totals.created += 1; return Item(index: index, result: "created", id: c.id.rawValue, errors: [])
            case .updated(let c): totals.updated += 1; return Item(index: index, result: "updated", id: c.id.rawValue, errors: [])
            case .duplicate(let c): totals.duplicate += 1; return Item(index: index, result: "duplicate", id: c.id.rawValue, errors: [])
            case .invalid(let issues):
                totals.invalid += 1
                return Item(index: index, result: "invalid", id: nil, errors: issues.map { ErrorItem(field: $0.field, message: $0.message) })
            }
        }
        self.totals = totals
    }
}

