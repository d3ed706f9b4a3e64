import Foundation
import OutboundCore

/// The engine columns of an enrollment as a store read them in a transaction: its state before
/// that transaction's change, which the enrollment's write and its counters are measured against.
package struct StoredEnrollment: Sendable {
    package var state: EnrollmentState
    package var reason: String?
    package var nodeID: String?
    package var nodeEnteredAt: Date?
    package var campaignSeq: Int64
    package var senderSeq: Int64?
    package var started: Bool

    package init(state: EnrollmentState, reason: String?, nodeID: String?, nodeEnteredAt: Date?, campaignSeq: Int64,
                 senderSeq: Int64?, started: Bool) {
        self.state = state
        self.reason = reason
        self.nodeID = nodeID
        self.nodeEnteredAt = nodeEnteredAt
        self.campaignSeq = campaignSeq
        self.senderSeq = senderSeq
        self.started = started
    }
}

/// What orders a campaign's enrollments on their sender: its priority and which lane goes first.
package struct Rank: Sendable {
    package var priority: Int
    package var prioritizeNewLeads: Bool

    package init(priority: Int, prioritizeNewLeads: Bool) {
        self.priority = priority
        self.prioritizeNewLeads = prioritizeNewLeads
    }
}
