import Foundation
import Testing
@testable import OutboundCore

@Suite struct IdentityTests {
    @Test(arguments: [
        ("  Jane.Doe@Example.COM ", "jane.doe@example.com"),
        ("a@b.co", "a@b.co"),
    ])
    func emailsAreNormalised(raw: String, expected: String) {
        #expect(Identity.email(raw) == expected)
    }

    @Test(arguments: ["", "jane", "jane@", "@example.com", "jane@example", "jane doe@example.com", "a@b@c.com"])
    func badEmailsAreRejected(raw: String) {
        #expect(Identity.email(raw) == nil)
    }

    @Test(arguments: [
        ("+1 (415) 555-0133", "+14155550133"),
        ("+49 30 1234567", "+49301234567"),
    ])
    func phonesAreE164(raw: String, expected: String) {
        #expect(Identity.phone(raw) == expected)
    }

    @Test(arguments: ["4155550133", "+0123456789", "+1415abc0133", "+12"])
    func badPhonesAreRejected(raw: String) {
        #expect(Identity.phone(raw) == nil)
    }

    @Test(arguments: [
        ("https://www.linkedin.com/in/Jane-Doe/", "https://www.linkedin.com/in/jane-doe"),
        ("linkedin.com/in/jane-doe?trk=abc", "https://www.linkedin.com/in/jane-doe"),
        ("http://de.linkedin.com/in/jane-doe/de", "https://www.linkedin.com/in/jane-doe"),
    ])
    func linkedinURLsAreCanonical(raw: String, expected: String) {
        #expect(Identity.linkedinURL(raw) == expected)
    }

    @Test(arguments: ["https://example.com/in/jane", "https://www.linkedin.com/company/acme", "not a url"])
    func nonProfileURLsAreRejected(raw: String) {
        #expect(Identity.linkedinURL(raw) == nil)
    }

    @Test func idsHaveTheirPrefixAndTwentyHexDigits() {
        let id = ID.generate(.campaign)
        #expect(id.rawValue.hasPrefix("campaign_"))
        #expect(id.rawValue.count == "campaign_".count + 20)
        #expect(ID(id.rawValue, kind: .campaign) == id)
        #expect(ID(id.rawValue, kind: .sender) == nil)
        #expect(ID("campaign_ABCDEF0123456789abcd", kind: .campaign) == nil)
        #expect(ID("campaign_0123", kind: .campaign) == nil)
        #expect(ID.generate(.sender).rawValue.hasPrefix("seat_"))
        #expect(Set((0..<1000).map { _ in ID.generate(.key) }).count == 1000)
    }

    @Test(arguments: ["America/New_York", "Europe/Berlin", "UTC", "-05:00", "+05:30", "+14:00"])
    func zonesAccepted(text: String) {
        #expect(Zone(text)?.identifier == text)
    }

    @Test(arguments: ["Mars/Base", "EST", "-5", "+15:00", "05:00", "+05:60", ""])
    func zonesRejected(text: String) {
        #expect(Zone(text) == nil)
    }

    @Test func alsonaOffsetMinutesBecomeAFixedZone() {
        #expect(Zone(offsetMinutes: -300)?.identifier == "-05:00")
        #expect(Zone(offsetMinutes: 330)?.timeZone.secondsFromGMT() == 19_800)
    }
}

@Suite struct GeneratedIDTests {
    @Test func newIDsAreUniqueValidAndEachSortsAfterTheLast() {
        let ids = (0..<20_000).map { _ in ID.generate(.action) }
        #expect(Set(ids).count == ids.count)
        #expect(ids.allSatisfy { ID($0.rawValue, kind: .action) != nil })
        #expect(zip(ids, ids.dropFirst()).allSatisfy { $0 < $1 })
    }

    @Test func theLeadingDigitsAreTheMillisecond() throws {
        let before = UInt64(Date().timeIntervalSince1970 * 1000)
        let id = ID.generate(.contact)
        let after = UInt64(Date().timeIntervalSince1970 * 1000)
        let millis = try #require(UInt64(id.rawValue.dropFirst("contact_".count).prefix(11), radix: 16))
        #expect(millis >= before && millis <= after)
    }
}

