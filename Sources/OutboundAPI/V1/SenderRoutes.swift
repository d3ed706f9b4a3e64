import Foundation
import Hummingbird
import OutboundCore

/// `/v1/senders`: create, list, read, patch (JSON merge semantics) and delete.
struct SenderRoutes {
    let senders: SenderService

    func register(on routes: RouteRecorder) {
        routes.on(.post, "/v1/senders") { request, context in
            var request = request
            let input = SenderInput(try await request.jsonBody(context: context))
            let sender = try await senders.create(input, in: context.workspace())
            return EditedResponse(status: .created, response: SenderBody(sender))
        }
        routes.on(.get, "/v1/senders", query: PageRequest.queryNames) { request, context in
            let page = try await senders.list(in: context.workspace(), page: request.pageRequest(kind: .sender))
            return ListBody(page, id: \.id, map: SenderBody.init)
        }
        routes.on(.get, "/v1/senders/{id}") { _, context in
            let id = try context.parameters.id(kind: .sender, resource: "sender")
            return try SenderBody(await senders.get(id, in: context.workspace()))
        }
        routes.on(.patch, "/v1/senders/{id}") { request, context in
            var request = request
            let id = try context.parameters.id(kind: .sender, resource: "sender")
            let workspace = try context.workspace()
            _ = try await senders.get(id, in: workspace)
            let input = SenderInput(try await request.jsonBody(context: context))
            return try SenderBody(await senders.update(id, with: input, in: workspace))
        }
        routes.on(.delete, "/v1/senders/{id}") { _, context in
            let id = try context.parameters.id(kind: .sender, resource: "sender")
            try await senders.delete(id, in: context.workspace())
            return Response(status: .noContent)
        }
    }
}

extension SenderInput {
    /// Reads a sender body; type errors are reported together, with their paths.
    init(_ body: BodyReader) {
        self.init()
        channel = body.string("channel")
        displayName = body.string("display_name")
        linkedinURL = body.string("linkedin_url")
        email = body.string("email")
        phone = body.string("phone")
        timezone = body.string("timezone")
        status = body.string("status")
        limits = body.objectMembers("limits").map { members in
            members.mapValues { member in
                member.map { limit in
                    var input = RateLimitInput()
                    input.perHour = limit.int("per_hour")
                    input.perDay = limit.int("per_day")
                    input.perWeek = limit.int("per_week")
                    return input
                }
            }
        }
        pacing = body.object("pacing").map { pacing in
            var input = PacingInput()
            input.minGapSeconds = pacing.int("min_gap_seconds")
            input.maxGapSeconds = pacing.int("max_gap_seconds")
            return input
        }
        smtp = body.object("smtp").map(Self.mailServer)
        imap = body.object("imap").map(Self.mailServer)
        twilio = body.object("twilio").map { twilio in
            var input = TwilioInput()
            input.accountSID = twilio.string("account_sid")
            input.authToken = twilio.string("auth_token")
            input.baseURL = twilio.string("base_url")
            twilio.ignoring("auth_token_set")
            return input
        }
        gateway = body.object("gateway").map { gateway in
            var input = GatewayInput()
            input.url = gateway.string("url")
            input.secret = gateway.string("secret")
            gateway.ignoring("secret_set")
            return input
        }
        unipile = body.object("unipile").map { unipile in
            var input = UnipileInput()
            input.dsn = unipile.string("dsn")
            input.apiKey = unipile.string("api_key")
            input.accountID = unipile.string("account_id")
            input.webhookSecret = unipile.string("webhook_secret")
            unipile.ignoring("api_key_set")
            unipile.ignoring("webhook_secret_set")
            return input
        }
        body.ignoring(BodyReader.readOnlyMembers)
        readIssues = body.readIssues
    }
}

extension SenderInput {
    /// `smtp` and `imap`: host, port, security, username, password (`password_set` read back as is).
    static func mailServer(_ reader: BodyReader) -> MailServerInput {
        var input = MailServerInput()
        input.host = reader.string("host")
        input.port = reader.int("port")
        input.security = reader.string("security")
        input.username = reader.string("username")
        input.password = reader.string("password")
        reader.ignoring("password_set")
        return input
    }
}

/// A sender as the API shows it. Secrets are never returned: `password_set` and friends say
/// whether one is stored.
struct SenderBody: ResponseEncodable, Sendable {
    var id: String
    var object = "sender"
    var channel: String
    var displayName: String
    @Nullable var linkedinUrl: String?
    @Nullable var email: String?
    @Nullable var phone: String?
    var timezone: String
    var status: String
    var limits: [String: LimitBody]
    var pacing: PacingBody
    @Nullable var smtp: SMTPBody?
    @Nullable var imap: SMTPBody?
    @Nullable var twilio: TwilioBody?
    @Nullable var gateway: GatewayBody?
    @Nullable var unipile: UnipileBody?
    var createdAt: Date
    var updatedAt: Date

    struct LimitBody: Encodable, Sendable {
        @Nullable var perHour: Int?
        @Nullable var perDay: Int?
        @Nullable var perWeek: Int?
    }

    struct PacingBody: Encodable, Sendable {
        var minGapSeconds: Int
        var maxGapSeconds: Int
    }

    struct SMTPBody: Encodable, Sendable {
        var host: String
        var port: Int
        var security: String
        @Nullable var username: String?
        var passwordSet: Bool
    }

    struct TwilioBody: Encodable, Sendable {
        var accountSid: String
        var baseUrl: String
        var authTokenSet: Bool
    }

    struct GatewayBody: Encodable, Sendable {
        var url: String
        var secretSet: Bool
    }

    struct UnipileBody: Encodable, Sendable {
        var dsn: String
        var accountId: String
        var apiKeySet: Bool
        var webhookSecretSet: Bool
    }

    init(_ sender: Sender) {
        id = sender.id.rawValue
        channel = sender.channel.rawValue
        displayName = sender.displayName
        linkedinUrl = sender.linkedinURL
        email = sender.email
        phone = sender.phone
        timezone = sender.timezone.identifier
        status = sender.status.rawValue
        limits = Dictionary(uniqueKeysWithValues: sender.limits.map { kind, limit in
            (kind.rawValue, LimitBody(perHour: limit.perHour, perDay: limit.perDay, perWeek: limit.perWeek))
        })
        pacing = PacingBody(minGapSeconds: sender.pacing.minGapSeconds, maxGapSeconds: sender.pacing.maxGapSeconds)
        smtp = sender.settings.smtp.map {
            SMTPBody(host: $0.host, port: $0.port, security: $0.security.rawValue, username: $0.username, passwordSet: $0.password != nil)
        }
        imap = sender.settings.imap.map {
            SMTPBody(host: $0.host, port: $0.port, security: $0.security.rawValue, username: $0.username, passwordSet: $0.password != nil)
        }
        twilio = sender.settings.twilio.map {
            TwilioBody(accountSid: $0.accountSID, baseUrl: $0.baseURL, authTokenSet: $0.authToken != nil)
        }
        gateway = sender.settings.gateway.map { GatewayBody(url: $0.url, secretSet: $0.secret != nil) }
        unipile = sender.settings.unipile.map {
            UnipileBody(dsn: $0.dsn, accountId: $0.accountID, apiKeySet: $0.apiKey != nil, webhookSecretSet: $0.webhookSecret != nil)
        }
        createdAt = sender.createdAt
        updatedAt = sender.updatedAt
    }
}
