import Foundation
import Synchronization

/// What the engine needs to go on from a moment, read once from the durable store: the senders
/// of one campaign with their recent usage, the active campaigns that share those senders, their
/// open leads there with their contacts, the simulated signals still to come, and the counts the
/// campaign-wide limits start from. The forecast runs on it (docs/ARCHITECTURE.md §4).
public struct EngineState: Sendable {
    public struct SenderState: Sendable {
        public var sender: Sender
        /// The last week's actions that count against its limits.
        public var usage: [UsageRecord]
        public var pacingUntil: Date?

        public init(sender: Sender, usage: [UsageRecord], pacingUntil: Date?) {
            self.sender = sender
            self.usage = usage
            self.pacingUntil = pacingUntil
        }
    }

    public struct UsageRecord: Sendable, Hashable {
        public var at: Date
        public var campaignID: ID
        public var kind: ActionKind

        public init(at: Date, campaignID: ID, kind: ActionKind) {
            self.at = at
            self.campaignID = campaignID
            self.kind = kind
        }
    }

    public struct ScheduledSignalRecord: Sendable {
        public var enrollmentSeq: Int64
        public var actionID: ID?
        public var signal: ScheduledSignal

        public init(enrollmentSeq: Int64, actionID: ID?, signal: ScheduledSignal) {
            self.enrollmentSeq = enrollmentSeq
            self.actionID = actionID
            self.signal = signal
        }
    }

    /// In the durable store's order (a tie between senders' slots is broken by it).
    public var senders: [SenderState] = []
    public var campaigns: [Campaign] = []
    /// Open leads (not pending, not ended) of `campaigns` on `senders`.
    public var enrollments: [Enrollment] = []
    public var contacts: [Contact] = []
    /// Contacts suppressed now (any of their addresses or their email's domain).
    public var suppressedContacts: Set<ID> = []
    public var signals: [ScheduledSignalRecord] = []
    /// Per campaign, when its leads were first contacted, since the day before the start.
    public var startedTimes: [ID: [Date]] = [:]
    /// Per workspace with a daily quota: the quota and its actions' times since the day before.
    public var workspaceQuotas: [ID: (quota: Int, actions: [Date])] = [:]

    public init() {}
}

/// The engine's store in memory: the same answers as the durable store for every `EngineStore`
/// call, without SQL, durability or copies. The forecast runs the real dispatcher and planner
/// on it over a virtual clock, and the engine's unit tests can too.
///
/// Not kept, because nothing the engine decides depends on them: statistics counters, events,
/// signal receipts, list memberships changed by automations. Not done: rebalancing (a forecast
/// starts from where the leads are), recovery of in-flight actions (a sender busy at the start
/// is taken as free: its action settles while the forecast runs).
public final class MemoryEngineStore: EngineStore {
    private let state: Mutex<Tables>

    public init(_ initial: EngineState) {
        state = Mutex(Tables(initial))
    }

    // MARK: Reads for the forecast

    /// The campaign as the engine left it (its status says whether it completed).
    public func campaign(_ id: ID) -> Campaign? {
        state.withLock { $0.campaigns[id] }
    }

    /// The times of the actions of a campaign that were (or may have been) sent.
    public func actionTimes(of campaign: ID) -> [Date] {
        state.withLock { tables in
            tables.actions.values.filter { $0.campaignID == campaign && $0.state.mayHaveGoneOut }.map(\.createdAt)
        }
    }

    // MARK: EngineStore

    public func claim(_ request: ClaimRequest) async throws -> ClaimResult {
        state.withLock { tables in tables.claim(request) }
    }

    public func record(_ settlement: Settlement, at now: Date) async throws -> Date? {
        state.withLock { tables in tables.record(settlement, at: now) }
    }

    public func applySignals(_ effects: SignalEffects, at now: Date) async throws {
        state.withLock { tables in
            var ended: Set<ID> = []
            tables.apply(effects, at: now, ended: &ended)
            tables.completeFinished(ended, at: now)
        }
    }

    public func nextWake() async throws -> Date? {
        state.withLock { $0.nextWake() }
    }

