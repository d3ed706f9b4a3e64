import Foundation
import OutboundCore

/// LinkedIn actions through Unipile's API (v1: `{dsn}/api/v1/…`, `X-API-KEY`), which holds the
/// LinkedIn session: the user pastes an API key and the linked account's ID. Which endpoint does
/// what, and what was checked against Unipile's documentation only, is in docs/ARCHITECTURE.md §6.
///
/// Errors are RFC 7807 bodies (`{"type", "status", "title", "detail"}`); they decide the outcome:
/// a provider limit holds the sender until the provider allows it again, an unreachable recipient
/// ends that lead, a lost session disconnects the sender (with Unipile's words as its leads'
/// reason), 5xx and network failures are retried.
public actor UnipileChannel: OutreachChannel {
    let keyring: Keyring
    let clock: any TimeSource
    /// Where member IDs are kept between sends (on the contact); nil keeps them in this process only.
    let directory: LinkedInMembers?
    /// Member IDs seen by this process, by workspace and public identifier (`/in/{slug}`).
    private var members: [String: String] = [:]

    public init(keyring: Keyring, clock: any TimeSource, members: LinkedInMembers? = nil) {
        self.keyring = keyring
        self.clock = clock
        directory = members
    }

    /// How long a sender waits after a limit when Unipile does not say (LinkedIn counts weekly).
    static let defaultHold: TimeInterval = 24 * 3600

    public func send(_ action: OutboundAction) async -> SendResult {
        guard let settings = action.sender.settings.unipile else {
            return .permanent("sender \(action.sender.id) has no unipile settings", bounced: false)
        }
        guard let slug = Self.publicIdentifier(action.recipient) else {
            return .permanent("\(action.recipient) is not a LinkedIn profile URL", bounced: false)
        }
        do {
            if action.kind == .profileVisit {
                let visit = try await request(.GET, "/users/\(Self.path(slug))", query: [("notify", "true")], settings: settings)
                return outcome(visit, providerID: visit.json?["provider_id"] as? String)
            }
            let member: String
            switch try await memberID(slug, of: action, settings: settings) {
            case .found(let id): member = id
            case .failed(let result): return result
            }
            switch action.kind {
            case .connectionRequest:
                var body: [String: Any] = ["provider_id": member, "account_id": settings.accountID]
                if let note = action.body, !note.isEmpty { body["message"] = note }
                let invite = try await request(.POST, "/users/invite", json: body, settings: settings)
                return outcome(invite, providerID: invite.json?["invitation_id"] as? String)
            case .message:
                if let chat = try await existingChat(with: member, settings: settings) {
                    let sent = try await request(.POST, "/chats/\(Self.path(chat))/messages", form: [("text", action.body ?? "")],
                                                 settings: settings)
                    return outcome(sent, providerID: chat)
                }
                return try await startChat(with: member, action: action, inmail: false, settings: settings)
            case .inmail:
                return try await startChat(with: member, action: action, inmail: true, settings: settings)
            case .likePost:
                let posts = try await request(.GET, "/users/\(Self.path(slug))/posts", query: [("limit", "1")], settings: settings)
                guard (200..<300).contains(posts.status) else { return outcome(posts, providerID: nil) }
                guard let post = (posts.json?["items"] as? [[String: Any]])?.first?["social_id"] as? String else {
                    return .permanent("the member has no post to like", bounced: false)
                }
                let reaction = try await request(.POST, "/posts/reaction",
                                                 json: ["account_id": settings.accountID, "post_id": post, "reaction_type": "like"],
                                                 settings: settings)
                return outcome(reaction, providerID: post)
            case .follow:
                return .permanent("Unipile's API documents no way to follow a LinkedIn member; use a gateway sender for follow steps",
                                  bounced: false)
            default:
                return .permanent("\(action.kind.rawValue) is not a LinkedIn action", bounced: false)
            }
        } catch {
            return .transient("cannot reach Unipile at \(settings.dsn): \(error)")
        }
    }

    /// After a crash: an invitation is confirmed by the account's sent invitations, a message by
    /// the chat's last messages (ours, with the same text). Anything else cannot be told.
    public func confirm(_ action: OutboundAction) async -> Bool? {
        guard let settings = action.sender.settings.unipile, let slug = Self.publicIdentifier(action.recipient) else { return nil }
        do {
            guard case .found(let member) = try await memberID(slug, of: action, settings: settings) else { return nil }
            switch action.kind {
            case .connectionRequest:
                let sent = try await request(.GET, "/users/invite/sent", query: [("limit", "100")], settings: settings)
                guard (200..<300).contains(sent.status), let items = sent.json?["items"] as? [[String: Any]] else { return nil }
                return items.contains { item in
                    ["invited_user_id", "invited_user_provider_id", "provider_id", "invited_user_public_id"].contains {
                        let value = item[$0] as? String
                        return value == member || value == slug
                    }
                }
            case .message, .inmail:
                guard let chat = try await existingChat(with: member, settings: settings) else { return false }
                let messages = try await request(.GET, "/chats/\(Self.path(chat))/messages", query: [("limit", "20")], settings: settings)
                guard (200..<300).contains(messages.status), let items = messages.json?["items"] as? [[String: Any]] else { return nil }
                return items.contains { ($0["is_sender"] as? Int == 1 || $0["is_sender"] as? Bool == true) && $0["text"] as? String == action.body }
            default:
                return nil
            }
        } catch {
            return nil
        }
    }

    /// The linked account as Unipile sees it (`GET /accounts/{id}`): running, or its words.
    public func check(_ sender: Sender) async -> SenderCheck {
        guard let settings = sender.settings.unipile else { return .failed("no unipile settings") }
        do {
            let account = try await request(.GET, "/accounts/\(Self.path(settings.accountID))", settings: settings, withAccount: false)
            guard (200..<300).contains(account.status) else { return .failed(Self.words(account)) }
            let sources = account.json?["sources"] as? [[String: Any]] ?? []
            let bad = sources.compactMap { $0["status"] as? String }.filter { $0 != "OK" }
            return bad.isEmpty ? .connected : .failed("Unipile account status: \(bad.joined(separator: ", "))")
        } catch {
            return .failed("cannot reach Unipile at \(settings.dsn): \(error)")
        }
    }

    /// A member's public URL (`https://www.linkedin.com/in/{public_identifier}`) from the ID a
    /// webhook names, for matching its event to a lead.
    public func profileURL(ofMember id: String, sender: Sender) async -> String? {
        if let known = try? await directory?.profileURL(ofMember: id, in: sender.workspaceID) { return known }
        guard let settings = sender.settings.unipile,
              let profile = try? await request(.GET, "/users/\(Self.path(id))", settings: settings),
              (200..<300).contains(profile.status), let slug = profile.json?["public_identifier"] as? String,
              let url = Identity.linkedinURL("https://www.linkedin.com/in/\(slug)")
        else { return nil }
        members["\(sender.workspaceID)|\(slug)"] = id
        try? await directory?.remember(id, of: url, in: sender.workspaceID)
        return url
    }

    // MARK: Steps

    private enum Member { case found(String), failed(SendResult) }

    /// The member ID of the action's recipient: known to this process, kept on the contact, or
    /// looked up (and then kept).
    private func memberID(_ slug: String, of action: OutboundAction, settings: UnipileSettings) async throws -> Member {
        let key = "\(action.workspaceID)|\(slug)"
        if let id = members[key] { return .found(id) }
        if let id = try await directory?.memberID(of: action.recipient, in: action.workspaceID) {
            members[key] = id
            return .found(id)
        }
        let profile = try await request(.GET, "/users/\(Self.path(slug))", settings: settings)
        guard (200..<300).contains(profile.status) else { return .failed(outcome(profile, providerID: nil)) }
        guard let id = profile.json?["provider_id"] as? String else {
            return .failed(.transient("Unipile's profile of \(slug) has no provider_id"))
        }
        members[key] = id
        try await directory?.remember(id, of: action.recipient, in: action.workspaceID)
        return .found(id)
    }

    private func existingChat(with member: String, settings: UnipileSettings) async throws -> String? {
        let chats = try await request(.GET, "/chat_attendees/\(Self.path(member))/chats", query: [("limit", "1")], settings: settings)
        guard (200..<300).contains(chats.status) else { return nil }
        return (chats.json?["items"] as? [[String: Any]])?.first?["id"] as? String
    }

    private func startChat(with member: String, action: OutboundAction, inmail: Bool, settings: UnipileSettings) async throws -> SendResult {
        var fields = [("account_id", settings.accountID), ("attendees_ids", member), ("text", action.body ?? "")]
        if inmail {
            fields += [("linkedin[api]", "classic"), ("linkedin[inmail]", "true")]
            if let subject = action.subject, !subject.isEmpty { fields.append(("subject", subject)) }
        }
        let started = try await request(.POST, "/chats", form: fields, settings: settings, withAccount: false)
        return outcome(started, providerID: started.json?["chat_id"] as? String)
    }

    /// Unipile's answer as a send result (see the type's comment).
    func outcome(_ exchange: HTTPExchange, providerID: String?) -> SendResult {
        if (200..<300).contains(exchange.status) { return .sent(providerID: providerID, signals: []) }
        let type = (exchange.json?["type"] as? String ?? "").lowercased()
        let words = Self.words(exchange)
        if exchange.status == 429 || type.contains("limit") || type.contains("cannot_resend_yet") || type.contains("too_many") {
            return .senderLimited(words, until: clock.now.addingTimeInterval(Self.retryAfter(exchange) ?? Self.defaultHold))
        }
        if exchange.status >= 500 { return .transient(words) }
        if exchange.status == 401 || exchange.status == 403 || type.contains("invalid_authorization") || type.contains("disconnected")
            || type.contains("invalid_credentials") {
            return .senderDisconnected("the LinkedIn session is lost: \(words)")
        }
        if exchange.status == 404 || type.contains("recipient") || type.contains("not_found") || type.contains("already_invited")
            || type.contains("invalid_parameters") || exchange.status == 422 || exchange.status == 400 {
            return .permanent(words, bounced: false)
        }
        return .transient(words)
    }

    /// `Unipile HTTP 422 errors/invalid_recipient: The recipient cannot be reached.`
    static func words(_ exchange: HTTPExchange) -> String {
        guard let json = exchange.json, json["type"] != nil || json["title"] != nil else {
            return "Unipile HTTP \(exchange.status): \(exchange.excerpt)"
        }
        let parts = [json["type"] as? String, json["title"] as? String, json["detail"] as? String].compactMap { $0 }
        return "Unipile HTTP \(exchange.status) " + parts.joined(separator: ": ")
    }

    /// Seconds a limit lasts, when the error says (`retry_after` in the body).
    static func retryAfter(_ exchange: HTTPExchange) -> TimeInterval? {
        (exchange.json?["retry_after"] as? Double) ?? (exchange.json?["retry_after"] as? Int).map(Double.init)
    }

    /// The `/in/{slug}` of a profile URL.
    static func publicIdentifier(_ url: String) -> String? {
        guard let normal = Identity.linkedinURL(url), let slug = normal.split(separator: "/").last else { return nil }
        return String(slug)
    }

    static func path(_ segment: String) -> String {
        segment.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/"))) ?? segment
    }

    // MARK: Wire

    private func request(_ method: NIOHTTPMethod, _ path: String, query: [(String, String)] = [], json: [String: Any]? = nil,
                         form: [(String, String)]? = nil, settings: UnipileSettings, withAccount: Bool = true) async throws -> HTTPExchange {
        let key = try keyring.open(settings.apiKey ?? "")
        var items = query.map { URLQueryItem(name: $0.0, value: $0.1) }
        if withAccount, json == nil, form == nil { items.insert(URLQueryItem(name: "account_id", value: settings.accountID), at: 0) }
        var components = URLComponents(string: settings.dsn + "/api/v1" + path)
        if !items.isEmpty { components?.queryItems = items }
        guard let url = components?.string else { throw UnipileError("not a URL: \(settings.dsn)") }
        var headers = [("X-API-KEY", key), ("Accept", "application/json")]
        var body: Data?
        if let json {
            body = try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys])
            headers.append(("Content-Type", "application/json"))
        } else if let form {
            let boundary = "outbound-\(UUID().uuidString)"
            body = Self.multipart(form, boundary: boundary)
            headers.append(("Content-Type", "multipart/form-data; boundary=\(boundary)"))
        }
        return try await HTTPExchange.perform(method, url, headers: headers, body: body)
    }

    /// `multipart/form-data` (RFC 7578) of text fields, as Unipile's chat endpoints take them.
    static func multipart(_ fields: [(String, String)], boundary: String) -> Data {
        var text = ""
        for (name, value) in fields {
            text += "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n"
        }
        return Data((text + "--\(boundary)--\r\n").utf8)
    }
}

struct UnipileError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
