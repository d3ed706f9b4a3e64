import Foundation

/// `outbound serve --demo`: a workspace that shows Outbound working within a minute — senders on
/// each channel, a few hundred made-up leads, and dry-run campaigns already running on the
/// simulator at a visible pace (seconds between sends, answers within a minute or two), plus a
/// user to sign in to the web app with. Everything goes through the same use cases as `/v1`.
public struct DemoService: Sendable {
    let senders: SenderService
    let contacts: ContactService
    let campaigns: CampaignService
    let leads: LeadService
    let lifecycle: LifecycleService
    let users: UserService

    public init(senders: SenderService, contacts: ContactService, campaigns: CampaignService, leads: LeadService,
                lifecycle: LifecycleService, users: UserService) {
        self.senders = senders
        self.contacts = contacts
        self.campaigns = campaigns
        self.leads = leads
        self.lifecycle = lifecycle
        self.users = users
    }

    public static let email = "demo@outbound.example"

    /// Fills `workspace` and returns the demo user's password (random, shown once).
    public func populate(_ workspace: ID, leadsPerCampaign: Int = 120) async throws -> String {
        let seat = try await sender(.linkedin, "Jane Doe (LinkedIn)", identity: "https://www.linkedin.com/in/jane-doe-demo", in: workspace)
        let seat2 = try await sender(.linkedin, "Omar Haddad (LinkedIn)", identity: "https://www.linkedin.com/in/omar-haddad-demo", in: workspace)
        let mailbox = try await sender(.email, "Sam Lee", identity: "sam@acme.example", in: workspace)
        let mailbox2 = try await sender(.email, "Priya Nair", identity: "priya@acme.example", in: workspace)
        let line = try await sender(.sms, "Acme events line", identity: "+14155550100", in: workspace)

        let people = Self.people(count: leadsPerCampaign * 3)
        try await campaign("Agency owners in Berlin", channel: "linkedin", senders: [seat, seat2], nodes: [
            Node(id: "visit", kind: .profileVisit, next: "invite"),
            Node(id: "invite", kind: .connectionRequest(note: "Hi {{first_name}}, I work with agencies like {{company | \"yours\"}}. Happy to connect?"),
                 next: "accepted"),
            Node(id: "accepted", kind: .condition(signal: .accepted, withinDays: 3, yes: "thanks", no: "end")),
            Node(id: "thanks", kind: .message(body: "Thanks for connecting, {{first_name}}! Would a short call next week help?"), next: "end"),
            Node(id: "end", kind: .end),
        ], rates: ["accept_rate": 0.45, "reply_rate": 0.2], people: Array(people[0..<leadsPerCampaign]), in: workspace)
        try await campaign("Founders: hiring help", channel: "email", senders: [mailbox, mailbox2], nodes: [
            Node(id: "hello", kind: .email(EmailStep(subject: "{Quick|Short} question, {{first_name}}",
                                                     body: "Hi {{first_name}},\n\nSaw {{company | \"your team\"}} is hiring. Worth a chat?\n\nSam\n\nReply stop to unsubscribe.")),
                 next: "wait"),
            Node(id: "wait", kind: .delay(minutes: 2), next: "bump"),
            Node(id: "bump", kind: .email(EmailStep(subject: "", body: "Bumping this up, {{first_name}}. Reply stop to unsubscribe.", isReply: true)),
                 next: "end"),
            Node(id: "end", kind: .end),
        ], rates: ["open_rate": 0.6, "reply_rate": 0.15, "bounce_rate": 0.03],
           people: Array(people[leadsPerCampaign..<(2 * leadsPerCampaign)]), in: workspace)
        try await campaign("Meetup reminder", channel: "sms", senders: [line], nodes: [
            Node(id: "remind", kind: .sms(body: "Hi {{first_name}}, see you at the Acme meetup on Thursday? Reply STOP to opt out."), next: "end"),
            Node(id: "end", kind: .end),
        ], rates: ["reply_rate": 0.25], people: Array(people[(2 * leadsPerCampaign)...]), in: workspace)

        let password = SessionService.randomToken().prefix(16).description
        _ = try await users.create(email: Self.email, password: password, fullName: "Demo", accessRole: "ADMIN", in: workspace)
        return password
    }