    public func pendingLeads(of campaign: Campaign, after afterSeq: Int64, limit: Int) async throws -> [(seq: Int64, candidate: LeadCandidate)] {
        // Pending leads are admitted from the durable store's facts before the run (see ForecastService).
        []
    }

    public func senderLoads(_ senders: [ID]) async throws -> [ID: Int] {
        state.withLock { tables in
            Dictionary(uniqueKeysWithValues: senders.map { sender in
                (sender, tables.enrollments.values.filter { $0.value.senderID == sender && $0.value.dueAt != nil }.count)
            })
        }
    }

    public func activate(_ enrollments: [Enrollment], at now: Date) async throws {
        state.withLock { tables in
            var ended: Set<ID> = []
            var touched: Set<ID> = []
            for e in enrollments {
                tables.write(e, at: now, ended: &ended)
                if let sender = e.senderID { touched.insert(sender) }
            }
            for sender in touched { tables.refreshSlot(sender) }
        }
    }

    public func setEnrolling(_ campaign: ID, _ enrolling: Bool) async throws {}

    public func finishEnrolling(_ campaign: ID) async throws -> Bool { true }

    public func enrollingCampaigns() async throws -> [(id: ID, workspace: ID)] { [] }

    public func hold(_ campaign: Campaign, at now: Date) async throws {
        state.withLock { tables in
            for stored in tables.enrollments.values where stored.value.campaignID == campaign.id && stored.value.dueAt != nil {
                tables.held[stored.value.seq] = stored.value.dueAt
                var e = stored.value
                e.dueAt = nil
                tables.place(e)
            }
            for sender in tables.senders.keys { tables.refreshSlot(sender) }
        }
    }

    public func release(_ campaign: Campaign, at now: Date) async throws {
        state.withLock { tables in
            for (seq, due) in tables.held {
                guard var e = tables.enrollments[seq]?.value, e.campaignID == campaign.id, [.active, .waiting].contains(e.state) else { continue }
                e.dueAt = max(due, now)
                tables.held[seq] = nil
                tables.place(e)
            }
            for sender in tables.senders.keys { tables.refreshSlot(sender) }
        }
    }

    public func stopOpen(_ campaign: Campaign, contact: ID?, reason: String, at now: Date) async throws -> Int {
        state.withLock { tables in
            var ended: Set<ID> = []
            var count = 0
            for stored in tables.enrollments.values where stored.value.campaignID == campaign.id && !stored.value.state.isTerminal
                && (contact == nil || stored.value.contactID == contact) {
                var e = stored.value
                e.state = .stopped
                e.reason = reason
                e.dueAt = nil
                tables.write(e, at: now, ended: &ended)
                count += 1
            }
            return count
        }
    }


    public func holdReason(_ reason: String?, forSender sender: ID, at now: Date) async throws {}

    public func completeIfFinished(_ campaign: Campaign, at now: Date) async throws -> Bool {
        state.withLock { tables in
            tables.completeFinished([campaign.id], at: now)
            return tables.campaigns[campaign.id]?.status == .completed
        }
    }

    public func inFlightActions() async throws -> [(action: OutboundAction, enrollmentSeq: Int64, nextNodeID: String?)] {
        []
    }
}

/// The tables of a `MemoryEngineStore`, changed under its lock; each method is one "transaction".
private struct Tables {
    struct SenderRow {
        var sender: Sender
        /// The durable store's order of senders.
        var order: Int
        var usage: [EngineState.UsageRecord]
        var pacingUntil: Date?
        var nextSlot: Date?
        var inFlight: ID?

        /// Records an action and forgets what is older than the longest limit window (a week).
        mutating func remember(_ record: EngineState.UsageRecord) {
            let horizon = record.at.addingTimeInterval(-7 * 86_400)
            if let first = usage.first, first.at <= horizon { usage.removeAll { $0.at <= horizon } }
            Tables.insertSorted(record, into: &usage, by: \.at)
        }
    }

    struct StoredEnrollment {
        var value: Enrollment
        var priority: Int
        var lane: Int
        /// Its sender's `order` (-1: none): compared on the hot path instead of the ID.
        var sender: Int
    }

