// A strict JSON parser (RFC 8259 §2–§8): no trailing commas, no comments, no NaN, UTF-8 only,
// and (for the native API) a duplicate key in an object is an error.
// Written by hand: Foundation's decoders accept trailing commas and let the last duplicate key
// win, and no package in the mirror reports duplicates or the line and column of an error.

/// Parses request bodies into `JSONValue`, reporting the first error with its line and column.
struct StrictJSONParser {
    /// What a parse error says: the problem, and where (1-based line and column, in characters).
    struct Failure: Error, Equatable {
        var message: String
        var line: Int
        var column: Int

        var description: String { "\(message) at line \(line), column \(column)" }
    }

    /// Whether `{"a": 1, "a": 2}` is refused (the native API) or the last value wins (the vendors').
    var rejectsDuplicateKeys = true
    /// Deeper nesting is refused rather than risking the stack.
    var maximumDepth = 256

    func parse(_ bytes: some Collection<UInt8>) throws(Failure) -> JSONValue {
        let array = Array(bytes)
        var cursor = Cursor(bytes: array, parser: self)
        cursor.skipWhitespace()
        let value = try cursor.value(depth: 0)
        cursor.skipWhitespace()
        if cursor.offset < array.count { throw cursor.failure("unexpected \(cursor.describeCurrent()) after the JSON value") }
        return value
    }

    private struct Cursor {
        let bytes: [UInt8]
        let parser: StrictJSONParser
        var offset = 0

        init(bytes: [UInt8], parser: StrictJSONParser) {
            self.bytes = bytes
            self.parser = parser
        }

        var current: UInt8? { offset < bytes.count ? bytes[offset] : nil }

        mutating func skipWhitespace() {
            while let byte = current, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { offset += 1 }
        }

        mutating func value(depth: Int) throws(Failure) -> JSONValue {
            guard depth < parser.maximumDepth else { throw failure("nesting deeper than \(parser.maximumDepth) levels") }
            guard let byte = current else { throw failure("expected a value, found the end of the body") }
            switch byte {
            case UInt8(ascii: "{"): return try object(depth: depth)
            case UInt8(ascii: "["): return try array(depth: depth)
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"): try literal("true"); return .bool(true)
            case UInt8(ascii: "f"): try literal("false"); return .bool(false)
            case UInt8(ascii: "n"): try literal("null"); return .null
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
            default: throw failure("expected a value (object, array, string, number, true, false or null), found \(describeCurrent())")
            }
        }

        mutating func object(depth: Int) throws(Failure) -> JSONValue {
            offset += 1
            var members: [String: JSONValue] = [:]
            skipWhitespace()
            if current == UInt8(ascii: "}") {
                offset += 1
                return .object(members)
            }
            while true {
                skipWhitespace()
                guard current == UInt8(ascii: "\"") else {
                    throw failure(current == UInt8(ascii: "}") ? "trailing comma before '}'" : "expected a member name in double quotes, found \(describeCurrent())")
                }
                let keyOffset = offset
                let key = try string()
                skipWhitespace()
                guard current == UInt8(ascii: ":") else { throw failure("expected ':' after the member name, found \(describeCurrent())") }
                offset += 1
                skipWhitespace()
                let member = try value(depth: depth + 1)
                if parser.rejectsDuplicateKeys, members[key] != nil {
                    throw failure("duplicate member \"\(key)\"", at: keyOffset)
                }
                members[key] = member
                skipWhitespace()
                switch current {
                case UInt8(ascii: ","): offset += 1
                case UInt8(ascii: "}"): offset += 1; return .object(members)
                default: throw failure("expected ',' or '}' after a member, found \(describeCurrent())")
                }
            }
        }

        mutating func array(depth: Int) throws(Failure) -> JSONValue {
            offset += 1
            var items: [JSONValue] = []
            skipWhitespace()
            if current == UInt8(ascii: "]") {
                offset += 1
                return .array(items)
            }
            while true {
                skipWhitespace()
                if current == UInt8(ascii: "]") { throw failure("trailing comma before ']'") }
                items.append(try value(depth: depth + 1))
                skipWhitespace()
                switch current {
                case UInt8(ascii: ","): offset += 1
                case UInt8(ascii: "]"): offset += 1; return .array(items)
                default: throw failure("expected ',' or ']' after an item, found \(describeCurrent())")
                }
            }
        }

        mutating func literal(_ word: StaticString) throws(Failure) {
            let start = offset
            let expected = UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount)
            for byte in expected {
                guard current == byte else { throw failure("expected \(word)", at: start) }
                offset += 1
            }
        }

