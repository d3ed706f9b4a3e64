import Foundation

/// What adding leads to a campaign did: counts, and the reason for every contact left out.
public struct LeadAddition: Sendable, Hashable {
    public struct Skip: Sendable, Hashable {
        /// Position in the request (inputs) or nil for list members.
        public var index: Int?
        public var contactID: ID?
        public var reason: String
    }

    public var added = 0
    public var duplicates = 0
    public var invalid = 0
    public var skipped = 0
    public var details: [Skip] = []

    public static let maximumDetails = 1_000

    mutating func note(_ skip: Skip) {
        if details.count < LeadAddition.maximumDetails { details.append(skip) }
    }
}

/// Adding, removing and listing a campaign's leads, and keeping campaigns in step with the
/// lists their lead rules follow.
public struct LeadService: Sendable {
    let store: any Store
    let clock: any TimeSource
    let contacts: ContactService
    /// Called after leads join a campaign, so a running one enrolls them at once.
    let activation: @Sendable (Campaign) async throws -> Void

    public static let maximumBatch = 10_000

    public init(store: any Store, clock: any TimeSource, contacts: ContactService,
                activation: @escaping @Sendable (Campaign) async throws -> Void = { _ in }) {
        self.store = store
        self.clock = clock
        self.contacts = contacts
        self.activation = activation
    }

    /// What to add: existing contacts, inline contacts (created or matched on the way) or a list.
    public enum Source: Sendable {
        case contactIDs([String])
        case contacts([ContactInput])
        case list(String)
        /// Not one of the above (none, several, or null): refused with this message once the
        /// campaign is found, so another workspace's campaign is 404 whatever the body.
        case unclear(String)
    }

    public func add(_ source: Source, to campaignID: ID, in workspace: ID) async throws -> LeadAddition {
        let campaign = try await openCampaign(campaignID, in: workspace)
        var result = LeadAddition()
        var ordered: [(index: Int?, id: ID)] = []
        switch source {
        case .contactIDs(let raw):
            guard raw.count <= LeadService.maximumBatch else {
                throw ValidationError("contact_ids", "at most \(LeadService.maximumBatch) per call (got \(raw.count))")
            }
            let parsed = raw.map { ID($0, kind: .contact) }
            let found = Set(try await store.contacts(parsed.compactMap { $0 }, in: workspace).map(\.id))
            for (index, id) in parsed.enumerated() {
                if let id, found.contains(id) {
                    ordered.append((index, id))
                } else {
                    result.invalid += 1
                    result.note(.init(index: index, contactID: nil, reason: "no contact \(raw[index]) in this workspace"))
                }
            }
        case .contacts(let inputs):
            guard inputs.count <= LeadService.maximumBatch else {
                throw ValidationError("contacts", "at most \(LeadService.maximumBatch) per call (got \(inputs.count))")
            }
            for (index, outcome) in try await contacts.upsert(inputs, in: workspace).enumerated() {
                if let contact = outcome.contact {
                    ordered.append((index, contact.id))
                } else if case .invalid(let issues) = outcome {
                    result.invalid += 1
                    let text = issues.map { $0.field.isEmpty ? $0.message : "\($0.field): \($0.message)" }.joined(separator: "; ")
                    result.note(.init(index: index, contactID: nil, reason: text))
                }
            }
        case .list(let raw):
            guard let listID = ID(raw, kind: .list), try await store.list(listID, in: workspace) != nil else {
                throw ValidationError("list_id", "no list \(raw) in this workspace")
            }
            ordered = try await store.memberIDs(of: listID, in: workspace).map { (nil, $0) }
        case .unclear(let message):
            throw ValidationError("", message)
        }
        try await admit(ordered, to: campaign, into: &result)
        return result
    }

    /// Stops one lead's sequence (reason `stopped: canceled`); 404 when it is not a lead. A lead
    /// that already ended stays as it was.
    public func cancel(contact contactID: ID, from campaignID: ID, in workspace: ID) async throws {
        guard let campaign = try await store.campaign(campaignID, in: workspace) else { throw NotFoundError("campaign", id: campaignID.rawValue) }
        guard try await store.leadCandidates([contactID], for: campaign).first?.inCampaign == true else {
            throw NotFoundError("lead", id: contactID.rawValue)
        }
        try await store.stopOpen(campaign, contact: contactID, reason: "stopped: canceled by request", at: clock.now)
    }

    /// Removes a lead that has not been contacted yet; 404 when it is not a lead, 409 when it
    /// has already been contacted (stop it instead, so its history stays).
    public func remove(contact contactID: ID, from campaignID: ID, in workspace: ID) async throws {
        let campaign = try await openCampaign(campaignID, in: workspace)
        let candidates = try await store.leadCandidates([contactID], for: campaign)
        guard let candidate = candidates.first, candidate.inCampaign else {
            throw NotFoundError("lead", id: contactID.rawValue)
        }
        if try await store.removePendingLeads([contactID], from: campaign).isEmpty {
            throw ConflictError("this lead has already been contacted; complete or stop it instead of removing it")
        }
    }

