import Foundation
import Hummingbird
import Logging
import OutboundChannels
import OutboundCore

/// Everything the routes need, built once and handed to them (no globals). The store is not
/// among them: routes and dialects reach storage only through these use cases.
public struct Services: Sendable {
    public let clock: any TimeSource
    /// Where the data lives (the 401 for an unknown key names it).
    public let databaseLocation: String
    public let workspaces: WorkspaceService
    public let senders: SenderService
    public let campaigns: CampaignService
    public let contacts: ContactService
    public let leads: LeadService
    public let lists: ListService
    public let suppressions: SuppressionService
    public let imports: ImportService
    public let sequences: SequenceService
    public let review: ReviewService
    public let lifecycle: LifecycleService
    public let inbound: InboundService
    /// Reading replies from email senders' mailboxes (run by `MailboxWatchService` in the server).
    public let mailboxes: MailboxService
    public let dispatcher: Dispatcher
    public let forecasts: ForecastService
    public let actions: ActionService
    public let stats: StatsService
    public let idempotency: IdempotencyService
    /// The real channels, their key and Outbound's public address (links, webhook signatures).
    public let delivery: Delivery
    public let users: UserService
    /// The web app's sign-in and sessions.
    public let sessions: SessionService
    /// The first run's link to set the first user's password.
    public let setup = SetupInvite()
    /// `serve --demo`'s workspace.
    public let demo: DemoService
    /// The unified inbox of the web app.
    public let inbox: InboxService
    /// Replies written in the inbox, sent through the outbox.
    public let replies: ReplyService
    public let events: EventService
    public let webhooks: WebhookService
    /// Moves the webhook outbox (run by `WebhookDeliveryService` in the server).
    public let webhookDeliverer: WebhookDeliverer
    let loginTokens: LoginTokens

    /// Wires every use case over `store`; reads the store's instance secret for identity hashes.
    public init(store: any Store, clock: any TimeSource = WallClock(), router: (any ChannelRouter)? = nil,
                planner: Planner = Planner(random: RandomSource(seed: UInt64.random(in: 1...UInt64.max))),
                delivery: Delivery? = nil, webhookPoster: WebhookPoster? = nil,
                eventRetention: TimeInterval = EventService.defaultRetention, webhookRetries: WebhookRetryPolicy = .standard) async throws {
        self.clock = clock
        databaseLocation = store.location
        let delivery = delivery ?? Delivery(keyring: .ephemeral(), clock: clock, publicURL: PublicURL(configured: nil))
        self.delivery = delivery
        let router = router ?? delivery.router(clock: clock)
        let identityHasher = HMACIdentityHasher(key: try await store.instanceSecret())
        workspaces = WorkspaceService(store: store, clock: clock, hasher: SHA256Hasher())
        senders = SenderService(store: store, clock: clock, sealer: delivery.keyring)
        contacts = ContactService(store: store, clock: clock, hasher: identityHasher)
        let lifecycle = LifecycleService(store: store, clock: clock, router: router)
        self.lifecycle = lifecycle
        leads = LeadService(store: store, clock: clock, contacts: contacts, activation: { try await lifecycle.enroll($0) })
        inbound = InboundService(store: store, clock: clock)
        mailboxes = MailboxService(store: store, clock: clock, inbound: inbound, senders: senders)
        dispatcher = Dispatcher(store: store, router: router, clock: clock, planner: planner)
        forecasts = ForecastService(store: store, clock: clock, router: { DefaultChannelRouter(clock: $0) })
        lists = ListService(store: store, clock: clock, leads: leads)
        campaigns = CampaignService(store: store, clock: clock, leads: leads)
        suppressions = SuppressionService(store: store, clock: clock)
        imports = ImportService(store: store, clock: clock, contacts: contacts, lists: lists)
        sequences = SequenceService(store: store, clock: clock)
        review = ReviewService(store: store, router: router)
        users = UserService(store: store, clock: clock, hasher: BcryptHasher())
        sessions = SessionService(store: store, clock: clock, users: users, hasher: SHA256Hasher())
        inbox = InboxService(store: store, clock: clock, contacts: contacts, inbound: inbound)
        replies = ReplyService(store: store, router: router, clock: clock)
        demo = DemoService(senders: senders, contacts: contacts, campaigns: campaigns, leads: leads, lifecycle: lifecycle, users: users)
        actions = ActionService(store: store, clock: clock)
        stats = StatsService(store: store, clock: clock)
        idempotency = IdempotencyService(store: store, clock: clock)
        events = EventService(store: store, clock: clock, retention: eventRetention)
        let poster = webhookPoster ?? WebhookPoster(allowPrivate: false)
        webhooks = WebhookService(store: store, clock: clock, sealer: delivery.keyring, targets: poster)
        webhookDeliverer = WebhookDeliverer(store: store, transport: poster, sealer: delivery.keyring, clock: clock, policy: webhookRetries,
                                            formats: [.standard: StandardWebhookPayload(), .inbox: InboxWebhookPayload(),
                                                      .tether: TetherWebhookPayload()])
        loginTokens = await LoginTokens.make(secret: delivery.keyring.derivedKey("outbound login tokens"))
    }
}

