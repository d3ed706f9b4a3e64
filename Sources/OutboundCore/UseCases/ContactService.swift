import Foundation

/// Keyed hashes of identities (HMAC-SHA256 in production): they match a re-imported person
/// without revealing who was erased.
public protocol IdentityHasher: Sendable {
    /// Lower-case hex digest of `kind:value`.
    func keyedHash(_ kind: IdentityKind, _ value: String) -> String
}

/// What a bulk upsert did with one input.
public enum UpsertOutcome: Sendable, Hashable {
    case created(Contact)
    case updated(Contact)
    /// Matched a contact (existing, or earlier in the same call) and changed nothing new.
    case duplicate(Contact)
    case invalid([FieldIssue])

    public var contact: Contact? {
        switch self {
        case .created(let c), .updated(let c), .duplicate(let c): c
        case .invalid: nil
        }
    }
}

/// Contacts: create, match, merge, read, delete and erase.
public struct ContactService: Sendable {
    let store: any Store
    let clock: any TimeSource
    let hasher: any IdentityHasher

    public static let maximumBatch = 10_000

    public init(store: any Store, clock: any TimeSource, hasher: any IdentityHasher) {
        self.store = store
        self.clock = clock
        self.hasher = hasher
    }

    /// Creates a contact, or 409 when one of its identities belongs to another contact.
    public func create(_ input: ContactInput, in workspace: ID) async throws -> Contact {
        let region = try await region(of: workspace)
        var issues = IssueList()
        issues.append(contentsOf: input.readIssues)
        let identities = input.identities(region: region, issues: &issues)
        let now = clock.now
        var contact = Contact(id: .generate(.contact), workspaceID: workspace, createdAt: now, updatedAt: now)
        contact.apply(input, identities: identities, issues: &issues)
        try issues.throwIfAny()
        try await refuseErased(contact)
        if let existing = try await matches(of: contact).first {
            throw ConflictError("a contact with this identity already exists (\(existing.id)); upsert in bulk to merge them")
        }
        try await store.saveContacts(inserting: [contact], updating: [])
        return contact
    }

    /// A contact built from `input` and validated but not saved (for previews).
    public func transient(_ input: ContactInput, in workspace: ID) async throws -> Contact {
        var issues = IssueList()
        issues.append(contentsOf: input.readIssues.map { FieldIssue("contact." + $0.field, $0.message) })
        let identities = input.identities(region: try await region(of: workspace), issues: &issues)
        let now = clock.now
        var contact = Contact(id: ID(trusted: "contact_preview"), workspaceID: workspace, createdAt: now, updatedAt: now)
        contact.apply(input, identities: identities, issues: &issues)
        // A preview needs no identity: drop that one complaint.
        let relevant = issues.issues.filter { !$0.message.hasPrefix("a contact needs") }
        if !relevant.isEmpty { throw ValidationError(relevant) }
        return contact
    }

    /// The contact with this ID, or nil when the workspace has none.
    public func find(_ id: ID, in workspace: ID) async throws -> Contact? {
        try await store.contact(id, in: workspace)
    }

    /// The contact whose LinkedIn profile is `url` (normalised first), if any.
    public func find(linkedinURL url: String, in workspace: ID) async throws -> Contact? {
        try await store.contacts(emails: [], phones: [], linkedinURLs: [Identity.linkedinURL(url) ?? url], in: workspace).first
    }

    /// Where a phone number (E.164) stands before texting it: on the do-not-contact list, a
    /// known contact (already texted or not), or new.
    public func standing(ofPhone phone: String, in workspace: ID) async throws -> PhoneStanding {
        if try await store.suppression(.phone, value: phone, in: workspace) != nil { return .suppressed }
        guard let contact = try await store.contacts(emails: [], phones: [phone], linkedinURLs: [], in: workspace).first else { return .new }
        return .known(contact, contacted: try await store.hasBeenContacted(contact.id, in: workspace))
    }

    public func get(_ id: ID, in workspace: ID) async throws -> Contact {
        guard let contact = try await store.contact(id, in: workspace) else { throw NotFoundError("contact", id: id.rawValue) }
        return contact
    }

    public func list(in workspace: ID, page: PageRequest) async throws -> Page<Contact> {
        try await store.contacts(in: workspace, page: page)
    }

    /// Contacts whose name, email, phone, LinkedIn URL or company contains `text`; all of them
    /// when `text` is empty.
    public func search(_ text: String, in workspace: ID, page: PageRequest) async throws -> Page<Contact> {
        let text = text.trimmingCharacters(in: .whitespaces)
        return text.isEmpty ? try await list(in: workspace, page: page) : try await store.searchContacts(text, in: workspace, page: page)
    }

