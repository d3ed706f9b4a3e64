import Foundation

/// One signed POST as the transport sends it.
public struct WebhookMessage: Sendable {
    public var url: String
    /// `webhook-id`: the event's ID, the same on every attempt, so receivers can dedupe.
    public var id: String
    public var timestamp: Date
    public var body: [UInt8]
    /// The plain secrets that sign it: the current one, and the previous one during a rotation.
    public var secrets: [String]

    public init(url: String, id: String, timestamp: Date, body: [UInt8], secrets: [String]) {
        self.url = url
        self.id = id
        self.timestamp = timestamp
        self.body = body
        self.secrets = secrets
    }
}

/// What came back from a POST; `status` nil when nothing usable did.
public struct WebhookResponse: Sendable {
    public var status: Int?
    public var head: String?
    public var error: String?

    public init(status: Int?, head: String?, error: String?) {
        self.status = status
        self.head = head
        self.error = error
    }
}

/// Signs and posts (the channels implement it over HTTP, refusing private addresses unless allowed).
public protocol WebhookTransport: Sendable {
    /// Never throws: a failure is a response without a status, with the reason.
    func post(_ message: WebhookMessage) async -> WebhookResponse
}

/// The body an endpoint format posts for an event; nil when the format has no name for it.
public protocol WebhookPayloadFormat: Sendable {
    func body(for event: Event, endpoint: WebhookEndpoint) -> [UInt8]?
}

/// `{id, seq, type, timestamp, data}` (Standard Webhooks' recommended shape).
public struct StandardWebhookPayload: WebhookPayloadFormat {
    public init() {}

    public func body(for event: Event, endpoint: WebhookEndpoint) -> [UInt8]? {
        // IDs, types and timestamps are plain ASCII; `data` is stored JSON.
        Array("{\"id\":\"\(event.id)\",\"seq\":\(event.seq),\"type\":\"\(event.type)\",\"timestamp\":\"\(Timestamp.iso(event.at))\",\"data\":\(event.data)}".utf8)
    }
}

/// Moves the webhook outbox (docs/ARCHITECTURE.md §5): claims due deliveries, posts them concurrently (a few per endpoint at
/// most, so a slow receiver holds up only its own), and settles each attempt with the retry
/// policy. Deliveries are durable rows written with their events, so a crash loses none: a claim
/// not settled is due again (at once after a restart, `recover`), which makes delivery
/// at-least-once; receivers dedupe by `webhook-id`.
public struct WebhookDeliverer: Sendable {
    let store: any Store
    let transport: any WebhookTransport
    let sealer: any SecretSealer
    let clock: any TimeSource
    let policy: WebhookRetryPolicy
    let formats: [WebhookEndpoint.Format: any WebhookPayloadFormat]
    /// Posts in flight in all.
    public var concurrency = 64
    /// Posts in flight to one endpoint.
    public var perEndpoint = 8
    /// Deliveries claimed ahead for one endpoint (posted `perEndpoint` at a time).
    public var prefetch = 32
    /// A claimed delivery is due again after this long unless it is settled first: far longer
    /// than `prefetch / perEndpoint` rounds of the transport's timeout.
    public var lease: TimeInterval = 300

    public init(store: any Store, transport: any WebhookTransport, sealer: any SecretSealer, clock: any TimeSource,
                policy: WebhookRetryPolicy = .standard, formats: [WebhookEndpoint.Format: any WebhookPayloadFormat]) {
        self.store = store
        self.transport = transport
        self.sealer = sealer
        self.clock = clock
        self.policy = policy
        self.formats = formats
    }

    /// At start-up: the claims of the process before are due now.
    @discardableResult
    public func recover() async throws -> Int {
        try await store.releaseWebhookClaims(at: clock.now)
    }

    /// One pass: claims what is due, posts it all, settles it; returns the attempts made.
    @discardableResult
    public func deliverDue() async throws -> Int {
        let jobs = try await store.claimWebhookJobs(at: clock.now, busy: [:], perEndpoint: perEndpoint, limit: concurrency, lease: lease)
        let settlements = await withTaskGroup(of: WebhookSettlement.self) { group in
            for job in jobs { group.addTask { await attempt(job) } }
            var settled: [WebhookSettlement] = []
            for await settlement in group { settled.append(settlement) }
            return settled
        }
        try await store.settleWebhookJobs(settlements)
        return settlements.count
    }

