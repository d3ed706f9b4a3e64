import Foundation
import Testing
import OutboundCore

/// What every store does with senders and campaigns.
enum CampaignStoreChecks {
    typealias Parts = WorkspaceStore & CampaignStore & ContactStore

    static let now = Date(timeIntervalSince1970: 1_790_000_000.123)

    static func emailSender(in workspace: ID, address: String = "jane@example.com") -> Sender {
        Sender(id: .generate(.sender), workspaceID: workspace, channel: .email, displayName: "Jane", email: address,
               timezone: Zone("Europe/Berlin")!,
               settings: ProviderSettings(smtp: SMTPSettings(host: "smtp.example.com", port: 587, security: .starttls,
                                                             username: "jane", password: "secret")),
               createdAt: now, updatedAt: now)
    }

    static func run(_ store: any Parts) async throws {
        let ws = try await WorkspaceStoreChecks.workspace(in: store, at: now)
        let other = try await WorkspaceStoreChecks.workspace(in: store, at: now)

        // Round trip, to the millisecond, with every setting.
        var sender = emailSender(in: ws.id)
        sender.limits = [.email: RateLimit(perHour: 20, perDay: 120)]
        try await store.insertSender(sender)
        #expect(try await store.sender(sender.id, in: ws.id) == sender)
        #expect(try await store.sender(sender.id) == sender)
        await #expect(throws: ConflictError.self, "a sender's identity is unique per channel") {
            try await store.insertSender(emailSender(in: ws.id))
        }
        let list = ContactList(id: .generate(.list), workspaceID: ws.id, name: "CEOs", createdAt: now, updatedAt: now)
        try await store.insertList(list)
        var campaign = Campaign(
            id: .generate(.campaign), workspaceID: ws.id, name: "Q2 outreach", description: "CEOs", channel: .email,
            dryRun: true, priority: 7, timezone: Zone("America/New_York")!,
            schedule: try Schedule.parse(["monday": [.init(start: "09:00", end: "12:00"), .init(start: "13:00", end: "24:00")]]),
            startAt: now.addingTimeInterval(3600), senderIDs: [sender.id], hourlyMessageRate: 12, dailyLimit: 300,
            stopOnReply: false, openTracking: true, signature: "Best,\n{{sender.first_name}}", skipOtherCampaigns: false,
            sendInLeadTimezone: true, leadRules: LeadRules(includeListIDs: [list.id]), createdAt: now, updatedAt: now)
        campaign.automations = [Automation(on: .replied, action: .addToList(list.id))]
        try await store.insertCampaign(campaign)
        #expect(try await store.campaign(campaign.id, in: ws.id) == campaign)
        #expect(try await store.campaign(named: "Q2 outreach", in: ws.id)?.id == campaign.id)
        #expect(try await store.campaignExists(campaign.id))
        #expect(try await store.campaigns(in: ws.id, page: PageRequest()).items == [campaign])

        // Names are unique per workspace only.
        let twin = Campaign(id: .generate(.campaign), workspaceID: ws.id, name: "Q2 outreach", channel: .email, createdAt: now, updatedAt: now)
        let error = await #expect(throws: ConflictError.self) { try await store.insertCampaign(twin) }
        #expect(error?.field == "name")
        try await store.insertCampaign(Campaign(id: .generate(.campaign), workspaceID: other.id, name: "Q2 outreach", channel: .email,
                                                createdAt: now, updatedAt: now))

