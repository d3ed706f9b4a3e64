import Foundation
import OutboundCore

/// SMS through Twilio's REST API or any provider that speaks it (`base_url`):
/// `POST {base_url}/2010-04-01/Accounts/{sid}/Messages.json`, form-encoded, HTTP basic auth.
public struct TwilioSMSChannel: OutreachChannel {
    let keyring: Keyring

    public init(keyring: Keyring) {
        self.keyring = keyring
    }

    /// Twilio error codes that end a lead: invalid number, opted out (also suppressed), not a mobile.
    static let permanentCodes: Set<Int> = [21211, 21610, 21614]
    static let optedOutCode = 21610

    public func send(_ action: OutboundAction) async -> SendResult {
        guard let settings = action.sender.settings.twilio, let from = action.sender.phone else {
            return .permanent("sender \(action.sender.id) has no twilio settings", bounced: false)
        }
        let exchange: HTTPExchange
        do {
            let token = try keyring.open(settings.authToken ?? "")
            exchange = try await HTTPExchange.perform(
                .POST, "\(Self.trimmed(settings.baseURL))/2010-04-01/Accounts/\(settings.accountSID)/Messages.json",
                headers: [("Authorization", HTTPExchange.basicAuth(settings.accountSID, token)),
                          ("Content-Type", "application/x-www-form-urlencoded"), ("Accept", "application/json")],
                body: HTTPExchange.formEncoded([("To", action.recipient), ("From", from), ("Body", action.body ?? "")]))
        } catch {
            return .transient("cannot reach \(settings.baseURL): \(error)")
        }
        return Self.classify(exchange)
    }

    static func classify(_ exchange: HTTPExchange) -> SendResult {
        let json = exchange.json
        if (200..<300).contains(exchange.status) { return .sent(providerID: json?["sid"] as? String, signals: []) }
        let code = json?["code"] as? Int
        let message = "HTTP \(exchange.status)" + (code.map { " (Twilio \($0))" } ?? "") + ": " + ((json?["message"] as? String) ?? exchange.excerpt)
        if exchange.status == 429 || exchange.status >= 500 { return .transient(message) }
        // Credentials are the sender's problem, not the lead's: retried, then failed with the reason.
        if exchange.status == 401 || exchange.status == 403 { return .transient(message) }
        if let code, permanentCodes.contains(code) { return .permanent(message, bounced: code == optedOutCode) }
        return .permanent(message, bounced: false)
    }

    /// Twilio cannot be asked by our ID whether a message went out: an interrupted send stays uncertain.
    public func confirm(_ action: OutboundAction) async -> Bool? { nil }

    /// Fetches the account: proves the SID and token are right without sending anything.
    public func check(_ sender: Sender) async -> SenderCheck {
        guard let settings = sender.settings.twilio else { return .failed("no twilio settings") }
        do {
            let token = try keyring.open(settings.authToken ?? "")
            let exchange = try await HTTPExchange.perform(
                .GET, "\(Self.trimmed(settings.baseURL))/2010-04-01/Accounts/\(settings.accountSID).json",
                headers: [("Authorization", HTTPExchange.basicAuth(settings.accountSID, token)), ("Accept", "application/json")])
            if (200..<300).contains(exchange.status) { return .connected }
            return .failed("HTTP \(exchange.status): \((exchange.json?["message"] as? String) ?? exchange.excerpt)")
        } catch {
            return .failed("cannot reach \(settings.baseURL): \(error)")
        }
    }

    static func trimmed(_ url: String) -> String { url.hasSuffix("/") ? String(url.dropLast()) : url }
}

import Crypto

/// Twilio's request signature (`X-Twilio-Signature`): base64 HMAC-SHA1, keyed with the auth
/// token, of the full URL followed by every POST parameter's name and value, sorted by name.
public enum TwilioSignature {
    public static func compute(url: String, parameters: [(String, String)], authToken: String) -> String {
        Data(HMAC<Insecure.SHA1>.authenticationCode(for: signed(url: url, parameters: parameters), using: key(authToken)))
            .base64EncodedString()
    }

    public static func isValid(_ signature: String, url: String, parameters: [(String, String)], authToken: String) -> Bool {
        guard let mac = Data(base64Encoded: signature) else { return false }
        // swift-crypto compares in constant time.
        return HMAC<Insecure.SHA1>.isValidAuthenticationCode(mac, authenticating: signed(url: url, parameters: parameters),
                                                             using: key(authToken))
    }

    /// The URL followed by every parameter's name and value, sorted by name.
    private static func signed(url: String, parameters: [(String, String)]) -> Data {
        var data = url
        for (name, value) in parameters.sorted(by: { $0.0 == $1.0 ? $0.1 < $1.1 : $0.0 < $1.0 }) { data += name + value }
        return Data(data.utf8)
    }

    private static func key(_ authToken: String) -> SymmetricKey { SymmetricKey(data: Data(authToken.utf8)) }
}
