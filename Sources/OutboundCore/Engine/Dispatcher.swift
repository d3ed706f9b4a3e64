import Foundation

/// Picks the channel for an action (the simulator for dry runs).
public protocol ChannelRouter: Sendable {
    func channel(for action: OutboundAction) -> any OutreachChannel
    /// The channel that really delivers `kind` (nil when none is set up): used for connection checks.
    func liveChannel(for kind: ChannelKind) -> (any OutreachChannel)?
}

extension ChannelRouter {
    public func liveChannel(for kind: ChannelKind) -> (any OutreachChannel)? { nil }
}

/// What one tick did.
public struct TickReport: Sendable, Hashable {
    public var senders = 0
    public var actions = 0
    public var moves = 0
    public var signals = 0
    /// The earliest moment anything becomes due after this tick (nil: nothing is scheduled).
    public var nextWake: Date?
    /// Each action settled, by channel and state (for the server's metrics).
    public var settled: [SettledAction] = []
    /// How late each claimed action went: seconds from its lead's due time to the claim.
    public var lateness: [Double] = []

    public var didWork: Bool { actions > 0 || moves > 0 || signals > 0 }

    /// Whether another tick at `now` can find work: this one did some, and what it left is due now.
    public func dueAgain(at now: Date) -> Bool {
        didWork && (nextWake.map { $0 <= now } ?? false)
    }
}

/// An action a tick settled: its channel and what became of it.
public struct SettledAction: Sendable, Hashable {
    public var channel: ChannelKind
    public var state: ActionState
}

/// The engine loop (docs/ARCHITECTURE.md §4). Each tick: in one write transaction, fire due signals, read
/// only what is due, plan, and commit the actions as `sending` before any channel is called; then
/// call channels concurrently, and record every outcome in one more transaction.
public struct Dispatcher: Sendable {
    let store: any EngineStore
    let router: any ChannelRouter
    let clock: any TimeSource
    let planner: Planner
    public var maxSenders = 512
    /// Due leads read per sender: one is sent, the rest can only be moved (windows, delays), so a few suffice.
    public var candidatesPerSender = 2
    /// How long a tick waits for its slowest channel. What has come back by then is recorded
    /// together; a later outcome is recorded on its own when it arrives, its sender staying in
    /// flight (and out of the next ticks) until then.
    public var recordAfter: Duration = .seconds(2)

    public init(store: any EngineStore, router: any ChannelRouter, clock: any TimeSource, planner: Planner = Planner()) {
        self.store = store
        self.router = router
        self.clock = clock
        self.planner = planner
    }

    @discardableResult
    public func tick() async throws -> TickReport {
        var report = TickReport()
        let now = clock.now
        let planner = planner
        // Durability point: the actions are committed as `sending` before any channel sees them.
        let result = try await store.claim(ClaimRequest(
            at: now, maxSenders: maxSenders, candidatesPerSender: candidatesPerSender, maxSignals: 5_000,
            react: { Reactions.react(to: $0, at: now) }, decide: { planner.plan($0, at: now) }))
        report.signals = result.signals
        report.senders = result.senders
        report.moves = result.moves
        report.actions = result.claims.count
        report.nextWake = result.nextWake
        let claims = result.claims
        guard !claims.isEmpty else { return report }
        report.lateness = claims.map { max(0, now.timeIntervalSince($0.enrollment.dueAt ?? now)) }
        let gather = OutcomeGather(expecting: claims.count)
        for claim in claims {
            let channel = router.channel(for: claim.action)
            if channel.answersAtOnce {
                _ = gather.deliver(Outcome(claim: claim, result: await channel.send(claim.action), at: clock.now))
                continue
            }
            Task { [store, router, clock] in
                let outcome = Outcome(claim: claim, result: await router.channel(for: claim.action).send(claim.action), at: clock.now)
                guard !gather.deliver(outcome) else { return }
                // Late: the tick has recorded the others. If this write fails too, the action stays
                // `sending` and start-up settles it like a crash would (confirmed or uncertain).
                for attempt in 1...3 {
                    do {
                        try await store.record(Reactions.settle([outcome]), at: clock.now)
                        return
                    } catch {
                        try? await Task.sleep(for: .milliseconds(100 * attempt))
                    }
                }
            }
        }
        let outcomes = await gather.take(waitingAtMost: recordAfter)
        let settlement = Reactions.settle(outcomes)
        report.settled = settlement.actions.map { SettledAction(channel: $0.action.kind.channel, state: $0.state) }
        report.nextWake = try await store.record(settlement, at: clock.now)
        return report
    }