        // Another workspace's IDs read as absent, and cannot be linked.
        #expect(try await store.sender(sender.id, in: other.id) == nil)
        #expect(try await store.senders([sender.id], in: other.id).isEmpty)
        #expect(try await store.senders(in: other.id, page: PageRequest()).items.isEmpty)
        #expect(try await store.campaign(campaign.id, in: other.id) == nil)
        let sneaky = Campaign(id: .generate(.campaign), workspaceID: other.id, name: "x", channel: .email,
                              senderIDs: [sender.id], createdAt: now, updatedAt: now)
        await #expect(throws: ValidationError("sender_ids[0]", "no sender \(sender.id) in this workspace")) {
            try await store.insertCampaign(sneaky)
        }
        #expect(try await store.campaign(sneaky.id, in: other.id) == nil, "the failed insert left nothing behind")
        let stranger = Campaign(id: .generate(.campaign), workspaceID: other.id, name: "y", channel: .email,
                                leadRules: LeadRules(excludeListIDs: [list.id]), createdAt: now, updatedAt: now)
        await #expect(throws: ValidationError("lead_rules.exclude_list_ids[0]", "no list \(list.id) in this workspace")) {
            try await store.insertCampaign(stranger)
        }
        try await store.deleteSender(sender.id, in: other.id)
        #expect(try await store.sender(sender.id, in: ws.id) != nil)

        // Pages follow creation order, with a cursor.
        var ids = [sender.id]
        for index in 1..<5 {
            let next = emailSender(in: ws.id, address: "s\(index)@example.com")
            try await store.insertSender(next)
            ids.append(next.id)
        }
        let first = try await store.senders(in: ws.id, page: PageRequest(limit: 2))
        #expect(first.items.map(\.id) == Array(ids[0..<2]) && first.hasMore)
        let second = try await store.senders(in: ws.id, page: PageRequest(limit: 2, startingAfter: ids[1]))
        #expect(second.items.map(\.id) == Array(ids[2..<4]) && second.hasMore)
        let last = try await store.senders(in: ws.id, page: PageRequest(limit: 2, startingAfter: ids[3]))
        #expect(last.items.map(\.id) == [ids[4]] && !last.hasMore)
        await #expect(throws: ValidationError.self) {
            try await store.senders(in: ws.id, page: PageRequest(limit: 2, startingAfter: .generate(.sender)))
        }
        #expect(Set(try await store.senders([ids[1], ids[3], .generate(.sender)], in: ws.id).map(\.id)) == [ids[1], ids[3]])

        // Updating a sender; a taken identity changes nothing.
        var renamed = try #require(try await store.sender(ids[1], in: ws.id))
        renamed.displayName = "Jane D."
        renamed.status = .paused
        renamed.updatedAt = now.addingTimeInterval(5)
        try await store.updateSender(renamed)
        #expect(try await store.sender(ids[1], in: ws.id) == renamed)
        var clash = renamed
        clash.email = "s2@example.com"
        await #expect(throws: ConflictError.self) { try await store.updateSender(clash) }
        #expect(try await store.sender(ids[1], in: ws.id) == renamed)

        // A new sender list and its rebalance are written together or not at all.
        campaign.senderIDs = [ids[0], .generate(.sender)]
        campaign.status = .paused
        await #expect(throws: ValidationError.self) { try await store.updateCampaign(campaign, rebalancing: true) }
        let unchanged = try #require(try await store.campaign(campaign.id, in: ws.id))
        #expect(unchanged.senderIDs == [ids[0]] && !unchanged.isRebalancing && unchanged.status == .draft)
        campaign.senderIDs = [ids[2], ids[0]]
        try await store.updateCampaign(campaign, rebalancing: true)
        let moved = try #require(try await store.campaign(campaign.id, in: ws.id))
        #expect(moved.senderIDs == [ids[2], ids[0]] && moved.isRebalancing && moved.status == .paused)

        // Deleting a sender takes it off every campaign.
        #expect(try await store.campaigns(usingSender: ids[0], in: ws.id).map(\.id) == [campaign.id])
        try await store.deleteSender(ids[0], in: ws.id)
        #expect(try await store.campaign(campaign.id, in: ws.id)?.senderIDs == [ids[2]])
        #expect(try await store.campaigns(usingSender: ids[0], in: ws.id).isEmpty)

        let summaries = try await store.workspaceSummaries()
        let summary = try #require(summaries.first { $0.workspace.id == ws.id })
        #expect(summary.senders == 4 && summary.campaigns == 1 && summary.contacts == 0 && summary.activeKeys == 1)
        try await store.deleteCampaign(campaign.id, in: ws.id)
        #expect(try await store.campaign(campaign.id, in: ws.id) == nil)
        #expect(try await store.campaignExists(campaign.id) == false)
    }
}

/// What every store does with contacts, lists, suppressions and import jobs.
enum ContactStoreChecks {
    static let now = Date(timeIntervalSince1970: 1_790_000_100.456)