    public func update(_ id: ID, with input: ContactInput, in workspace: ID) async throws -> Contact {
        var contact = try await get(id, in: workspace)
        var issues = IssueList()
        issues.append(contentsOf: input.readIssues)
        let identities = input.identities(region: try await region(of: workspace), issues: &issues)
        contact.apply(input, identities: identities, issues: &issues)
        try issues.throwIfAny()
        if let other = try await matches(of: contact).first(where: { $0.id != contact.id }) {
            throw ConflictError("another contact (\(other.id)) already has this identity")
        }
        try await refuseErased(contact)
        contact.updatedAt = clock.now
        try await store.saveContacts(inserting: [], updating: [contact])
        return contact
    }

    public func delete(_ id: ID, in workspace: ID) async throws {
        _ = try await get(id, in: workspace)
        try await store.deleteContact(id, in: workspace, at: clock.now)
    }

    /// Deletes the contact's personal data everywhere and keeps only keyed hashes of its
    /// identities on the suppression list, so the same person cannot be imported again.
    public func erase(_ id: ID, in workspace: ID) async throws {
        let contact = try await get(id, in: workspace)
        let now = clock.now
        let suppressions = contact.identities.map { kind, value in
            Suppression(id: .generate(.suppression), workspaceID: workspace, kind: .hash,
                        value: hasher.keyedHash(kind, value), reason: "erased on request", createdAt: now)
        }
        try await store.eraseContact(id, in: workspace, suppressions: suppressions, at: clock.now)
    }

    /// Creates or merges up to `maximumBatch` contacts in one transaction. Inputs are matched on
    /// any normalised identity, against stored contacts and against earlier inputs of the call.
    public func upsert(_ inputs: [ContactInput], in workspace: ID) async throws -> [UpsertOutcome] {
        guard inputs.count <= ContactService.maximumBatch else {
            throw ValidationError("contacts", "at most \(ContactService.maximumBatch) contacts per call (got \(inputs.count))")
        }
        return try await commit(prepare(inputs, region: try await region(of: workspace)), in: workspace)
    }

    /// Inputs with their identities normalised and their unreadable ones marked: the CPU part of
    /// an upsert, which needs no database (an import prepares one batch while the last one commits).
    public struct PreparedBatch: Sendable {
        let inputs: [ContactInput]
        let identities: [ContactIdentities]
        let outcomes: [UpsertOutcome?]
        public var count: Int { inputs.count }
    }

    public func prepare(_ inputs: [ContactInput], region: PhoneRegion) -> PreparedBatch {
        var outcomes: [UpsertOutcome?] = Array(repeating: nil, count: inputs.count)
        var identities: [ContactIdentities] = []
        identities.reserveCapacity(inputs.count)
        for (index, input) in inputs.enumerated() {
            var issues = IssueList()
            issues.append(contentsOf: input.readIssues)
            identities.append(input.identities(region: region, issues: &issues))
            if identities[index].isEmpty, issues.isEmpty {
                issues.add("email", "a contact needs at least one of email, phone or linkedin_url")
            }
            if !issues.isEmpty { outcomes[index] = .invalid(issues.issues) }
        }
        return PreparedBatch(inputs: inputs, identities: identities, outcomes: outcomes)
    }

    /// Matches a prepared batch against stored contacts and writes it in one transaction.
    public func commit(_ batch: PreparedBatch, in workspace: ID) async throws -> [UpsertOutcome] {
        // A concurrent writer may take an identity between our read and our write: read again.
        for attempt in 1...3 {
            do {
                return try await commitOnce(batch, in: workspace)
            } catch is ConflictError where attempt < 3 {
                continue
            }
        }
        return []
    }

