import Foundation
import Testing
@testable import OutboundCore

@Suite struct TemplateTests {
    let now = Date(timeIntervalSince1970: 1_790_000_000)

    func context(first: String? = "Jane", company: String? = nil, custom: [String: CustomValue] = [:], sender: String = "Sam van Dyke") -> RenderContext {
        let contact = Contact(id: ID(trusted: "contact_00000000000000000001"), workspaceID: ID(trusted: "workspace_1"),
                              firstName: first, lastName: "Doe", email: "jane@example.com", company: company,
                              customFields: custom, createdAt: now, updatedAt: now)
        let sender = Sender(id: ID(trusted: "seat_1"), workspaceID: ID(trusted: "workspace_1"), channel: .email,
                            displayName: sender, email: "sam@example.com", createdAt: now, updatedAt: now)
        return RenderContext(contact: contact, sender: sender)
    }

    func render(_ source: String, _ context: RenderContext? = nil, seed: UInt64 = 7) throws -> String {
        try Template.parse(source).render(context ?? self.context(), seed: seed).text
    }

    @Test(arguments: [
        ("Hi {{first_name}}!", "Hi Jane!"),
        ("Hi {{ firstName }}!", "Hi Jane!"),
        ("Hi %first_name%!", "Hi Jane!"),
        ("Hi {{first_name | \"there\"}} from {{company | \"your team\"}}", "Hi Jane from your team"),
        ("{{sender.first_name}} / %sender_first_name% / {{sender.last_name}}", "Sam / Sam / van Dyke"),
        ("Plan: {{custom.plan}} / %custom_fields.plan% / {{custom.seats}}", "Plan: pro / pro / 12"),
        ("50% off for 20% of %first_name%'s team", "50% off for 20% of Jane's team"),
        ("Literal \\{braces\\} and a {word}", "Literal {braces} and a {word}"),
        ("{{full_name}} — 👋 مرحبا", "Jane Doe — 👋 مرحبا"),
        ("", ""),
    ])
    func renders(source: String, expected: String) throws {
        let ctx = context(custom: ["plan": .string("pro"), "seats": .number(12)])
        #expect(try render(source, ctx) == expected)
    }

    @Test func missingValuesFallBackOrAreReported() throws {
        let template = try Template.parse("Hi {{first_name | \"there\"}}, {{company}}")
        let rendered = template.render(context(first: nil), seed: 1)
        #expect(rendered.text == "Hi there, ")
        #expect(rendered.fellBack == [.firstName])
        #expect(rendered.missing == [.company])
        #expect(template.variables.map(\.hasFallback) == [true, false])
    }

    @Test func rightToLeftAndEmojiNamesPassThrough() throws {
        #expect(try render("مرحبا {{first_name}} 🎉", context(first: "زينب")) == "مرحبا زينب 🎉")
    }

    @Test(arguments: [
        ("Hi {{first_name", "never closed"),
        ("{Hi|Hello", "never closed"),
        ("{{unknown_thing}}", "unknown variable"),
        ("{{vendor.first_name}}", "unknown variable"),
        ("{{}}", "empty variable"),
        ("oops }}", "without an opening"),
    ])
    func badTemplatesAreRejectedWithAPosition(source: String, fragment: String) {
        #expect(throws: TemplateError.self) { try Template.parse(source) }
        do { _ = try Template.parse(source) } catch { #expect(error.description.contains(fragment), "\(error)") }
    }

    @Test func spintaxNestsAndIsDeterministicPerLeadAndNode() throws {
        let template = try Template.parse("{Hi|Hello|Hey {there|you}}, {{first_name}}")
        let seedA = Template.choiceSeed(lead: "contact_a", node: "n1")
        let first = template.render(context(), seed: seedA).text
        for _ in 0..<20 { #expect(template.render(context(), seed: seedA).text == first) }
        var seen: Set<String> = []
        for index in 0..<200 {
            seen.insert(template.render(context(), seed: Template.choiceSeed(lead: "contact_\(index)", node: "n1")).text)
        }
        #expect(seen == ["Hi, Jane", "Hello, Jane", "Hey there, Jane", "Hey you, Jane"])
    }

    @Test func choiceSeedIsStableAcrossRuns() {
        // A pinned value (FNV-1a computed independently): Swift's Hasher would change from run to run.
        #expect(Template.choiceSeed(lead: "contact_a", node: "n1") == 0xf1e2_e9c8_4565_5c5c)
        #expect(Template.choiceSeed(lead: "contact_a", node: "n1") != Template.choiceSeed(lead: "contact_a", node: "n2"))
    }

    @Test func inboxSegmentsCompileToTheSameForm() throws {
        let segments = try Template.segments([
            .variation(["Hey", "Hi"]), .text(" "), .variable(name: "first-name", fallback: "there"), .text("!"),
        ])
        let ours = try Template.parse("{Hey|Hi} {{first_name | \"there\"}}!")
        #expect(segments == ours)
        #expect(throws: TemplateError.self) { try Template.segments([.variable(name: "favourite-colour", fallback: nil)]) }
    }

    @Test(arguments: [
        ("Hello there", "GSM-7", 11, 1),
        (String(repeating: "a", count: 160), "GSM-7", 160, 1),
        (String(repeating: "a", count: 161), "GSM-7", 161, 2),
        ("Price: 5€ [today]", "GSM-7", 20, 1),
        ("Hi 👋", "UCS-2", 5, 1),
        (String(repeating: "é", count: 10) + "ñ" + String(repeating: "ж", count: 60), "UCS-2", 71, 2),
    ])
    func smsSegments(text: String, encoding: String, units: Int, segments: Int) {
        let length = SMSLength(text)
        #expect(length.encoding == encoding)
        #expect(length.units == units)
        #expect(length.segments == segments)
    }
}
