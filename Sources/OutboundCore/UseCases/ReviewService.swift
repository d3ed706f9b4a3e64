import Foundation

/// One step of a sequence rendered for one lead.
public struct NodePreview: Sendable, Hashable {
    public var nodeID: String
    public var type: String
    public var senderID: ID?
    public var variantID: String?
    public var subject: String?
    public var body: String?
    public var html: String?
    public var characters: Int
    public var sms: SMSLength?
    public var fellBack: [String]
    public var missing: [String]
}

/// The pre-launch report: `ready` exactly when there is no error.
public struct ValidationReport: Sendable, Hashable {
    public struct Item: Sendable, Hashable {
        public var code: String
        public var message: String
        public var path: String?
    }

    public var checks: [String: Bool]
    public var errors: [Item]
    public var warnings: [Item]
    public var ready: Bool { errors.isEmpty }
}

/// Previews and pre-launch checks of a campaign.
public struct ReviewService: Sendable {
    let store: any Store
    /// Checks live senders' connections before a real (not dry-run) launch; nil skips them.
    let router: (any ChannelRouter)?

    public init(store: any Store, router: (any ChannelRouter)? = nil) {
        self.store = store
        self.router = router
    }

    /// Renders every sending step for `contact`, with the first campaign sender of each step's
    /// channel. Choices and A/B variants are the ones the real send will make.
    public func preview(_ campaignID: ID, contact: Contact, in workspace: ID) async throws -> [NodePreview] {
        let campaign = try await campaign(campaignID, in: workspace)
        let senders = try await store.senders(campaign.senderIDs, in: workspace)
        let ordered = campaign.senderIDs.compactMap { id in senders.first { $0.id == id } }
        let signature = try campaign.signature.map { try Template.parse($0) }
        return try campaign.sequence.nodes.compactMap { node -> NodePreview? in
            guard let channel = node.channel else { return nil }
            let sender = ordered.first { $0.channel == channel }
            let context = RenderContext(contact: contact, sender: sender)
            return try MessageRenderer.render(node, in: campaign.sequence, for: context, lead: contact.id.rawValue, signature: signature)
                .map { rendered in
                    NodePreview(
                        nodeID: node.id, type: node.type, senderID: sender?.id, variantID: rendered.variantID,
                        subject: rendered.subject, body: rendered.body, html: rendered.html,
                        characters: rendered.body?.count ?? 0,
                        sms: channel == .sms ? SMSLength(rendered.body ?? "") : nil,
                        fellBack: rendered.fellBack.map(\.description), missing: rendered.missing.map(\.description))
                }
        }
    }

    /// A live campaign's active senders must reach their provider: each is checked at once,
    /// concurrently, and one that cannot is named with the provider's answer.
    private func connectionErrors(_ campaign: Campaign, senders: [Sender], router: any ChannelRouter) async -> [ValidationReport.Item] {
        let usable = campaign.senderIDs.enumerated().compactMap { index, id in
            senders.first { $0.id == id && $0.status == .active }.map { (index, $0) }
        }
        return await withTaskGroup(of: ValidationReport.Item?.self) { group in
            for (index, sender) in usable {
                group.addTask {
                    guard let channel = router.liveChannel(for: sender.channel) else { return nil }
                    guard case .failed(let error) = await channel.check(sender) else { return nil }
                    return .init(code: "sender_connection", message: "sender \(sender.id) cannot connect: \(error)",
                                 path: "sender_ids[\(index)]")
                }
            }
            var items: [ValidationReport.Item] = []
            for await item in group { if let item { items.append(item) } }
            return items.sorted { ($0.path ?? "") < ($1.path ?? "") }
        }
    }