    /// Enrollments in an array (read in place on the hot path, without copying them) and their
    /// positions by seq.
    struct EnrollmentTable {
        private(set) var rows: [StoredEnrollment] = []
        private var positions: [Int64: Int] = [:]

        subscript(seq: Int64) -> StoredEnrollment? {
            positions[seq].map { rows[$0] }
        }

        /// Stores `row`, returning its position.
        mutating func put(_ row: StoredEnrollment) -> Int {
            if let position = positions[row.value.seq] {
                rows[position] = row
                return position
            }
            rows.append(row)
            positions[row.value.seq] = rows.count - 1
            return rows.count - 1
        }

        mutating func setDue(_ due: Date, at position: Int) { rows[position].value.dueAt = due }

        var values: [StoredEnrollment] { rows }
    }

    struct ActionRow {
        var id: ID
        var campaignID: ID
        var workspaceID: ID
        var enrollmentSeq: Int64
        var nodeID: String
        var senderID: ID
        var kind: ActionKind
        var state: ActionState
        var createdAt: Date
    }

    struct Level: Hashable, Comparable {
        var priority: Int
        var lane: Int

        static func < (a: Level, b: Level) -> Bool { (a.priority, a.lane) < (b.priority, b.lane) }
    }

    /// A sender's due leads at one level, earliest first; entries left behind by a change are
    /// skipped when met (the enrollment no longer matches them).
    struct DueHeap {
        typealias Item = (due: Date, seq: Int64, position: Int)
        var items: [Item] = []

        mutating func push(_ due: Date, _ seq: Int64, _ position: Int) {
            items.append((due, seq, position))
            var child = items.count - 1
            while child > 0 {
                let parent = (child - 1) / 2
                guard Self.less(items[child], items[parent]) else { break }
                items.swapAt(child, parent)
                child = parent
            }
        }

        mutating func pop() -> Item? {
            guard !items.isEmpty else { return nil }
            items.swapAt(0, items.count - 1)
            let top = items.removeLast()
            var parent = 0
            while true {
                let left = 2 * parent + 1, right = left + 1
                var smallest = parent
                if left < items.count, Self.less(items[left], items[smallest]) { smallest = left }
                if right < items.count, Self.less(items[right], items[smallest]) { smallest = right }
                guard smallest != parent else { break }
                items.swapAt(parent, smallest)
                parent = smallest
            }
            return top
        }

        var top: Item? { items.first }

        static func less(_ a: Item, _ b: Item) -> Bool { (a.due, a.seq) < (b.due, b.seq) }
    }

    var senders: [ID: SenderRow] = [:]
    var campaigns: [ID: Campaign] = [:] {
        didSet { ranks = campaigns.mapValues { (priority: $0.priority, prioritizeNewLeads: $0.prioritizeNewLeads) } }
    }
    /// Each campaign's priority and lane setting (what orders its leads on a sender).
    var ranks: [ID: (priority: Int, prioritizeNewLeads: Bool)] = [:]
    var contacts: [ID: Contact] = [:]
    var enrollments = EnrollmentTable()
    var due: [ID: [Level: DueHeap]] = [:]
    var held: [Int64: Date] = [:]
    var suppressedContacts: Set<ID>
    var suppressions: Set<String> = []
    var suppressionChecks: [ID: (count: Int, suppressed: Bool)] = [:]
    var signals: [Int64: EngineState.ScheduledSignalRecord] = [:]
    /// `signals` by due time (a fired one is skipped when met).
    var signalQueue = DueHeap()
    var nextSignalSeq: Int64 = 1
    var actions: [ID: ActionRow] = [:]
    var actionByStep: [String: ID] = [:]
    var startedTimes: [ID: [Date]]
    var workspaceQuotas: [ID: Int] = [:]
    var workspaceActions: [ID: [(at: Date, action: ID?)]] = [:]
    var openLeads: [ID: Int] = [:]

