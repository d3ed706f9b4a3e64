import Foundation

/// A contact as sent by a client or read from a CSV row, before validation.
public struct ContactInput: Sendable {
    public var firstName: Field<String> = .absent
    public var lastName: Field<String> = .absent
    public var email: Field<String> = .absent
    public var phone: Field<String> = .absent
    public var linkedinURL: Field<String> = .absent
    public var company: Field<String> = .absent
    public var title: Field<String> = .absent
    public var timezone: Field<String> = .absent
    public var status: Field<String> = .absent
    /// Merged key by key; a null value removes that key.
    public var customFields: Field<[String: Field<CustomValue>]> = .absent
    /// Problems found while reading the input (wrong JSON types).
    public var readIssues: [FieldIssue] = []

    public init() {}
}

/// The normalised identities of an input, found before the contact is matched.
public struct ContactIdentities: Sendable, Hashable {
    public var email: String?
    public var phone: String?
    public var linkedinURL: String?

    public var isEmpty: Bool { email == nil && phone == nil && linkedinURL == nil }
}

extension ContactInput {
    /// Normalises the identities given in this input (absent ones stay nil); bad ones are
    /// reported under their field name.
    public func identities(region: PhoneRegion, issues: inout IssueList) -> ContactIdentities {
        var result = ContactIdentities()
        if case .value(let raw) = email, !raw.trimmingWhitespace().isEmpty {
            if let value = Identity.email(raw) { result.email = value } else { issues.add("email", "must be an email address") }
        }
        if case .value(let raw) = phone, !raw.trimmingWhitespace().isEmpty {
            if let value = region.normalise(raw) { result.phone = value } else {
                issues.add("phone", "cannot be read as a phone number (E.164 like +14155550133, or national in \(region.code))")
            }
        }
        if case .value(let raw) = linkedinURL, !raw.trimmingWhitespace().isEmpty {
            if let value = Identity.linkedinURL(raw) { result.linkedinURL = value } else {
                issues.add("linkedin_url", "must be a LinkedIn profile URL like https://www.linkedin.com/in/jane-doe")
            }
        }
        return result
    }
}

extension Contact {
    public static let maximumTextLength = 1_000
    public static let maximumCustomFields = 100

    /// Applies `input` (with identities already normalised) onto this contact. Text fields are
    /// trimmed; an empty string clears like null.
    mutating func apply(_ input: ContactInput, identities: ContactIdentities, issues: inout IssueList) {
        Contact.text(input.firstName, &firstName, "first_name", &issues)
        Contact.text(input.lastName, &lastName, "last_name", &issues)
        Contact.text(input.company, &company, "company", &issues)
        Contact.text(input.title, &title, "title", &issues)
        Contact.identity(input.email, identities.email, &email)
        Contact.identity(input.phone, identities.phone, &phone)
        Contact.identity(input.linkedinURL, identities.linkedinURL, &linkedinURL)
        switch input.timezone {
        case .absent: break
        case .null: timezone = nil
        case .value(let text):
            if text.trimmingWhitespace().isEmpty { timezone = nil }
            else if let zone = Zone(text.trimmingWhitespace()) { timezone = zone }
            else { issues.add("timezone", "must be an IANA time zone like Europe/Berlin or an offset like -05:00") }
        }
        switch input.status {
        case .absent: break
        case .null: status = Contact.defaultStatus
        case .value(let text):
            let trimmed = text.trimmingWhitespace()
            if trimmed.count > 100 { issues.add("status", "must be at most 100 characters") }
            else { status = trimmed.isEmpty ? Contact.defaultStatus : trimmed }
        }
        switch input.customFields {
        case .absent: break
        case .null: customFields = [:]
        case .value(let fields):
            for (key, value) in fields {
                if key.isEmpty || key.count > 100 {
                    issues.add("custom_fields", "keys must be 1 to 100 characters")
                    continue
                }
                switch value {
                case .absent: break
                case .null: customFields[key] = nil
                case .value(let value):
                    if case .string(let text) = value, text.count > 10_000 {
                        issues.add("custom_fields.\(key)", "must be at most 10000 characters")
                    } else {
                        customFields[key] = value
                    }
                }
            }
            if customFields.count > Contact.maximumCustomFields {
                issues.add("custom_fields", "at most \(Contact.maximumCustomFields) fields")
            }
        }
        if email == nil, phone == nil, linkedinURL == nil {
            issues.addIfNone("email", "a contact needs at least one of email, phone or linkedin_url")
        }
    }

    private static func text(_ field: Field<String>, _ value: inout String?, _ name: String, _ issues: inout IssueList) {
        switch field {
        case .absent: break
        case .null: value = nil
        case .value(let raw):
            let trimmed = raw.trimmingWhitespace()
            if trimmed.count > maximumTextLength { issues.add(name, "must be at most \(maximumTextLength) characters") }
            else { value = trimmed.isEmpty ? nil : trimmed }
        }
    }

    private static func identity(_ field: Field<String>, _ normalised: String?, _ value: inout String?) {
        switch field {
        case .absent: break
        case .null: value = nil
        case .value: if let normalised { value = normalised } else { value = nil }
        }
    }
}
