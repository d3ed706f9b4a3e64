/// Where one CSV column goes.
public enum ColumnTarget: Sendable, Hashable {
    case firstName, lastName, email, phone, linkedinURL, company, title, timezone, status
    case custom(String)
    case ignore

    /// Reads a `--map column=field` target: a contact field name, `custom.KEY` or `ignore`.
    public init?(fieldName: String) {
        switch fieldName {
        case "first_name": self = .firstName
        case "last_name": self = .lastName
        case "email": self = .email
        case "phone": self = .phone
        case "linkedin_url": self = .linkedinURL
        case "company": self = .company
        case "title": self = .title
        case "timezone": self = .timezone
        case "status": self = .status
        case "ignore": self = .ignore
        default:
            guard fieldName.hasPrefix("custom."), fieldName.count > 7 else { return nil }
            self = .custom(String(fieldName.dropFirst(7)))
        }
    }
}

/// Maps a CSV header to contact fields: common header names are recognised ("First Name",
/// "E-mail", "LinkedIn Profile", …), explicit overrides win, unknown columns become custom fields.
public struct ColumnMapping: Sendable {
    public let targets: [ColumnTarget]

    private static let aliases: [String: ColumnTarget] = {
        let table: [(ColumnTarget, [String])] = [
            (.firstName, ["firstname", "first", "givenname", "forename", "fname"]),
            (.lastName, ["lastname", "last", "surname", "familyname", "lname"]),
            (.email, ["email", "emailaddress", "mail", "workemail", "businessemail", "emails"]),
            (.phone, ["phone", "phonenumber", "mobile", "mobilephone", "mobilenumber", "cell", "cellphone", "telephone", "tel"]),
            (.linkedinURL, ["linkedin", "linkedinurl", "linkedinprofile", "linkedinprofileurl", "profileurl", "liurl", "linkedinlink"]),
            (.company, ["company", "companyname", "organization", "organisation", "account", "accountname", "employer"]),
            (.title, ["title", "jobtitle", "position", "role", "headline"]),
            (.timezone, ["timezone", "tz"]),
            (.status, ["status", "leadstatus"]),
        ]
        var result: [String: ColumnTarget] = [:]
        for (target, names) in table { for name in names { result[name] = target } }
        return result
    }()

    /// `header` with `overrides` (header text → target) applied first.
    public init(header: [String], overrides: [String: ColumnTarget] = [:]) {
        var seen: Set<ColumnTarget> = []
        targets = header.map { column in
            let name = column.trimmingWhitespace()
            if let target = overrides[name] { return target }
            let key = String(name.lowercased().unicodeScalars.filter { CharacterSetLite.isAlphanumeric($0) })
            if let target = ColumnMapping.aliases[key], !seen.contains(target) {
                seen.insert(target)
                return target
            }
            return name.isEmpty ? .ignore : .custom(name)
        }
    }

    /// A row's fields as a contact input; empty cells are left out (an import never clears data).
    public func input(for fields: [String]) -> ContactInput {
        var input = ContactInput()
        var custom: [String: Field<CustomValue>] = [:]
        for (index, value) in fields.enumerated() where index < targets.count && !value.isEmpty {
            switch targets[index] {
            case .firstName: input.firstName = .value(value)
            case .lastName: input.lastName = .value(value)
            case .email: input.email = .value(value)
            case .phone: input.phone = .value(value)
            case .linkedinURL: input.linkedinURL = .value(value)
            case .company: input.company = .value(value)
            case .title: input.title = .value(value)
            case .timezone: input.timezone = .value(value)
            case .status: input.status = .value(value)
            case .custom(let key): custom[key] = .value(.string(value))
            case .ignore: break
            }
        }
        if !custom.isEmpty { input.customFields = .value(custom) }
        return input
    }
}

/// ASCII letters and digits (header matching ignores everything else).
enum CharacterSetLite {
    static func isAlphanumeric(_ scalar: Unicode.Scalar) -> Bool {
        (scalar >= "a" && scalar <= "z") || (scalar >= "0" && scalar <= "9")
    }
}
