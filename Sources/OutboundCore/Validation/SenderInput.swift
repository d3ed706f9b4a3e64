/// A sender as sent by a client, before validation. Used for create (absent → default) and for
/// patch (absent → unchanged, null → reset to default or cleared).
public struct SenderInput: Sendable {
    public var channel: Field<String> = .absent
    public var displayName: Field<String> = .absent
    public var linkedinURL: Field<String> = .absent
    public var email: Field<String> = .absent
    public var phone: Field<String> = .absent
    public var timezone: Field<String> = .absent
    public var status: Field<String> = .absent
    /// Per action kind name; each window merges onto the current (or default) limit.
    public var limits: Field<[String: Field<RateLimitInput>]> = .absent
    public var pacing: Field<PacingInput> = .absent
    public var smtp: Field<SMTPInput> = .absent
    public var imap: Field<IMAPInput> = .absent
    public var twilio: Field<TwilioInput> = .absent
    public var gateway: Field<GatewayInput> = .absent
    public var unipile: Field<UnipileInput> = .absent

    /// Problems found while reading the input (wrong JSON types), reported together with the
    /// rule checks so a client sees every problem at once.
    public var readIssues: [FieldIssue] = []

    public init() {}
}

public struct RateLimitInput: Sendable {
    public var perHour: Field<Int> = .absent
    public var perDay: Field<Int> = .absent
    public var perWeek: Field<Int> = .absent
    public init() {}
}

public struct PacingInput: Sendable {
    public var minGapSeconds: Field<Int> = .absent
    public var maxGapSeconds: Field<Int> = .absent
    public init() {}
}

/// A mail server login as sent (`smtp`, `imap`): the same members for both.
public struct MailServerInput: Sendable {
    public var host: Field<String> = .absent
    public var port: Field<Int> = .absent
    public var security: Field<String> = .absent
    public var username: Field<String> = .absent
    public var password: Field<String> = .absent
    public init() {}
}

public typealias SMTPInput = MailServerInput
public typealias IMAPInput = MailServerInput

public struct TwilioInput: Sendable {
    public var accountSID: Field<String> = .absent
    public var authToken: Field<String> = .absent
    public var baseURL: Field<String> = .absent
    public init() {}
}

public struct GatewayInput: Sendable {
    public var url: Field<String> = .absent
    public var secret: Field<String> = .absent
    public init() {}
}

public struct UnipileInput: Sendable {
    public var dsn: Field<String> = .absent
    public var apiKey: Field<String> = .absent
    public var accountID: Field<String> = .absent
    public var webhookSecret: Field<String> = .absent
    public init() {}
}
