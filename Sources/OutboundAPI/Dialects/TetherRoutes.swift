import Foundation
import Hummingbird
import OutboundCore

/// Tether (SMS campaigns) at `/tether/api/…`: a JWT from `POST /tether/api/auth/login` (users
/// made with `outbound user create` or `POST /v1/users`) or an API key, as Bearer. A Tether
/// campaign is an SMS campaign with one `sms` step (its `message`, `{{firstName}}` syntax) on the
/// workspace's SMS senders, starting at `scheduleDate`, launched at once. The organisation is the
/// workspace; its daily SMS quota is the workspace's `daily_quota` (none: unlimited), counted per
/// UTC day.
struct TetherRoutes {
    let services: Services
    static let prefix = "/tether/api"

    func register(on routes: RouteRecorder) {
        let p = Self.prefix
        routes.on(.tether, .post, "\(p)/auth/login", open: true) { request, context in
            var request = request
            let body = try await request.jsonBody(context: context)
            guard case .value(let email) = body.string("email"), case .value(let password) = body.string("password") else {
                throw DialectError.badRequest("email and password are required")
            }
            guard let user = try await services.users.authenticate(email: email, password: password) else {
                throw APIError.unauthorized("Invalid email or password")
            }
            let token = try await services.loginTokens.issue(for: user, at: services.clock.now)
            return DialectJSON.response(["token": .string(token), "user": Self.user(user)])
        }
        routes.on(.tether, .get, "\(p)/auth/verify-token") { _, _ in
            DialectJSON.response(["message": "Token is good"])
        }
        routes.on(.tether, .post, "\(p)/campaigns") { request, context in
            var request = request
            let body = try await request.jsonBody(context: context)
            return DialectJSON.response(try await create(body, context: context), status: .created)
        }
        routes.on(.tether, .get, "\(p)/campaigns") { _, context in
            var items: [JSONValue] = []
            for campaign in try await services.allCampaigns(in: context.workspace()) where campaign.channel == .sms {
                items.append(try await object(campaign, extra: nil))
            }
            return DialectJSON.response(["success": true, "data": .array(items)])
        }
        routes.on(.tether, .get, "\(p)/campaigns/usage-calendar") { request, context in
            let query = request.uri.queryParameters
            guard let from = query["from"].flatMap({ Self.day(String($0)) }), let to = query["to"].flatMap({ Self.day(String($0)) }), from <= to else {
                throw DialectError.badRequest("from and to are required (YYYY-MM-DD, from ≤ to)")
            }
            guard to.timeIntervalSince(from) <= 366 * 86_400 else { throw DialectError.badRequest("at most 366 days at a time") }
            return DialectJSON.response(try await calendar(from: from, to: to, workspace: context.workspace()))
        }
        routes.on(.tether, .get, "\(p)/campaigns/next-available-slot") { request, context in
            let count = try request.uri.queryParameters["contactCount"].map { text -> Int in
                guard let value = Int(String(text)), value >= 0 else { throw DialectError.badRequest("contactCount must be an integer ≥ 0") }
                return value
            } ?? 0
            return DialectJSON.response(try await nextSlot(contactCount: count, workspace: context.workspace()))
        }
        routes.on(.tether, .post, "\(p)/campaigns/validate-contacts") { request, context in
            var request = request
            let body = try await request.jsonBody(context: context)
            guard case .value(let contacts) = body.array("contacts") else { throw DialectError.badRequest("contacts is required") }
            return DialectJSON.response(try await buckets(contacts, workspace: context.workspace()))
        }
        routes.on(.tether, .get, "\(p)/campaigns/{id}") { _, context in
            DialectJSON.response(["success": true, "data": try await object(campaign(context), extra: nil)])
        }
        routes.on(.tether, .delete, "\(p)/campaigns/{id}") { _, context in
            let campaign = try await campaign(context)
            if campaign.status == .active || campaign.status == .paused {
                _ = try await services.lifecycle.complete(campaign.id, in: campaign.workspaceID)
            }
            try await services.campaigns.delete(campaign.id, in: campaign.workspaceID)
            return DialectJSON.response(["success": true, "message": "Campaign deleted"])
        }
        routes.on(.tether, .post, "\(p)/campaigns/{id}/cancel") { _, context in
            let campaign = try await campaign(context)
            guard campaign.status == .active || campaign.status == .paused else {
                throw DialectError.badRequest("Campaign is \(campaign.status.rawValue); only a scheduled or sending campaign can be cancelled")
            }
            let cancelled = try await services.lifecycle.complete(campaign.id, in: campaign.workspaceID)
            return DialectJSON.response(["success": true, "message": "Campaign cancelled", "data": try await object(cancelled, extra: nil)])
        }
        TetherAutomations(services: services).register(on: routes, prefix: p)
        let document = DialectDocuments.tether(routes: routes.routes(of: .tether))
        routes.on(.get, Dialect.tether.documentPath) { _, _ in DialectJSON.response(document) }
    }

