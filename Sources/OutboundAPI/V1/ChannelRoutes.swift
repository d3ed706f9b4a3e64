import Foundation
import HTTPTypes
import Hummingbird
import OutboundChannels
import OutboundCore

/// What the real channels need from the web: sender connection checks, one-click unsubscribe,
/// the open pixel, and the providers' inbound webhooks (Twilio, the LinkedIn gateway, email).
struct ChannelRoutes {
    let services: Services
    var keyring: Keyring { services.delivery.keyring }

    func register(on routes: RouteRecorder) {
        routes.on(.post, "/v1/senders/{id}/check") { _, context in
            let id = try context.parameters.id(kind: .sender, resource: "sender")
            let sender = try await services.senders.get(id, in: context.workspace())
            let result = await services.delivery.check(sender)
            return try JSONResponse.make(SenderCheckBody(senderId: sender.id.rawValue, status: result.error == nil ? "connected" : "failed",
                                                         error: result.error, checkedAt: Timestamp.iso(services.clock.now)))
        }

        routes.on(.get, "/v1/senders/{id}/mailbox") { _, context in
            let id = try context.parameters.id(kind: .sender, resource: "sender")
            let workspace = try context.workspace()
            let sender = try await services.senders.get(id, in: workspace)
            let state = try await services.mailboxes.state(of: id, in: workspace)
            return try JSONResponse.make(MailboxBody(sender: sender, state: state))
        }

        // Link scanners follow GET links: GET only shows a button; the POST (RFC 8058) unsubscribes.
        routes.on(.get, "/u/{token}") { _, context in
            let token = context.parameters.get("token") ?? ""
            guard keyring.read(token, as: .unsubscribe) != nil else { return Self.page(.notFound, Self.unknownLink) }
            return Self.page(.ok, """
                <h1>Unsubscribe</h1><p>Stop receiving these messages?</p>
                <form method="post" action="/u/\(token)"><input type="hidden" name="List-Unsubscribe" value="One-Click">\
                <button type="submit">Unsubscribe</button></form>
                """)
        }
        routes.on(.post, "/u/{token}") { _, context in
            guard let (action, workspace) = keyring.read(context.parameters.get("token") ?? "", as: .unsubscribe) else {
                return Self.page(.notFound, Self.unknownLink)
            }
            do {
                try await services.inbound.unsubscribe(action: action, in: workspace)
            } catch is NotFoundError {
                return Self.page(.notFound, Self.unknownLink)
            }
            return Self.page(.ok, "<h1>You are unsubscribed</h1><p>You will receive no more messages from this sender.</p>")
        }

        routes.on(.get, "/o/{token}.gif") { _, context in
            if let (action, workspace) = keyring.read(context.parameters.get("token") ?? "", as: .open) {
                // Counted once per action by the store; an unknown action still gets its pixel.
                _ = try? await services.inbound.receive(InboundEvent(type: .opened, actionID: action), in: workspace)
            }
            return Response(status: .ok, headers: [.contentType: "image/gif", .cacheControl: "no-store, max-age=0"],
                            body: .init(byteBuffer: ByteBuffer(bytes: Self.pixel)))
        }

        routes.on(.post, "/webhooks/twilio/{sender_id}") { request, context in
            var request = request
            let sender = try await webhookSender(context, channel: .sms)
            guard let token = sender.settings.twilio?.authToken.flatMap({ try? keyring.open($0) }) else {
                throw APIError.forbidden("this sender has no twilio auth_token to check signatures with")
            }
            let parameters = Self.formFields(try await request.rawBody(context: context))
            let base = services.delivery.publicURL.base(scheme: Self.scheme(request), host: request.head.authority)
            guard let signature = request.headers[HTTPField.Name("X-Twilio-Signature")!],
                  TwilioSignature.isValid(signature, url: base + request.uri.string, parameters: parameters, authToken: token)
            else { throw APIError.forbidden("X-Twilio-Signature is missing or does not match") }
            let fields = Dictionary(parameters, uniquingKeysWith: { first, _ in first })
            guard let from = fields["From"] else { throw ValidationError("From", "is required") }
            let reply = try await services.inbound.receiveSMS(from: from, body: fields["Body"] ?? "", to: sender)
            let message = reply.map { "<Message>\(HTML.escape($0.text))</Message>" } ?? ""
            return Response(status: .ok, headers: [.contentType: "application/xml"],
                            body: .init(byteBuffer: ByteBuffer(string: "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response>\(message)</Response>")))
        }

        routes.on(.post, "/webhooks/linkedin/{sender_id}") { request, context in
            var request = request
            let sender = try await webhookSender(context, channel: .linkedin)
            guard let secret = sender.settings.gateway?.secret.flatMap({ try? keyring.open($0) }) else {
                throw APIError.forbidden("this sender has no gateway secret to check signatures with")
            }
            let raw = try await request.rawBody(context: context)
            guard let signature = request.headers[HTTPField.Name("X-Outbound-Signature")!],
                  GatewaySignature.isValid(signature, secret: secret, body: Data(buffer: raw), now: services.clock.now)
            else { throw APIError.forbidden("X-Outbound-Signature is missing, stale or does not match") }
            let body = try BodyReader(body: JSONValue.parse(raw.readableBytesView))
            let type = body.string("type")
            let url = body.object("recipient").value?.string("linkedin_url").value
            let actionID = body.string("action_id").value
            let at = body.string("at").value
            let text = body.string("body").value
            try body.finish()
            var issues = IssueList()
            // Withdrawals and profile views are known events that change no lead.
            let known = ["accepted", "replied", "withdrawn", "profile_viewed"]
            if !known.contains(type.value ?? "") { issues.add("type", "must be one of \(known.joined(separator: ", "))") }
            let event = type.value.flatMap(SignalType.init(rawValue:)).flatMap { [.accepted, .replied].contains($0) ? $0 : nil }
            if url == nil, actionID == nil { issues.add("recipient.linkedin_url", "is required (or action_id)") }
            let time = at.flatMap(Timestamps.parse)
            if at != nil, time == nil { issues.add("at", "must be an RFC 3339 date-time") }
            let action = actionID.flatMap { ID($0, kind: .action) }
            if actionID != nil, action == nil { issues.add("action_id", "is not an action ID") }
            try issues.throwIfAny()
            guard let event else { return WebhookBody(received: true, matched: 0) }
            let matched = try await services.inbound.receive(
                InboundEvent(type: event, actionID: action, senderID: sender.id, identity: action == nil ? url : nil, at: time, text: text),
                in: sender.workspaceID)
            return WebhookBody(received: true, matched: matched)
        }

        // Unipile's webhooks (messaging `message_received`, users `new_relation`), created with a
        // `Unipile-Auth` header whose value is the sender's `unipile.webhook_secret`. Fields of
        // Unipile's payload that Outbound does not use are ignored: the payload is theirs.
        routes.on(.post, "/webhooks/unipile/{sender_id}") { request, context in
            var request = request
            let sender = try await webhookSender(context, channel: .linkedin)
            guard let settings = sender.settings.unipile, let secret = settings.webhookSecret.flatMap({ try? keyring.open($0) }) else {
                throw APIError.forbidden("this sender has no unipile.webhook_secret to check Unipile-Auth with")
            }
            guard let presented = request.headers[HTTPField.Name("Unipile-Auth")!],
                  Self.constantTimeEqual(Array(presented.utf8), Array(secret.utf8))
            else { throw APIError.forbidden("Unipile-Auth is missing or does not match") }
            let raw = try await request.rawBody(context: context)
            guard let body = try JSONValue.parse(raw.readableBytesView).objectValue else { throw ValidationError("body", "must be a JSON object") }
            if let account = body["account_id"]?.stringValue, account != settings.accountID {
                throw ValidationError("account_id", "is not this sender's Unipile account (\(settings.accountID))")
            }
            let event = body["event"]?.stringValue ?? ""
            let type: SignalType
            let member: [String: JSONValue]
            let text: String?
            switch event {
            case "message_received":
                // Our own messages come back too: they are not replies.
                if body["is_sender"] == .bool(true) || body["is_sender"] == .number(1) { return WebhookBody(received: true, matched: 0) }
                type = .replied
                member = body["sender"]?.objectValue ?? [:]
                text = body["message"]?.stringValue
            case "new_relation":
                type = .accepted
                member = body
                text = nil
            default:
                return WebhookBody(received: true, matched: 0)
            }
            let url = try await unipileMember(member, of: sender)
            guard let url else { throw ValidationError("sender.attendee_profile_url", "names no LinkedIn member Unipile knows") }
            let matched = try await services.inbound.receive(
                InboundEvent(type: type, senderID: sender.id, identity: url, at: body["timestamp"]?.stringValue.flatMap(Timestamps.parse),
                             text: text),
                in: sender.workspaceID)
            return WebhookBody(received: true, matched: matched)
        }

        routes.on(.post, "/webhooks/email/{sender_id}") { request, context in
            var request = request
            let sender = try await webhookSender(context, channel: .email)
            // Inbound-parse services send a key as Bearer, X-API-KEY or the password of a
            // `https://outbound:KEY@host/…` URL (basic auth); it must be of the sender's workspace.
            guard let secret = AuthMiddleware.presentedKey(request.headers) ?? AuthMiddleware.basicPassword(request.headers),
                  let key = try await services.workspaces.authenticate(secret: secret), key.workspaceID == sender.workspaceID
            else { throw APIError.unauthorized("send an API key of the sender's workspace (Bearer, X-API-KEY or basic auth)") }
            let raw = try await request.rawBody(context: context)
            let email: InboundEmail
            if request.headers[.contentType]?.lowercased().hasPrefix("application/json") == true {
                email = try Self.inboundEmail(BodyReader(body: JSONValue.parse(raw.readableBytesView)))
            } else {
                // A raw message: a bounce report (multipart/report, RFC 3464) or a reply.
                email = InboundMail.parse(rawMessage: String(decoding: raw.readableBytesView, as: UTF8.self))
            }
            let matched = try await services.inbound.receiveEmail(email, to: sender)
            return WebhookBody(received: true, matched: matched)
        }
    }

