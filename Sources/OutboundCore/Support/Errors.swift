/// One problem with one field of an input, named by its path (`sender_ids[1]`, `schedule.monday[0].end`).
public struct FieldIssue: Hashable, Sendable {
    public var field: String
    public var message: String

    public init(_ field: String, _ message: String) {
        self.field = field
        self.message = message
    }
}

/// Input that is well-formed but breaks a rule; carries every problem found, not just the first.
public struct ValidationError: Error, Sendable, Equatable {
    public var issues: [FieldIssue]

    public init(_ issues: [FieldIssue]) {
        self.issues = issues
    }

    public init(_ field: String, _ message: String) {
        self.issues = [FieldIssue(field, message)]
    }
}

/// A resource that does not exist in the caller's workspace (another workspace's IDs included).
public struct NotFoundError: Error, Sendable, Equatable {
    public var resource: String
    public var id: String

    public init(_ resource: String, id: String) {
        self.resource = resource
        self.id = id
    }
}

/// The request clashes with the current state: a taken name, an illegal transition.
public struct ConflictError: Error, Sendable, Equatable {
    public var message: String
    public var field: String?

    public init(_ message: String, field: String? = nil) {
        self.message = message
        self.field = field
    }
}

/// Collects field issues while a validator walks an input.
public struct IssueList: Sendable {
    public private(set) var issues: [FieldIssue] = []

    public init() {}

    public var isEmpty: Bool { issues.isEmpty }

    public mutating func add(_ field: String, _ message: String) {
        issues.append(FieldIssue(field, message))
    }

    /// Adds the issue unless `field` already has one (a wrong type already said it all).
    public mutating func addIfNone(_ field: String, _ message: String) {
        if !issues.contains(where: { $0.field == field }) { add(field, message) }
    }

    public mutating func append(contentsOf other: [FieldIssue], under prefix: String? = nil) {
        for issue in other {
            let field = prefix.map { issue.field.isEmpty ? $0 : "\($0).\(issue.field)" } ?? issue.field
            issues.append(FieldIssue(field, issue.message))
        }
    }

    /// Throws a `ValidationError` carrying every issue, if there is any.
    public func throwIfAny() throws(ValidationError) {
        if !issues.isEmpty { throw ValidationError(issues) }
    }
}
