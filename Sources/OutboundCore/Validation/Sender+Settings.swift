import Foundation

extension Sender {
    /// Merges provider settings; a block belongs to one channel (`smtp` → email, `twilio` → sms,
    /// `gateway` → linkedin). Secrets left absent keep their stored value.
    mutating func applySettings(_ input: SenderInput, issues: inout IssueList) {
        // Another channel's block may be null (as a read sender shows it), never a value.
        if case .value = input.smtp, channel != .email { issues.add("smtp", "applies to email senders only") }
        if case .value = input.imap, channel != .email { issues.add("imap", "applies to email senders only") }
        if case .value = input.twilio, channel != .sms { issues.add("twilio", "applies to sms senders only") }
        if case .value = input.gateway, channel != .linkedin { issues.add("gateway", "applies to linkedin senders only") }
        if case .value = input.unipile, channel != .linkedin { issues.add("unipile", "applies to linkedin senders only") }
        switch (channel, input.smtp) {
        case (.email, .null): settings.smtp = nil
        case (.email, .value(let smtp)): settings.smtp = Sender.mergeSMTP(smtp, onto: settings.smtp, issues: &issues)
        default: break
        }
        switch (channel, input.imap) {
        case (.email, .null): settings.imap = nil
        case (.email, .value(let imap)): settings.imap = Sender.mergeIMAP(imap, onto: settings.imap, issues: &issues)
        default: break
        }
        switch (channel, input.twilio) {
        case (.sms, .null): settings.twilio = nil
        case (.sms, .value(let twilio)): settings.twilio = Sender.merge(twilio, onto: settings.twilio, issues: &issues)
        default: break
        }
        switch (channel, input.gateway) {
        case (.linkedin, .null): settings.gateway = nil
        case (.linkedin, .value(let gateway)): settings.gateway = Sender.merge(gateway, onto: settings.gateway, issues: &issues)
        default: break
        }
        switch (channel, input.unipile) {
        case (.linkedin, .null): settings.unipile = nil
        case (.linkedin, .value(let unipile)): settings.unipile = Sender.merge(unipile, onto: settings.unipile, issues: &issues)
        default: break
        }
        if settings.gateway != nil, settings.unipile != nil {
            issues.add("unipile", "a linkedin sender has a gateway or unipile, not both (set gateway to null)")
        }
    }

    private static func mergeSMTP(_ input: MailServerInput, onto current: SMTPSettings?, issues: inout IssueList) -> SMTPSettings? {
        let login = mergeLogin(input, onto: current.map { ($0.host, $0.port, $0.security, $0.username, $0.password) }, block: "smtp",
                               defaultSecurity: .starttls, ports: [.starttls: 587, .tls: 465, .none: 25], issues: &issues)
        return login.map { SMTPSettings(host: $0.host, port: $0.port, security: $0.security, username: $0.username, password: $0.password) }
            ?? current
    }

    private static func mergeIMAP(_ input: MailServerInput, onto current: IMAPSettings?, issues: inout IssueList) -> IMAPSettings? {
        let login = mergeLogin(input, onto: current.map { ($0.host, $0.port, $0.security, $0.username, $0.password) }, block: "imap",
                               defaultSecurity: .tls, ports: [.starttls: 143, .tls: 993, .none: 143], issues: &issues)
        return login.map { IMAPSettings(host: $0.host, port: $0.port, security: $0.security, username: $0.username, password: $0.password) }
            ?? current
    }

    private typealias MailLogin = (host: String, port: Int, security: SMTPSettings.Security, username: String?, password: String?)