    /// The public profile URL of the member a Unipile event names: its public URL or identifier
    /// when the event has one, else the profile Unipile returns for its provider ID.
    private func unipileMember(_ member: [String: JSONValue], of sender: Sender) async throws -> String? {
        for key in ["attendee_profile_url", "user_profile_url"] {
            if let url = member[key]?.stringValue.flatMap(Identity.linkedinURL), !Self.isProviderID(url) { return url }
        }
        if let slug = member["user_public_identifier"]?.stringValue ?? member["attendee_public_identifier"]?.stringValue {
            return Identity.linkedinURL("https://www.linkedin.com/in/\(slug)")
        }
        guard let id = member["attendee_provider_id"]?.stringValue ?? member["user_provider_id"]?.stringValue else { return nil }
        return await services.delivery.unipile.profileURL(ofMember: id, sender: sender)
    }

    /// `…/in/ACoAAB…`: a profile URL made of LinkedIn's internal member ID, not the public one.
    static func isProviderID(_ url: String) -> Bool {
        url.split(separator: "/").last.map { $0.hasPrefix("ACo") || $0.hasPrefix("aco") } ?? false
    }

    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        return zip(a, b).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }

    /// The sender a webhook path names; unknown or of another channel → 404.
    private func webhookSender(_ context: AppContext, channel: ChannelKind) async throws -> Sender {
        try await services.senders.webhookSender(context.parameters.id("sender_id", kind: .sender, resource: "sender"), channel: channel)
    }

    /// `{from, to, subject, in_reply_to, text, html, headers}`; `headers` is an object or the raw header block.
    static func inboundEmail(_ body: BodyReader) throws -> InboundEmail {
        let from = body.string("from")
        let subject = body.string("subject").value
        var references = body.string("in_reply_to").value.map { InboundMail.messageIDs(in: $0) } ?? []
        var text = body.string("text").value
        if case .value(let headers)? = Optional(body.object("headers")) {
            for name in ["In-Reply-To", "in-reply-to", "References", "references"] {
                if let value = headers.string(name).value { references += InboundMail.messageIDs(in: value) }
            }
        } else if case .value(let block) = body.string("headers") {
            references += InboundMail.references(inHeaders: block)
            // A bounce forwarded as JSON carries its report in the text; keep headers for the DSN reader too.
            if text == nil { text = block }
        }
        try body.finish()
        guard let sender = from.value else { throw ValidationError("from", "is required") }
        return InboundMail.email(from: sender, subject: subject, references: references, text: text)
    }

    /// A form post as its (name, value) pairs, in order and with repeats: Twilio's signature
    /// covers every pair, which `URLEncodedFormDecoder` (decoding into a type) does not keep.
    static func formFields(_ buffer: ByteBuffer) -> [(String, String)] {
        String(decoding: buffer.readableBytesView, as: UTF8.self).split(separator: "&").compactMap { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let decode = { (text: Substring) in text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(text) }
            guard let name = parts.first else { return nil }
            return (decode(name), parts.count > 1 ? decode(parts[1]) : "")
        }
    }

    static func scheme(_ request: Request) -> String {
        request.headers[HTTPField.Name("X-Forwarded-Proto")!]?.split(separator: ",").first.map { $0.trimmingCharacters(in: .whitespaces) }
            ?? request.head.scheme ?? "http"
    }

    static let unknownLink = "<h1>Link not recognised</h1><p>This link is not valid (it may have been cut short by your mail program).</p>"

    static func page(_ status: HTTPResponse.Status, _ content: String) -> Response {
        let html = """
            <!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">\
            <title>Outbound</title><style>body{font:16px system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem}\
            button{font:inherit;padding:.5rem 1.25rem}</style></head><body>\(content)</body></html>
            """
        return Response(status: status, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
                        body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// A transparent 1×1 GIF.
    static let pixel = [UInt8](Data(base64Encoded: "R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")!)
}

struct SenderCheckBody: ResponseEncodable, Sendable {
    var object = "sender_check"
    var senderId: String
    var status: String
    @Nullable var error: String?
    var checkedAt: String
}

struct MailboxBody: ResponseEncodable, Sendable {
    var object = "mailbox"
    var senderId: String
    var status: String
    @Nullable var error: String?
    @Nullable var uidValidity: Int64?
    @Nullable var lastUid: Int64?
    var messagesRead: Int64
    @Nullable var checkedAt: String?

    init(sender: Sender, state: MailboxState?) {
        senderId = sender.id.rawValue
        status = sender.settings.imap == nil ? "not_configured" : state?.status.rawValue ?? "not_started"
        error = state?.error
        uidValidity = state?.uidValidity
        lastUid = state?.lastUID
        messagesRead = state?.messagesRead ?? 0
        checkedAt = state.map { Timestamp.iso($0.checkedAt) }
    }
}

struct WebhookBody: ResponseEncodable, Sendable {
    var received: Bool
    var matched: Int
}

extension Request {
    /// The whole body, up to the context's limit (413 beyond).
    mutating func rawBody(context: AppContext) async throws -> ByteBuffer {
        try await collectBody(upTo: context.maxUploadSize)
    }
}
