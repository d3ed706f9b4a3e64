import Foundation
import OutboundCore

/// Reads fields of a JSON object by name, recording a type error with its full path
/// (`limits.email.per_day`) instead of failing at the first one.
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
    }

    func fieldPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// Throws every type error recorded so far, if any.
    func finish() throws {
        try issues.list.throwIfAny()
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
        guard let value = object[key] else { return .absent }
        if case .null = value { return .null }
        if let converted = convert(value) { return .value(converted) }
        let got = expected.hasPrefix("an RFC") && value.typeName == "a string" ? "" : ", not \(value.typeName)"
        issues.list.add(fieldPath(key), "must be \(expected)\(got)")
        return .absent
    }
}

/// The issues shared by a reader and its nested readers.
final class IssueBox {
    var list = IssueList()
}