    /// A mail server login block (`smtp`, `imap`): host, port, security and credentials, each
    /// absent → unchanged, null → default; the port follows the security unless given.
    private static func mergeLogin(
        _ input: MailServerInput, onto current: MailLogin?, block: String, defaultSecurity: SMTPSettings.Security,
        ports: [SMTPSettings.Security: Int], issues: inout IssueList
    ) -> MailLogin? {
        var security = current?.security ?? defaultSecurity
        switch input.security {
        case .value(let text):
            if let value = SMTPSettings.Security(rawValue: text) { security = value } else {
                issues.add("\(block).security", "must be one of starttls, tls, none")
            }
        case .null: security = defaultSecurity
        case .absent: break
        }
        let defaultPort = ports[security] ?? 0
        var port = current?.port ?? defaultPort
        switch input.port {
        case .value(let number):
            if (1...65_535).contains(number) { port = number } else { issues.add("\(block).port", "must be between 1 and 65535") }
        case .null: port = defaultPort
        case .absent: break
        }
        let host = string(input.host, current: current?.host, field: "\(block).host", required: true, issues: &issues)
        let username = string(input.username, current: current?.username, field: "\(block).username", required: false, issues: &issues)
        let password = string(input.password, current: current?.password, field: "\(block).password", required: false, issues: &issues)
        guard let host else { return nil }
        return (host, port, security, username, password)
    }

    private static func merge(_ input: TwilioInput, onto current: TwilioSettings?, issues: inout IssueList) -> TwilioSettings? {
        let sid = string(input.accountSID, current: current?.accountSID, field: "twilio.account_sid", required: true, issues: &issues)
        let token = string(input.authToken, current: current?.authToken, field: "twilio.auth_token", required: false, issues: &issues)
        var baseURL = current?.baseURL ?? TwilioSettings.defaultBaseURL
        switch input.baseURL {
        case .value(let text):
            if isHTTPURL(text) { baseURL = text } else { issues.add("twilio.base_url", "must be an http(s) URL") }
        case .null: baseURL = TwilioSettings.defaultBaseURL
        case .absent: break
        }
        guard let sid else { return current }
        return TwilioSettings(accountSID: sid, authToken: token, baseURL: baseURL)
    }

    private static func merge(_ input: GatewayInput, onto current: GatewaySettings?, issues: inout IssueList) -> GatewaySettings? {
        let url = string(input.url, current: current?.url, field: "gateway.url", required: true, issues: &issues)
        if let url, !isHTTPURL(url) { issues.add("gateway.url", "must be an http(s) URL") }
        let secret = string(input.secret, current: current?.secret, field: "gateway.secret", required: false, issues: &issues)
        guard let url else { return current }
        return GatewaySettings(url: url, secret: secret)
    }

    private static func merge(_ input: UnipileInput, onto current: UnipileSettings?, issues: inout IssueList) -> UnipileSettings? {
        var dsn = string(input.dsn, current: current?.dsn, field: "unipile.dsn", required: true, issues: &issues)
        // Unipile shows the DSN without a scheme (`api8.unipile.com:13851`): it is https.
        if let text = dsn, !text.contains("://") { dsn = "https://" + text }
        if let dsn, !isHTTPURL(dsn) { issues.add("unipile.dsn", "must be a host:port or an http(s) URL") }
        let key = string(input.apiKey, current: current?.apiKey, field: "unipile.api_key", required: true, issues: &issues)
        let account = string(input.accountID, current: current?.accountID, field: "unipile.account_id", required: true, issues: &issues)
        let secret = string(input.webhookSecret, current: current?.webhookSecret, field: "unipile.webhook_secret", required: false,
                            issues: &issues)
        guard let dsn, let account else { return current }
        return UnipileSettings(dsn: dsn.hasSuffix("/") ? String(dsn.dropLast()) : dsn, apiKey: key, accountID: account, webhookSecret: secret)
    }

    private static func string(
        _ field: Field<String>, current: String?, field name: String, required: Bool, issues: inout IssueList
    ) -> String? {
        let value: String? = switch field {
        case .absent: current
        case .null: nil
        case .value(let text): text.isEmpty ? nil : text
        }
        if required, value == nil { issues.add(name, "is required") }
        return value
    }

    private static func isHTTPURL(_ text: String) -> Bool {
        guard let url = URLComponents(string: text), let scheme = url.scheme?.lowercased(),
              scheme == "http" || scheme == "https", url.host?.isEmpty == false
        else { return false }
        return true
    }
}