    public func validate(_ campaignID: ID, in workspace: ID) async throws -> ValidationReport {
        let campaign = try await campaign(campaignID, in: workspace)
        var errors: [ValidationReport.Item] = []
        var warnings: [ValidationReport.Item] = []

        // Senders: present, active, of the right channel, one for every channel the sequence uses.
        let senders = try await store.senders(campaign.senderIDs, in: workspace)
        if campaign.senderIDs.isEmpty {
            errors.append(.init(code: "no_senders", message: "add at least one sender", path: "sender_ids"))
        }
        for (index, id) in campaign.senderIDs.enumerated() {
            guard let sender = senders.first(where: { $0.id == id }) else { continue }
            if sender.status != .active {
                errors.append(.init(code: "sender_inactive", message: "sender \(id) is \(sender.status.rawValue)", path: "sender_ids[\(index)]"))
            }
            if !campaign.channel.accepts(sender.channel) {
                errors.append(.init(code: "sender_channel", message: "sender \(id) speaks \(sender.channel.rawValue)", path: "sender_ids[\(index)]"))
            }
            // A live email sender whose mailbox Outbound does not read learns of replies only
            // if the user posts them to its webhook: otherwise it mails people who answered.
            if !campaign.dryRun, sender.channel == .email, sender.settings.imap == nil {
                warnings.append(.init(code: "replies_unread",
                                      message: "sender \(id) has no imap settings: its replies are seen only when posted to /webhooks/email/\(id)",
                                      path: "sender_ids[\(index)]"))
            }
        }
        if !campaign.dryRun, let router {
            errors += await connectionErrors(campaign, senders: senders, router: router)
        }
        let channels = Set(campaign.sequence.nodes.compactMap(\.channel))
        for channel in channels.sorted(by: { $0.rawValue < $1.rawValue })
        where !campaign.senderIDs.isEmpty && !senders.contains(where: { $0.channel == channel }) {
            errors.append(.init(code: "no_sender_for_channel", message: "the sequence has \(channel.rawValue) steps but no \(channel.rawValue) sender", path: "sender_ids"))
        }

        // Schedule: a week with no window would stop every lead ("no sending window").
        if campaign.schedule.isEmpty {
            errors.append(.init(code: "no_window", message: "no sending window in the week; add hours to at least one day", path: "schedule"))
        }

        // Sequence: structure, then content.
        let structural = campaign.sequence.structuralIssues(for: campaign.channel)
        errors += structural.map { .init(code: "sequence_invalid", message: $0.message, path: $0.field) }
        errors += campaign.sequence.contentIssues().map { .init(code: "empty_text", message: $0.message, path: $0.field) }

        // Leads, and the variables they lack where the template has no fallback.
        let leadCount = try await store.leadCount(of: campaign)
        if leadCount == 0 {
            warnings.append(.init(code: "no_leads", message: "no leads yet: launching now completes the campaign at once", path: nil))
        }
        var variablesOK = true
        if structural.isEmpty {
            var unguarded: [(path: String, variable: Variable)] = []
            for (path, _, text) in campaign.sequence.texts {
                guard let template = try? Template.parse(text) else { continue }
                for use in template.variables where !use.hasFallback { unguarded.append((path, use.variable)) }
            }
            let leadVariables = Array(Set(unguarded.map(\.variable).filter { !$0.isSenderVariable }))
            let lacking = leadCount == 0 ? [:] : try await store.leadsLacking(leadVariables, of: campaign)
            var reported: Set<String> = []
            for (path, variable) in unguarded {
                let key = "\(path)|\(variable)"
                guard reported.insert(key).inserted else { continue }
                if variable.isSenderVariable {
                    continue
                }
                if let count = lacking[variable], count > 0 {
                    variablesOK = false
                    errors.append(.init(code: "missing_variable",
                                        message: "\(count) of \(leadCount) leads have no \(variable) and {{\(variable)}} has no fallback; add one like {{\(variable) | \"there\"}}",
                                        path: path))
                }
            }
        }

        // Warnings: LinkedIn note length, SMS segments, email without an unsubscribe line.
        for (index, node) in campaign.sequence.nodes.enumerated() {
            let path = "sequence.nodes[\(index)]"
            switch node.kind {
            case .connectionRequest(let note?) where note.count > 250 && note.contains("{{"):
                warnings.append(.init(code: "note_length", message: "with names filled in the note may pass LinkedIn's 300 characters", path: "\(path).note"))
            case .sms(let body):
                let length = SMSLength(body)
                if length.segments > 1 {
                    warnings.append(.init(code: "sms_segments", message: "\(length.segments) segments (\(length.encoding), \(length.units) units) before variables are filled", path: "\(path).body"))
                }
            case .condition(signal: .opened, _, _, _) where !campaign.openTracking:
                warnings.append(.init(code: "opens_untracked",
                                      message: "this condition waits for an open, but open tracking is off: no open is ever seen, so every lead takes the no branch",
                                      path: "\(path).signal"))
            case .email(let step):
                let text = (step.body + (step.html ?? "") + (campaign.signature ?? "")).lowercased()
                if !text.contains("unsubscribe") && !text.contains("opt out") && !text.contains("opt-out") {
                    warnings.append(.init(code: "no_unsubscribe_text", message: "no unsubscribe wording; the List-Unsubscribe header is still sent", path: "\(path).body"))
                }
            default: break
            }
        }
        let checks: [String: Bool] = [
            "senders": !errors.contains { ["no_senders", "sender_inactive", "sender_channel", "no_sender_for_channel", "sender_connection"].contains($0.code) },
            "leads": leadCount > 0,
            "sequence": !errors.contains { $0.code == "sequence_invalid" || $0.code == "empty_text" },
            "variables": variablesOK,
            "schedule": !campaign.schedule.isEmpty,
        ]
        return ValidationReport(checks: checks, errors: errors, warnings: warnings)
    }

