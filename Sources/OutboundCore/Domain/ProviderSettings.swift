/// How a sender reaches its provider. Secret fields are write-only: stored, never returned.
public struct ProviderSettings: Sendable, Hashable, Codable {
    public var smtp: SMTPSettings?
    /// Where an email sender's replies are read (its mailbox, over IMAP).
    public var imap: IMAPSettings?
    public var twilio: TwilioSettings?
    public var gateway: GatewaySettings?

    public init(smtp: SMTPSettings? = nil, imap: IMAPSettings? = nil, twilio: TwilioSettings? = nil, gateway: GatewaySettings? = nil) {
        self.smtp = smtp
        self.imap = imap
        self.twilio = twilio
        self.gateway = gateway
    }

    public var isEmpty: Bool { smtp == nil && imap == nil && twilio == nil && gateway == nil }

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
