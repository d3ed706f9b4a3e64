/// The values a template is rendered with: one lead and the sender writing to it.
public struct RenderContext: Sendable {
    public var contact: Contact
    public var sender: Sender?

    public init(contact: Contact, sender: Sender?) {
        self.contact = contact
        self.sender = sender
    }

    /// The value of `variable`, or nil when the lead (or sender) has none.
    public func value(of variable: Variable) -> String? {
        let value: String? = switch variable {
        case .firstName: contact.firstName
        case .lastName: contact.lastName
        case .fullName: [contact.firstName, contact.lastName].compactMap { $0 }.joined(separator: " ")
        case .email: contact.email
        case .phone: contact.phone
        case .company: contact.company
        case .title: contact.title
        case .linkedinURL: contact.linkedinURL
        case .custom(let key): contact.customFields[key]?.text
        case .senderFirstName: sender.map { Template.nameWords($0.displayName).first ?? "" }
        case .senderLastName: sender.map { Template.nameWords($0.displayName).dropFirst().joined(separator: " ") }
        case .senderName: sender?.displayName
        case .senderEmail: sender?.email
        }
        guard let value, !value.isEmpty else { return nil }
        return value
    }
}

/// A rendered text and the variables that had no value (filled by their fallback, or left empty).
public struct Rendered: Sendable, Hashable {
    public var text: String
    public var fellBack: [Variable]
    public var missing: [Variable]
}

extension Template {
    /// Renders for one lead. Choices are drawn from `seed` (see `choiceSeed`), so the same
    /// lead and node always get the same text: a preview equals the real send.
    public func render(_ context: RenderContext, seed: UInt64) -> Rendered {
        var output = ""
        var fellBack: [Variable] = []
        var missing: [Variable] = []
        var state = seed
        func walk(_ pieces: [Piece]) {
            for piece in pieces {
                switch piece {
                case .text(let text):
                    output += text
                case .variable(let variable, let fallback):
                    if let value = context.value(of: variable) {
                        output += value
                    } else if let fallback {
                        output += fallback
                        fellBack.append(variable)
                    } else {
                        missing.append(variable)
                    }
                case .choice(let options):
                    state = SplitMix64.mix(state)
                    walk(options[Int(state % UInt64(options.count))])
                }
            }
        }
        walk(pieces)
        return Rendered(text: output, fellBack: fellBack, missing: missing)
    }

    /// A stable seed for one (lead, node) pair: FNV-1a over both IDs (Swift's `Hasher` changes
    /// from run to run, which would make previews lie).
    public static func choiceSeed(lead: String, node: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in lead.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        hash = (hash ^ 0x7c) &* 0x100_0000_01b3
        for byte in node.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return hash
    }

    /// The words of a display name ("Jane van Dyke" → ["Jane", "van", "Dyke"]).
    static func nameWords(_ name: String) -> [String] {
        name.split(whereSeparator: \.isWhitespace).map(String.init)
    }
}

/// SMS length: GSM-7 when every character is in the GSM 03.38 alphabet (extension characters
/// count twice), UCS-2 otherwise.
public struct SMSLength: Sendable, Hashable {
    public var encoding: String
    public var units: Int
    public var segments: Int

    public init(_ text: String) {
        let basic = Set("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
        let extended = Set("^{}\\[~]|€\u{0C}")
        var gsmUnits = 0
        var isGSM = true
        for character in text {
            if basic.contains(character) { gsmUnits += 1 }
            else if extended.contains(character) { gsmUnits += 2 }
            else { isGSM = false; break }
        }
        if isGSM {
            encoding = "GSM-7"
            units = gsmUnits
            segments = gsmUnits == 0 ? 0 : gsmUnits <= 160 ? 1 : (gsmUnits + 152) / 153
        } else {
            encoding = "UCS-2"
            units = text.utf16.count
            segments = units <= 70 ? 1 : (units + 66) / 67
        }
    }
}