        /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`
        mutating func number() throws(Failure) -> Double {
            let start = offset
            if current == UInt8(ascii: "-") { offset += 1 }
            if current == UInt8(ascii: "0") {
                offset += 1
                if let byte = current, isDigit(byte) { throw failure("a number cannot start with 0 followed by digits", at: start) }
            } else {
                guard digits() > 0 else { throw failure("expected digits in a number", at: start) }
            }
            if current == UInt8(ascii: ".") {
                offset += 1
                guard digits() > 0 else { throw failure("expected digits after the decimal point") }
            }
            if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
                offset += 1
                if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { offset += 1 }
                guard digits() > 0 else { throw failure("expected digits in the exponent") }
            }
            let text = String(decoding: bytes[start..<offset], as: UTF8.self)
            guard let number = Double(text), number.isFinite else { throw failure("the number \(text) is out of range", at: start) }
            return number
        }

        mutating func digits() -> Int {
            let start = offset
            while let byte = current, isDigit(byte) { offset += 1 }
            return offset - start
        }

        func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

        mutating func string() throws(Failure) -> String {
            offset += 1
            var buffer: [UInt8] = []
            var runStart = offset
            while true {
                guard let byte = current else { throw failure("unterminated string") }
                switch byte {
                case UInt8(ascii: "\""):
                    buffer.append(contentsOf: bytes[runStart..<offset])
                    offset += 1
                    guard let text = String(validating: buffer, as: UTF8.self) else { throw failure("a string is not valid UTF-8", at: runStart) }
                    return text
                case UInt8(ascii: "\\"):
                    buffer.append(contentsOf: bytes[runStart..<offset])
                    offset += 1
                    try escape(into: &buffer)
                    runStart = offset
                case 0..<0x20:
                    throw failure("a control character must be escaped in a string")
                default:
                    offset += 1
                }
            }
        }

        mutating func escape(into buffer: inout [UInt8]) throws(Failure) {
            guard let byte = current else { throw failure("unterminated string") }
            offset += 1
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): buffer.append(byte)
            case UInt8(ascii: "b"): buffer.append(0x08)
            case UInt8(ascii: "f"): buffer.append(0x0C)
            case UInt8(ascii: "n"): buffer.append(0x0A)
            case UInt8(ascii: "r"): buffer.append(0x0D)
            case UInt8(ascii: "t"): buffer.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4()
                if (0xD800..<0xDC00).contains(scalar) {
                    guard current == UInt8(ascii: "\\"), offset + 1 < bytes.count, bytes[offset + 1] == UInt8(ascii: "u") else {
                        throw failure("a high surrogate \\u escape must be followed by a low one")
                    }
                    offset += 2
                    let low = try hex4()
                    guard (0xDC00..<0xE000).contains(low) else { throw failure("expected a low surrogate \\u escape") }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00..<0xE000).contains(scalar) {
                    throw failure("a low surrogate \\u escape without a high one")
                }
                guard let unicode = Unicode.Scalar(scalar) else { throw failure("invalid \\u escape") }
                buffer.append(contentsOf: Array(String(Character(unicode)).utf8))
            default:
                offset -= 1
                throw failure("invalid escape \\\(describeCurrent(quoted: false)) in a string")
            }
        }

        mutating func hex4() throws(Failure) -> UInt32 {
            var value: UInt32 = 0
            for _ in 0..<4 {
                guard let byte = current, let digit = hexValue(byte) else { throw failure("expected 4 hex digits after \\u") }
                value = value << 4 | digit
                offset += 1
            }
            return value
        }

        func hexValue(_ byte: UInt8) -> UInt32? {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(byte - UInt8(ascii: "A") + 10)
            default: nil
            }
        }

        func describeCurrent(quoted: Bool = true) -> String {
            guard let byte = current else { return "the end of the body" }
            let text = byte >= 0x20 && byte < 0x7F ? String(UnicodeScalar(byte)) : "byte 0x" + String(byte, radix: 16, uppercase: true)
            return quoted && byte >= 0x20 && byte < 0x7F ? "'\(text)'" : text
        }

        /// An error at `at` (default: the current offset), with its line and column counted there.
        func failure(_ message: String, at position: Int? = nil) -> Failure {
            let position = min(position ?? offset, bytes.count)
            var line = 1, column = 1
            for byte in bytes[..<position] {
                if byte == 0x0A {
                    line += 1
                    column = 1
                } else if byte & 0xC0 != 0x80 {
                    column += 1
                }
            }
            return Failure(message: message, line: line, column: column)
        }
    }
}
