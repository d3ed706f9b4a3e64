import Foundation
import OutboundCore

/// Reads fields of a JSON object by name, recording a type error with its full path
/// (`limits.email.per_day`) instead of failing at the first one.
///
/// On the native API (`reportsUnknownFields`) a member that no reader asked for is an error
/// too (`dayly_limit: unknown field; did you mean daily_limit?`), so nothing sent is silently
/// dropped; the dialects read as leniently as the vendors' servers do.
struct BodyReader {
    let object: [String: JSONValue]
    let path: String
    let issues: IssueBox

    /// A reader over a request body (or an element of one, at `path`) that must be a JSON object.
    init(body: JSONValue, path: String = "", issues: IssueBox = IssueBox()) throws {
        guard case .object(let object) = body else {
            throw ValidationError(path, path.isEmpty ? "the request body must be a JSON object" : "must be an object")
        }
        self.init(object: object, path: path, issues: issues)
    }

    private init(object: [String: JSONValue], path: String, issues: IssueBox) {
        self.object = object
        self.path = path
        self.issues = issues
        issues.present(Array(object.keys), at: path)
    }

    /// A reader over an element of a batch (`contacts[3]`) with issues of its own, as strict
    /// about unknown fields as this one.
    func element(_ value: JSONValue, path: String) throws -> BodyReader {
        let box = IssueBox()
        box.reportsUnknownFields = issues.reportsUnknownFields
        return try BodyReader(body: value, path: path, issues: box)
    }

    func fieldPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// Type errors recorded so far and, on the native API, every member no reader asked for.
    var readIssues: [FieldIssue] {
        issues.list.issues + issues.unknownFields()
    }

    /// Throws every issue `readIssues` holds, if any.
    func finish() throws {
        let issues = readIssues
        if !issues.isEmpty { throw ValidationError(issues) }
    }

    /// Members the API itself returns but a client cannot change (`id`, `created_at`): sending
    /// them back, as a GET returned them, is accepted and changes nothing.
    func ignoring(_ keys: [String]) {
        for key in keys { issues.asked(key, at: path) }
    }

    func ignoring(_ keys: String...) {
        ignoring(keys)
    }

    /// What every resource's GET shows and no client sets.
    static let readOnlyMembers = ["id", "object", "created_at", "updated_at"]

    /// Members among `keys` sent as null, taken as understood: null for a field that does not
    /// apply (another node type's `note`) says nothing, so it is not refused as unknown.
    func ignoringNulls(_ keys: [String]) {
        for key in keys where object[key] == .null { issues.asked(key, at: path) }
    }

    /// Every member, all taken as understood (free-form maps such as `custom_fields`).
    func members() -> [String: JSONValue] {
        for key in object.keys { issues.asked(key, at: path) }
        return object
    }

    /// Whether the member was sent at all (null included); counts as asking for it.
    func contains(_ key: String) -> Bool {
        issues.asked(key, at: path)
        return object[key] != nil
    }

    func string(_ key: String) -> Field<String> {
        read(key, expected: "a string") { if case .string(let text) = $0 { text } else { nil } }
    }

    func bool(_ key: String) -> Field<Bool> {
        read(key, expected: "true or false") { if case .bool(let flag) = $0 { flag } else { nil } }
    }

    func int(_ key: String) -> Field<Int> {
        read(key, expected: "an integer") { value in
            guard case .number(let number) = value, number.rounded() == number, abs(number) < 9e15 else { return nil }
            return Int(number)
        }
    }

    /// Any JSON number (`0.3`, `1`, `2e-1`).
    func number(_ key: String) -> Field<Double> {
        read(key, expected: "a number") { if case .number(let number) = $0 { number } else { nil } }
    }

    /// An RFC 3339 timestamp (`2026-05-20T15:00:00.000Z`, or with an offset).
    func date(_ key: String) -> Field<Date> {
        read(key, expected: "an RFC 3339 timestamp like 2026-05-20T15:00:00Z") { value in
            guard case .string(let text) = value else { return nil }
            return Timestamps.parse(text)
        }
    }

    func strings(_ key: String) -> Field<[String]> {
        let field = array(key)
        guard case .value(let items) = field else { return field.map { _ in [] } }
        var result: [String] = []
        for (index, item) in items.enumerated() {
            if case .string(let text) = item { result.append(text) } else {
                issues.list.add("\(fieldPath(key))[\(index)]", "must be a string, not \(item.typeName)")
            }
        }
        return .value(result)
    }

    func array(_ key: String) -> Field<[JSONValue]> {
        read(key, expected: "an array") { if case .array(let items) = $0 { items } else { nil } }
    }

    /// A nested object, read with paths under `key`.
    func object(_ key: String) -> Field<BodyReader> {
        read(key, expected: "an object") { value in
            guard case .object(let object) = value else { return nil }
            return BodyReader(object: object, path: fieldPath(key), issues: issues)
        }
    }

    /// Each member of a nested object as its own reader (`limits.email`), or null.
    func objectMembers(_ key: String) -> Field<[String: Field<BodyReader>]> {
        object(key).map { nested in
            var members: [String: Field<BodyReader>] = [:]
            for name in nested.object.keys { members[name] = nested.object(name) }
            return members
        }
    }

    /// Records an issue under this reader's path.
    func addIssue(_ key: String, _ message: String) {
        issues.list.add(fieldPath(key), message)
    }

    private func read<T>(_ key: String, expected: String, _ convert: (JSONValue) -> T?) -> Field<T> {
        issues.asked(key, at: path)
        guard let value = object[key] else { return .absent }
        if case .null = value { return .null }
        if let converted = convert(value) { return .value(converted) }
        let got = expected.hasPrefix("an RFC") && value.typeName == "a string" ? "" : ", not \(value.typeName)"
        issues.list.add(fieldPath(key), "must be \(expected)\(got)")
        return .absent
    }
}

/// The issues shared by a reader and its nested readers, and which members they asked for.
final class IssueBox {
    var list = IssueList()
    /// Whether members nobody asked for are errors (the native API) or ignored (the dialects).
    var reportsUnknownFields = false
    /// Per object path: the members it has, and the names its readers asked for.
    private var objects: [String: (present: [String], asked: Set<String>)] = [:]

    func present(_ keys: [String], at path: String) {
        objects[path, default: ([], [])].present = keys
    }

    func asked(_ key: String, at path: String) {
        objects[path, default: ([], [])].asked.insert(key)
    }

    /// One issue per member no reader asked for, naming the closest known name when one is near.
    func unknownFields() -> [FieldIssue] {
        guard reportsUnknownFields else { return [] }
        return objects.sorted { $0.key < $1.key }.flatMap { path, object in
            object.present.filter { !object.asked.contains($0) }.sorted().map { key in
                let field = path.isEmpty ? key : "\(path).\(key)"
                guard let meant = FieldNames.closest(to: key, among: object.asked) else { return FieldIssue(field, "unknown field") }
                return FieldIssue(field, "unknown field; did you mean \(meant)?")
            }
        }
    }
}

/// Suggestions for misspelt field names.
enum FieldNames {
    /// The name among `known` nearest to `name` (Levenshtein distance at most 1 for short
    /// names, 2, or a third of a long name), or nil when none is that near.
    static func closest(to name: String, among known: some Sequence<String>) -> String? {
        let limit = name.count <= 4 ? 1 : max(2, name.count / 3)
        return known.map { ($0, distance(name, $0)) }.filter { $0.1 <= limit }
            .min { $0.1 != $1.1 ? $0.1 < $1.1 : $0.0 < $1.0 }?.0
    }

    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a.lowercased()), b = Array(b.lowercased())
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