/// Where and how the server listens.
public struct ServerConfiguration: Sendable {
    public var host: String
    public var port: Int
    public var logLevel: Logger.Level
    /// What a key without its own `rate_limit` may send.
    public var requestRate: RequestRate
    /// The bearer token `/metrics` asks for; nil keeps it closed (404).
    public var metricsToken: String?
    /// How long a campaign page waits for a forecast it starts before it says the forecast is
    /// coming (`ForecastCache`). Tests wait for it whole, so what they see never depends on speed.
    public var forecastPatience: Duration = .milliseconds(800)

    public init(host: String = "127.0.0.1", port: Int = 8080, logLevel: Logger.Level = .info, requestRate: RequestRate = .standard,
                metricsToken: String? = nil) {
        self.host = host
        self.port = port
        self.logLevel = logLevel
        self.requestRate = requestRate
        self.metricsToken = metricsToken
    }
}

/// The HTTP application over `services`; tests build the same one over a temp database.
///
/// `onServerRunning` is told the port the server listens on (useful with port 0).
/// `logger` replaces the server's own (`outbound` at `configuration.logLevel`), e.g. to capture it.
public func buildApplication(
    services: Services, configuration: ServerConfiguration = ServerConfiguration(), logger: Logger? = nil,
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) -> some ApplicationProtocol {
    let logger = logger ?? {
        var logger = Logger(label: "outbound")
        logger.logLevel = configuration.logLevel
        return logger
    }()
    return Application(
        router: buildRouter(services: services, requestRate: configuration.requestRate, metricsToken: configuration.metricsToken,
                            forecastPatience: configuration.forecastPatience).router,
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "Outbound"),
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? configuration.port) },
        logger: logger
    )
}

/// Every route of the server, and the list of what was registered (for the OpenAPI check).
/// `requestRate` is what a key without its own rate may send.
/// `metricsToken` opens `/metrics` to whoever presents it (nil: no metrics route answers).
public func buildRouter(services: Services, requestRate: RequestRate = .standard, metricsToken: String? = nil,
                        forecastPatience: Duration = .milliseconds(800)) -> (router: Router<AppContext>, routes: [RouteKey]) {
    let router = Router(context: AppContext.self)
    let index = RouteIndex()
    _ = ServerMetrics.shared  // bootstraps swift-metrics before the first request is counted
    router.add(middleware: MetricsMiddleware())
    router.add(middleware: RequestLogMiddleware())
    router.add(middleware: ProblemMiddleware(routes: index))
    let limiter = RateLimitMiddleware(limiter: RequestLimiter(clock: services.clock))
    let v1 = router.group("v1")
        .add(middleware: AuthMiddleware(workspaces: services.workspaces, database: services.databaseLocation, publicURL: services.delivery.publicURL,
                                        standardRate: requestRate))
        .add(middleware: limiter)
        .add(middleware: IdempotencyMiddleware(keys: services.idempotency))
    let inboxLimit = InboxRateLimitMiddleware()
    var dialects: [Dialect: [DialectGroups]] = [:]
    for dialect in Dialect.allCases {
        for prefix in dialect.prefixes {
            var base = router.group(RouterPath(String(prefix.dropFirst())))
            // Inbox's rate headers go on every answer, its own errors included: outside the error mapping.
            if dialect == .inbox { base = base.add(middleware: inboxLimit) }
            base = base.add(middleware: DialectMiddleware(dialect: dialect))
            let auth = AuthMiddleware(workspaces: services.workspaces, database: services.databaseLocation,
                                      loginTokens: dialect == .tether ? services.loginTokens : nil, standardRate: requestRate)
            var authenticated = base.group().add(middleware: auth)
            // Inbox keeps its own published limit (above); the others spend the key's budget.
            if dialect != .inbox { authenticated = authenticated.add(middleware: limiter) }
            dialects[dialect, default: []].append(DialectGroups(open: base, authenticated: authenticated))
        }
    }
    let recorder = RouteRecorder(router: router, v1: v1, dialects: dialects)
    recorder.on(.get, "/healthz") { _, _ in
        try JSONResponse.make(["status": "ok"])
    }
    DocumentationRoutes().register(on: recorder)
    MetricsRoutes(stats: services.stats, events: services.events, token: metricsToken).register(on: recorder)
    WorkspaceRoutes(workspaces: services.workspaces).register(on: recorder)
    UserRoutes(users: services.users).register(on: recorder)
    SenderRoutes(senders: services.senders).register(on: recorder)
    CampaignRoutes(campaigns: services.campaigns).register(on: recorder)
    ContactRoutes(contacts: services.contacts).register(on: recorder)
    ListRoutes(lists: services.lists).register(on: recorder)
    SuppressionRoutes(suppressions: services.suppressions).register(on: recorder)
    LeadRoutes(leads: services.leads).register(on: recorder)
    ImportRoutes(imports: services.imports).register(on: recorder)
    EventRoutes(events: services.events, webhooks: services.webhooks).register(on: recorder)
    EngineRoutes(services: services).register(on: recorder)
    SequenceRoutes(sequences: services.sequences, review: services.review, contacts: services.contacts,
                   campaigns: services.campaigns).register(on: recorder)
    ChannelRoutes(services: services).register(on: recorder)
    PuffleRoutes(services: services).register(on: recorder)
    AlsonaRoutes(services: services).register(on: recorder)
    InboxRoutes(services: services).register(on: recorder)
    TetherRoutes(services: services).register(on: recorder)
    WebRoutes(services: services, forecastCache: ForecastCache(patience: forecastPatience)).register(on: recorder)
    index.set(recorder.served)
    return (router, recorder.native)
}
