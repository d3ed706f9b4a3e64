import Foundation

/// The dispatcher's rules (docs/ARCHITECTURE.md §2), as a pure function from what is due to what to do.
public struct Planner: Sendable {
    /// Compiled templates, shared across ticks (a template is compiled once per distinct text).
    let templates: TemplateCache
    /// Pacing draws.
    let random: RandomSource

    public init(templates: TemplateCache = TemplateCache(), random: RandomSource = RandomSource(seed: 1)) {
        self.templates = templates
        self.random = random
    }

    /// Decides, for every due sender, at most one action, and moves every enrollment it looked
    /// at that cannot act now to the moment it can (a window's opening, a delay's end, a
    /// condition's deadline, tomorrow for a daily limit): nothing is rescanned before it is due.
    public func plan(_ snapshots: [SenderSnapshot], at now: Date) -> DispatchPlan {
        var plan = DispatchPlan()
        var startedToday: [ID: Int] = [:]
        var workspaceToday: [ID: Int] = [:]
        var deferred: Set<Deferral.Key> = []
        for snapshot in snapshots {
            let sender = snapshot.sender
            plan.senders.append(sender.id)
            var claimed = false
            var blockedUntil: Date?
            // The store's order (priority, then lane, then due time): see `Campaign.lane(started:)`.
            let ordered = snapshot.candidates.sorted {
                ($0.campaign.priority, $0.campaign.lane(started: $0.enrollment.startedAt != nil), $1.enrollment.dueAt ?? now, $1.enrollment.seq)
                    > ($1.campaign.priority, $1.campaign.lane(started: $1.enrollment.startedAt != nil), $0.enrollment.dueAt ?? now,
                       $0.enrollment.seq)
            }
            for candidate in ordered {
                var e = candidate.enrollment
                let campaign = candidate.campaign
                let original = e
                var steps = 0
                if campaign.status != .active {
                    // Not running (a race with pause or completion): take it out of the due index.
                    e.dueAt = nil
                    plan.moves.append(e)
                    continue
                }
                walk: while steps < campaign.sequence.nodes.count + 1 {
                    steps += 1
                    guard let nodeID = e.nodeID, let node = campaign.sequence.node(nodeID) else {
                        finish(&e, .failed, "its step \(e.nodeID ?? "?") no longer exists")
                        break walk
                    }
                    switch node.kind {
                    case .end:
                        finish(&e, .completed, "reached the end of the sequence")
                        break walk
                    case .delay(let minutes):
                        let until = (e.nodeEnteredAt ?? now).addingTimeInterval(Double(minutes) * 60)
                        if until > now {
                            e.state = .waiting
                            e.dueAt = until
                            break walk
                        }
                        advance(&e, to: node.next, at: now)
                        // Due since the delay ended, not since it was looked at: a lead kept
                        // waiting (behind others on a busy sender) keeps its place in due order.
                        e.dueAt = until
                    case .condition(let signal, let days, let yes, let no):
                        if e.signals.contains(signal) {
                            advance(&e, to: yes, at: now)
                        } else {
                            let deadline = (e.nodeEnteredAt ?? now).addingTimeInterval(Double(days) * 86_400)
                            if now >= deadline {
                                advance(&e, to: no, at: now)
                            } else {
                                e.state = .waiting
                                e.dueAt = deadline
                                break walk
                            }
                        }
                    default:
                        guard !claimed, let kind = node.actionKind, let channel = node.channel else { break walk }
                        if channel != sender.channel {
                            // A multichannel step on another channel: hand the lead to a sender of that
                            // channel, chosen from the contact so it stays the same for every such step.
                            guard let others = candidate.campaignSenders[channel], !others.isEmpty else {
                                finish(&e, .failed, "the campaign has no \(channel.rawValue) sender for step \(node.id)")
                                break walk
                            }
                            let pick = Int(Template.choiceSeed(lead: candidate.contact.id.rawValue, node: channel.rawValue) % UInt64(others.count))
                            e.senderID = others[pick]
                            e.dueAt = now
                            break walk
                        }
                        if candidate.suppressed {
                            finish(&e, .stopped, "the contact is on the suppression list")
                            break walk
                        }
                        if let startAt = campaign.startAt, startAt > now {
                            e.dueAt = startAt
                            hold(campaign, on: sender, until: startAt, &deferred, &plan)
                            break walk
                        }
                        let zone = campaign.sendInLeadTimezone ? (candidate.contact.timezone ?? campaign.timezone) : campaign.timezone
                        if !campaign.schedule.contains(now, in: zone) {
                            guard let opening = campaign.schedule.nextOpening(atOrAfter: now, in: zone) else {
                                finish(&e, .stopped, "the campaign's schedule has no sending window")
                                break walk
                            }
                            e.dueAt = opening
                            if !campaign.sendInLeadTimezone { hold(campaign, on: sender, until: opening, &deferred, &plan) }
                            break walk
                        }
                        guard let recipient = candidate.contact.identity(for: channel) else {
                            finish(&e, .skipped, "the contact has no \(channel == .linkedin ? "linkedin_url" : channel == .email ? "email" : "phone")")
                            break walk
                        }
                        let limit = sender.limits[kind] ?? RateLimit.defaults(for: sender.channel)[kind] ?? RateLimit()
                        if let free = (snapshot.usage[kind] ?? RollingUsage(times: [])).nextFreeSlot(under: limit, at: now) {
                            blockedUntil = min(blockedUntil ?? free, free)
                            break walk
                        }
                        if let free = candidate.campaignSenderRecent.nextFreeSlot(
                            under: RateLimit(perHour: campaign.hourlyMessageRate), at: now) {
                            blockedUntil = min(blockedUntil ?? free, free)
                            break walk
                        }
                        if e.startedAt == nil {
                            let started = candidate.campaignStartedToday + startedToday[campaign.id, default: 0]
                            if started >= campaign.dailyLimit {
                                let midnight = Planner.nextMidnight(after: now, in: campaign.timezone)
                                e.dueAt = midnight
                                // No other new lead of the campaign can start today either.
                                hold(campaign, on: sender, until: midnight, newLeadsOnly: true, &deferred, &plan)
                                break walk
                            }
                        }
                        if let quota = candidate.workspaceDailyQuota,
                           candidate.workspaceSentToday + workspaceToday[campaign.workspaceID, default: 0] >= quota {
                            let tomorrow = Planner.nextMidnight(after: now, in: .utc)
                            blockedUntil = min(blockedUntil ?? tomorrow, tomorrow)
                            break walk
                        }
                        let message: MessageRenderer.Message?
                        do {
                            let signature = try campaign.signature.map { try templates.compile($0) }
                            message = try MessageRenderer.render(node, in: campaign.sequence,
                                                                 for: RenderContext(contact: candidate.contact, sender: sender),
                                                                 lead: candidate.contact.id.rawValue, signature: signature,
                                                                 compile: templates.compile)
                        } catch {
                            finish(&e, .failed, "its message cannot be rendered: \(error)")
                            break walk
                        }
                        var inReplyTo: String?
                        if case .email(let step) = node.kind, step.isReply { inReplyTo = e.lastMessageID }
                        let action = OutboundAction(
                            id: .generate(.action), workspaceID: campaign.workspaceID, campaignID: campaign.id,
                            contactID: candidate.contact.id, nodeID: node.id, kind: kind, sender: sender, recipient: recipient,
                            subject: message?.subject, body: message?.body, html: message?.html, inReplyTo: inReplyTo,
                            dryRun: campaign.dryRun, simulation: campaign.simulation,
                            openTracking: campaign.openTracking, recipientFirstName: candidate.contact.firstName,
                            recipientLastName: candidate.contact.lastName)
                        e.state = .active
                        e.dueAt = nil
                        var nextIsEnd = false
                        if let next = node.next, case .end? = campaign.sequence.node(next)?.kind { nextIsEnd = true }
                        plan.claims.append(Claim(action: action, enrollment: e, startsLead: e.startedAt == nil, nextNodeID: node.next,
                                                 nextIsEnd: nextIsEnd))
                        if e.startedAt == nil { startedToday[campaign.id, default: 0] += 1 }
                        workspaceToday[campaign.workspaceID, default: 0] += 1
                        claimed = true
                        let gap = random.gap(sender.pacing)
                        plan.pacing[sender.id] = now.addingTimeInterval(gap)
                        break walk
                    }
                }
                if plan.claims.last?.enrollment.seq != e.seq, e != original {
                    plan.moves.append(e)
                }
            }
            if !claimed, let blockedUntil { plan.pacing[sender.id] = blockedUntil }
        }
        return plan
    }