    init(_ initial: EngineState) {
        for (order, row) in initial.senders.enumerated() {
            senders[row.sender.id] = SenderRow(sender: row.sender, order: order, usage: row.usage.map { Self.usage($0) }.sorted { $0.at < $1.at },
                                               pacingUntil: row.pacingUntil.map(Self.stored))
        }
        for campaign in initial.campaigns { campaigns[campaign.id] = campaign }
        for contact in initial.contacts { contacts[contact.id] = contact }
        suppressedContacts = initial.suppressedContacts
        startedTimes = initial.startedTimes.mapValues { $0.map(Self.stored).sorted() }
        for (workspace, entry) in initial.workspaceQuotas {
            workspaceQuotas[workspace] = entry.quota
            workspaceActions[workspace] = entry.actions.map { ($0, nil) }
        }
        for e in initial.enrollments {
            place(e)
            if !e.state.isTerminal { openLeads[e.campaignID, default: 0] += 1 }
        }
        for record in initial.signals { schedule(record) }
        for sender in senders.keys { refreshSlot(sender) }
    }

    /// The durable store's "no pacing" (0 ms).
    static let zero = Date(timeIntervalSince1970: 0)

    /// Dates as the durable store keeps them (milliseconds).
    static func stored(_ date: Date) -> Date {
        Date(timeIntervalSince1970: (date.timeIntervalSince1970 * 1000).rounded() / 1000)
    }

    /// Usage as the durable store keeps it: to the second, rounded up (a cap frees no earlier than it should).
    static func usage(_ record: EngineState.UsageRecord) -> EngineState.UsageRecord {
        var record = record
        record.at = Date(timeIntervalSince1970: (record.at.timeIntervalSince1970).rounded(.up))
        return record
    }

    // MARK: Enrollments

    /// Stores `e` as it is (its due time indexed on its sender at its campaign's level).
    mutating func place(_ e: Enrollment) {
        var e = e
        e.dueAt = e.dueAt.map(Self.stored)
        e.nodeEnteredAt = e.nodeEnteredAt.map(Self.stored)
        e.startedAt = e.startedAt.map(Self.stored)
        let rank = ranks[e.campaignID]
        let priority = rank?.priority ?? 0
        let lane = Campaign.lane(started: e.startedAt != nil, prioritizeNewLeads: rank?.prioritizeNewLeads ?? false)
        let senderOrder = e.senderID.flatMap { senders[$0]?.order } ?? -1
        let position = enrollments.put(StoredEnrollment(value: e, priority: priority, lane: lane, sender: senderOrder))
        if let dueAt = e.dueAt, let sender = e.senderID {
            due[sender, default: [:]][Level(priority: priority, lane: lane), default: DueHeap()].push(dueAt, e.seq, position)
        }
    }

    /// Writes an enrollment's engine fields over what it was: an ended lead is never reopened
    /// (it keeps its state, reason and step; only what a send taught is written), a first
    /// contact is remembered for the daily new-lead limit.
    mutating func write(_ e: Enrollment, at now: Date, ended: inout Set<ID>) {
        var e = e
        let old = enrollments[e.seq]?.value
        if let old {
            e.keepEnd(state: old.state, reason: old.reason, nodeID: old.nodeID, nodeEnteredAt: old.nodeEnteredAt)
            e.startedAt = old.startedAt ?? e.startedAt
            e.lastMessageID = e.lastMessageID ?? old.lastMessageID
            e.senderID = e.senderID ?? old.senderID
        }
        if old?.startedAt == nil, let started = e.startedAt {
            Self.insertSorted(Self.stored(started), into: &startedTimes[e.campaignID, default: []], by: \.self)
        }
        let wasOpen = old.map { !$0.state.isTerminal } ?? false
        if wasOpen != !e.state.isTerminal {
            openLeads[e.campaignID, default: 0] += wasOpen ? -1 : 1
            if wasOpen { ended.insert(e.campaignID) }
        }
        place(e)
    }

    /// The current due time of `seq` if the heap entry (`due`, level, sender) still describes it.
    func isCurrent(_ entry: DueHeap.Item, sender: Int, level: Level) -> Bool {
        let rows = enrollments.rows, position = entry.position
        return rows[position].value.dueAt == entry.due && rows[position].sender == sender
            && rows[position].priority == level.priority && rows[position].lane == level.lane
    }

    /// The sender's levels, highest first.
    func levels(of sender: ID) -> [Level] {
        (due[sender] ?? [:]).keys.sorted(by: >)
    }

