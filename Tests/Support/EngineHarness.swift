import Foundation
import GRDB
import OutboundPostgres
import OutboundAPI
import OutboundChannels
import OutboundCore
import OutboundStore
import Synchronization

/// A real store (a SQLite file, or a database on a real PostgreSQL server), the real services
/// and dispatcher, on a virtual clock.
public struct Engine {
    public let directory: URL
    public let kind: StoreKind
    public let store: any Store
    /// Where the store is (a file path or a URL), to open it again as a restarted server would.
    public let location: String
    public let clock: VirtualClock
    public let services: Services
    public let workspace: ID

    /// With `live`, real sends go through real channels (the keyring and public URL of `Delivery`).
    public static func make(_ kind: StoreKind = .sqlite, start: String = "2026-11-30T14:00:00Z", router: (any ChannelRouter)? = nil,
                            live: Bool = false) async throws -> Engine {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("outbound-engine-\(UUID().uuidString)")
        let (store, location) = try await kind.make(in: directory)
        let clock = VirtualClock(try Date(start, strategy: .iso8601))
        let delivery = Delivery(keyring: Engine.keyring, clock: clock, publicURL: PublicURL(configured: "https://outbound.example.com"),
                                members: LinkedInMembers(store: store))
        let services = try await Services(store: store, clock: clock,
                                          router: router ?? (live ? delivery.router(clock: clock) : DefaultChannelRouter(clock: clock)),
                                          planner: Planner(random: RandomSource(seed: 7)), delivery: delivery,
                                          webhookPoster: WebhookPoster(allowPrivate: true, timeout: .seconds(2)))
        let (workspace, _) = try await services.workspaces.createWorkspace(name: "Engine")
        return Engine(directory: directory, kind: kind, store: store, location: location, clock: clock, services: services,
                      workspace: workspace.id)
    }

    public func cleanup() { try? FileManager.default.removeItem(at: directory) }

    /// This server dies and starts again: on PostgreSQL, its lease ends now and it goes on as a new
    /// process, so what it left in flight is a gone process's (on SQLite a restart needs nothing more).
    public func crash() async throws {
        if let postgres = store as? PostgresStore { try await postgres.rejoinAsNewProcess() }
    }

    /// On PostgreSQL: whether this engine's store listens for other processes' wake-ups.
    public var listensForWork: Bool { (store as? PostgresStore)?.listensForWork ?? false }

    /// The same workspace and clock over another store (after `outbound migrate` copied this
    /// one there), as a server restarted on it would run.
    public func reopened(as kind: StoreKind, at location: String) async throws -> Engine {
        let store = try await kind.open(at: location)
        let delivery = Delivery(keyring: Engine.keyring, clock: clock, publicURL: PublicURL(configured: "https://outbound.example.com"),
                                members: LinkedInMembers(store: store))
        let services = try await Services(store: store, clock: clock, router: DefaultChannelRouter(clock: clock),
                                          planner: Planner(random: RandomSource(seed: 7)), delivery: delivery,
                                          webhookPoster: WebhookPoster(allowPrivate: true, timeout: .seconds(2)))
        return Engine(directory: directory, kind: kind, store: store, location: location, clock: clock, services: services,
                      workspace: workspace)
    }

    /// One key for every engine of the test run, so a restarted `Services` opens the same secrets.
    public static let keyring = Keyring.ephemeral()

    /// An email sender with exact pacing (no randomness) and the given daily cap.
    public func emailSender(_ name: String, perDay: Int = 500, perHour: Int? = nil, gap: Int = 60, smtp: SMTPInput? = nil) async throws -> Sender {
        var input = SenderInput()
        if let smtp { input.smtp = .value(smtp) }
        input.channel = .value("email")
        input.displayName = .value(name)
        input.email = .value("\(name.lowercased())@sender.example")
        var limit = RateLimitInput()
        limit.perDay = .value(perDay)
        limit.perHour = perHour.map { .value($0) } ?? .null
        input.limits = .value(["email": .value(limit)])
        var pacing = PacingInput()
        pacing.minGapSeconds = .value(gap)
        pacing.maxGapSeconds = .value(gap)
        input.pacing = .value(pacing)
        return try await services.senders.create(input, in: workspace)
    }