    /// Delivers until cancelled, polling every `idle` when nothing is due; `onSettled` is told
    /// each batch of attempts once it is recorded (the server counts them in its metrics).
    ///
    /// Claims and settlements are writes, so both are batched: each claim takes up to `prefetch`
    /// deliveries per endpoint into a local queue (posted `perEndpoint` at a time; the lease is
    /// far longer than a queue takes to drain), and attempts are recorded 64 at a time, or every
    /// 50 ms, or when nothing is in flight — on a task of their own while the next posts go out
    /// (one recording at a time; an unrecorded attempt stays claimed, so nothing claims it again).
    public func run(idle: Duration = .milliseconds(200), onSettled: @escaping @Sendable ([WebhookSettlement]) -> Void = { _ in }) async throws {
        try await withThrowingTaskGroup(of: WebhookSettlement.self) { group in
            var queued: [ID: [WebhookJob]] = [:]
            var running: [ID: Int] = [:]
            var inFlight = 0, waiting = 0
            var settled: [WebhookSettlement] = []
            var lastClaim = ContinuousClock.now - .seconds(1), lastSettle = ContinuousClock.now
            var claimedLast = true
            var recording: Task<Void, any Error>?
            func record(_ batch: [WebhookSettlement]) async throws {
                try await recording?.value
                recording = Task { [store] in
                    try await store.settleWebhookJobs(batch)
                    onSettled(batch)
                }
            }
            while !Task.isCancelled {
                // Top the queues up when they run low: at once while claims find work; otherwise
                // every 50 ms, and only when a read says something is due (a claim is a write).
                var claim = waiting < concurrency && claimedLast
                if !claim, waiting < concurrency, ContinuousClock.now - lastClaim > .milliseconds(50) {
                    lastClaim = ContinuousClock.now
                    claim = try await store.hasDueWebhookDeliveries(at: clock.now)
                }
                if claim {
                    var held = running
                    for (endpoint, jobs) in queued { held[endpoint, default: 0] += jobs.count }
                    let jobs = try await store.claimWebhookJobs(at: clock.now, busy: held, perEndpoint: prefetch,
                                                                limit: 4 * concurrency - waiting - inFlight, lease: lease)
                    lastClaim = ContinuousClock.now
                    claimedLast = !jobs.isEmpty
                    for job in jobs { queued[job.endpoint.id, default: []].append(job) }
                    waiting += jobs.count
                }
                // Start what the per-endpoint and overall limits allow.
                for endpoint in Array(queued.keys) where inFlight < concurrency {
                    while inFlight < concurrency, running[endpoint, default: 0] < perEndpoint, let job = queued[endpoint]?.first {
                        queued[endpoint]!.removeFirst()
                        if queued[endpoint]!.isEmpty { queued[endpoint] = nil }
                        running[endpoint, default: 0] += 1
                        inFlight += 1
                        waiting -= 1
                        group.addTask { await attempt(job) }
                    }
                }
                if inFlight == 0 {
                    if !settled.isEmpty {
                        try await record(settled)
                        settled.removeAll(keepingCapacity: true)
                    }
                    try await recording?.value
                    if !claimedLast { try await Task.sleep(for: idle) }
                    continue
                }
                guard let settlement = try await group.next() else { continue }
                inFlight -= 1
                running[settlement.endpoint, default: 1] -= 1
                settled.append(settlement)
                if settled.count >= 64 || inFlight == 0 || ContinuousClock.now - lastSettle > .milliseconds(50) {
                    try await record(settled)
                    settled.removeAll(keepingCapacity: true)
                    lastSettle = ContinuousClock.now
                }
            }
            // Shutting down: posts still out are abandoned (their deliveries stay claimed and go out
            // again after the restart); what came back is recorded.
            group.cancelAll()
            if !settled.isEmpty { try await record(settled) }
            try await recording?.value
        }
    }

    /// One POST of a job, and what follows it.
    func attempt(_ job: WebhookJob) async -> WebhookSettlement {
        let now = clock.now
        let started = ContinuousClock.now
        var response: WebhookResponse
        if let body = formats[job.endpoint.format]?.body(for: job.event, endpoint: job.endpoint) {
            do {
                var secrets = [try sealer.open(job.endpoint.secret)]
                if let previous = job.endpoint.previousSecret, let until = job.endpoint.previousUntil, until > now {
                    secrets.append(try sealer.open(previous))
                }
                response = await transport.post(WebhookMessage(url: job.endpoint.url, id: job.event.id, timestamp: now, body: body,
                                                               secrets: secrets))
            } catch {
                response = WebhookResponse(status: nil, head: nil,
                                           error: "the signing secret cannot be opened with this server's key (OUTBOUND_SECRET_KEY): \(error)")
            }
        } else {
            response = WebhookResponse(status: nil, head: nil, error: "the \(job.endpoint.format.rawValue) format has no name for \(job.event.type)")
        }
        let elapsed = ContinuousClock.now - started
        let attempt = WebhookAttempt(
            delivery: job.delivery, eventID: job.event.id, eventType: job.event.type, at: now, status: response.status,
            latency: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18,
            error: response.error, responseHead: response.head)
        var random = SystemRandomNumberGenerator()
        return policy.settle(attempt, number: job.attempt, endpoint: job.endpoint, random: &random)
    }
}
