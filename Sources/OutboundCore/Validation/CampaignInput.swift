import Foundation

/// A campaign as sent by a client, before validation. Used for create (absent → default) and
/// for patch (absent → unchanged, null → cleared or reset to default).
public struct CampaignInput: Sendable {
    public var name: Field<String> = .absent
    public var description: Field<String> = .absent
    public var channel: Field<String> = .absent
    public var status: Field<String> = .absent
    public var dryRun: Field<Bool> = .absent
    public var priority: Field<Int> = .absent
    public var timezone: Field<String> = .absent
    public var schedule: Field<[String: [Schedule.RawWindow]]> = .absent
    public var startAt: Field<Date> = .absent
    public var senderIDs: Field<[String]> = .absent
    public var hourlyMessageRate: Field<Int> = .absent
    public var dailyLimit: Field<Int> = .absent
    public var stopOnReply: Field<Bool> = .absent
    public var openTracking: Field<Bool> = .absent
    public var signature: Field<String> = .absent
    public var skipOtherCampaigns: Field<Bool> = .absent
    public var prioritizeNewLeads: Field<Bool> = .absent
    public var sendInLeadTimezone: Field<Bool> = .absent
    public var leadRules: Field<LeadRulesInput> = .absent
    /// Dry-run behaviour: `seed`, rates 0…1 and `signal_delay_minutes` [min, max].
    public var simulation: Field<SimulationInput> = .absent
    /// `[{on, do, value}]` as sent.
    public var automations: Field<[AutomationInput]> = .absent
    /// A whole sequence, as `PUT …/sequence` takes it: on create it replaces the seeded one; on
    /// update, the same nodes as now change nothing, others follow the sequence-edit rules.
    public var sequence: Field<SequenceInput> = .absent

    /// Problems found while reading the input (wrong JSON types), reported together with the
    /// rule checks so a client sees every problem at once.
    public var readIssues: [FieldIssue] = []

    public init() {}
}

/// A sequence as sent: its nodes and, optionally, the version they were read at.
public struct SequenceInput: Sendable {
    public var nodes: [Node]
    public var version: Int?

    public init(nodes: [Node], version: Int?) {
        self.nodes = nodes
        self.version = version
    }
}

/// One automation as sent.
public struct AutomationInput: Sendable {
    public var on: String?
    public var action: String?
    public var value: String?
    public init(on: String?, action: String?, value: String?) {
        self.on = on
        self.action = action
        self.value = value
    }
}

/// `simulation` as sent; fields merge onto the current (or default) settings.
public struct SimulationInput: Sendable {
    public var seed: Field<Int> = .absent
    public var rates: [String: Field<Double>] = [:]
    public var signalDelayMinutes: Field<[Int]> = .absent
    public init() {}
}

/// `lead_rules` as sent; each field merges onto the campaign's current rules.
public struct LeadRulesInput: Sendable {
    public var includeListIDs: Field<[String]> = .absent
    public var excludeListIDs: Field<[String]> = .absent
    public var excludeContacted: Field<Bool> = .absent
    /// The same setting as the campaign's `skip_other_campaigns`.
    public var skipActiveInOtherCampaigns: Field<Bool> = .absent

    public init() {}
}
