import Foundation

/// Lists of contacts and their members; membership changes flow on to campaigns following the list.
public struct ListService: Sendable {
    let store: any Store
    let clock: any TimeSource
    let leads: LeadService

    public init(store: any Store, clock: any TimeSource, leads: LeadService) {
        self.store = store
        self.clock = clock
        self.leads = leads
    }

    public func create(name: Field<String>, description: Field<String>, in workspace: ID) async throws -> ContactList {
        let now = clock.now
        var list = ContactList(id: .generate(.list), workspaceID: workspace, name: "", createdAt: now, updatedAt: now)
        var issues = IssueList()
        if name.isAbsent { issues.add("name", "is required") }
        ListService.apply(name: name, description: description, to: &list, issues: &issues)
        try issues.throwIfAny()
        try await checkNameIsFree(list)
        try await store.insertList(list)
        return list
    }

    /// The list named `name`, created when there is none (the CLI's `import --list NAME`).
    public func findOrCreate(named name: String, in workspace: ID) async throws -> ContactList {
        if let list = try await store.list(named: name, in: workspace) { return list }
        return try await create(name: .value(name), description: .absent, in: workspace)
    }

    /// The lists among `ids` that are in the workspace.
    public func lists(_ ids: [ID], in workspace: ID) async throws -> [ContactList] {
        try await store.lists(ids, in: workspace)
    }

    public func get(_ id: ID, in workspace: ID) async throws -> ContactList {
        guard let list = try await store.list(id, in: workspace) else { throw NotFoundError("list", id: id.rawValue) }
        return list
    }

    public func list(in workspace: ID, page: PageRequest) async throws -> Page<ContactList> {
        try await store.lists(in: workspace, page: page)
    }

    public func update(_ id: ID, name: Field<String>, description: Field<String>, in workspace: ID) async throws -> ContactList {
        var list = try await get(id, in: workspace)
        let previous = list.name
        var issues = IssueList()
        ListService.apply(name: name, description: description, to: &list, issues: &issues)
        try issues.throwIfAny()
        if list.name != previous { try await checkNameIsFree(list) }
        list.updatedAt = clock.now
        try await store.updateList(list)
        return list
    }

    /// Deletes the list; campaigns following it stop following it (their leads stay).
    public func delete(_ id: ID, in workspace: ID) async throws {
        _ = try await get(id, in: workspace)
        try await store.deleteList(id, in: workspace)
    }

    /// Adds contacts by ID; unknown IDs are reported, not fatal.
    public func addMembers(_ raw: [String], to id: ID, in workspace: ID) async throws -> (added: [ID], already: Int, notFound: [String]) {
        guard raw.count <= ContactService.maximumBatch else {
            throw ValidationError("contact_ids", "at most \(ContactService.maximumBatch) per call (got \(raw.count))")
        }
        _ = try await get(id, in: workspace)
        let parsed = raw.map { ID($0, kind: .contact) }
        let found = Set(try await store.contacts(parsed.compactMap { $0 }, in: workspace).map(\.id))
        let notFound = raw.indices.filter { parsed[$0].map { !found.contains($0) } ?? true }.map { raw[$0] }
        let valid = Array(Set(parsed.compactMap { $0 }).intersection(found))
        let added = try await store.addMembers(valid, to: id, in: workspace, at: clock.now)
        try await leads.listChanged(id, joined: added, left: [], in: workspace)
        return (added, valid.count - added.count, notFound)
    }

    public func removeMembers(_ raw: [String], from id: ID, in workspace: ID) async throws -> [ID] {
        _ = try await get(id, in: workspace)
        let ids = raw.compactMap { ID($0, kind: .contact) }
        let removed = try await store.removeMembers(ids, from: id, in: workspace)
        try await leads.listChanged(id, joined: [], left: removed, in: workspace)
        return removed
    }

    /// Adds already-known contacts (an import's rows) without the per-call limit.
    public func addImported(_ contacts: [ID], to id: ID, in workspace: ID) async throws {
        let added = try await store.addMembers(contacts, to: id, in: workspace, at: clock.now)
        if !added.isEmpty { try await leads.listChanged(id, joined: added, left: [], in: workspace) }
    }

    public func members(of id: ID, in workspace: ID, page: PageRequest) async throws -> Page<Contact> {
        _ = try await get(id, in: workspace)
        return try await store.members(of: id, in: workspace, page: page)
    }

    private static func apply(name: Field<String>, description: Field<String>, to list: inout ContactList, issues: inout IssueList) {
        switch name {
        case .absent: break
        case .null: issues.add("name", "is required")
        case .value(let text):
            let trimmed = text.trimmingWhitespace()
            if (1...255).contains(trimmed.count) { list.name = trimmed } else { issues.add("name", "must be 1 to 255 characters") }
        }
        switch description {
        case .absent: break
        case .null: list.description = nil
        case .value(let text):
            if text.count <= 10_000 { list.description = text.isEmpty ? nil : text } else {
                issues.add("description", "must be at most 10000 characters")
            }
        }
    }

    private func checkNameIsFree(_ list: ContactList) async throws {
        if let other = try await store.list(named: list.name, in: list.workspaceID), other.id != list.id {
            throw ConflictError("a list named \"\(list.name)\" already exists (\(other.id))", field: "name")
        }
    }
}
