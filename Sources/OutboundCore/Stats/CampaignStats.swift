import Foundation

/// What a campaign has done so far: leads per state, first contacts, sends (in all, per step,
/// per sender) and signals. The store keeps these as counters written in the same transactions
/// as the changes they count, so reading them scans nothing.
public struct CampaignStats: Sendable, Hashable {
    /// Leads in each state (a state with none may be absent).
    public var leads: [EnrollmentState: Int]
    /// Leads that received at least one action.
    public var contacted: Int
    /// Actions sent.
    public var sent: Int
    /// Signals received, by type.
    public var signals: [SignalType: Int]
    /// Actions sent per sequence node ID.
    public var sentPerNode: [String: Int]
    /// Actions sent per sender.
    public var sentPerSender: [ID: Int]
    /// Opens, acceptances, clicks and replies per sequence node ID: counted on the step whose
    /// action they answer (a reply matched by address only, on the lead's last step sent).
    public var signalsPerNode: [String: [SignalType: Int]] = [:]

    public init(leads: [EnrollmentState: Int] = [:], contacted: Int = 0, sent: Int = 0, signals: [SignalType: Int] = [:],
                sentPerNode: [String: Int] = [:], sentPerSender: [ID: Int] = [:]) {
        self.leads = leads
        self.contacted = contacted
        self.sent = sent
        self.signals = signals
        self.sentPerNode = sentPerNode
        self.sentPerSender = sentPerSender
    }

    /// Leads in `state` (never negative).
    public func leads(_ state: EnrollmentState) -> Int { max(0, leads[state] ?? 0) }

    /// Signals of `type` received.
    public func signals(_ type: SignalType) -> Int { signals[type] ?? 0 }

    /// Every lead of the campaign, whatever its state.
    public var targets: Int { EnrollmentState.allCases.reduce(0) { $0 + leads($1) } }

    /// Leads in a terminal state.
    public var finished: Int { EnrollmentState.allCases.filter(\.isTerminal).reduce(0) { $0 + leads($1) } }

    /// Finished leads ÷ all leads (0 with none).
    public var completionRate: Double { targets == 0 ? 0 : Double(finished) / Double(targets) }

    /// Replies ÷ contacted leads (0 with none contacted).
    public var replyRate: Double { contacted == 0 ? 0 : Double(signals(.replied)) / Double(contacted) }

    /// Sent by the steps of one type (`email`, `connection_request`) of `sequence`.
    public func sent(byStepsOfType type: String, in sequence: CampaignSequence) -> Int {
        sequence.nodes.filter { $0.type == type }.reduce(0) { $0 + (sentPerNode[$1.id] ?? 0) }
    }
}