    /// The earliest due time at one level, dropping stale entries on the way.
    mutating func earliest(_ sender: ID, _ level: Level) -> Date? {
        guard var heap = due[sender]?.removeValue(forKey: level) else { return nil }
        defer { due[sender]?[level] = heap }
        let order = senders[sender]?.order ?? -1
        while let top = heap.top {
            if isCurrent(top, sender: order, level: level) { return top.due }
            _ = heap.pop()
        }
        return nil
    }

    /// The sender's most urgent due leads: highest level first, earliest due (then seq) within it.
    mutating func dueLeads(of sender: ID, at now: Date, limit: Int) -> [Enrollment] {
        var found: [Enrollment] = []
        var taken: Set<Int64> = []
        for level in levels(of: sender) where found.count < limit {
            guard var heap = due[sender]?.removeValue(forKey: level) else { continue }
            let order = senders[sender]?.order ?? -1
            var keep: [DueHeap.Item] = []
            while found.count < limit, let top = heap.top, top.due <= now {
                _ = heap.pop()
                guard isCurrent(top, sender: order, level: level), taken.insert(top.seq).inserted else { continue }
                keep.append(top)
                found.append(enrollments.rows[top.position].value)
            }
            for entry in keep { heap.push(entry.due, entry.seq, entry.position) }
            due[sender]?[level] = heap
        }
        return found
    }

    mutating func earliestDue(of sender: ID) -> Date? {
        levels(of: sender).compactMap { earliest(sender, $0) }.min()
    }

    /// next slot = the later of the sender's pacing and its earliest due lead; none while an
    /// action is in flight or nothing is due.
    mutating func refreshSlot(_ sender: ID) {
        guard var row = senders[sender] else { return }
        let earliest = earliestDue(of: sender)
        row.nextSlot = row.inFlight != nil || earliest == nil ? nil : max(row.pacingUntil ?? Self.zero, earliest!)
        senders[sender] = row
    }

    mutating func completeFinished(_ campaignIDs: Set<ID>, at now: Date) {
        for id in campaignIDs {
            guard var campaign = campaigns[id], campaign.status == .active, (openLeads[id] ?? 0) <= 0 else { continue }
            campaign.status = .completed
            campaign.completedAt = Self.stored(now)
            campaign.updatedAt = Self.stored(now)
            campaigns[id] = campaign
        }
    }

    /// Inserts into an ascending array (times nearly always arrive in order: found from the end).
    static func insertSorted<Element>(_ element: Element, into array: inout [Element], by time: (Element) -> Date) {
        var index = array.endIndex
        while index > array.startIndex, time(array[index - 1]) > time(element) { index -= 1 }
        array.insert(element, at: index)
    }