    static func contact(in workspace: ID, _ name: String, email: String? = nil, phone: String? = nil) -> Contact {
        Contact(id: .generate(.contact), workspaceID: workspace, firstName: name, lastName: "Doe", email: email, phone: phone,
                company: "\(name) & Co", customFields: ["tier": .string("gold"), "seats": .number(12), "vip": .bool(true)],
                createdAt: now, updatedAt: now)
    }

    static func run(_ store: any WorkspaceStore & ContactStore) async throws {
        let ws = try await WorkspaceStoreChecks.workspace(in: store, at: now)
        let other = try await WorkspaceStoreChecks.workspace(in: store, at: now)
        var ann = contact(in: ws.id, "Ann", email: "ann@acme.example")
        let bob = contact(in: ws.id, "Bob", phone: "+4915112345678")
        var cy = contact(in: ws.id, "Cy_50%", email: "cy@cy.example")
        cy.timezone = Zone("Asia/Tokyo")
        try await store.saveContacts(inserting: [ann, bob, cy], updating: [])
        #expect(try await store.contact(ann.id, in: ws.id) == ann, "read back whole, custom fields too")
        #expect(try await store.contact(ann.id, in: other.id) == nil)
        #expect(Set(try await store.contacts([ann.id, cy.id, .generate(.contact)], in: ws.id).map(\.id)) == [ann.id, cy.id])
        #expect(Set(try await store.contacts(emails: ["cy@cy.example"], phones: ["+4915112345678"], linkedinURLs: [], in: ws.id).map(\.id))
                == [bob.id, cy.id])
        #expect(try await store.contacts(emails: ["ann@acme.example"], phones: [], linkedinURLs: [], in: other.id).isEmpty)

        // Inserts and updates in one transaction: a taken identity writes nothing.
        ann.title = "CEO"
        ann.updatedAt = now.addingTimeInterval(10)
        let dup = contact(in: ws.id, "Dup", email: "cy@cy.example")
        await #expect(throws: ConflictError.self) { try await store.saveContacts(inserting: [dup], updating: [ann]) }
        #expect(try await store.contact(ann.id, in: ws.id)?.title == nil, "nothing half-applied")
        #expect(try await store.contact(dup.id, in: ws.id) == nil)
        try await store.saveContacts(inserting: [], updating: [ann])
        #expect(try await store.contact(ann.id, in: ws.id) == ann)

        // Pages and search (any case; % and _ are themselves).
        let page = try await store.contacts(in: ws.id, page: PageRequest(limit: 2))
        #expect(page.items.map(\.id) == [ann.id, bob.id] && page.hasMore)
        #expect(try await store.searchContacts("ANN DOE", in: ws.id, page: PageRequest()).items.map(\.id) == [ann.id])
        #expect(try await store.searchContacts("_50%", in: ws.id, page: PageRequest()).items.map(\.id) == [cy.id])
        #expect(try await store.searchContacts("%", in: ws.id, page: PageRequest()).items.map(\.id) == [cy.id])
        #expect(try await store.searchContacts("4915", in: ws.id, page: PageRequest()).items.map(\.id) == [bob.id])
        #expect(try await store.searchContacts("& co", in: ws.id, page: PageRequest(limit: 1, startingAfter: ann.id)).items.map(\.id) == [bob.id])
        #expect(try await store.searchContacts("ann", in: other.id, page: PageRequest()).items.isEmpty)

