import Crypto
import Foundation
import OutboundCore

/// LinkedIn actions through the user's own automation, behind an HTTP gateway (LinkedIn has no
/// public messaging API). The protocol is in docs/linkedin-gateway.md.
public struct LinkedInGatewayChannel: OutreachChannel {
    let keyring: Keyring
    let clock: any TimeSource

    public init(keyring: Keyring, clock: any TimeSource) {
        self.keyring = keyring
        self.clock = clock
    }

    public func send(_ action: OutboundAction) async -> SendResult {
        guard let settings = action.sender.settings.gateway else {
            return .permanent("sender \(action.sender.id) has no gateway settings", bounced: false)
        }
        var recipient: [String: Any] = ["linkedin_url": action.recipient]
        if let first = action.recipientFirstName { recipient["first_name"] = first }
        if let last = action.recipientLastName { recipient["last_name"] = last }
        var payload: [String: Any] = [
            "action_id": action.id.rawValue,
            "idempotency_key": action.id.rawValue,
            "type": action.kind.rawValue,
            "campaign_id": action.campaignID.rawValue,
            "sender": ["id": action.sender.id.rawValue, "linkedin_url": action.sender.linkedinURL ?? ""],
            "recipient": recipient,
        ]
        if action.kind == .connectionRequest {
            if let note = action.body, !note.isEmpty { payload["note"] = note }
        } else if let body = action.body {
            payload["body"] = body
        }
        if let subject = action.subject { payload["subject"] = subject }
        let exchange: HTTPExchange
        do {
            let body = try JSONSerialization.data(withJSONObject: payload, options: [.sortedKeys])
            exchange = try await request(.POST, "/actions", settings: settings, body: body)
        } catch {
            return .transient("cannot reach the gateway at \(settings.url): \(error)")
        }
        return Self.classify(exchange)
    }

    static func classify(_ exchange: HTTPExchange) -> SendResult {
        let message = "gateway HTTP \(exchange.status): \((exchange.json?["error"] as? String) ?? exchange.excerpt)"
        switch exchange.status {
        case 200..<300: return .sent(providerID: exchange.json?["id"] as? String, signals: [])
        // Already performed under this idempotency key: sent, and not sent again.
        case 409: return .sent(providerID: exchange.json?["id"] as? String, signals: [])
        case 429, 500...: return .transient(message)
        // The gateway refused our signature: the sender's settings, not the lead.
        case 401, 403: return .transient(message)
        default: return .permanent(message, bounced: false)
        }
    }

    /// Asks the gateway whether an action interrupted by a crash was performed.
    public func confirm(_ action: OutboundAction) async -> Bool? {
        guard let settings = action.sender.settings.gateway,
              let exchange = try? await request(.GET, "/actions/\(action.id.rawValue)", settings: settings, body: Data())
        else { return nil }
        switch exchange.status {
        case 200..<300:
            let status = exchange.json?["status"] as? String
            return status == nil || ["done", "sent", "completed", "succeeded"].contains(status!)
        case 404: return false
        default: return nil
        }
    }

    public func check(_ sender: Sender) async -> SenderCheck {
        guard let settings = sender.settings.gateway else { return .failed("no gateway settings") }
        do {
            let exchange = try await request(.GET, "/health", settings: settings, body: Data())
            return (200..<300).contains(exchange.status) ? .connected : .failed("gateway HTTP \(exchange.status): \(exchange.excerpt)")
        } catch {
            return .failed("cannot reach the gateway at \(settings.url): \(error)")
        }
    }

    private func request(_ method: NIOHTTPMethod, _ path: String, settings: GatewaySettings, body: Data) async throws -> HTTPExchange {
        let secret = try keyring.open(settings.secret ?? "")
        let timestamp = Int(clock.now.timeIntervalSince1970)
        var headers = [("X-Outbound-Signature", GatewaySignature.header(secret: secret, timestamp: timestamp, body: body)),
                       ("Accept", "application/json")]
        if method == .POST { headers.append(("Content-Type", "application/json")) }
        let base = settings.url.hasSuffix("/") ? String(settings.url.dropLast()) : settings.url
        return try await HTTPExchange.perform(method, base + path, headers: headers, body: method == .POST ? body : nil)
    }
}

import NIOHTTP1
typealias NIOHTTPMethod = HTTPMethod

/// `X-Outbound-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`, the same
/// both ways: on requests to the gateway and on its webhooks to us.
public enum GatewaySignature {
    /// Webhooks older or newer than this are refused (replays).
    public static let tolerance: TimeInterval = 300

    public static func header(secret: String, timestamp: Int, body: Data) -> String {
        "t=\(timestamp),v1=\(mac(secret: secret, timestamp: timestamp, body: body))"
    }

    public static func isValid(_ header: String, secret: String, body: Data, now: Date) -> Bool {
        var timestamp: Int?
        var signatures: [[UInt8]] = []
        for part in header.split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2 else { continue }
            if pair[0] == "t" { timestamp = Int(pair[1]) } else if pair[0] == "v1", let mac = Hex.decode(pair[1]) { signatures.append(mac) }
        }
        guard let timestamp, abs(now.timeIntervalSince1970 - Double(timestamp)) <= tolerance else { return false }
        let message = signed(timestamp: timestamp, body: body), key = SymmetricKey(data: Data(secret.utf8))
        // swift-crypto compares in constant time.
        return signatures.contains { HMAC<SHA256>.isValidAuthenticationCode($0, authenticating: message, using: key) }
    }

    private static func mac(secret: String, timestamp: Int, body: Data) -> String {
        Hex.encode(HMAC<SHA256>.authenticationCode(for: signed(timestamp: timestamp, body: body), using: SymmetricKey(data: Data(secret.utf8))))
    }

    /// `"<t>." + body`, what the MAC covers.
    private static func signed(timestamp: Int, body: Data) -> Data {
        var message = Data("\(timestamp).".utf8)
        message.append(body)
        return message
    }
}