    /// A sender of `channel` sending every few seconds, with room in its caps for the demo.
    private func sender(_ channel: ChannelKind, _ name: String, identity: String, in workspace: ID) async throws -> Sender {
        var input = SenderInput()
        input.channel = .value(channel.rawValue)
        input.displayName = .value(name)
        switch channel {
        case .linkedin: input.linkedinURL = .value(identity)
        case .email: input.email = .value(identity)
        case .sms: input.phone = .value(identity)
        }
        var pacing = PacingInput()
        pacing.minGapSeconds = .value(3)
        pacing.maxGapSeconds = .value(9)
        input.pacing = .value(pacing)
        var limits: [String: Field<RateLimitInput>] = [:]
        for kind in ActionKind.allCases where kind.channel == channel {
            var limit = RateLimitInput()
            limit.perHour = .value(400)
            limit.perDay = .value(2_000)
            limit.perWeek = .null
            limits[kind.rawValue] = .value(limit)
        }
        input.limits = .value(limits)
        return try await senders.create(input, in: workspace)
    }

    private func campaign(_ name: String, channel: String, senders: [Sender], nodes: [Node], rates: [String: Double],
                          people: [ContactInput], in workspace: ID) async throws {
        var input = CampaignInput()
        input.name = .value(name)
        input.channel = .value(channel)
        input.dryRun = .value(true)
        input.senderIDs = .value(senders.map(\.id.rawValue))
        input.schedule = .value(Weekday.allCases.reduce(into: [:]) { $0[$1.rawValue] = [Schedule.RawWindow(start: "00:00", end: "24:00")] })
        input.hourlyMessageRate = .value(60)
        input.dailyLimit = .value(500)
        input.openTracking = .value(channel == "email")
        var simulation = SimulationInput()
        simulation.rates = rates.mapValues { .value($0) }
        simulation.signalDelayMinutes = .value([0, 2])
        input.simulation = .value(simulation)
        input.sequence = .value(SequenceInput(nodes: nodes, version: nil))
        let campaign = try await campaigns.create(input, in: workspace)
        _ = try await leads.add(.contacts(people), to: campaign.id, in: workspace)
        _ = try await lifecycle.launch(campaign.id, in: workspace)
    }

    /// Made-up people with every identity (first names × last names × companies, no two alike).
    public static func people(count: Int) -> [ContactInput] {
        let first = ["Ada", "Grace", "Alan", "Hedy", "Linus", "Margaret", "Tim", "Katherine", "Dennis", "Barbara", "Ken", "Frances",
                     "Guido", "Radia", "Bjarne", "Anita", "Yukihiro", "Shafi", "Vint", "Sophie"]
        let last = ["Lovelace", "Hopper", "Turing", "Lamarr", "Torvalds", "Hamilton", "Berners", "Johnson", "Ritchie", "Liskov",
                    "Thompson", "Allen", "Rossum", "Perlman", "Stroustrup", "Borg", "Matsumoto", "Goldwasser", "Cerf", "Wilson"]
        let companies = ["Northwind", "Globex", "Initech", "Umbrella Labs", "Hooli", "Stark Studio", "Wayne Digital", "Acme Growth"]
        return (0..<count).map { index in
            let given = first[index % first.count], family = last[(index / first.count) % last.count]
            let slug = "\(given)-\(family)-\(index)".lowercased()
            var person = ContactInput()
            person.firstName = .value(given)
            person.lastName = .value(family)
            person.company = .value(companies[index % companies.count])
            person.email = .value("\(slug)@example.com")
            person.linkedinURL = .value("https://www.linkedin.com/in/\(slug)")
            person.phone = .value("+1415555\(String(format: "%04d", 1000 + index))")
            return person
        }
    }
}