        // Lists: names unique per workspace, members added once, in the order they joined.
        let list = ContactList(id: .generate(.list), workspaceID: ws.id, name: "Leads", description: "warm", createdAt: now, updatedAt: now)
        try await store.insertList(list)
        let error = await #expect(throws: ConflictError.self) {
            try await store.insertList(ContactList(id: .generate(.list), workspaceID: ws.id, name: "Leads", createdAt: now, updatedAt: now))
        }
        #expect(error?.field == "name")
        #expect(try await store.addMembers([cy.id, ann.id, .generate(.contact)], to: list.id, in: ws.id, at: now) == [cy.id, ann.id])
        #expect(try await store.addMembers([ann.id, bob.id], to: list.id, in: ws.id, at: now.addingTimeInterval(1)) == [bob.id])
        #expect(try await store.addMembers([ann.id], to: list.id, in: other.id, at: now).isEmpty, "not another workspace's list")
        #expect(try await store.list(list.id, in: ws.id)?.memberCount == 3)
        #expect(try await store.list(named: "Leads", in: ws.id)?.id == list.id)
        #expect(try await store.lists([list.id], in: other.id).isEmpty)
        #expect(try await store.memberIDs(of: list.id, in: ws.id) == [ann.id, cy.id, bob.id], "by when they joined, then by contact")
        let members = try await store.members(of: list.id, in: ws.id, page: PageRequest(limit: 2))
        #expect(members.items.map(\.id) == [ann.id, bob.id] && members.hasMore, "in contact order")
        #expect(try await store.members(of: list.id, in: ws.id, page: PageRequest(limit: 2, startingAfter: bob.id)).items.map(\.id) == [cy.id])
        #expect(try await store.removeMembers([bob.id, .generate(.contact)], from: list.id, in: ws.id) == [bob.id])
        #expect(try await store.removeMembers([bob.id], from: list.id, in: ws.id).isEmpty)
        var renamed = try #require(try await store.list(list.id, in: ws.id))
        renamed.name = "Warm leads"
        renamed.updatedAt = now.addingTimeInterval(20)
        try await store.updateList(renamed)
        #expect(try await store.lists(in: ws.id, page: PageRequest()).items == [renamed])

        // Suppressions: the same kind and value twice is the first entry.
        let entry = Suppression(id: .generate(.suppression), workspaceID: ws.id, kind: .email, value: "ann@acme.example", reason: "asked",
                                createdAt: now)
        #expect(try await store.insertSuppression(entry) == entry)
        let again = Suppression(id: .generate(.suppression), workspaceID: ws.id, kind: .email, value: "ann@acme.example", reason: nil,
                                createdAt: now)
        #expect(try await store.insertSuppression(again) == entry)
        #expect(try await store.suppression(.email, value: "ann@acme.example", in: ws.id) == entry)
        #expect(try await store.suppressions(in: ws.id, page: PageRequest()).items == [entry])
        #expect(try await store.deleteSuppression(entry.id, in: other.id) == false)
        #expect(try await store.deleteSuppression(entry.id, in: ws.id))
        #expect(try await store.suppression(.email, value: "ann@acme.example", in: ws.id) == nil)

        // Erasing: the row and its memberships go, hashes stay as suppressions.
        #expect(try await store.hasErasures(in: ws.id) == false)
        let hash = Suppression(id: .generate(.suppression), workspaceID: ws.id, kind: .hash, value: "abc123", reason: "erased", createdAt: now)
        try await store.eraseContact(cy.id, in: ws.id, suppressions: [hash], at: now)
        #expect(try await store.contact(cy.id, in: ws.id) == nil)
        #expect(try await store.memberIDs(of: list.id, in: ws.id) == [ann.id])
        #expect(try await store.hasErasures(in: ws.id))
        #expect(try await store.suppressedHashes(["abc123", "zzz"], in: ws.id) == ["abc123"])
        #expect(try await store.suppressedHashes(["abc123"], in: other.id).isEmpty)
        try await store.deleteContact(bob.id, in: ws.id, at: now)
        #expect(try await store.contacts(in: ws.id, page: PageRequest()).items.map(\.id) == [ann.id])
        try await store.deleteList(list.id, in: ws.id)
        #expect(try await store.list(list.id, in: ws.id) == nil)

        // Import jobs.
        var job = ImportJob(id: .generate(.importJob), workspaceID: ws.id, filename: "leads.csv", listID: list.id, createdAt: now)
        try await store.insertImport(job)
        #expect(try await store.importJob(job.id, in: ws.id) == job)
        job.state = ImportJob.State.completed
        job.rowsRead = 10
        job.created = 7
        job.invalid = 3
        job.errors = [ImportJob.RowError(row: 4, message: "email: not an email address")]
        job.updatedAt = now.addingTimeInterval(3)
        job.finishedAt = now.addingTimeInterval(3)
        try await store.updateImport(job)
        #expect(try await store.importJob(job.id, in: ws.id) == job)
        #expect(try await store.importJob(job.id, in: other.id) == nil)
    }
}