    private func campaign(_ context: AppContext) async throws -> Campaign {
        try await services.campaign(context, channels: [.sms])
    }

    // MARK: Create (seed 003)

    /// What `create` found wrong with individual contacts: reported, never fatal.
    private struct Failures {
        var ids: [String] = []
        var details: [JSONValue] = []
    }

    private func create(_ body: BodyReader, context: AppContext) async throws -> JSONValue {
        let workspace = try context.workspace()
        guard case .value(let name) = body.string("name"), !name.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw DialectError.badRequest("Missing required field: name")
        }
        guard case .value(let message) = body.string("message"), !message.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw DialectError.badRequest("Missing required field: message")
        }
        if case .value(let type) = body.string("type"), type != "sms" { throw DialectError.badRequest("type must be sms") }
        var scheduleDate: Date?
        if case .value(let text) = body.string("scheduleDate") {
            guard let date = Timestamps.parse(text) else { throw DialectError.badRequest("scheduleDate must be an ISO 8601 date-time") }
            scheduleDate = date
        }
        let isAutopilot = body.bool("isAutopilot").value ?? false
        let dryRun = body.bool("dryRun")  // Outbound's extension: run through the simulator
        let senders = try await smsSenders(body, workspace: workspace)

        // Contacts: new ones are created (an invalid phone goes to failedDetails), existing ones by ID.
        var failures = Failures()
        var contactIDs: [String] = []
        if case .value(let items) = body.array("newContacts") {
            var inputs: [ContactInput] = []
            var phones: [String] = []
            for (index, item) in items.enumerated() {
                let reader = try BodyReader(body: item, path: "newContacts[\(index)]")
                var input = ContactInput()
                input.firstName = reader.string("firstName")
                input.lastName = reader.string("lastName")
                input.email = reader.string("email")
                input.phone = reader.string("phoneNumber")
                phones.append(input.phone.value ?? "")
                inputs.append(input)
            }
            for (index, outcome) in try await services.contacts.upsert(inputs, in: workspace).enumerated() {
                if let contact = outcome.contact, contact.phone != nil {
                    contactIDs.append(contact.id.rawValue)
                } else {
                    let reason: String = if case .invalid(let issues) = outcome {
                        issues.map { $0.field.isEmpty ? $0.message : "\($0.field): \($0.message)" }.joined(separator: "; ")
                    } else { "no phone number" }
                    failures.details.append(["phoneNumber": .string(phones[index]), "reason": .string(reason)])
                }
            }
        }
        var existing: [String] = []
        if case .value(let items) = body.array("selectedExistingContacts") {
            for item in items { if case .object(let object) = item, case .string(let id)? = object["_id"] { existing.append(id) } }
        }
        if case .value(let ids) = body.strings("userIds") { existing += ids }
        for raw in existing {
            if let id = ID(raw, kind: .contact), let contact = try await services.contacts.find(id, in: workspace), contact.phone != nil {
                contactIDs.append(id.rawValue)
            } else {
                failures.ids.append(raw)
                failures.details.append(["_id": .string(raw), "reason": "no contact with a phone number has this ID"])
            }
        }
        try body.finish()

        var input = CampaignInput()
        input.name = .value(name)
        input.channel = .value("sms")
        input.senderIDs = .value(senders.map(\.id.rawValue))
        input.dryRun = dryRun
        // Tether has no sending windows, only the daily quota: every hour of every day.
        input.schedule = .value(Dictionary(uniqueKeysWithValues: Weekday.allCases.map { ($0.rawValue, [Schedule.RawWindow(start: "00:00", end: "24:00")]) }))
        input.dailyLimit = .value(500)
        input.hourlyMessageRate = .value(60)
        if let scheduleDate { input.startAt = .value(scheduleDate) }
        var campaign = try await services.campaigns.create(input, in: workspace)
        do {
            _ = try await services.sequences.replace(campaign.id, nodes: [Node(id: "n1", kind: .sms(body: message), next: "n2"), Node(id: "n2", kind: .end)],
                                                     expectedVersion: nil, in: workspace)
            if !contactIDs.isEmpty {
                let added = try await services.leads.add(.contactIDs(contactIDs), to: campaign.id, in: workspace)
                for skip in added.details { failures.details.append(["_id": DialectJSON.string(skip.contactID?.rawValue), "reason": .string(skip.reason)]) }
            }
            campaign = try await services.lifecycle.launch(campaign.id, in: workspace)
        } catch {
            // Nothing half-made: a campaign that cannot be scheduled is removed again.
            try? await services.campaigns.delete(campaign.id, in: workspace)
            throw error
        }
        let user = try await context.userID.asyncMap { try await services.users.get($0) } ?? nil
        return [
            "success": true, "message": "Campaign created",
            "data": try await object(campaign, extra: [
                "userIds": .array(contactIDs.map { .string($0) }), "isAutopilot": .bool(isAutopilot),
                "createdBy": user.map { ["_id": .string($0.id.rawValue), "fullName": DialectJSON.string($0.fullName)] } ?? .null,
                "failedUserIds": .array(failures.ids.map { .string($0) }), "failedDetails": .array(failures.details),
            ]),
        ]
    }

    /// The senders in `assignment` (`senderIds` or `selectedUsers` naming SMS senders), else every active SMS sender.
    private func smsSenders(_ body: BodyReader, workspace: ID) async throws -> [Sender] {
        var wanted: [ID] = []
        if case .value(let assignment) = body.object("assignment") {
            for key in ["senderIds", "selectedUsers"] {
                if case .value(let ids) = assignment.strings(key) { wanted += ids.compactMap { ID($0, kind: .sender) } }
            }
        }
        let senders = wanted.isEmpty
            ? try await services.allSenders(in: workspace).filter { $0.channel == .sms && $0.status == .active }
            : try await services.senders.senders(wanted, in: workspace).filter { $0.channel == .sms }
        guard !senders.isEmpty else { throw DialectError.badRequest("no SMS sender to send from: connect a Twilio number first") }
        return senders
    }

    // MARK: Answers

    static func user(_ user: User) -> JSONValue {
        ["id": .string(user.id.rawValue), "email": .string(user.email), "fullName": DialectJSON.string(user.fullName),
         "organizationId": .string(user.workspaceID.rawValue), "accessRole": .string(user.accessRole)]
    }

    /// Tether's statuses: scheduled until the first text goes out, then sending, and completed.
    private func object(_ campaign: Campaign, extra: [String: JSONValue]?) async throws -> JSONValue {
        let stats = try await services.stats.stats(of: campaign)
        let total = try await services.leads.count(of: campaign)
        let sent = stats.sent
        let failed = stats.leads(.failed) + stats.leads(.bounced)
        let status: String = switch campaign.status {
        case .draft: "draft"
        case .active: sent == 0 ? "scheduled" : "sending"
        case .paused: "paused"
        case .completed, .archived: "completed"
        }
        let message: String = if case .sms(let body)? = campaign.sequence.nodes.first?.kind { body } else { "" }
        var object: [String: JSONValue] = [
            "_id": .string(campaign.id.rawValue), "organizationId": .string(campaign.workspaceID.rawValue), "name": .string(campaign.name),
            "message": .string(message), "scheduleDate": DialectJSON.date(campaign.startAt ?? campaign.startedAt), "process": .null,
            "contactStatus": .string(Contact.defaultStatus), "isAutopilot": false, "type": "sms", "status": .string(status),
            "stats": ["total": DialectJSON.int(total), "sent": DialectJSON.int(sent), "failed": DialectJSON.int(failed),
                      "successRate": .string("\(total == 0 ? 0 : Int((Double(sent) / Double(total) * 100).rounded()))%")],
            "createdAt": DialectJSON.date(campaign.createdAt), "updatedAt": DialectJSON.date(campaign.updatedAt),
        ]
        for (key, value) in extra ?? [:] { object[key] = value }
        return .object(object)
    }

    // MARK: Quota

    static func day(_ text: String) -> Date? {
        guard text.count == 10 else { return nil }
        return Timestamps.parse(text + "T00:00:00Z")
    }

    static func dayText(_ date: Date) -> String { String(Timestamp.iso(date).prefix(10)) }

    /// SMS sent per UTC day, and what scheduled campaigns will send on their start day.
    private func usage(from: Date, to: Date, workspace: ID) async throws -> [String: (sent: Int, reserved: Int, campaigns: [JSONValue])] {
        var days: [String: (sent: Int, reserved: Int, campaigns: [JSONValue])] = [:]
        let end = to.addingTimeInterval(86_400)
        for bucket in try await services.stats.series(ofWorkspace: workspace, kind: .sms, from: from, to: end, bucketSeconds: 86_400) {
            days[Self.dayText(bucket.start), default: (0, 0, [])].sent += bucket.actions
        }
        for campaign in try await services.allCampaigns(in: workspace) where campaign.channel == .sms && campaign.status == .active {
            let start = campaign.startAt ?? campaign.startedAt ?? campaign.createdAt
            guard start >= from, start < end else { continue }
            let pending = try await services.leads.count(of: campaign) - (try await services.stats.stats(of: campaign).sent)
            guard pending > 0 else { continue }
            let key = Self.dayText(start)
            days[key, default: (0, 0, [])].reserved += pending
            days[key, default: (0, 0, [])].campaigns.append([
                "campaignId": .string(campaign.id.rawValue), "campaignName": .string(campaign.name),
                "contactCount": DialectJSON.int(pending), "status": "scheduled",
            ])
        }
        return days
    }

    private func calendar(from: Date, to: Date, workspace: ID) async throws -> JSONValue {
        let limit = try await services.workspaces.workspace(workspace).dailyQuota
        let usage = try await usage(from: from, to: to, workspace: workspace)
        var dates: [String: JSONValue] = [:]
        var day = from
        while day <= to {
            let key = Self.dayText(day)
            let entry = usage[key] ?? (0, 0, [])
            let total = entry.sent + entry.reserved
            dates[key] = ["sent": DialectJSON.int(entry.sent), "reserved": DialectJSON.int(entry.reserved), "total": DialectJSON.int(total),
                          "availableQuota": DialectJSON.int(limit.map { max(0, $0 - total) }), "campaigns": .array(entry.campaigns)]
            day = day.addingTimeInterval(86_400)
        }
        return ["success": true, "data": ["timezone": "UTC", "dailyLimit": DialectJSON.int(limit), "isUnlimited": .bool(limit == nil),
                                          "plan": limit == nil ? "unlimited" : "quota", "dates": .object(dates)]]
    }

    private func nextSlot(contactCount: Int, workspace: ID) async throws -> JSONValue {
        let limit = try await services.workspaces.workspace(workspace).dailyQuota
        let today = Self.day(Self.dayText(services.clock.now))!
        let horizon = 90
        let usage = try await usage(from: today, to: today.addingTimeInterval(Double(horizon) * 86_400), workspace: workspace)
        func used(_ offset: Int) -> Int {
            let entry = usage[Self.dayText(today.addingTimeInterval(Double(offset) * 86_400))] ?? (0, 0, [])
            return entry.sent + entry.reserved
        }
        let todayUsage = used(0)
        var offset: Int? = 0
        if let limit {
            offset = (0...horizon).first { limit - used($0) >= max(contactCount, 1) }
        }
        let next = offset.map { today.addingTimeInterval(Double($0) * 86_400) }
        return [
            "success": true, "isUnlimited": .bool(limit == nil), "timezone": "UTC", "dailyLimit": DialectJSON.int(limit),
            "todayDate": .string(Self.dayText(today)), "todayUsage": DialectJSON.int(todayUsage),
            "todayAvailableQuota": DialectJSON.int(limit.map { max(0, $0 - todayUsage) }),
            "nextAvailableDate": next.map { .string(Self.dayText($0)) } ?? .null,
            "availableQuota": DialectJSON.int(limit.flatMap { limit in offset.map { limit - used($0) } }),
            "daysUntilAvailable": DialectJSON.int(offset),
            "message": .string(offset == nil ? "No day in the next \(horizon) days has room for \(contactCount) messages"
                               : offset == 0 ? "Quota available today" : "Next available in \(offset!) day(s)"),
        ]
    }

    /// Sorts contacts for the review step: new, existing, already texted, do-not-contact.
    private func buckets(_ contacts: [JSONValue], workspace: ID) async throws -> JSONValue {
        let region = try await services.contacts.region(of: workspace)
        var new: [JSONValue] = [], existing: [JSONValue] = [], messaged: [JSONValue] = [], protected: [JSONValue] = []
        for (index, item) in contacts.enumerated() {
            guard case .object(let object) = item, case .string(let raw)? = object["phoneNumber"], let phone = region.normalise(raw) else {
                throw DialectError.badRequest("contacts[\(index)].phoneNumber is missing or not a phone number")
            }
            switch try await services.contacts.standing(ofPhone: phone, in: workspace) {
            case .suppressed:
                protected.append(["phoneNumber": .string(phone)])
            case .known(let contact, let contacted):
                let entry: JSONValue = ["_id": .string(contact.id.rawValue), "phoneNumber": .string(phone)]
                existing.append(entry)
                if contacted { messaged.append(entry) }
            case .new:
                var copy = object
                copy["phoneNumber"] = .string(phone)
                new.append(.object(copy))
            }
        }
        return ["success": true, "data": [
            "newContacts": .array(new), "existingContacts": .array(existing), "assignedToOtherUsers": [],
            "alreadyMessagedOutbound": .array(messaged), "alreadyMessagedInbound": [], "assignedToYouNotOwned": [],
            "protectedContacts": .array(protected),
        ]]
    }
}

extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}