    /// An email campaign, every day 00:00–24:00 UTC unless a schedule is given, dry run.
    public func emailCampaign(_ name: String, senders: [Sender], nodes: [Node]? = nil, schedule: [String: [Schedule.RawWindow]]? = nil,
                       timezone: String = "UTC", priority: Int = 0, dailyLimit: Int = 500, hourlyRate: Int = 60,
                       simulation: Simulation = Simulation(seed: 1, acceptRate: 0, replyRate: 0, openRate: 0, bounceRate: 0),
                       openTracking: Bool = false) async throws -> Campaign {
        var input = CampaignInput()
        input.name = .value(name)
        input.channel = .value("email")
        input.dryRun = .value(true)
        input.senderIDs = .value(senders.map(\.id.rawValue))
        input.timezone = .value(timezone)
        input.priority = .value(priority)
        input.dailyLimit = .value(dailyLimit)
        input.hourlyMessageRate = .value(hourlyRate)
        let allDay = Weekday.allCases.reduce(into: [String: [Schedule.RawWindow]]()) { $0[$1.rawValue] = [.init(start: "00:00", end: "24:00")] }
        input.schedule = .value(schedule ?? allDay)
        var campaign = try await services.campaigns.create(input, in: workspace)
        campaign.simulation = simulation
        campaign.openTracking = openTracking
        campaign.sequence = CampaignSequence(version: 2, nodes: nodes ?? [
            Node(id: "n1", kind: .email(EmailStep(subject: "Hi {{first_name | \"there\"}}", body: "Hello. Reply stop to unsubscribe.")), next: "n2"),
            Node(id: "n2", kind: .end),
        ])
        try await store.updateCampaign(campaign)
        return campaign
    }

    /// Leads with emails lead0@… leadN@….
    /// Gives the campaign these senders, as `PATCH /v1/campaigns/{id}` with `sender_ids` does.
    @discardableResult
    public func setSenders(_ senders: [Sender], of campaign: Campaign) async throws -> Campaign {
        var input = CampaignInput()
        input.senderIDs = .value(senders.map(\.id.rawValue))
        return try await services.campaigns.update(campaign.id, with: input, in: workspace)
    }

    public func addLeads(_ count: Int, to campaign: Campaign, prefix: String = "lead") async throws -> [Contact] {
        var inputs: [ContactInput] = []
        for index in 0..<count {
            var input = ContactInput()
            input.email = .value("\(prefix)\(index)@example.com")
            input.firstName = .value("Lead\(index)")
            inputs.append(input)
        }
        let contacts = try await services.contacts.upsert(inputs, in: workspace).compactMap(\.contact)
        _ = try await services.leads.add(.contactIDs(contacts.map(\.id.rawValue)), to: campaign.id, in: workspace)
        return contacts
    }

    /// The dispatcher's first step alone: what is due is claimed (committed as `sending`) and not
    /// sent, as a crash right after the claim would leave it.
    public func claimWithoutSending() async throws -> [Claim] {
        let now = clock.now
        return try await store.claim(ClaimRequest(
            at: now, maxSenders: 10, candidatesPerSender: 10, maxSignals: 100,
            react: { Reactions.react(to: $0, at: now) }, decide: { Planner().plan($0, at: now) })).claims
    }

    /// Ticks and jumps the clock to the next due moment until nothing is left or `until` passes.
    public func run(until end: Date, maxSteps: Int = 10_000) async throws {
        for _ in 0..<maxSteps {
            let report = try await services.dispatcher.drain()
            guard let wake = try await services.dispatcher.nextWake(), wake <= end else {
                clock.set(end)
                _ = try await services.dispatcher.drain()
                return
            }
            // A wake that does not move time and finds no work would spin: that is a bug.
            if wake <= clock.now, !report.didWork { throw EngineStall(at: clock.now) }
            clock.set(max(wake, clock.now))
        }
    }

    public func actions(_ campaign: Campaign) async throws -> [ActionRecord] {
        try await store.actions(of: campaign.id, in: workspace, page: PageRequest(limit: 100)).items
    }

    public func leads(_ campaign: Campaign) async throws -> [Lead] {
        try await store.leads(of: campaign, state: nil, matching: nil, page: PageRequest(limit: 100)).items
    }

    public func date(_ text: String) -> Date { try! Date(text, strategy: .iso8601) }

