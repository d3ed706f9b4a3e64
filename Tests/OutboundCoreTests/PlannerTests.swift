import Foundation
import Testing
@testable import OutboundCore

/// The planner is a pure function from what is due to what to do: tested here without storage.
@Suite struct PlannerTests {
    let now = Date(timeIntervalSince1970: 1_795_996_800)  // Monday 2026-11-30 00:00 UTC
    let workspace = ID.generate(.workspace)

    private func sender(perDay: Int = 50) -> Sender {
        Sender(id: .generate(.sender), workspaceID: workspace, channel: .email, displayName: "Sam Lee", email: "sam@acme.example",
               limits: [.email: RateLimit(perDay: perDay)], pacing: Pacing(minGapSeconds: 60, maxGapSeconds: 60),
               createdAt: now, updatedAt: now)
    }

    private func campaign(schedule: Schedule = Schedule(Dictionary(uniqueKeysWithValues: Weekday.allCases.map {
        ($0, [MinuteRange(start: 0, end: 1440)])
    })), prioritizeNewLeads: Bool = false, dailyLimit: Int = 50) -> Campaign {
        var campaign = Campaign(id: .generate(.campaign), workspaceID: workspace, name: "Plan", channel: .email, status: .active,
                                dryRun: true, schedule: schedule, dailyLimit: dailyLimit, createdAt: now, updatedAt: now)
        campaign.sequence = CampaignSequence(version: 2, nodes: [
            Node(id: "n1", kind: .email(EmailStep(subject: "Hi {{first_name | \"there\"}}", body: "Hello")), next: "n2"),
            Node(id: "n2", kind: .delay(minutes: 60), next: "n3"),
            Node(id: "n3", kind: .email(EmailStep(subject: "", body: "Again", isReply: true)), next: "n4"),
            Node(id: "n4", kind: .end),
        ])
        campaign.prioritizeNewLeads = prioritizeNewLeads
        return campaign
    }

    private func candidate(_ seq: Int64, _ campaign: Campaign, on sender: Sender, node: String = "n1", due: Date? = nil,
                           started: Date? = nil, startedToday: Int = 0) -> Candidate {
        let contact = Contact(id: .generate(.contact), workspaceID: workspace, firstName: "Lead\(seq)", email: "lead\(seq)@example.com",
                              createdAt: now, updatedAt: now)
        let enrollment = Enrollment(seq: seq, campaignID: campaign.id, contactID: contact.id, senderID: sender.id, state: .active,
                                    nodeID: node, nodeEnteredAt: due ?? now, dueAt: due ?? now, startedAt: started)
        return Candidate(enrollment: enrollment, campaign: campaign, contact: contact, suppressed: false,
                         campaignSenderRecent: RollingUsage(times: []), campaignStartedToday: startedToday,
                         workspaceSentToday: 0, workspaceDailyQuota: nil)
    }

    @Test func oneActionPerSenderTheEarliestDueFirstPacedByTheGap() throws {
        let sam = sender(), plan = campaign()
        let later = candidate(1, plan, on: sam, due: now.addingTimeInterval(-60))
        let earlier = candidate(2, plan, on: sam, due: now.addingTimeInterval(-120))
        let decided = Planner().plan([SenderSnapshot(sender: sam, usage: [:], candidates: [later, earlier])], at: now)
        let claim = try #require(decided.claims.first)
        #expect(decided.claims.count == 1)
        #expect(claim.enrollment.seq == 2)
        #expect(claim.action.subject == "Hi Lead2")
        #expect(claim.startsLead)
        #expect(claim.nextNodeID == "n2")
        #expect(decided.pacing[sam.id] == now.addingTimeInterval(60))
    }

