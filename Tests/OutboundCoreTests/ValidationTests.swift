import Foundation
import Testing
@testable import OutboundCore

@Suite struct CampaignValidationTests {
    let now = Date(timeIntervalSince1970: 1_790_000_000)

    func draft(_ channel: CampaignChannel = .email) -> Campaign {
        Campaign(id: .generate(.campaign), workspaceID: .generate(.workspace), name: "Q2", channel: channel,
                 createdAt: now, updatedAt: now)
    }

    func issues(_ input: CampaignInput, on campaign: Campaign? = nil) -> [String: String] {
        var campaign = campaign ?? draft()
        var issues = IssueList()
        campaign.apply(input, issues: &issues)
        return Dictionary(issues.issues.map { ($0.field, $0.message) }, uniquingKeysWith: { first, _ in first })
    }

    @Test func defaultsOfANewCampaign() {
        let campaign = draft()
        #expect(campaign.status == .draft)
        #expect(campaign.schedule == .businessHours)
        #expect(campaign.hourlyMessageRate == 10 && campaign.dailyLimit == 50)
        #expect(campaign.stopOnReply && campaign.skipOtherCampaigns && !campaign.dryRun)
        #expect(campaign.timezone == .utc)
    }

    @Test func everyBadFieldIsReportedAtOnce() {
        var input = CampaignInput()
        input.name = .value("   ")
        input.priority = .value(-1)
        input.timezone = .value("Nowhere/City")
        input.hourlyMessageRate = .value(61)
        input.dailyLimit = .value(0)
        input.senderIDs = .value(["seat_0123456789abcdef0123", "campaign_0123456789abcdef0123", "seat_0123456789abcdef0123"])
        input.status = .value("active")
        input.channel = .value("sms")
        input.schedule = .value(["monday": [.init(start: "18:00", end: "09:00")]])
        input.signature = .value(String(repeating: "x", count: 5_001))
        let found = issues(input)
        #expect(Set(found.keys) == [
            "name", "priority", "timezone", "hourly_message_rate", "daily_limit", "sender_ids[1]", "sender_ids[2]",
            "status", "channel", "schedule.monday[0].end", "signature",
        ])
        #expect(found["hourly_message_rate"] == "must be between 1 and 60")
        #expect(found["daily_limit"] == "must be between 1 and 500")
    }

    @Test(arguments: [1, 60])
    func hourlyRateBounds(value: Int) {
        var input = CampaignInput()
        input.hourlyMessageRate = .value(value)
        #expect(issues(input).isEmpty)
    }

    @Test func nullResetsToTheDefaultAndAbsentKeeps() {
        var campaign = draft()
        campaign.dailyLimit = 200
        campaign.description = "keep me"
        campaign.signature = "— Jane"
        var input = CampaignInput()
        input.dailyLimit = .null
        input.signature = .null
        var issues = IssueList()
        campaign.apply(input, issues: &issues)
        #expect(issues.isEmpty)
        #expect(campaign.dailyLimit == 50)
        #expect(campaign.description == "keep me")
        #expect(campaign.signature == nil)
    }

    @Test func multichannelAcceptsEverySender() {
        #expect(CampaignChannel.multichannel.accepts(.sms))
        #expect(CampaignChannel.email.accepts(.email))
        #expect(!CampaignChannel.email.accepts(.linkedin))
    }
}

@Suite struct SenderValidationTests {
    let now = Date(timeIntervalSince1970: 1_790_000_000)

    func sender(_ channel: ChannelKind) -> Sender {
        Sender(id: .generate(.sender), workspaceID: .generate(.workspace), channel: channel, displayName: "Jane",
               createdAt: now, updatedAt: now)
    }

    func apply(_ input: SenderInput, to channel: ChannelKind) -> (Sender, [String]) {
        var sender = sender(channel)
        var issues = IssueList()
        sender.apply(input, issues: &issues)
        return (sender, issues.issues.map(\.field))
    }

    @Test(arguments: [(ChannelKind.linkedin, "linkedin_url"), (.email, "email"), (.sms, "phone")])
    func theChannelsIdentityIsRequired(channel: ChannelKind, field: String) {
        var input = SenderInput()
        input.displayName = .value("Jane")
        let (_, fields) = apply(input, to: channel)
        #expect(fields == [field])
    }

    @Test func conservativeDefaults() {
        let linkedin = sender(.linkedin)
        #expect(linkedin.limits[.connectionRequest] == RateLimit(perDay: 20, perWeek: 100))
        #expect(linkedin.pacing == Pacing(minGapSeconds: 120, maxGapSeconds: 360))
        let email = sender(.email)
        #expect(email.limits[.email] == RateLimit(perHour: 20, perDay: 50))
        #expect(email.pacing == Pacing(minGapSeconds: 30, maxGapSeconds: 120))
    }

    @Test func limitsMergeWindowByWindow() {
        var input = SenderInput()
        input.email = .value("jane@example.com")
        var limit = RateLimitInput()
        limit.perDay = .value(100)
        input.limits = .value(["email": .value(limit)])
        let (sender, fields) = apply(input, to: .email)
        #expect(fields.isEmpty)
        #expect(sender.limits[.email] == RateLimit(perHour: 20, perDay: 100))
    }

    @Test func badLimitsAndPacingNameTheirPaths() {
        var input = SenderInput()
        input.linkedinURL = .value("https://www.linkedin.com/in/jane")
        var tooFast = RateLimitInput()
        tooFast.perHour = .value(30)
        tooFast.perDay = .value(10)
        var negative = RateLimitInput()
        negative.perWeek = .value(-1)
        input.limits = .value(["message": .value(tooFast), "sms": .value(RateLimitInput()), "follow": .value(negative)])
        var pacing = PacingInput()
        pacing.minGapSeconds = .value(600)
        input.pacing = .value(pacing)
        var smtp = SMTPInput()
        smtp.host = .value("smtp.example.com")
        input.smtp = .value(smtp)
        let (_, fields) = apply(input, to: .linkedin)
        #expect(Set(fields) == ["limits.message.per_hour", "limits.sms", "limits.follow.per_week",
                                "pacing.max_gap_seconds", "smtp"])
    }

    @Test func smtpSettingsDefaultPortBySecurityAndKeepSecrets() {
        var input = SenderInput()
        input.email = .value("jane@example.com")
        var smtp = SMTPInput()
        smtp.host = .value("smtp.example.com")
        smtp.security = .value("tls")
        smtp.password = .value("s3cret")
        input.smtp = .value(smtp)
        var (sender, fields) = apply(input, to: .email)
        #expect(fields.isEmpty)
        #expect(sender.settings.smtp?.port == 465)
        // A later patch that leaves the password out keeps it.
        var patch = SenderInput()
        var hostOnly = SMTPInput()
        hostOnly.host = .value("mail.example.com")
        patch.smtp = .value(hostOnly)
        var issues = IssueList()
        sender.apply(patch, issues: &issues)
        #expect(issues.isEmpty)
        #expect(sender.settings.smtp?.password == "s3cret")
        #expect(sender.settings.smtp?.host == "mail.example.com")
    }

    @Test func twilioNeedsAnAccountSID() {
        var input = SenderInput()
        input.phone = .value("+14155550133")
        var twilio = TwilioInput()
        twilio.baseURL = .value("ftp://nope")
        input.twilio = .value(twilio)
        let (_, fields) = apply(input, to: .sms)
        #expect(Set(fields) == ["twilio.account_sid", "twilio.base_url"])
    }
}
