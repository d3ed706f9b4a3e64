import Foundation

/// The do-not-contact list: emails, whole domains, phones and LinkedIn profiles.
public struct SuppressionService: Sendable {
    let store: any Store
    let clock: any TimeSource

    public init(store: any Store, clock: any TimeSource) {
        self.store = store
        self.clock = clock
    }

    /// Adds an entry (normalised); adding the same one twice returns the first.
    public func add(kind rawKind: Field<String>, value rawValue: Field<String>, reason: Field<String>, in workspace: ID) async throws -> Suppression {
        var issues = IssueList()
        var kind: Suppression.Kind?
        switch rawKind {
        case .value(let text) where text != Suppression.Kind.hash.rawValue:
            kind = Suppression.Kind(rawValue: text)
            if kind == nil { issues.add("kind", "must be one of email, domain, phone, linkedin_url") }
        case .value: issues.add("kind", "hash entries are made only by erasure")
        default: issues.add("kind", "is required: one of email, domain, phone, linkedin_url")
        }
        var value: String?
        if case .value(let text) = rawValue, let kind {
            let region = try await store.workspace(workspace)?.phoneRegion ?? PhoneRegion.all[PhoneRegion.defaultCode]!
            value = switch kind {
            case .email: Identity.email(text)
            case .domain: SuppressionService.domain(text)
            case .phone: region.normalise(text)
            case .linkedinURL: Identity.linkedinURL(text)
            case .hash: nil
            }
            if value == nil { issues.add("value", "is not a valid \(kind.rawValue)") }
        } else if rawValue.value == nil {
            issues.add("value", "is required")
        }
        let reasonText = reason.value?.trimmingWhitespace()
        if let reasonText, reasonText.count > 500 { issues.add("reason", "must be at most 500 characters") }
        try issues.throwIfAny()
        return try await store.insertSuppression(Suppression(
            id: .generate(.suppression), workspaceID: workspace, kind: kind!, value: value!,
            reason: reasonText?.isEmpty == false ? reasonText : nil, createdAt: clock.now))
    }

    public func list(in workspace: ID, page: PageRequest) async throws -> Page<Suppression> {
        try await store.suppressions(in: workspace, page: page)
    }

    public func delete(_ id: ID, in workspace: ID) async throws {
        guard try await store.deleteSuppression(id, in: workspace) else { throw NotFoundError("suppression", id: id.rawValue) }
    }

    /// `Example.COM`, `@example.com` or `jane@example.com` → `example.com`.
    static func domain(_ raw: String) -> String? {
        var text = raw.trimmingWhitespace().lowercased()
        if let at = text.lastIndex(of: "@") { text = String(text[text.index(after: at)...]) }
        guard text.contains("."), !text.hasPrefix("."), !text.hasSuffix("."),
              text.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." })
        else { return nil }
        return text
    }
}
