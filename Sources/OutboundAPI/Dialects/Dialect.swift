import Foundation
import Hummingbird
import OutboundCore

/// A vendor's API served beside `/v1` (docs/ARCHITECTURE.md §1, §6): a thin translator that decodes the
/// vendor's request, calls the same use cases, and encodes the vendor's answer. Errors are
/// rendered in the vendor's shape for every path under its prefix, unknown routes included.
enum Dialect: String, CaseIterable, Sendable {
    case alsona, inbox, puffle, tether

    /// Path prefixes (the first is the one documented in its OpenAPI file).
    var prefixes: [String] {
        switch self {
        case .alsona: ["/rest", "/alsona/rest"]
        case .inbox: ["/inbox/api/v1"]
        case .puffle: ["/puffle/api"]
        case .tether: ["/tether/api"]
        }
    }

    /// Where the dialect's own OpenAPI document is served.
    var documentPath: String {
        switch self {
        case .alsona: "/rest/openapi.json"
        case .inbox: "/inbox/openapi.json"
        case .puffle: "/puffle/openapi.json"
        case .tether: "/tether/openapi.json"
        }
    }

    static func owning(_ path: String) -> Dialect? {
        allCases.first { dialect in dialect.prefixes.contains { path == $0 || path.hasPrefix($0 + "/") } }
    }

    /// The vendor's error body for a problem. Alsona, Puffle and Tether answer invalid input with
    /// 400, Inbox with 422 (its 400 is for malformed requests).
    func errorResponse(_ problem: Problem, allow: [String] = []) -> Response {
        let status: HTTPResponse.Status = problem.status == .unprocessableContent && self != .inbox ? .badRequest : problem.status
        let message = problem.errors.isEmpty ? problem.detail
            : problem.errors.map { $0.field.isEmpty ? $0.message : "\($0.field): \($0.message)" }.joined(separator: "; ")
        let body: JSONValue = switch self {
        case .alsona: ["success": false, "message": .string(message)]
        case .puffle: ["error": ["code": .string(Self.code(problem)), "message": .string(message)]]
        case .inbox: ["error": ["code": .string(Self.code(problem).uppercased()), "message": .string(message),
                                "status": .number(Double(status.code))]]
        // Tether answers a bad or expired token with a bare string.
        case .tether: status == .unauthorized ? ["error": .string(message)]
            : ["error": ["code": .string(Self.code(problem)), "message": .string(message)]]
        }
        var headers: HTTPFields = [.contentType: "application/json"]
        if !allow.isEmpty { headers[.allow] = allow.joined(separator: ", ") }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body.serialized())))
    }

    private static func code(_ problem: Problem) -> String {
        switch problem.type {
        case "validation-error": "validation_error"
        case "malformed-request": "bad_request"
        case "route-not-found": "not_found"
        default: problem.type.replacingOccurrences(of: "-", with: "_")
        }
    }
}

/// An error a dialect raises in its vendor's words (status, machine code, message).
struct DialectError: Error {
    var status: HTTPResponse.Status
    var code: String
    var message: String

    static func badRequest(_ message: String) -> DialectError { DialectError(status: .badRequest, code: "bad_request", message: message) }
}

/// JSON answers built as `JSONValue` (dialect shapes are many and small).
enum DialectJSON {
    static func response(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: value.serialized())))
    }

    static func string(_ text: String?) -> JSONValue { text.map { .string($0) } ?? .null }
    static func int(_ value: Int?) -> JSONValue { value.map { .number(Double($0)) } ?? .null }
    static func date(_ date: Date?) -> JSONValue { date.map { .string(Timestamp.iso($0)) } ?? .null }
    static func millis(_ date: Date?) -> JSONValue { date.map { .number(($0.timeIntervalSince1970 * 1000).rounded()) } ?? .null }
}

extension Services {
    /// A workspace's campaigns, all pages (the vendors' lists are not paged like ours).
    func allCampaigns(in workspace: ID) async throws -> [Campaign] {
        try await Page.all(id: \.id) { try await campaigns.list(in: workspace, page: $0) }
    }

    /// A campaign a dialect can speak of: one of `channels` (another channel's campaign is a 404 there).
    func campaign(_ id: ID, in workspace: ID, channels: Set<CampaignChannel>) async throws -> Campaign {
        let campaign = try await campaigns.get(id, in: workspace)
        guard channels.contains(campaign.channel) else { throw NotFoundError("campaign", id: id.rawValue) }
        return campaign
    }

    /// The campaign named by the route's `{id}`.
    func campaign(_ context: AppContext, channels: Set<CampaignChannel>) async throws -> Campaign {
        try await campaign(context.parameters.id(kind: .campaign, resource: "campaign"), in: context.workspace(), channels: channels)
    }

    func allSenders(in workspace: ID) async throws -> [Sender] {
        try await Page.all(id: \.id) { try await senders.list(in: workspace, page: $0) }
    }
}
