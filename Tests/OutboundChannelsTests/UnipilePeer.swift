import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Synchronization

/// A real HTTP server on loopback that answers as Unipile's v1 API documents it: the requests
/// Outbound makes (paths, `X-API-KEY`, `account_id`, JSON or multipart bodies) and Unipile's
/// answers, its RFC 7807 error bodies among them. It keeps what was sent (invitations, chats
/// and their messages, reactions), so it can answer the lookups a crash recovery makes.
final class UnipilePeer: Sendable {
    static let apiKey = "unipile-key"
    static let account = "acc_SEAT1"

    struct State {
        var requests: [(method: String, path: String, body: String)] = []
        var invited: [String] = []
        /// chat ID → member, and each chat's messages (ours).
        var chats: [String: String] = [:]
        var messages: [String: [String]] = [:]
        var reactions: [String] = []
        /// Scripted failures: the next invitation answers this (status, type), once.
        var inviteFailure: (status: Int, type: String, retryAfter: Int?)?
        var sessionLost = false
    }

    let state = Mutex(State())
    private let port = Mutex(0)
    private let task = Mutex<Task<Void, any Error>?>(nil)
    var dsn: String { "http://127.0.0.1:\(port.withLock { $0 })" }

    static func start() async throws -> UnipilePeer {
        let peer = UnipilePeer()
        let router = Router()
        for method in [HTTPRequest.Method.get, .post] {
            router.on("/api/v1/**", method: method) { request, _ -> Response in
                let body = String(buffer: try await request.body.collect(upTo: 1 << 20))
                let (status, json) = peer.answer(method: method.rawValue, path: request.uri.path, query: request.uri.queryParameters,
                                                 headers: request.headers, body: body)
                return Response(status: .init(code: status), headers: [.contentType: "application/json"],
                                body: .init(byteBuffer: ByteBuffer(string: json)))
            }
        }
        let (port, task) = await serveOnLoopback(router, label: "unipile-peer")
        peer.port.withLock { $0 = port }
        peer.task.withLock { $0 = task }
        return peer
    }

    func stop() {
        task.withLock { $0?.cancel() }
    }

