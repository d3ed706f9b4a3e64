import Foundation

/// A person a campaign can reach (a lead, a prospect). Identities are stored normalised and
/// are unique per workspace, so the same person imported twice is one contact.
public struct Contact: Sendable, Hashable {
    public let id: ID
    public let workspaceID: ID
    public var firstName: String?
    public var lastName: String?
    /// Lower-case.
    public var email: String?
    /// E.164.
    public var phone: String?
    /// Canonical `https://www.linkedin.com/in/{slug}`.
    public var linkedinURL: String?
    public var company: String?
    public var title: String?
    public var timezone: Zone?
    /// A free label for the user's pipeline ("New Lead", "Interested", …).
    public var status: String
    public var customFields: [String: CustomValue]
    public let createdAt: Date
    public var updatedAt: Date

    public static let defaultStatus = "New Lead"

    public init(
        id: ID, workspaceID: ID, firstName: String? = nil, lastName: String? = nil, email: String? = nil,
        phone: String? = nil, linkedinURL: String? = nil, company: String? = nil, title: String? = nil,
        timezone: Zone? = nil, status: String = Contact.defaultStatus, customFields: [String: CustomValue] = [:],
        createdAt: Date, updatedAt: Date
    ) {
        self.id = id
        self.workspaceID = workspaceID
        self.firstName = firstName
        self.lastName = lastName
        self.email = email
        self.phone = phone
        self.linkedinURL = linkedinURL
        self.company = company
        self.title = title
        self.timezone = timezone
        self.status = status
        self.customFields = customFields
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// The identity a channel reaches this contact by, if known.
    public func identity(for channel: ChannelKind) -> String? {
        switch channel {
        case .linkedin: linkedinURL
        case .email: email
        case .sms: phone
        }
    }

    /// Every identity the contact has, each with its kind.
    public var identities: [(kind: IdentityKind, value: String)] {
        var result: [(IdentityKind, String)] = []
        if let email { result.append((.email, email)) }
        if let phone { result.append((.phone, phone)) }
        if let linkedinURL { result.append((.linkedinURL, linkedinURL)) }
        return result
    }
}

/// The kinds of identity a contact is matched and suppressed by.
public enum IdentityKind: String, Sendable, CaseIterable, Hashable {
    case email
    case phone
    case linkedinURL = "linkedin_url"
}

/// A custom field value: a string, a number or a boolean (nothing nested).
public enum CustomValue: Sendable, Hashable, Codable {
    case string(String)
    case number(Double)
    case bool(Bool)

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let flag = try? container.decode(Bool.self) { self = .bool(flag) }
        else if let number = try? container.decode(Double.self) { self = .number(number) }
        else { self = .string(try container.decode(String.self)) }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let text): try container.encode(text)
        case .number(let number): try container.encode(number)
        case .bool(let flag): try container.encode(flag)
        }
    }

    /// The value as template text.
    public var text: String {
        switch self {
        case .string(let text): text
        case .number(let number): number.rounded() == number && abs(number) < 1e15 ? String(Int64(number)) : String(number)
        case .bool(let flag): flag ? "true" : "false"
        }
    }
}