/// What every store does with a campaign's leads before launch.
enum LeadStoreChecks {
    static let now = Date(timeIntervalSince1970: 1_790_000_200.789)

    static func run(_ store: any WorkspaceStore & CampaignStore & ContactStore & LeadStore) async throws {
        let ws = try await WorkspaceStoreChecks.workspace(in: store, at: now)
        var contacts: [Contact] = []
        for index in 0..<6 {
            var contact = ContactStoreChecks.contact(in: ws.id, "Lead\(index)", email: "lead\(index)@corp\(index % 2).example")
            if index == 5 { contact.customFields = [:] ; contact.title = "CTO" }
            contacts.append(contact)
        }
        try await store.saveContacts(inserting: contacts, updating: [])
        let excluded = ContactList(id: .generate(.list), workspaceID: ws.id, name: "Customers", createdAt: now, updatedAt: now)
        try await store.insertList(excluded)
        _ = try await store.addMembers([contacts[3].id], to: excluded.id, in: ws.id, at: now)
        _ = try await store.insertSuppression(Suppression(id: .generate(.suppression), workspaceID: ws.id, kind: .domain,
                                                          value: "corp1.example", reason: nil, createdAt: now))
        let campaign = Campaign(id: .generate(.campaign), workspaceID: ws.id, name: "Launch", channel: .email,
                                leadRules: LeadRules(excludeListIDs: [excluded.id]), createdAt: now, updatedAt: now)
        try await store.insertCampaign(campaign)
        #expect(try await store.campaigns(followingList: excluded.id, in: ws.id).map(\.id) == [campaign.id])

        let ids = contacts.map(\.id)
        #expect(try await store.insertLeads([ids[0], ids[1], ids[2], .generate(.contact)], into: campaign, at: now) == 3)
        #expect(try await store.insertLeads([ids[2], ids[5]], into: campaign, at: now.addingTimeInterval(1)) == 1, "once per contact")
        #expect(try await store.leadCount(of: campaign) == 4)
        let candidates = Dictionary(uniqueKeysWithValues: try await store.leadCandidates(ids, for: campaign).map { ($0.contact.id, $0) })
        #expect(candidates.count == 6)
        #expect(candidates[ids[0]]?.inCampaign == true && candidates[ids[4]]?.inCampaign == false)
        #expect(candidates[ids[1]]?.suppressed == true && candidates[ids[0]]?.suppressed == false, "by the email's domain")
        #expect(candidates[ids[3]]?.inExcludedList == true && candidates[ids[4]]?.inExcludedList == false)
        #expect(candidates.values.allSatisfy { !$0.contacted && !$0.activeElsewhere })

        let page = try await store.leads(of: campaign, state: nil, matching: nil, page: PageRequest(limit: 3))
        #expect(page.items.map(\.contact.id) == [ids[0], ids[1], ids[2]] && page.hasMore, "in the order they joined")
        #expect(page.items.allSatisfy { $0.state == .pending && $0.currentStep == nil && $0.addedAt == now })
        let rest = try await store.leads(of: campaign, state: .pending, matching: nil, page: PageRequest(limit: 3, startingAfter: ids[2]))
        #expect(rest.items.map(\.contact.id) == [ids[5]] && !rest.hasMore)
        #expect(try await store.leads(of: campaign, state: .active, matching: nil, page: PageRequest()).items.isEmpty)
        #expect(try await store.leads(of: campaign, state: nil, matching: "LEAD2@", page: PageRequest()).items.map(\.contact.id) == [ids[2]])
        await #expect(throws: ValidationError.self) {
            try await store.leads(of: campaign, state: nil, matching: nil, page: PageRequest(startingAfter: ids[4]))
        }
        let lacking = try await store.leadsLacking([.title, .custom("tier"), .firstName, .senderName], of: campaign)
        #expect(lacking == [.title: 3, .custom("tier"): 1, .firstName: 0])

        #expect(try await store.removePendingLeads([ids[1], ids[4]], from: campaign) == [ids[1]])
        #expect(try await store.leadCount(of: campaign) == 3)
    }
}