    /// Makes the write `failing` describes fail, as a crash at that write would leave things.
    public func failWrites(_ failing: FailingWrite) async throws {
        switch kind {
        case .sqlite:
            try await DatabaseQueue(path: location).write { db in
                try db.execute(sql: """
                    CREATE TRIGGER crash BEFORE \(failing.event) ON \(failing.table) WHEN \(failing.sqlite)
                    BEGIN SELECT RAISE(ABORT, 'simulated crash'); END
                    """)
            }
        case .postgres:
            try await PostgresServer.execute([
                "CREATE OR REPLACE FUNCTION crash() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'simulated crash'; END $$",
                "CREATE TRIGGER crash BEFORE \(failing.event) ON \(failing.table) FOR EACH ROW WHEN (\(failing.postgres)) EXECUTE FUNCTION crash()",
            ], in: location)
        }
    }

    /// Undoes `failWrites`.
    public func stopFailingWrites(_ failing: FailingWrite) async throws {
        switch kind {
        case .sqlite: try await DatabaseQueue(path: location).write { try $0.execute(sql: "DROP TRIGGER crash") }
        case .postgres: try await PostgresServer.execute(["DROP TRIGGER crash ON \(failing.table)"], in: location)
        }
    }

    /// Runs a query of the tables themselves (the same SQL on either store) whose rows are a
    /// text and a count, and returns them as a dictionary.
    public func counts(_ sql: String) async throws -> [String: Int] {
        switch kind {
        case .sqlite:
            try await DatabaseQueue(path: location).read { db in
                try Row.fetchAll(db, sql: sql).reduce(into: [String: Int]()) { $0[$1[0]] = $1[1] }
            }
        case .postgres:
            try await PostgresServer.counts(sql, in: location)
        }
    }
}

/// A channel that answers from a script, for failure paths.
public final class ScriptedChannel: OutreachChannel, ChannelRouter {
    private let script: Mutex<[SendResult]>
    public let sent = Mutex<[OutboundAction]>([])

    public init(_ results: [SendResult]) {
        script = Mutex(results)
    }

    public func channel(for action: OutboundAction) -> any OutreachChannel { self }

    public func send(_ action: OutboundAction) async -> SendResult {
        sent.withLock { $0.append(action) }
        return script.withLock { $0.isEmpty ? .sent(providerID: "ok", signals: []) : $0.removeFirst() }
    }

    public func confirm(_ action: OutboundAction) async -> Bool? { nil }
}

/// A channel whose sends for one sender wait until the test opens the gate; others go at once.
public final class GatedChannel: OutreachChannel, ChannelRouter {
    public let slowSender = Mutex<ID?>(nil)

    public init() {}
    private let gate = Mutex<(open: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    public func channel(for action: OutboundAction) -> any OutreachChannel { self }

    public func open() {
        let waiters = gate.withLock { gate in
            gate.open = true
            defer { gate.waiters = [] }
            return gate.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    public func send(_ action: OutboundAction) async -> SendResult {
        if slowSender.withLock({ $0 }) == action.sender.id {
            await withCheckedContinuation { continuation in
                let open = gate.withLock { gate in
                    if !gate.open { gate.waiters.append(continuation) }
                    return gate.open
                }
                if open { continuation.resume() }
            }
        }
        return .sent(providerID: "ok-\(action.id.rawValue)", signals: [])
    }

    public func confirm(_ action: OutboundAction) async -> Bool? { nil }
}

public struct EngineStall: Error { public let at: Date }

/// A write made to fail (a trigger that aborts it), in each store's SQL.
public struct FailingWrite: Sendable, CustomStringConvertible {
    public var table: String
    public var event: String
    public var sqlite: String
    public var postgres: String

    public var description: String { "\(event) ON \(table) WHEN \(postgres)" }

    /// Each write a launch makes.
    public static let duringLaunch = [
        FailingWrite(table: "campaigns", event: "UPDATE OF enrolling", sqlite: "NEW.enrolling = 1", postgres: "NEW.enrolling"),
        FailingWrite(table: "campaigns", event: "UPDATE OF enrolling", sqlite: "NEW.enrolling = 0", postgres: "NOT NEW.enrolling"),
        FailingWrite(table: "enrollments", event: "UPDATE OF state", sqlite: "OLD.state = 'pending'", postgres: "OLD.state = 'pending'"),
        FailingWrite(table: "campaigns", event: "UPDATE OF status", sqlite: "NEW.status = 'active'", postgres: "NEW.status = 'active'"),
    ]
}
