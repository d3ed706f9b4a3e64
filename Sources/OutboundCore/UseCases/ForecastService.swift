import Foundation

/// When a campaign will finish and how much it will send each day, found by running the real
/// dispatcher and planner on a virtual clock over a `MemoryEngineStore` loaded with what matters
/// (the campaign's senders and their usage, the other active campaigns sharing them, the leads),
/// with the simulator's expected rates in place of real channels (docs/ARCHITECTURE.md §4).
public struct ForecastService: Sendable {
    let store: any Store
    let clock: any TimeSource
    let router: @Sendable (any TimeSource) -> any ChannelRouter

    public init(store: any Store, clock: any TimeSource, router: @escaping @Sendable (any TimeSource) -> any ChannelRouter) {
        self.store = store
        self.clock = clock
        self.router = router
    }

    public struct Forecast: Sendable {
        public var campaignID: ID
        public var estimatedCompletionAt: Date?
        /// Local dates in the campaign's zone (`2026-12-01`) with the actions sent that day.
        public var actionsPerDay: [(date: String, count: Int)]
        public var bottleneck: String
        public var simulatedActions: Int
        /// True when the horizon passed before every lead was done.
        public var horizonReached: Bool
        /// Every simulated action's instant, in order.
        public var actionTimes: [Date] = []
    }

    public func forecast(_ id: ID, in workspace: ID, horizonDays: Int = 365) async throws -> Forecast {
        guard let campaign = try await store.campaign(id, in: workspace) else { throw NotFoundError("campaign", id: id.rawValue) }
        let senders = try await store.senders(campaign.senderIDs, in: workspace)
        let bottleneck = ForecastService.bottleneck(of: campaign, senders: senders)
        if campaign.status == .completed || campaign.status == .archived {
            return Forecast(campaignID: id, estimatedCompletionAt: campaign.completedAt ?? campaign.updatedAt, actionsPerDay: [],
                            bottleneck: bottleneck, simulatedActions: 0, horizonReached: false)
        }
        let start = clock.now
        let virtual = VirtualClock(start)
        var simulated = campaign
        simulated.dryRun = true
        simulated.simulation = simulated.simulation ?? Simulation()
        simulated.status = .active
        let memory = MemoryEngineStore(try await store.forecastState(of: simulated, at: start))
        // The pending leads are admitted as a launch would, from the durable store's facts.
        try await LifecycleService(store: store, clock: virtual).activatePending(simulated, into: memory)
        let dispatcher = Dispatcher(store: memory, router: router(virtual), clock: virtual, planner: Planner(random: RandomSource(seed: 11)))
        let horizon = start.addingTimeInterval(Double(horizonDays) * 86_400)
        var completedAt: Date?
        while virtual.now <= horizon {
            let report = try await dispatcher.drain()
            if let state = memory.campaign(id), state.status == .completed {
                completedAt = state.completedAt ?? virtual.now
                break
            }
            guard let wake = report.nextWake else { break }
            virtual.set(max(wake, virtual.now.addingTimeInterval(1)))
        }
        let times = memory.actionTimes(of: id)
        var perDay: [String: Int] = [:]
        for time in times { perDay[ForecastService.localDate(time, in: campaign.timezone), default: 0] += 1 }
        return Forecast(campaignID: id, estimatedCompletionAt: completedAt,
                        actionsPerDay: perDay.sorted { $0.key < $1.key }.map { ($0.key, $0.value) },
                        bottleneck: bottleneck, simulatedActions: times.count, horizonReached: completedAt == nil,
                        actionTimes: times.sorted())
    }

    /// The constraint that allows the fewest actions per day: sender limits, the hourly message
    /// rate, pacing inside the windows ("windows"), or the daily new-lead limit.
    static func bottleneck(of campaign: Campaign, senders: [Sender]) -> String {
        guard let node = campaign.sequence.nodes.first(where: { $0.actionKind != nil }), let kind = node.actionKind else { return "none" }
        let own = senders.filter { $0.channel == kind.channel && $0.status == .active }
        guard !own.isEmpty else { return "no usable sender" }
        let windowMinutesPerDay = Double(Weekday.allCases.reduce(0) { total, day in
            total + campaign.schedule[day].reduce(0) { $0 + $1.end - $1.start }
        }) / 7
        guard windowMinutesPerDay > 0 else { return "windows" }
        let steps = Double(max(1, campaign.sequence.nodes.filter { $0.actionKind != nil }.count))
        var capacity: [(String, Double)] = []
        capacity.append(("sender limits", own.reduce(0.0) { total, sender in
            let limit = sender.limits[kind] ?? RateLimit()
            let daily = [limit.perDay.map(Double.init), limit.perWeek.map { Double($0) / 7 },
                         limit.perHour.map { Double($0) * windowMinutesPerDay / 60 }].compactMap { $0 }.min() ?? .infinity
            return total + daily
        }))
        capacity.append(("hourly_message_rate", Double(campaign.hourlyMessageRate * own.count) * windowMinutesPerDay / 60))
        capacity.append(("windows", own.reduce(0.0) { total, sender in
            let gap = max(1, Double(sender.pacing.minGapSeconds + sender.pacing.maxGapSeconds) / 2)
            return total + windowMinutesPerDay * 60 / gap
        }))
        capacity.append(("daily_limit", Double(campaign.dailyLimit) * steps))
        return capacity.min { $0.1 < $1.1 }!.0
    }

    public static func localDate(_ date: Date, in zone: Zone) -> String {
        let local = Int(date.timeIntervalSince1970.rounded(.down)) + zone.timeZone.secondsFromGMT(for: date)
        let day = Int((Double(local) / 86_400).rounded(.down))
        // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
        let z = day + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        return String(format: "%04d-%02d-%02d", y, m, d)
    }
}