    /// Moves the rest of the campaign's leads due on the sender along with the one looked at (once
    /// per sender and campaign in a plan): a shut window or a later start holds them all alike, and
    /// a reached daily new-lead limit holds every lead not yet contacted (`newLeadsOnly`).
    private func hold(_ campaign: Campaign, on sender: Sender, until: Date, newLeadsOnly: Bool = false,
                      _ deferred: inout Set<Deferral.Key>, _ plan: inout DispatchPlan) {
        guard deferred.insert(Deferral.Key(sender: sender.id, campaign: campaign.id, newLeadsOnly: newLeadsOnly)).inserted else { return }
        let nodes = campaign.sequence.nodes.filter { $0.channel == sender.channel && $0.actionKind != nil }.map(\.id)
        plan.deferrals.append(Deferral(senderID: sender.id, campaignID: campaign.id, nodeIDs: nodes, until: until, newLeadsOnly: newLeadsOnly))
    }

    private func advance(_ e: inout Enrollment, to next: String?, at now: Date) {
        e.nodeID = next
        e.nodeEnteredAt = now
        e.state = .active
        e.dueAt = now
    }

    private func finish(_ e: inout Enrollment, _ state: EnrollmentState, _ reason: String) {
        e.state = state
        e.reason = reason
        e.dueAt = nil
    }

    /// The next local midnight in `zone` after `now`.
    public static func nextMidnight(after now: Date, in zone: Zone) -> Date {
        let tz = zone.timeZone
        let local = Int(now.timeIntervalSince1970.rounded(.down)) + tz.secondsFromGMT(for: now)
        let day = Int((Double(local) / 86_400).rounded(.down)) + 1
        return LocalClock.firstInstant(day: day, minute: 0, in: tz)
    }

    /// The last local midnight in `zone` at or before `now` (start of the campaign's day).
    public static func startOfDay(_ now: Date, in zone: Zone) -> Date {
        let tz = zone.timeZone
        let local = Int(now.timeIntervalSince1970.rounded(.down)) + tz.secondsFromGMT(for: now)
        let day = Int((Double(local) / 86_400).rounded(.down))
        return LocalClock.firstInstant(day: day, minute: 0, in: tz)
    }
}
