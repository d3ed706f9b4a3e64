import Foundation
import Testing
@testable import OutboundCore

@Suite struct SequenceTests {
    func node(_ id: String, _ kind: Node.Kind, next: String? = nil) -> Node { Node(id: id, kind: kind, next: next) }

    var emailFlow: CampaignSequence {
        CampaignSequence(nodes: [
            node("n1", .email(EmailStep(subject: "Hi {{first_name}}", body: "Body")), next: "n2"),
            node("n2", .delay(minutes: 3 * 1440), next: "c1"),
            node("c1", .condition(signal: .opened, withinDays: 5, yes: "n3", no: "n4")),
            node("n3", .email(EmailStep(subject: "", body: "Following up", isReply: true)), next: "n4"),
            node("n4", .end),
        ])
    }

    @Test func aGoodBranchingSequenceHasNoIssues() {
        #expect(emailFlow.structuralIssues(for: .email).isEmpty)
        #expect(emailFlow.contentIssues().isEmpty)
    }

    @Test(arguments: [CampaignChannel.linkedin, .email, .sms, .multichannel])
    func seededDefaultsAreStructurallyValidButEmptyWhereTheyMustBeWritten(channel: CampaignChannel) {
        let seed = CampaignSequence.seed(for: channel)
        #expect(seed.nodes.map(\.type) == [channel == .linkedin ? "connection_request" : channel == .sms ? "sms" : "email", "end"])
        #expect(seed.structuralIssues(for: channel).isEmpty)
        #expect(seed.contentIssues().isEmpty == (channel == .linkedin))
    }

    @Test func cyclesUnreachableNodesAndDeadEndsAreNamed() {
        let cyclic = CampaignSequence(nodes: [
            node("a", .message(body: "x"), next: "b"), node("b", .delay(minutes: 60), next: "a"), node("z", .end),
        ])
        let issues = cyclic.structuralIssues(for: .linkedin)
        #expect(issues.contains { $0.field == "sequence.nodes[1]" && $0.message.contains("cycle (a → b → a)") })
        #expect(issues.contains { $0.field == "sequence.nodes[2]" && $0.message.contains("unreachable") })
        let deadEnd = CampaignSequence(nodes: [node("a", .message(body: "x"))])
        #expect(deadEnd.structuralIssues(for: .linkedin).map(\.field) == ["sequence.nodes[0].next"])
        let dangling = CampaignSequence(nodes: [node("a", .message(body: "x"), next: "ghost"), node("e", .end)])
        #expect(dangling.structuralIssues(for: .linkedin).first?.field == "sequence.nodes[0].next")
    }

    @Test func channelRulesAndFieldRanges() {
        let mixed = CampaignSequence(nodes: [
            node("a", .sms(body: "hi"), next: "b"),
            node("b", .delay(minutes: 0), next: "c"),
            node("c", .condition(signal: .opened, withinDays: 400, yes: "d", no: "d")),
            node("d", .connectionRequest(note: String(repeating: "x", count: 301)), next: "e"),
            node("e", .email(EmailStep(subject: "{{first_name", body: "x", variants: [.init(id: "a", weight: 0, subject: "", body: "y")])), next: "f"),
            node("f", .end),
        ])
        let fields = Set(mixed.structuralIssues(for: .linkedin).map(\.field))
        #expect(fields == ["sequence.nodes[0].type", "sequence.nodes[1]", "sequence.nodes[2].signal", "sequence.nodes[2].within_days",
                           "sequence.nodes[3].note", "sequence.nodes[4].type", "sequence.nodes[4].subject",
                           "sequence.nodes[4].variants[0].weight"])
        #expect(mixed.structuralIssues(for: .multichannel).allSatisfy { !$0.field.hasSuffix(".type") && !$0.field.hasSuffix(".signal") })
    }

    @Test func duplicateIDsAndEmptyTexts() {
        let sequence = CampaignSequence(nodes: [
            node("a", .message(body: " "), next: "a2"), node("a2", .inmail(subject: "", body: "b"), next: "a"), node("a", .end),
        ])
        #expect(sequence.structuralIssues(for: .linkedin).map(\.field) == ["sequence.nodes[2].id"])
        #expect(Set(sequence.contentIssues().map(\.field)) == ["sequence.nodes[0].body", "sequence.nodes[1].subject"])
    }

    @Test func emailVariantsAreChosenByWeightDeterministically() throws {
        let step = EmailStep(subject: "S", body: "base", variants: [
            .init(id: "a", weight: 3, subject: "", body: "variant a"), .init(id: "b", weight: 1, subject: "B", body: "variant b"),
        ])
        let node = Node(id: "n1", kind: .email(step), next: "n2")
        let now = Date(timeIntervalSince1970: 0)
        var counts: [String: Int] = [:]
        for index in 0..<2_000 {
            let contact = Contact(id: ID(trusted: "contact_\(index)"), workspaceID: ID(trusted: "w"), email: "x@y.co", createdAt: now, updatedAt: now)
            let message = try #require(try MessageRenderer.render(node, for: RenderContext(contact: contact, sender: nil), lead: contact.id.rawValue, signature: nil))
            counts[message.variantID ?? "-", default: 0] += 1
            let again = try MessageRenderer.render(node, for: RenderContext(contact: contact, sender: nil), lead: contact.id.rawValue, signature: nil)
            #expect(again == message)
            if message.variantID == "b" { #expect(message.subject == "B" && message.body == "variant b") }
            if message.variantID == "a" { #expect(message.subject == "S") }
        }
        #expect((1_300...1_700).contains(counts["a"] ?? 0), "weight 3 of 4: \(counts)")
    }

    @Test func signatureIsAppendedToEmails() throws {
        let node = Node(id: "n1", kind: .email(EmailStep(subject: "S", body: "Hello", html: "<p>Hello</p>")), next: "n2")
        let now = Date(timeIntervalSince1970: 0)
        let contact = Contact(id: ID(trusted: "contact_1"), workspaceID: ID(trusted: "w"), email: "x@y.co", createdAt: now, updatedAt: now)
        let sender = Sender(id: ID(trusted: "seat_1"), workspaceID: ID(trusted: "w"), channel: .email, displayName: "Sam Lee",
                            email: "sam@y.co", createdAt: now, updatedAt: now)
        let message = try #require(try MessageRenderer.render(node, for: RenderContext(contact: contact, sender: sender), lead: "contact_1",
                                                               signature: try Template.parse("Best,\n%sender_first_name% <ops>")))
        #expect(message.body == "Hello\n\nBest,\nSam <ops>")
        #expect(message.html == "<p>Hello</p><br><br>Best,<br>Sam &lt;ops&gt;")
    }
}
