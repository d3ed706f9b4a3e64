/// A message template compiled once: literal text, variables with optional fallbacks, and
/// spintax choices. Every supported syntax (ours, the seed products') compiles to this.
public struct Template: Sendable, Hashable {
    public indirect enum Piece: Sendable, Hashable {
        case text(String)
        case variable(Variable, fallback: String?)
        /// One alternative is chosen per (lead, node); alternatives may nest.
        case choice([[Piece]])
    }

    public var pieces: [Piece]

    public init(pieces: [Piece]) {
        self.pieces = pieces
    }

    public static let empty = Template(pieces: [])

    /// The template in Outbound's own syntax (`{{first_name | "there"}}`, `{Hi|Hello}`, escapes),
    /// which `parse` reads back to the same pieces: how other syntaxes (Inbox segments) are stored.
    public var source: String { Template.source(pieces) }

    private static func source(_ pieces: [Piece]) -> String {
        pieces.map { piece in
            switch piece {
            case .text(let text):
                text.reduce(into: "") { out, c in
                    if "{}|%\\".contains(c) { out.append("\\") }
                    out.append(c)
                }
            case .variable(let variable, let fallback):
                fallback.map { "{{\(variable) | \"\($0.replacingOccurrences(of: "\"", with: "'"))\"}}" } ?? "{{\(variable)}}"
            case .choice(let options): "{" + options.map(source).joined(separator: "|") + "}"
            }
        }.joined()
    }

    /// True when the template produces no text at all.
    public var isBlank: Bool {
        pieces.allSatisfy { if case .text(let text) = $0 { text.allSatisfy(\.isWhitespace) } else { false } }
    }

    /// Every variable used anywhere, with whether each use has a fallback.
    public var variables: [(variable: Variable, hasFallback: Bool)] {
        var result: [(Variable, Bool)] = []
        func walk(_ pieces: [Piece]) {
            for piece in pieces {
                switch piece {
                case .text: break
                case .variable(let variable, let fallback): result.append((variable, fallback != nil))
                case .choice(let options): options.forEach(walk)
                }
            }
        }
        walk(pieces)
        return result
    }
}

/// A value a template can insert.
public enum Variable: Sendable, Hashable, CustomStringConvertible {
    case firstName, lastName, fullName, email, phone, company, title, linkedinURL
    case custom(String)
    case senderFirstName, senderLastName, senderName, senderEmail

    /// Our canonical spelling, as written inside `{{ }}`.
    public var description: String {
        switch self {
        case .firstName: "first_name"
        case .lastName: "last_name"
        case .fullName: "full_name"
        case .email: "email"
        case .phone: "phone"
        case .company: "company"
        case .title: "title"
        case .linkedinURL: "linkedin_url"
        case .custom(let key): "custom.\(key)"
        case .senderFirstName: "sender.first_name"
        case .senderLastName: "sender.last_name"
        case .senderName: "sender.name"
        case .senderEmail: "sender.email"
        }
    }

    /// Reads a variable name in any supported spelling: `first_name`, `firstName`, `first-name`,
    /// `custom.industry`, `custom_fields.industry`, `sender.first_name`, `sender_first_name`.
    /// Nil for an unknown name or namespace.
    public init?(name raw: String) {
        let name = raw.trimmingWhitespace()
        for prefix in ["custom.", "custom_fields.", "customFields."] where name.hasPrefix(prefix) {
            let key = String(name.dropFirst(prefix.count))
            guard !key.isEmpty else { return nil }
            self = .custom(key)
            return
        }
        if name.hasPrefix("custom_"), name.count > 7, !name.contains(".") {
            // Inbox's custom column IDs (`custom_q5cktl47…`).
            self = .custom(name)
            return
        }
        let snake = Variable.snakeCase(name)
        if snake.hasPrefix("sender.") || snake.hasPrefix("sender_") {
            switch String(snake.dropFirst(7)) {
            case "first_name", "firstname": self = .senderFirstName
            case "last_name", "lastname": self = .senderLastName
            case "name", "full_name", "display_name": self = .senderName
            case "email": self = .senderEmail
            default: return nil
            }
            return
        }
        switch snake {
        case "first_name", "firstname": self = .firstName
        case "last_name", "lastname": self = .lastName
        case "full_name", "name": self = .fullName
        case "email": self = .email
        case "phone", "phone_number": self = .phone
        case "company", "company_name": self = .company
        case "title", "job_title", "position": self = .title
        case "linkedin_url", "linkedin", "profile_url": self = .linkedinURL
        default: return nil
        }
    }

    /// `firstName` → `first_name`, `first-name` → `first_name`.
    static func snakeCase(_ name: String) -> String {
        var result = ""
        for character in name {
            if character == "-" { result.append("_") }
            else if character.isUppercase, !result.isEmpty, result.last != "_", result.last != "." {
                result.append("_")
                result.append(contentsOf: character.lowercased())
            } else {
                result.append(contentsOf: character.lowercased())
            }
        }
        return result
    }
}

/// A template that cannot be compiled, with the character offset of the problem.
public struct TemplateError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public var offset: Int

    public var description: String { "\(message) (at character \(offset + 1))" }
}