    static func error(_ status: Int, _ type: String, _ title: String, retryAfter: Int? = nil) -> (Int, String) {
        let extra = retryAfter.map { ", \"retry_after\": \($0)" } ?? ""
        return (status, #"{"object": "Error", "status": \#(status), "type": "\#(type)", "title": "\#(title)"\#(extra)}"#)
    }

    /// `ACoAA` + the public identifier: a stand-in for LinkedIn's member IDs.
    static func member(_ slug: String) -> String { "ACoAA" + slug.replacingOccurrences(of: "-", with: "") }

    private func answer(method: String, path: String, query: Parameters, headers: HTTPFields, body: String) -> (Int, String) {
        state.withLock { state in
            state.requests.append((method, path, body))
            guard headers[HTTPField.Name("X-API-KEY")!] == Self.apiKey else {
                return Self.error(401, "errors/missing_credentials", "Missing credentials")
            }
            if state.sessionLost { return Self.error(401, "errors/disconnected_account", "Disconnected account") }
            let parts = path.split(separator: "/").dropFirst(2).map(String.init)  // after /api/v1
            let account = query.get("account_id") ?? Self.field("account_id", in: body)
            // A chat's own routes name the chat; everything else names the account.
            let scoped = parts.first == "accounts" || (parts.first == "chats" && parts.count == 3)
            if !scoped, account != Self.account {
                return Self.error(400, "errors/invalid_parameters", "account_id is missing or unknown")
            }
            switch (method, parts.count) {
            case ("GET", 2) where parts[0] == "accounts":
                let id = parts[1]
                return id == Self.account ? (200, #"{"object": "Account", "id": "\#(id)", "sources": [{"id": "\#(id)_MESSAGING", "status": "OK"}]}"#)
                    : Self.error(404, "errors/resource_not_found", "Account not found")
            case ("GET", 3) where parts == ["users", "invite", "sent"]:
                let items = state.invited.map { #"{"object": "UserInvitation", "invited_user_id": "\#($0)"}"# }
                return (200, #"{"object": "InvitationList", "items": [\#(items.joined(separator: ","))]}"#)
            case ("GET", 3) where parts[0] == "users" && parts[2] == "posts":
                let identifier = parts[1]
                return (200, #"{"object": "PostList", "items": [{"object": "Post", "social_id": "urn:li:activity:\#(identifier)"}]}"#)
            case ("GET", 2) where parts[0] == "users":
                let identifier = parts[1]
                if identifier == "gone-person" { return Self.error(422, "errors/invalid_recipient", "Recipient cannot be reached") }
                let slug = identifier.hasPrefix("ACoAA") ? "ada-lovelace" : identifier
                return (200, #"{"object": "UserProfile", "provider_id": "\#(Self.member(slug))", "public_identifier": "\#(slug)"}"#)
            case ("POST", 2) where parts == ["users", "invite"]:
                if let failure = state.inviteFailure {
                    state.inviteFailure = nil
                    return Self.error(failure.status, failure.type, "Invitation refused", retryAfter: failure.retryAfter)
                }
                state.invited.append(Self.field("provider_id", in: body) ?? "")
                return (201, #"{"object": "UserInvitationSent", "invitation_id": "inv_\#(state.invited.count)"}"#)
            case ("GET", 3) where parts[0] == "chat_attendees" && parts[2] == "chats":
                let member = parts[1]
                let items = state.chats.filter { $0.value == member }.keys.map { #"{"object": "Chat", "id": "\#($0)"}"# }
                return (200, #"{"object": "ChatList", "items": [\#(items.joined(separator: ","))]}"#)
            case ("POST", 1) where parts == ["chats"]:
                let fields = Self.multipart(body)
                guard let member = fields["attendees_ids"], let text = fields["text"] else {
                    return Self.error(400, "errors/invalid_parameters", "attendees_ids and text are required")
                }
                let chat = "chat_\(state.chats.count + 1)"
                state.chats[chat] = member
                state.messages[chat] = [text]
                return (201, #"{"object": "ChatStarted", "chat_id": "\#(chat)", "message_id": "msg_1"}"#)
            case ("POST", 3) where parts[0] == "chats" && parts[2] == "messages":
                let chat = parts[1]
                guard state.chats[chat] != nil, let text = Self.multipart(body)["text"] else {
                    return Self.error(404, "errors/resource_not_found", "Chat not found")
                }
                state.messages[chat, default: []].append(text)
                return (201, #"{"object": "MessageSent", "message_id": "msg_\#(state.messages[chat]!.count)"}"#)
            case ("GET", 3) where parts[0] == "chats" && parts[2] == "messages":
                let chat = parts[1]
                let items = (state.messages[chat] ?? []).map { #"{"object": "Message", "is_sender": 1, "text": "\#($0)"}"# }
                return (200, #"{"object": "MessageList", "items": [\#(items.joined(separator: ","))]}"#)
            case ("POST", 2) where parts == ["posts", "reaction"]:
                state.reactions.append(Self.field("post_id", in: body) ?? "")
                return (201, #"{"object": "ReactionAdded"}"#)
            default:
                return Self.error(404, "errors/resource_not_found", "No route \(method) \(path)")
            }
        }
    }

    /// A member of a JSON body, or of a multipart one.
    static func field(_ name: String, in body: String) -> String? {
        if let json = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any] { return json[name] as? String }
        return multipart(body)[name]
    }

    /// The text fields of a `multipart/form-data` body.
    static func multipart(_ body: String) -> [String: String] {
        var fields: [String: String] = [:]
        for part in body.components(separatedBy: "\r\n--") {
            guard let nameRange = part.range(of: "name=\""), let end = part[nameRange.upperBound...].firstIndex(of: "\""),
                  let valueStart = part.range(of: "\r\n\r\n") else { continue }
            var value = String(part[valueStart.upperBound...])
            if value.hasSuffix("\r\n") { value.removeLast(2) }
            fields[String(part[nameRange.upperBound..<end])] = value
        }
        return fields
    }
}