    /// At start-up: every action left `sending` is asked of its channel; confirmed ones are
    /// recorded as sent, the rest become `uncertain` and their leads stop until an operator acts.
    /// Whether `recover` may run while this process sends (several processes share the store):
    /// it then settles only what gone processes left in flight.
    public var recoversWhileRunning: Bool { store.recoversWhileRunning }

    public func recover() async throws -> (confirmed: Int, uncertain: Int) {
        let inFlight = try await store.inFlightActions()
        guard !inFlight.isEmpty else { return (0, 0) }
        var settlement = Settlement()
        var confirmed = 0
        let now = clock.now
        for (action, enrollmentSeq, next) in inFlight {
            settlement.freedSenders.append(action.sender.id)
            if action.isManual {
                // A reply a person wrote is no step: only the action is settled, the lead stays.
                if await router.channel(for: action).confirm(action) == true {
                    confirmed += 1
                    settlement.actions.append(.init(action: action, state: .sent, providerID: nil, error: nil))
                } else {
                    settlement.actions.append(.init(action: action, state: .uncertain, providerID: nil,
                                                    error: "the server stopped while this reply was being sent; it may or may not have gone out"))
                }
                continue
            }
            if await router.channel(for: action).confirm(action) == true {
                confirmed += 1
                let claim = Claim(action: action, enrollment: Enrollment(
                    seq: enrollmentSeq, campaignID: action.campaignID, contactID: action.contactID, senderID: action.sender.id,
                    state: .active, nodeID: action.nodeID, nodeEnteredAt: now, dueAt: nil), startsLead: false, nextNodeID: next)
                let settled = Reactions.settle([Outcome(claim: claim, result: .sent(providerID: nil, signals: []), at: now)])
                settlement.actions += settled.actions
                settlement.moves += settled.moves.map { move in
                    var move = move
                    move.startedAt = nil  // keep the stored first-action time
                    return move
                }
            } else {
                settlement.actions.append(.init(action: action, state: .uncertain, providerID: nil,
                                                error: "the server stopped while this action was being sent; it may or may not have gone out"))
                settlement.moves.append(Enrollment(
                    seq: enrollmentSeq, campaignID: action.campaignID, contactID: action.contactID, senderID: action.sender.id,
                    state: .uncertain, reason: "action \(action.id) may have been sent before a crash: retry or dismiss it",
                    nodeID: action.nodeID, nodeEnteredAt: nil, dueAt: nil))
            }
        }
        try await store.record(settlement, at: now)
        return (confirmed, inFlight.count - confirmed)
    }

    /// Ticks until nothing more is due at the current instant; returns the total, with the
    /// next wake found by the last tick.
    public func drain(maxTicks: Int = 10_000) async throws -> TickReport {
        var total = TickReport()
        for _ in 0..<maxTicks {
            let report = try await tick()
            total.actions += report.actions
            total.moves += report.moves
            total.signals += report.signals
            total.senders += report.senders
            total.nextWake = report.nextWake
            total.settled += report.settled
            total.lateness += report.lateness
            if !report.dueAgain(at: clock.now) { break }
        }
        return total
    }

    public func nextWake() async throws -> Date? {
        try await store.nextWake()
    }

    /// How long an idle dispatcher waits at most before it looks again: a second, or ten when the
    /// store tells it of new work (`EngineStore.hearsOfWork`) and the look is only a fallback.
    public var idlePoll: Duration { store.hearsOfWork ? .seconds(10) : .seconds(1) }

    /// Waits `duration`, or less when the store hears of new work.
    public func awaitWork(upTo duration: Duration) async throws {
        try await store.awaitWork(upTo: duration)
    }
}

