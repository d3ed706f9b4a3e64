import Foundation
import Testing
@testable import OutboundCore

@Suite struct ReactionsTests {
    let now = Date(timeIntervalSince1970: 1_796_083_200)

    func pending(_ seq: Int64, _ type: SignalType, of enrollment: Enrollment, in campaign: Campaign, contact: Contact) -> PendingSignal {
        PendingSignal(seq: seq, type: type, at: now, actionID: nil, enrollment: enrollment, campaign: campaign, contact: contact)
    }

    @Test func twoSignalsOfOneLeadInABatchBothCountAndTheLeadMovesOnce() {
        let workspace = ID.generate(.workspace)
        let campaign = Campaign(id: .generate(.campaign), workspaceID: workspace, name: "c", channel: .email, status: .active,
                                createdAt: now, updatedAt: now)
        let contact = Contact(id: .generate(.contact), workspaceID: workspace, email: "ada@example.com", createdAt: now, updatedAt: now)
        let lead = Enrollment(seq: 7, campaignID: campaign.id, contactID: contact.id, senderID: nil, state: .active,
                              nodeID: "n2", nodeEnteredAt: now, dueAt: now.addingTimeInterval(3_600))
        let other = Enrollment(seq: 8, campaignID: campaign.id, contactID: contact.id, senderID: nil, state: .active,
                               nodeID: "n2", nodeEnteredAt: now, dueAt: now.addingTimeInterval(3_600))
        // Both signals were read with the lead as stored: the second must not undo the first.
        let effects = Reactions.react(to: [
            pending(1, .opened, of: lead, in: campaign, contact: contact),
            pending(2, .opened, of: other, in: campaign, contact: contact),
            pending(3, .replied, of: lead, in: campaign, contact: contact),
        ], at: now)
        #expect(effects.fired == [1, 2, 3])
        #expect(effects.observed.count == 3)
        #expect(effects.moves.map(\.seq) == [7, 8])
        let moved = effects.moves[0]
        #expect(moved.signals == [.opened, .replied])
        #expect(moved.state == .replied)
        #expect(moved.dueAt == nil)
        #expect(effects.moves[1].signals == [.opened])
        #expect(effects.moves[1].state == .active)
    }
}