    private func campaign(_ id: ID, in workspace: ID) async throws -> Campaign {
        guard let campaign = try await store.campaign(id, in: workspace) else { throw NotFoundError("campaign", id: id.rawValue) }
        return campaign
    }
}

extension Variable {
    var isSenderVariable: Bool {
        switch self {
        case .senderFirstName, .senderLastName, .senderName, .senderEmail: true
        default: false
        }
    }
}

/// Turns one sending node into the text a lead receives.
public enum MessageRenderer {
    public struct Message: Sendable, Hashable {
        public var variantID: String?
        public var subject: String?
        public var body: String?
        public var html: String?
        public var fellBack: [Variable]
        public var missing: [Variable]
    }

    /// The subject of an `is_reply` email: its own when it has one, else the subject of the
    /// nearest earlier email that started the thread (rendered for the same lead, so it is the
    /// one that was sent), with `Re: ` in front as mail clients do.
    private static func replySubject(
        _ own: String?, of node: Node, in sequence: CampaignSequence, for context: RenderContext, lead: String,
        compile: (String) throws -> Template
    ) throws -> String {
        var subject = own?.trimmingCharacters(in: .whitespaces) ?? ""
        if subject.isEmpty {
            // Walk back breadth-first over predecessors to the nearest email that is not a reply.
            var seen: Set<String> = [node.id]
            var frontier = [node.id]
            search: while !frontier.isEmpty {
                var next: [String] = []
                for id in frontier {
                    for earlier in sequence.nodes where earlier.successors.contains(id) && seen.insert(earlier.id).inserted {
                        if case .email(let step) = earlier.kind, !step.isReply {
                            subject = try render(earlier, for: context, lead: lead, signature: nil, compile: compile)?.subject ?? ""
                            break search
                        }
                        next.append(earlier.id)
                    }
                }
                frontier = next
            }
        }
        if subject.isEmpty { return "Re:" }
        return subject.lowercased().hasPrefix("re:") ? subject : "Re: " + subject
    }

    /// Nil for nodes that send no text (profile visit, follow, like). With the node's `sequence`,
    /// an `is_reply` email gets its thread's `Re:` subject — the preview and the send both pass it.
    public static func render(
        _ node: Node, in sequence: CampaignSequence? = nil, for context: RenderContext, lead: String, signature: Template?,
        compile: (String) throws -> Template = { try Template.parse($0) }
    ) throws -> Message? {
        let seed = Template.choiceSeed(lead: lead, node: node.id)
        var fellBack: [Variable] = [], missing: [Variable] = []
        func run(_ text: String) throws -> String {
            let rendered = try compile(text).render(context, seed: seed)
            fellBack += rendered.fellBack
            missing += rendered.missing
            return rendered.text
        }
        switch node.kind {
        case .connectionRequest(let note):
            return Message(variantID: nil, subject: nil, body: try note.map(run) ?? "", html: nil, fellBack: fellBack, missing: missing)
        case .message(let body), .sms(let body):
            return Message(variantID: nil, subject: nil, body: try run(body), html: nil, fellBack: fellBack, missing: missing)
        case .inmail(let subject, let body):
            return Message(variantID: nil, subject: try run(subject), body: try run(body), html: nil, fellBack: fellBack, missing: missing)
        case .email(let step):
            var subject = step.subject, body = step.body, html = step.html
            var variantID: String?
            if !step.variants.isEmpty {
                // The base step is variant "a" with weight 1 unless variants say otherwise.
                let total = step.variants.reduce(0) { $0 + $1.weight }
                var pick = Int(SplitMix64.mix(seed ^ 0xA5A5) % UInt64(max(total, 1)))
                for variant in step.variants {
                    if pick < variant.weight {
                        variantID = variant.id
                        subject = variant.subject.isEmpty ? subject : variant.subject
                        body = variant.body
                        html = variant.html
                        break
                    }
                    pick -= variant.weight
                }
            }
            var text = try run(body)
            var richText = try html.map(run)
            if let signature {
                let signed = signature.render(context, seed: seed)
                fellBack += signed.fellBack
                missing += signed.missing
                text += "\n\n" + signed.text
                richText = richText.map { $0 + "<br><br>" + HTML.escape(signed.text).replacingOccurrences(of: "\n", with: "<br>") }
            }
            var renderedSubject = try run(subject)
            if step.isReply, let sequence {
                renderedSubject = try replySubject(renderedSubject, of: node, in: sequence, for: context, lead: lead, compile: compile)
            }
            return Message(variantID: variantID, subject: renderedSubject, body: text, html: richText, fellBack: fellBack, missing: missing)
        case .profileVisit, .follow, .likePost, .delay, .condition, .end:
            return nil
        }
    }

}