    @Test(arguments: [false, true])
    func aDueFollowUpGoesBeforeANewLeadUnlessNewLeadsArePrioritized(prioritizeNewLeads: Bool) throws {
        let sam = sender(), plan = campaign(prioritizeNewLeads: prioritizeNewLeads)
        // The new lead has waited longer; the follow-up (after its delay) became due just now.
        let fresh = candidate(1, plan, on: sam, due: now.addingTimeInterval(-3600))
        let followUp = candidate(2, plan, on: sam, node: "n3", due: now, started: now.addingTimeInterval(-7200))
        let decided = Planner().plan([SenderSnapshot(sender: sam, usage: [:], candidates: [fresh, followUp])], at: now)
        let claim = try #require(decided.claims.first)
        #expect(claim.enrollment.seq == (prioritizeNewLeads ? 1 : 2))
        #expect(plan.lane(started: true) == (prioritizeNewLeads ? 0 : 1))
    }

    @Test func aSenderAtItsDailyCapWaitsUntilCapacityFreesAndClaimsNothing() throws {
        let sam = sender(perDay: 2)
        let plan = campaign()
        let sent = [now.addingTimeInterval(-3600), now.addingTimeInterval(-1800)]
        let decided = Planner().plan([SenderSnapshot(sender: sam, usage: [.email: RollingUsage(times: sent)],
                                                     candidates: [candidate(1, plan, on: sam)])], at: now)
        #expect(decided.claims.isEmpty)
        // The rolling day frees its first slot 24 h after the first of the two sends.
        #expect(decided.pacing[sam.id] == sent[0].addingTimeInterval(86_400))
    }

    @Test func aShutWindowMovesTheLeadToTheOpeningAndHoldsTheCampaignOnTheSender() throws {
        let sam = sender()
        // Mondays 09:00–17:00 UTC only; it is Monday 00:00.
        let plan = campaign(schedule: Schedule([.monday: [MinuteRange(start: 540, end: 1020)]]))
        let decided = Planner().plan([SenderSnapshot(sender: sam, usage: [:], candidates: [candidate(1, plan, on: sam)])], at: now)
        #expect(decided.claims.isEmpty)
        let moved = try #require(decided.moves.first)
        #expect(moved.dueAt == now.addingTimeInterval(9 * 3600))
        #expect(decided.deferrals == [Deferral(senderID: sam.id, campaignID: plan.id, nodeIDs: ["n1", "n3"],
                                               until: now.addingTimeInterval(9 * 3600))])
    }

    @Test func theDailyNewLeadLimitHoldsNewLeadsUntilMidnightButNotFollowUps() throws {
        let sam = sender()
        let plan = campaign(dailyLimit: 1)
        let fresh = candidate(1, plan, on: sam, due: now.addingTimeInterval(-60), startedToday: 1)
        let decided = Planner().plan([SenderSnapshot(sender: sam, usage: [:], candidates: [fresh])], at: now)
        #expect(decided.claims.isEmpty)
        #expect(decided.moves.first?.dueAt == now.addingTimeInterval(86_400))
        // Every other new lead of the campaign due on the sender waits with it, in one write.
        #expect(decided.deferrals == [Deferral(senderID: sam.id, campaignID: plan.id, nodeIDs: ["n1", "n3"],
                                               until: now.addingTimeInterval(86_400), newLeadsOnly: true)])
        let followUp = candidate(2, plan, on: sam, node: "n3", started: now.addingTimeInterval(-7200), startedToday: 1)
        let next = Planner().plan([SenderSnapshot(sender: sam, usage: [:], candidates: [followUp])], at: now)
        #expect(next.claims.first?.enrollment.seq == 2)
        #expect(next.claims.first?.startsLead == false)
    }

    @Test func aDelayNotYetOverWaitsAndAnEndCompletes() throws {
        let sam = sender(), plan = campaign()
        let waiting = candidate(1, plan, on: sam, node: "n2", due: now)
        let ended = candidate(2, plan, on: sam, node: "n4", due: now)
        let decided = Planner().plan([SenderSnapshot(sender: sam, usage: [:], candidates: [waiting, ended])], at: now)
        #expect(decided.claims.isEmpty)
        let byLead = Dictionary(uniqueKeysWithValues: decided.moves.map { ($0.seq, $0) })
        #expect(byLead[1]?.state == .waiting)
        #expect(byLead[1]?.dueAt == now.addingTimeInterval(3600))
        #expect(byLead[2]?.state == .completed)
        #expect(byLead[2]?.dueAt == nil)
    }
}
