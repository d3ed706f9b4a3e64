/// How a sender reaches its provider. Secret fields are write-only: stored, never returned.
public struct ProviderSettings: Sendable, Hashable, Codable {
    public var smtp: SMTPSettings?
    /// Where an email sender's replies are read (its mailbox, over IMAP).
    public var imap: IMAPSettings?
    public var twilio: TwilioSettings?
    public var gateway: GatewaySettings?
    /// A LinkedIn seat driven through Unipile's API instead of a gateway.
    public var unipile: UnipileSettings?

    public init(smtp: SMTPSettings? = nil, imap: IMAPSettings? = nil, twilio: TwilioSettings? = nil, gateway: GatewaySettings? = nil,
                unipile: UnipileSettings? = nil) {
        self.smtp = smtp
        self.imap = imap
        self.twilio = twilio
        self.gateway = gateway
        self.unipile = unipile
    }

    public var isEmpty: Bool { smtp == nil && imap == nil && twilio == nil && gateway == nil && unipile == nil }

    /// The IMAP login: the mailbox's own, else the SMTP login's (most providers use one login
    /// for both), else the sender's address as user name.
    public func imapLogin(address: String?) -> (username: String, password: String?)? {
        guard let imap else { return nil }
        let username = imap.username ?? smtp?.username ?? address ?? ""
        return (username, imap.password ?? smtp?.password)
    }
}

/// The mailbox an email sender's replies arrive in, read over IMAP (RFC 9051).
public struct IMAPSettings: Sendable, Hashable, Codable {
    public var host: String
    public var port: Int
    public var security: SMTPSettings.Security
    /// Nil: the SMTP user name (or the sender's address).
    public var username: String?
    /// Secret. Nil: the SMTP password.
    public var password: String?

    public init(host: String, port: Int, security: SMTPSettings.Security, username: String?, password: String?) {
        self.host = host
        self.port = port
        self.security = security
        self.username = username
        self.password = password
    }
}

/// SMTP submission of an email sender.
public struct SMTPSettings: Sendable, Hashable, Codable {
    public enum Security: String, Sendable, Codable, CaseIterable { case starttls, tls, none }
    public var host: String
    public var port: Int
    public var security: Security
    public var username: String?
    /// Secret.
    public var password: String?

    public init(host: String, port: Int, security: Security, username: String?, password: String?) {
        self.host = host
        self.port = port
        self.security = security
        self.username = username
        self.password = password
    }
}

/// A Twilio-format SMS provider.
public struct TwilioSettings: Sendable, Hashable, Codable {
    public var accountSID: String
    /// Secret.
    public var authToken: String?
    public var baseURL: String

    public static let defaultBaseURL = "https://api.twilio.com"

    public init(accountSID: String, authToken: String?, baseURL: String) {
        self.accountSID = accountSID
        self.authToken = authToken
        self.baseURL = baseURL
    }
}

/// The HTTP action gateway that performs a LinkedIn sender's actions.
public struct GatewaySettings: Sendable, Hashable, Codable {
    public var url: String
    /// Secret: the HMAC key that signs requests to the gateway.
    public var secret: String?

    public init(url: String, secret: String?) {
        self.url = url
        self.secret = secret
    }
}

/// A LinkedIn account linked to Unipile (a provider API that holds the LinkedIn session).
public struct UnipileSettings: Sendable, Hashable, Codable {
    /// The account's API base, as Unipile's dashboard shows it (`https://api8.unipile.com:13851`).
    public var dsn: String
    /// Secret: the `X-API-KEY` of the Unipile application.
    public var apiKey: String?
    /// The linked LinkedIn account's ID at Unipile.
    public var accountID: String
    /// Secret: the value Unipile's webhooks carry in `Unipile-Auth` (set when creating the webhook).
    public var webhookSecret: String?

    public init(dsn: String, apiKey: String?, accountID: String, webhookSecret: String?) {
        self.dsn = dsn
        self.apiKey = apiKey
        self.accountID = accountID
        self.webhookSecret = webhookSecret
    }
}