    /// The first index of an ascending array whose time is at or after `date`.
    static func firstIndex(atOrAfter date: Date, in times: [Date]) -> Int {
        var low = 0, high = times.count
        while low < high {
            let middle = (low + high) / 2
            if times[middle] < date { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// Whether any of the contact's addresses (or its email's domain) is suppressed. Answers are
    /// kept until the suppressions change (they only grow, so their count tells).
    mutating func isSuppressed(_ contact: Contact) -> Bool {
        if suppressedContacts.contains(contact.id) { return true }
        guard !suppressions.isEmpty else { return false }
        if let kept = suppressionChecks[contact.id], kept.count == suppressions.count { return kept.suppressed }
        let domain = contact.email?.split(separator: "@").last.map(String.init)
        var suppressed = false
        for (kind, value) in [(Suppression.Kind.email, contact.email), (.domain, domain), (.phone, contact.phone), (.linkedinURL, contact.linkedinURL)] {
            if let value, suppressions.contains(Self.suppressionKey(contact.workspaceID, kind, value)) { suppressed = true }
        }
        suppressionChecks[contact.id] = (suppressions.count, suppressed)
        return suppressed
    }

    static func suppressionKey(_ workspace: ID, _ kind: Suppression.Kind, _ value: String) -> String {
        "\(workspace.rawValue)|\(kind.rawValue)|\(value)"
    }

    // MARK: Claim

    mutating func claim(_ request: ClaimRequest) -> ClaimResult {
        let now = request.at
        var result = ClaimResult()
        var ended: Set<ID> = []
        let pending = dueSignals(at: now, limit: request.maxSignals)
        if !pending.isEmpty {
            apply(request.react(pending), at: now, ended: &ended)
            result.signals = pending.count
        }
        let snapshots = snapshot(at: now, maxSenders: request.maxSenders, candidatesPerSender: request.candidatesPerSender)
        result.senders = snapshots.count
        if !snapshots.isEmpty {
            let plan = request.decide(snapshots)
            let applied = apply(plan, at: now, ended: &ended)
            result.claims = applied.claims
            result.moves = plan.moves.count + applied.deferred
        }
        completeFinished(ended, at: now)
        if result.claims.isEmpty { result.nextWake = nextWake() }
        return result
    }

    mutating func schedule(_ record: EngineState.ScheduledSignalRecord) {
        var record = record
        record.signal.at = Self.stored(record.signal.at)
        signals[nextSignalSeq] = record
        signalQueue.push(record.signal.at, nextSignalSeq, 0)
        nextSignalSeq += 1
    }

    /// The signals due by `now`, earliest first (they stay scheduled until fired).
    mutating func dueSignals(at now: Date, limit: Int) -> [PendingSignal] {
        var due: [(Int64, EngineState.ScheduledSignalRecord)] = []
        var keep: [DueHeap.Item] = []
        while due.count < limit, let top = signalQueue.top, top.due <= now {
            _ = signalQueue.pop()
            guard let record = signals[top.seq] else { continue }
            keep.append(top)
            due.append((top.seq, record))
        }
        for entry in keep { signalQueue.push(entry.due, entry.seq, 0) }
        return due.compactMap { seq, record in
            guard let e = enrollments[record.enrollmentSeq]?.value, let campaign = campaigns[e.campaignID],
                  let contact = contacts[e.contactID] else { return nil }
            return PendingSignal(seq: seq, type: record.signal.type, at: Self.stored(record.signal.at), actionID: record.actionID,
                                 enrollment: e, campaign: campaign, contact: contact)
        }
    }

    mutating func snapshot(at now: Date, maxSenders: Int, candidatesPerSender: Int) -> [SenderSnapshot] {
        var slots: [(slot: Date, order: Int, id: ID)] = []
        for (id, row) in senders where row.inFlight == nil && row.sender.status == .active {
            if let slot = row.nextSlot, slot <= now { slots.append((slot, row.order, id)) }
        }
        slots.sort { ($0.slot, $0.order) < ($1.slot, $1.order) }
        var snapshots: [SenderSnapshot] = []
        var startedToday: [ID: Int] = [:]
        var workspaceToday: [ID: Int] = [:]
        for (_, _, id) in slots.prefix(maxSenders) {
            let leads = dueLeads(of: id, at: now, limit: candidatesPerSender)
            guard let row = senders[id] else { continue }
            let weekAgo = now.addingTimeInterval(-7 * 86_400), hourAgo = now.addingTimeInterval(-3600)
            var recentByCampaign: [ID: RollingUsage] = [:]
            var candidates: [Candidate] = []
            for e in leads {
                guard let campaign = campaigns[e.campaignID], let contact = contacts[e.contactID] else { continue }
                if startedToday[campaign.id] == nil {
                    let dayStart = Planner.startOfDay(now, in: campaign.timezone)
                    let times = startedTimes[campaign.id] ?? []
                    startedToday[campaign.id] = times.count - Self.firstIndex(atOrAfter: dayStart, in: times)
                }
                let quota = workspaceQuotas[campaign.workspaceID]
                if quota != nil, workspaceToday[campaign.workspaceID] == nil {
                    let dayStart = Planner.startOfDay(now, in: .utc)
                    workspaceToday[campaign.workspaceID] = (workspaceActions[campaign.workspaceID] ?? []).count { entry in
                        entry.at >= dayStart && (entry.action.map { actions[$0]?.state.mayHaveGoneOut ?? false } ?? true)
                    }
                }
                if recentByCampaign[campaign.id] == nil {
                    recentByCampaign[campaign.id] = RollingUsage(times: row.usage.filter { $0.campaignID == campaign.id && $0.at > hourAgo }.map(\.at))
                }
                var candidate = Candidate(
                    enrollment: e, campaign: campaign, contact: contact, suppressed: isSuppressed(contact),
                    campaignSenderRecent: recentByCampaign[campaign.id]!,
                    campaignStartedToday: startedToday[campaign.id] ?? 0, workspaceSentToday: workspaceToday[campaign.workspaceID] ?? 0,
                    workspaceDailyQuota: quota)
                if campaign.channel == .multichannel {
                    var byChannel: [ChannelKind: [ID]] = [:]
                    for id in campaign.senderIDs {
                        if let sender = senders[id]?.sender, sender.status == .active { byChannel[sender.channel, default: []].append(id) }
                    }
                    candidate.campaignSenders = byChannel
                }
                candidates.append(candidate)
            }
            var byKind: [ActionKind: [Date]] = [:]
            for record in row.usage where record.at > weekAgo { byKind[record.kind, default: []].append(record.at) }
            snapshots.append(SenderSnapshot(sender: row.sender, usage: byKind.mapValues(RollingUsage.init(times:)), candidates: candidates))
        }
        return snapshots
    }

    mutating func apply(_ plan: DispatchPlan, at now: Date, ended: inout Set<ID>) -> (claims: [Claim], deferred: Int) {
        var recorded: [Claim] = []
        var busy: [ID: ID] = [:]
        for claim in plan.claims {
            var claim = claim
            let a = claim.action
            guard senders[a.sender.id] != nil, enrollments[claim.enrollment.seq] != nil else { continue }
            let step = "\(claim.enrollment.seq)|\(a.nodeID)"
            if let existing = actionByStep[step] {
                // Never twice: only a `queued` row (a transient failure) may be sent again, as itself.
                guard actions[existing]?.state == .queued else { continue }
                claim.action.id = existing
                actions[existing]?.state = .sending
                actions[existing]?.createdAt = Self.stored(now)
                actions[existing]?.senderID = a.sender.id
            } else {
                actions[a.id] = ActionRow(id: a.id, campaignID: a.campaignID, workspaceID: a.workspaceID, enrollmentSeq: claim.enrollment.seq,
                                          nodeID: a.nodeID, senderID: a.sender.id, kind: a.kind, state: .sending, createdAt: Self.stored(now))
                actionByStep[step] = a.id
            }
            let id = claim.action.id
            workspaceActions[a.workspaceID]?.append((Self.stored(now), id))
            senders[a.sender.id]?.remember(Self.usage(.init(at: now, campaignID: a.campaignID, kind: a.kind)))
            busy[a.sender.id] = id
            recorded.append(claim)
        }
        var touched: Set<ID> = []
        for move in plan.moves {
            guard let old = enrollments[move.seq]?.value else { continue }
            write(move, at: now, ended: &ended)
            if let sender = move.senderID ?? old.senderID { touched.insert(sender) }
        }
        var deferred = 0
        for deferral in plan.deferrals where !deferral.nodeIDs.isEmpty && deferral.until > now {
            guard let priority = campaigns[deferral.campaignID]?.priority else { continue }
            // The sender's due leads at the campaign's priority (both lanes), narrowed to the
            // campaign's steps on this channel: leads at a delay or condition are not held.
            let nodes = deferral.nodeIDs  // a step or two: compared, not hashed
            for lane in [0, 1] {
                let level = Level(priority: priority, lane: lane)
                var keep: [DueHeap.Item] = []
                guard var heap = due[deferral.senderID]?.removeValue(forKey: level) else { continue }
                let order = senders[deferral.senderID]?.order ?? -1
                let until = Self.stored(deferral.until)
                while let top = heap.top, top.due <= now {
                    _ = heap.pop()
                    guard isCurrent(top, sender: order, level: level) else { continue }
                    let rows = enrollments.rows, position = top.position
                    guard rows[position].value.campaignID == deferral.campaignID, rows[position].value.nodeID.map(nodes.contains) == true,
                          !deferral.newLeadsOnly || rows[position].value.startedAt == nil else {
                        keep.append(top)
                        continue
                    }
                    // Only the due time changes: the lead stays at its level on its sender.
                    enrollments.setDue(until, at: position)
                    heap.push(until, top.seq, position)
                    deferred += 1
                }
                for entry in keep { heap.push(entry.due, entry.seq, entry.position) }
                due[deferral.senderID]?[level] = heap
            }
            touched.insert(deferral.senderID)
        }
        for sender in plan.senders {
            guard senders[sender] != nil else { continue }
            if let pacing = plan.pacing[sender] { senders[sender]?.pacingUntil = Self.stored(pacing) }
            if let action = busy[sender] {
                senders[sender]?.inFlight = action
                senders[sender]?.nextSlot = nil
            } else {
                touched.insert(sender)
            }
        }
        for sender in touched.subtracting(busy.keys) { refreshSlot(sender) }
        return (recorded, deferred)
    }

    // MARK: Record

    mutating func record(_ settlement: Settlement, at now: Date) -> Date? {
        var ended: Set<ID> = []
        for update in settlement.actions {
            guard var row = actions[update.action.id] else { continue }
            row.state = update.state
            actions[row.id] = row
            if update.state == .queued, let index = senders[row.senderID]?.usage.lastIndex(of: Self.usage(.init(
                at: row.createdAt, campaignID: row.campaignID, kind: row.kind))) {
                // Proven not to have gone out: it no longer counts against the sender's limits.
                senders[row.senderID]?.usage.remove(at: index)
            }
        }
        var touched: Set<ID> = []
        for move in settlement.moves {
            guard let old = enrollments[move.seq]?.value else { continue }
            write(move, at: now, ended: &ended)
            if let sender = old.senderID { touched.insert(sender) }
        }
        for suppression in settlement.suppressions {
            suppressions.insert(Self.suppressionKey(suppression.workspaceID, suppression.kind, suppression.value))
        }
        for (enrollmentSeq, actionID, signal) in settlement.signals {
            schedule(.init(enrollmentSeq: enrollmentSeq, actionID: actionID, signal: signal))
        }
        for sender in settlement.disconnectedSenders { senders[sender]?.pacingUntil = .distantFuture }
        for (sender, until) in settlement.senderHolds {
            let held = max(senders[sender]?.pacingUntil ?? until, until)
            senders[sender]?.pacingUntil = held
        }
        let freed = Set(settlement.freedSenders)
        for sender in freed where senders[sender]?.inFlight != nil {
            // Looked at again when its pacing gap ends; a look that finds nothing sets the exact slot.
            senders[sender]?.inFlight = nil
            let pacing = senders[sender]?.pacingUntil
            senders[sender]?.nextSlot = pacing ?? Self.zero
        }
        for sender in touched.subtracting(freed) { refreshSlot(sender) }
        completeFinished(ended, at: now)
        return nextWake()
    }

    mutating func apply(_ effects: SignalEffects, at now: Date, ended: inout Set<ID>) {
        for seq in effects.fired { signals[seq] = nil }
        for move in effects.moves { write(move, at: now, ended: &ended) }
        for (contact, status) in effects.contactStatuses { contacts[contact]?.status = status }
        for suppression in effects.suppressions {
            suppressions.insert(Self.suppressionKey(suppression.workspaceID, suppression.kind, suppression.value))
        }
        // A lead a signal made due (a condition met) brings its sender's slot forward.
        for move in effects.moves {
            guard let dueAt = move.dueAt, let sender = move.senderID, var row = senders[sender], row.inFlight == nil else { continue }
            let slot = max(row.pacingUntil ?? Self.zero, Self.stored(dueAt))
            if row.nextSlot.map({ $0 > slot }) ?? true {
                row.nextSlot = slot
                senders[sender] = row
            }
        }
    }

    mutating func nextWake() -> Date? {
        let slot = senders.values.filter { $0.inFlight == nil && $0.sender.status == .active }.compactMap(\.nextSlot).min()
        while let top = signalQueue.top, signals[top.seq] == nil { _ = signalQueue.pop() }
        return [slot, signalQueue.top?.due].compactMap { $0 }.min()
    }
}
