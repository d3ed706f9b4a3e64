/// One field of a create or patch input, keeping apart "not sent", "sent as null" and a value,
/// as JSON Merge Patch (RFC 7396) does: absent keeps, null clears or resets, a value sets.
public enum Field<Value> {
    case absent
    case null
    case value(Value)

    /// The value, when one was sent.
    public var value: Value? {
        if case .value(let value) = self { return value }
        return nil
    }

    public var isAbsent: Bool {
        if case .absent = self { return true }
        return false
    }

    public func map<T>(_ transform: (Value) throws -> T) rethrows -> Field<T> {
        switch self {
        case .absent: .absent
        case .null: .null
        case .value(let value): .value(try transform(value))
        }
    }
}

extension Field: Equatable where Value: Equatable {}
extension Field: Sendable where Value: Sendable {}