    /// How many leads the campaign has, whatever their state.
    public func count(of campaign: Campaign) async throws -> Int {
        try await store.leadCount(of: campaign)
    }

    /// Whether the contact is one of the campaign's leads.
    public func isLead(_ contact: ID, of campaign: Campaign) async throws -> Bool {
        try await store.leadCandidates([contact], for: campaign).first?.inCampaign == true
    }

    public func list(of campaignID: ID, state: EnrollmentState?, matching: String? = nil, in workspace: ID, page: PageRequest) async throws -> Page<Lead> {
        guard let campaign = try await store.campaign(campaignID, in: workspace) else {
            throw NotFoundError("campaign", id: campaignID.rawValue)
        }
        let text = matching?.trimmingCharacters(in: .whitespaces)
        return try await store.leads(of: campaign, state: state, matching: text?.isEmpty == false ? text : nil, page: page)
    }

    /// Brings a campaign's leads in line with its lead rules: members of included lists join,
    /// pending members of excluded lists leave.
    public func sync(_ campaign: Campaign) async throws {
        guard campaign.acceptsLeads else { return }
        var members: [(index: Int?, id: ID)] = []
        for list in campaign.leadRules.includeListIDs {
            members += try await store.memberIDs(of: list, in: campaign.workspaceID).map { (nil, $0) }
        }
        var ignored = LeadAddition()
        try await admit(members, to: campaign, into: &ignored)
        for list in campaign.leadRules.excludeListIDs {
            let excluded = try await store.memberIDs(of: list, in: campaign.workspaceID)
            _ = try await store.removePendingLeads(excluded, from: campaign)
        }
    }

    /// After contacts joined or left `list`: every campaign following it adds or drops them.
    public func listChanged(_ list: ID, joined: [ID], left: [ID], in workspace: ID) async throws {
        for campaign in try await store.campaigns(followingList: list, in: workspace) where campaign.acceptsLeads {
            if campaign.leadRules.includeListIDs.contains(list) {
                var ignored = LeadAddition()
                try await admit(joined.map { (nil, $0) }, to: campaign, into: &ignored)
                // Members who left stay only if another included list still holds them.
                var stillIncluded: Set<ID> = []
                for other in campaign.leadRules.includeListIDs where other != list {
                    stillIncluded.formUnion(try await store.memberIDs(of: other, in: workspace))
                }
                _ = try await store.removePendingLeads(left.filter { !stillIncluded.contains($0) }, from: campaign)
            }
            if campaign.leadRules.excludeListIDs.contains(list) {
                _ = try await store.removePendingLeads(joined, from: campaign)
            }
        }
    }

    private func admit(_ ordered: [(index: Int?, id: ID)], to campaign: Campaign, into result: inout LeadAddition) async throws {
        var seen: Set<ID> = []
        var admitted: [ID] = []
        for chunk in stride(from: 0, to: ordered.count, by: 2_000).map({ Array(ordered[$0..<min($0 + 2_000, ordered.count)]) }) {
            let candidates = try await store.leadCandidates(chunk.map(\.id), for: campaign)
            let byID = Dictionary(candidates.map { ($0.contact.id, $0) }, uniquingKeysWith: { first, _ in first })
            for (index, id) in chunk {
                guard let candidate = byID[id] else { continue }
                if !seen.insert(id).inserted {
                    result.duplicates += 1
                    result.note(.init(index: index, contactID: id, reason: "listed twice in this request"))
                    continue
                }
                switch campaign.admission(of: candidate) {
                case nil:
                    admitted.append(id)
                case .alreadyInCampaign?:
                    result.duplicates += 1
                    result.note(.init(index: index, contactID: id, reason: LeadSkip.alreadyInCampaign.rawValue))
                case .missingIdentity?:
                    result.skipped += 1
                    result.note(.init(index: index, contactID: id,
                                      reason: "\(LeadSkip.missingIdentity.rawValue): needs \(campaign.requiredIdentityField)"))
                case let skip?:
                    result.skipped += 1
                    result.note(.init(index: index, contactID: id, reason: skip.rawValue))
                }
            }
        }
        let added = try await store.insertLeads(admitted, into: campaign, at: clock.now)
        result.added += added
        if added > 0, campaign.status == .active { try await activation(campaign) }
    }

    private func openCampaign(_ id: ID, in workspace: ID) async throws -> Campaign {
        guard let campaign = try await store.campaign(id, in: workspace) else { throw NotFoundError("campaign", id: id.rawValue) }
        guard campaign.acceptsLeads else {
            throw ConflictError("campaign is \(campaign.status.rawValue); leads can change only on draft, active or paused campaigns")
        }
        return campaign
    }
}