    private func commitOnce(_ batch: PreparedBatch, in workspace: ID) async throws -> [UpsertOutcome] {
        let inputs = batch.inputs, identities = batch.identities
        var outcomes = batch.outcomes
        let valid = identities.indices.filter { outcomes[$0] == nil }
        let existing = try await store.contacts(
            emails: valid.compactMap { identities[$0].email }, phones: valid.compactMap { identities[$0].phone },
            linkedinURLs: valid.compactMap { identities[$0].linkedinURL }, in: workspace)
        // Keyed hashes are only needed once someone has been erased in this workspace.
        let checksErasures = try await store.hasErasures(in: workspace)
        var hashes: [Int: [String]] = [:]
        if checksErasures {
            for i in valid { hashes[i] = identities[i].all.map { hasher.keyedHash($0.kind, $0.value) } }
        }
        let erased = checksErasures ? try await store.suppressedHashes(hashes.values.flatMap { $0 }, in: workspace) : []

        // Working set: every contact this call may touch, indexed by identity.
        var working: [Contact] = existing
        var isNew: [Bool] = Array(repeating: false, count: existing.count)
        var changed: [Bool] = Array(repeating: false, count: existing.count)
        var index = IdentityIndex()
        for (position, contact) in existing.enumerated() { index.insert(contact, at: position) }
        let now = clock.now

        for i in valid {
            let ids = identities[i]
            if let own = hashes[i], own.contains(where: erased.contains) {
                outcomes[i] = .invalid([FieldIssue("", "this person was erased on request and is suppressed")])
                continue
            }
            let positions = Set(ids.all.compactMap { index.position(of: $0.kind, $0.value) })
            if positions.count > 1 {
                let names = positions.sorted().map { working[$0].id.rawValue }.joined(separator: " and ")
                outcomes[i] = .invalid([FieldIssue("", "its identities belong to different contacts (\(names))")])
                continue
            }
            var issues = IssueList()
            if let position = positions.first {
                var contact = working[position]
                let before = contact
                contact.apply(inputs[i], identities: ids, issues: &issues)
                if let clash = index.clash(contact, at: position) {
                    issues.add(clash.kind.rawValue, "belongs to another contact (\(working[clash.position].id))")
                }
                guard issues.isEmpty else { outcomes[i] = .invalid(issues.issues); continue }
                if contact == before {
                    outcomes[i] = .duplicate(contact)
                } else {
                    contact.updatedAt = now
                    working[position] = contact
                    index.insert(contact, at: position)
                    let seenInCall = isNew[position] || changed[position]
                    changed[position] = true
                    outcomes[i] = seenInCall ? .duplicate(contact) : .updated(contact)
                }
            } else {
                var contact = Contact(id: .generate(.contact), workspaceID: workspace, createdAt: now, updatedAt: now)
                contact.apply(inputs[i], identities: ids, issues: &issues)
                guard issues.isEmpty else { outcomes[i] = .invalid(issues.issues); continue }
                working.append(contact)
                isNew.append(true)
                changed.append(false)
                index.insert(contact, at: working.count - 1)
                outcomes[i] = .created(contact)
            }
        }
        let inserts = working.indices.filter { isNew[$0] }.map { working[$0] }
        let updates = working.indices.filter { !isNew[$0] && changed[$0] }.map { working[$0] }
        if !inserts.isEmpty || !updates.isEmpty {
            try await store.saveContacts(inserting: inserts, updating: updates)
        }
        // Later rows merged into a contact: report its final state everywhere.
        let finalByID = Dictionary(working.map { ($0.id, $0) }, uniquingKeysWith: { _, last in last })
        return outcomes.map { outcome in
            switch outcome! {
            case .created(let c): .created(finalByID[c.id] ?? c)
            case .updated(let c): .updated(finalByID[c.id] ?? c)
            case .duplicate(let c): .duplicate(finalByID[c.id] ?? c)
            case .invalid(let issues): .invalid(issues)
            }
        }
    }

    /// The region national phone numbers are read in for this workspace.
    public func region(of workspace: ID) async throws -> PhoneRegion {
        guard let workspace = try await store.workspace(workspace) else { throw NotFoundError("workspace", id: workspace.rawValue) }
        return workspace.phoneRegion
    }

    private func matches(of contact: Contact) async throws -> [Contact] {
        try await store.contacts(emails: contact.email.map { [$0] } ?? [], phones: contact.phone.map { [$0] } ?? [],
                                 linkedinURLs: contact.linkedinURL.map { [$0] } ?? [], in: contact.workspaceID)
    }

    private func refuseErased(_ contact: Contact) async throws {
        guard try await store.hasErasures(in: contact.workspaceID) else { return }
        let hashes = contact.identities.map { hasher.keyedHash($0.kind, $0.value) }
        if !(try await store.suppressedHashes(hashes, in: contact.workspaceID)).isEmpty {
            throw ValidationError("", "this person was erased on request and is suppressed")
        }
    }
}

extension ContactIdentities {
    var all: [(kind: IdentityKind, value: String)] {
        var result: [(IdentityKind, String)] = []
        if let email { result.append((.email, email)) }
        if let phone { result.append((.phone, phone)) }
        if let linkedinURL { result.append((.linkedinURL, linkedinURL)) }
        return result
    }
}

/// Identity → position in a working set of contacts.
private struct IdentityIndex {
    private var map: [IdentityKind: [String: Int]] = [:]

    mutating func insert(_ contact: Contact, at position: Int) {
        for (kind, value) in contact.identities { map[kind, default: [:]][value] = position }
    }

    func position(of kind: IdentityKind, _ value: String) -> Int? { map[kind]?[value] }

    /// An identity of `contact` that another contact of the set already has.
    func clash(_ contact: Contact, at position: Int) -> (kind: IdentityKind, position: Int)? {
        for (kind, value) in contact.identities {
            if let other = map[kind]?[value], other != position { return (kind, other) }
        }
        return nil
    }
}

/// Where a phone number stands before a campaign texts it (`ContactService.standing(ofPhone:in:)`).
public enum PhoneStanding: Sendable, Hashable {
    case suppressed
    case known(Contact, contacted: Bool)
    case new
}
