import Foundation
import OutboundCore

/// The campaign counter changes of one transaction (`campaign_counters`: one row per campaign and
/// key), gathered as the transaction goes and written once per key at its end by the store.
package struct CounterLedger: Sendable {
    private var deltas: [Int64: [String: Int]] = [:]
    /// Campaigns a lead of which ended in this transaction: only they can have just finished.
    package var ended: Set<Int64> = []

    package init() {}

    package mutating func add(_ campaignSeq: Int64, _ key: String, by delta: Int = 1) {
        deltas[campaignSeq, default: [:]][key, default: 0] += delta
    }

    /// Counts an action that went out: on its campaign, its step and its sender — or, for a reply
    /// written in the inbox (no step of the sequence), apart.
    package mutating func addSent(_ action: OutboundAction, campaignSeq: Int64) {
        if action.isManual {
            add(campaignSeq, "sent.manual")
            return
        }
        add(campaignSeq, "sent")
        add(campaignSeq, "sent.node.\(action.nodeID)")
        add(campaignSeq, "sent.sender.\(action.sender.id.rawValue)")
    }

    /// The changes that are not zero, by campaign and key (the order in which concurrent writers
    /// lock the counter rows).
    package var changes: [(campaignSeq: Int64, key: String, delta: Int)] {
        deltas.flatMap { campaign, byKey in byKey.filter { $0.value != 0 }.map { (campaign, $0.key, $0.value) } }
            .sorted { ($0.0, $0.1) < ($1.0, $1.1) }
    }
}
