import Foundation

/// How the engine reacts to outcomes and signals (stop on reply, conditions, bounces, backoff).
public enum Reactions {
    /// Transient failures retry on the same action after 1, 2, 4 … minutes (at most an hour);
    /// after this many attempts the lead fails.
    public static let maximumAttempts = 8

    public static func backoff(attempt: Int) -> TimeInterval {
        min(3600, 60 * pow(2, Double(max(0, attempt - 1))))
    }

    /// Turns channel outcomes into what to record.
    public static func settle(_ outcomes: [Outcome]) -> Settlement {
        var settlement = Settlement()
        for outcome in outcomes {
            var e = outcome.claim.enrollment
            let action = outcome.claim.action
            settlement.freedSenders.append(action.sender.id)
            switch outcome.result {
            case .sent(let providerID, let signals):
                settlement.actions.append(.init(action: action, state: .sent, providerID: providerID, error: nil))
                e.startedAt = e.startedAt ?? outcome.at
                e.attempts = 0
                e.reason = nil
                if action.kind == .email { e.lastMessageID = messageID(for: action) }
                e.nodeID = outcome.claim.nextNodeID
                e.nodeEnteredAt = outcome.at
                e.dueAt = outcome.at
                e.state = .active
                if e.nodeID == nil || outcome.claim.nextIsEnd {
                    e.state = .completed
                    e.dueAt = nil
                    e.reason = "reached the end of the sequence"
                }
                for signal in signals { settlement.signals.append((e.seq, action.id, signal)) }
            case .transient(let error):
                e.attempts += 1
                if e.attempts >= maximumAttempts {
                    settlement.actions.append(.init(action: action, state: .failed, providerID: nil, error: error))
                    e.state = .failed
                    e.reason = "gave up after \(e.attempts) attempts: \(error)"
                    e.dueAt = nil
                } else {
                    settlement.actions.append(.init(action: action, state: .queued, providerID: nil, error: error))
                    e.state = .active
                    e.reason = "retrying (attempt \(e.attempts + 1)): \(error)"
                    e.dueAt = outcome.at.addingTimeInterval(backoff(attempt: e.attempts))
                }
            case .senderLimited(let error, let until):
                settlement.actions.append(.init(action: action, state: .queued, providerID: nil, error: error))
                settlement.senderHolds.append((action.sender.id, until))
                e.state = .active
                e.reason = "waiting: sender \(action.sender.id) reached its provider's limit until \(Timestamp.iso(until)): \(error)"
                e.dueAt = until
            case .senderDisconnected(let error):
                settlement.actions.append(.init(action: action, state: .queued, providerID: nil, error: error))
                settlement.disconnectedSenders.append(action.sender.id)
                e.state = .active
                e.reason = "waiting: sender \(action.sender.id) is disconnected: \(error)"
                e.dueAt = outcome.at
            case .permanent(let error, let bounced):
                settlement.actions.append(.init(action: action, state: .failed, providerID: nil, error: error))
                e.state = bounced ? .bounced : .failed
                e.reason = error
                e.dueAt = nil
                // A dead address, or a number that opted out at the carrier (Twilio 21610), is never tried again.
                if bounced, action.kind == .email || action.kind == .sms {
                    settlement.suppressions.append(Suppression(
                        id: .generate(.suppression), workspaceID: action.workspaceID, kind: action.kind == .email ? .email : .phone,
                        value: action.recipient, reason: "bounced: \(error)", createdAt: outcome.at))
                }
            }
            settlement.moves.append(e)
        }
        return settlement
    }

    /// Reacts to signals: a reply stops the lead when the campaign says so; a waiting condition
    /// is looked at again at once; a bounce or opt-out ends the lead and suppresses the address.
    /// Several signals of one lead in a batch (an open and a reply in the same minute) act in turn
    /// on the same lead, which moves once.
    public static func react(to signals: [PendingSignal], at now: Date) -> SignalEffects {
        var effects = SignalEffects()
        var leads: [(read: Enrollment, now: Enrollment)] = []  // in the order first signalled
        var position: [Int64: Int] = [:]
        for pending in signals {
            effects.fired.append(pending.seq)
            let index = position[pending.enrollment.seq] ?? leads.count
            if index == leads.count {
                position[pending.enrollment.seq] = index
                leads.append((pending.enrollment, pending.enrollment))
            }
            var e = leads[index].now
            effects.observed.append(ObservedSignal(enrollmentSeq: e.seq, campaignID: pending.campaign.id, workspaceID: pending.campaign.workspaceID,
                                                   contactID: pending.contact.id, type: pending.type, actionID: pending.actionID))
            if let signal = pending.type.signal { e.signals.insert(signal) }
            if !e.state.isTerminal {
                switch pending.type {
                case .replied where pending.campaign.stopOnReply:
                    e.state = .replied
                    e.reason = "the lead replied"
                    e.dueAt = nil
                case .bounced:
                    e.state = .bounced
                    e.reason = "the message bounced"
                    e.dueAt = nil
                case .unsubscribed:
                    e.state = .unsubscribed
                    e.reason = "the lead opted out"
                    e.dueAt = nil
                default:
                    // A condition waiting for this signal decides now rather than at its deadline.
                    if e.state == .waiting, let node = e.nodeID.flatMap(pending.campaign.sequence.node),
                       case .condition(let wanted, _, _, _) = node.kind, pending.type.signal == wanted {
                        e.dueAt = now
                    }
                }
            }
            for automation in pending.campaign.automations where automation.on == pending.type {
                switch automation.action {
                case .setContactStatus(let status): effects.contactStatuses.append((pending.contact.id, status))
                case .addToList(let list): effects.listAdditions.append((list, pending.contact.id))
                case .removeFromList(let list): effects.listRemovals.append((list, pending.contact.id))
                case .stop:
                    if !e.state.isTerminal {
                        e.state = .stopped
                        e.reason = "stopped by an automation on \(pending.type.rawValue)"
                        e.dueAt = nil
                    }
                }
            }
            // A bounce suppresses the address; an opt-out the contact's first identity.
            let identity: (kind: IdentityKind, value: String)? = switch pending.type {
            case .bounced: pending.contact.email.map { (.email, $0) }
            case .unsubscribed: pending.contact.identities.first
            default: nil
            }
            if let identity {
                effects.suppressions.append(Suppression(id: .generate(.suppression), workspaceID: pending.campaign.workspaceID,
                                                        kind: Suppression.Kind(identity.kind), value: identity.value,
                                                        reason: pending.type.rawValue, createdAt: now))
            }
            leads[index].now = e
        }
        effects.moves = leads.filter { $0.now != $0.read }.map(\.now)
        return effects
    }

    /// `<action_id@sender-domain>`: deterministic, so a retry after a crash reuses it.
    public static func messageID(for action: OutboundAction) -> String {
        let domain = action.sender.email?.split(separator: "@").last.map(String.init) ?? "outbound.local"
        return "<\(action.id.rawValue)@\(domain)>"
    }
}
