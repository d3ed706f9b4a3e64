import Foundation
import Hummingbird
import OutboundCore

/// `/v1/campaigns/{id}/leads`: add (IDs, inline contacts or a list), list by state, remove.
struct LeadRoutes {
    let leads: LeadService

    func register(on routes: RouteRecorder) {
        routes.on(.post, "/v1/campaigns/{id}/leads") { request, context in
            var request = request
            let id = try context.parameters.id(kind: .campaign, resource: "campaign")
            let workspace = try context.workspace()
            let body = try await request.jsonBody(context: context)
            let ids = body.strings("contact_ids"), inline = body.array("contacts"), list = body.string("list_id")
            try body.finish()
            let given = [!ids.isAbsent, !inline.isAbsent, !list.isAbsent].filter { $0 }.count
            let source: LeadService.Source
            if given != 1 {
                source = .unclear("send exactly one of contact_ids, contacts or list_id")
            } else if case .value(let values) = ids {
                source = .contactIDs(values)
            } else if case .value(let values) = inline {
                guard values.count <= LeadService.maximumBatch else {
                    throw ValidationError("contacts", "at most \(LeadService.maximumBatch) per call (got \(values.count))")
                }
                source = .contacts(values.enumerated().map { ContactInput(element: $1, path: "contacts[\($0)]", of: body) })
            } else if case .value(let value) = list {
                source = .list(value)
            } else {
                source = .unclear("contact_ids, contacts or list_id must not be null")
            }
            return try LeadAdditionBody(await leads.add(source, to: id, in: workspace))
        }
        routes.on(.get, "/v1/campaigns/{id}/leads", query: PageRequest.queryNames.union(["state"])) { request, context in
            let id = try context.parameters.id(kind: .campaign, resource: "campaign")
            var state: EnrollmentState?
            if let text = request.uri.queryParameters["state"].map(String.init) {
                guard let value = EnrollmentState(rawValue: text) else {
                    let all = EnrollmentState.allCases.map(\.rawValue).joined(separator: ", ")
                    throw APIError.badQuery(field: "state", message: "must be one of \(all)")
                }
                state = value
            }
            let page = try await leads.list(of: id, state: state, in: context.workspace(), page: request.pageRequest(kind: .contact))
            return ListBody(page, id: \.contact.id, map: LeadBody.init)
        }
        routes.on(.delete, "/v1/campaigns/{id}/leads/{contact_id}") { _, context in
            let id = try context.parameters.id(kind: .campaign, resource: "campaign")
            let contact = try context.parameters.id("contact_id", kind: .contact, resource: "lead")
            try await leads.remove(contact: contact, from: id, in: context.workspace())
            return Response(status: .noContent)
        }
    }
}

struct LeadBody: ResponseEncodable, Sendable {
    var contactId: String
    var object = "lead"
    var campaignId: String
    var state: String
    @Nullable var reason: String?
    var addedAt: Date
    var updatedAt: Date
    var contact: ContactBody
    /// The step the lead is at, and when the engine looks at it next.
    @Nullable var currentStep: String?
    @Nullable var nextStepAt: Date?

    init(_ lead: Lead) {
        contactId = lead.contact.id.rawValue
        campaignId = lead.campaignID.rawValue
        state = lead.state.rawValue
        reason = lead.reason
        addedAt = lead.addedAt
        updatedAt = lead.updatedAt
        contact = ContactBody(lead.contact)
        currentStep = lead.currentStep
        nextStepAt = lead.nextStepAt
    }
}

struct LeadAdditionBody: ResponseEncodable, Sendable {
    struct Detail: Encodable, Sendable {
        @Nullable var index: Int?
        @Nullable var contactId: String?
        var reason: String
    }

    var added: Int
    var duplicates: Int
    var invalid: Int
    var skipped: Int
    var details: [Detail]

    init(_ result: LeadAddition) {
        added = result.added
        duplicates = result.duplicates
        invalid = result.invalid
        skipped = result.skipped
        details = result.details.map { Detail(index: $0.index, contactId: $0.contactID?.rawValue, reason: $0.reason) }
    }
}
