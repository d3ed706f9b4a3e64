import Foundation

/// Any JSON value, decoded without a schema so requests can be read field by field with
/// exact paths, and so "absent", `null` and a value stay apart (see `Field`).
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// Parses `bytes` strictly (RFC 8259); throws `APIError.malformedBody` naming the line and
    /// column of the first error. A repeated member is an error, unless `allowingDuplicateKeys`
    /// (the dialects: the last one wins, as the vendors' servers do).
    public static func parse(_ bytes: some Collection<UInt8>, allowingDuplicateKeys: Bool = false) throws -> JSONValue {
        guard !bytes.isEmpty else { throw APIError.malformedBody("the request body is empty; send a JSON object") }
        do {
            return try StrictJSONParser(rejectsDuplicateKeys: !allowingDuplicateKeys).parse(bytes)
        } catch {
            throw APIError.malformedBody("the request body is not valid JSON: \(error.description)")
        }
    }

    /// Serialised with sorted keys (stable output for documents and hashes).
    /// The members of a JSON object stored as text (an event's data, an endpoint's options); nil
    /// when there is no text or it is not an object.
    static func members(of text: String?) -> [String: JSONValue]? {
        guard let text, case .object(let members)? = try? parse(Array(text.utf8)) else { return nil }
        return members
    }

    var objectValue: [String: JSONValue]? { if case .object(let members) = self { members } else { nil } }
    var stringValue: String? { if case .string(let text) = self { text } else { nil } }

    public func serialized() -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array((try? encoder.encode(self)) ?? Data("null".utf8))
    }

    /// The JSON type's name, for error messages.
    var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}

extension JSONValue: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value):
            if value.rounded() == value, abs(value) < 1e15 { try container.encode(Int64(value)) } else { try container.encode(value) }
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int) { self = .number(Double(value)) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
}
