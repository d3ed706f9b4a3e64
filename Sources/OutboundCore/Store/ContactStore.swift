import Foundation

/// Contacts, lists and suppressions. Scoped by workspace like everything in `Store`.
public protocol ContactStore: Sendable {
    /// Contacts having any of these normalised identities.
    func contacts(emails: [String], phones: [String], linkedinURLs: [String], in workspace: ID) async throws -> [Contact]
    /// Inserts and updates in one transaction; a unique identity taken meanwhile throws
    /// `ConflictError` and writes nothing.
    func saveContacts(inserting: [Contact], updating: [Contact]) async throws
    func contact(_ id: ID, in workspace: ID) async throws -> Contact?
    /// The contacts among `ids` that exist in the workspace.
    func contacts(_ ids: [ID], in workspace: ID) async throws -> [Contact]
    func contacts(in workspace: ID, page: PageRequest) async throws -> Page<Contact>
    /// Contacts whose name, email, phone, LinkedIn URL or company contains `text` (any case).
    func searchContacts(_ text: String, in workspace: ID, page: PageRequest) async throws -> Page<Contact>
    /// Deletes the contact (its leads and memberships with it), logged as `contact.deleted` at `at`.
    func deleteContact(_ id: ID, in workspace: ID, at: Date) async throws
    /// Removes every trace of the contact (rows, list memberships, leads) so that its bytes
    /// are overwritten on disk, and adds `suppressions` (keyed hashes) in the same transaction.
    func eraseContact(_ id: ID, in workspace: ID, suppressions: [Suppression], at: Date) async throws
    /// Whether anyone was ever erased in the workspace (when not, no identity needs hashing).
    func hasErasures(in workspace: ID) async throws -> Bool
    /// The values among `hashes` that are on the workspace's suppression list as `hash` entries.
    func suppressedHashes(_ hashes: [String], in workspace: ID) async throws -> Set<String>

    func insertList(_ list: ContactList) async throws
    func list(_ id: ID, in workspace: ID) async throws -> ContactList?
    func list(named name: String, in workspace: ID) async throws -> ContactList?
    func lists(_ ids: [ID], in workspace: ID) async throws -> [ContactList]
    func lists(in workspace: ID, page: PageRequest) async throws -> Page<ContactList>
    func updateList(_ list: ContactList) async throws
    func deleteList(_ id: ID, in workspace: ID) async throws
    /// Adds contacts (which must exist in the workspace) and says which were new members.
    func addMembers(_ contacts: [ID], to list: ID, in workspace: ID, at: Date) async throws -> [ID]
    /// Removes contacts and says which were members.
    func removeMembers(_ contacts: [ID], from list: ID, in workspace: ID) async throws -> [ID]
    func members(of list: ID, in workspace: ID, page: PageRequest) async throws -> Page<Contact>
    /// IDs of every member, in the order they joined.
    func memberIDs(of list: ID, in workspace: ID) async throws -> [ID]

    /// Inserts a suppression; the same kind and value twice returns the existing entry.
    func insertSuppression(_ suppression: Suppression) async throws -> Suppression
    func suppressions(in workspace: ID, page: PageRequest) async throws -> Page<Suppression>
    func deleteSuppression(_ id: ID, in workspace: ID) async throws -> Bool
    /// The entry for exactly this kind and (normalised) value, if any.
    func suppression(_ kind: Suppression.Kind, value: String, in workspace: ID) async throws -> Suppression?

    func insertImport(_ job: ImportJob) async throws
    func updateImport(_ job: ImportJob) async throws
    func importJob(_ id: ID, in workspace: ID) async throws -> ImportJob?
}

/// Campaign leads (enrollments before launch).
public protocol LeadStore: Sendable {
    /// Facts about each of `contacts` that decide admission to `campaign`.
    func leadCandidates(_ contacts: [ID], for campaign: Campaign) async throws -> [LeadCandidate]
    /// Adds `pending` leads; contacts already in the campaign are left as they are. Returns how many were added.
    func insertLeads(_ contacts: [ID], into campaign: Campaign, at: Date) async throws -> Int
    /// Removes leads that have not been contacted; returns the contacts removed.
    func removePendingLeads(_ contacts: [ID], from campaign: Campaign) async throws -> [ID]
    /// The campaign's leads in the order they joined, in `state` when given, whose name, email,
    /// phone, profile or company contains `matching` (any case; `%` and `_` are themselves) when given.
    func leads(of campaign: Campaign, state: EnrollmentState?, matching: String?, page: PageRequest) async throws -> Page<Lead>
    func leadCount(of campaign: Campaign) async throws -> Int
    /// For each lead variable, how many of the campaign's leads have no value for it.
    func leadsLacking(_ variables: [Variable], of campaign: Campaign) async throws -> [Variable: Int]
    /// Campaigns not yet completed whose lead rules include (or exclude) `list`.
    func campaigns(followingList list: ID, in workspace: ID) async throws -> [Campaign]
}
