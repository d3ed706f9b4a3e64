// A streaming CSV reader written by hand (no CSV package here reads incrementally from chunks):
// RFC 4180 §2 fields, quotes and escaped quotes, plus UTF-8 BOM, CRLF/LF/CR line ends.

/// One record of a CSV file: its fields, its 1-based record number (the header is 1), and an
/// error when the record could not be read whole.
public struct CSVRecord: Sendable, Hashable {
    public var fields: [String]
    public var number: Int
    public var error: String?
}

/// Reads CSV from chunks of bytes as they arrive; memory holds one record at a time.
public struct CSVReader: Sendable {
    /// The longest field accepted; past it the record is reported bad and skipped to its line end.
    public static let maximumFieldBytes = 1 << 20

    private enum State { case fieldStart, unquoted, quoted, quoteInQuoted, skipToLineEnd }

    private var state = State.fieldStart
    private var field: [UInt8] = []
    private var fields: [String] = []
    private var recordError: String?
    private var recordNumber = 1
    private var atStart = true
    private var bomBytesSeen = 0
    private var pendingCR = false
    private let delimiter: UInt8

    public init(delimiter: UInt8 = UInt8(ascii: ",")) {
        self.delimiter = delimiter
        field.reserveCapacity(64)
    }

    /// Feeds the next chunk; `emit` is called for every record completed by it.
    public mutating func feed(_ bytes: some Sequence<UInt8>, emit: (CSVRecord) throws -> Void) rethrows {
        for byte in bytes {
            if atStart {
                // Skip a UTF-8 byte order mark (EF BB BF) at the very start.
                let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
                if bomBytesSeen < 3, byte == bom[bomBytesSeen] {
                    bomBytesSeen += 1
                    if bomBytesSeen == 3 { atStart = false }
                    continue
                }
                atStart = false
                if bomBytesSeen > 0 { for b in bom.prefix(bomBytesSeen) { try consume(b, emit) } }
            }
            try consume(byte, emit)
        }
    }

    /// Ends the input: a last record without a line end is emitted, an open quote is an error.
    public mutating func finish(emit: (CSVRecord) throws -> Void) rethrows {
        pendingCR = false
        switch state {
        case .quoted:
            recordError = recordError ?? "unterminated quoted field (a \" is never closed)"
            try endRecord(emit)
        case .fieldStart where fields.isEmpty && field.isEmpty:
            break
        case .skipToLineEnd, .fieldStart, .unquoted, .quoteInQuoted:
            try endRecord(emit)
        }
    }

    private mutating func consume(_ byte: UInt8, _ emit: (CSVRecord) throws -> Void) rethrows {
        if pendingCR {
            pendingCR = false
            if byte == 0x0A { return }
        }
        switch state {
        case .fieldStart, .unquoted:
            if byte == delimiter {
                endField()
            } else if byte == 0x0A || byte == 0x0D {
                pendingCR = byte == 0x0D
                try endRecord(emit)
            } else if byte == 0x22, state == .fieldStart {
                state = .quoted
            } else {
                state = .unquoted
                append(byte)
            }
        case .quoted:
            if byte == 0x22 { state = .quoteInQuoted } else { append(byte) }
        case .quoteInQuoted:
            if byte == 0x22 {
                append(byte)
                state = .quoted
            } else if byte == delimiter {
                endField()
            } else if byte == 0x0A || byte == 0x0D {
                pendingCR = byte == 0x0D
                try endRecord(emit)
            } else {
                // Lenient: text after a closing quote is kept (`"a"b` reads as `ab`).
                append(byte)
                state = .unquoted
            }
        case .skipToLineEnd:
            if byte == 0x0A || byte == 0x0D {
                pendingCR = byte == 0x0D
                try endRecord(emit)
            }
        }
    }

    private mutating func append(_ byte: UInt8) {
        if field.count >= CSVReader.maximumFieldBytes {
            recordError = "a field is longer than \(CSVReader.maximumFieldBytes) bytes (an unclosed quote?)"
            field.removeAll(keepingCapacity: true)
            state = .skipToLineEnd
            return
        }
        field.append(byte)
    }

    private mutating func endField() {
        if let text = String(validating: field, as: UTF8.self) {
            fields.append(text)
        } else {
            recordError = recordError ?? "column \(fields.count + 1) is not valid UTF-8"
            fields.append(String(decoding: field, as: UTF8.self))
        }
        field.removeAll(keepingCapacity: true)
        state = .fieldStart
    }

    private mutating func endRecord(_ emit: (CSVRecord) throws -> Void) rethrows {
        if state != .skipToLineEnd { endField() }
        let isBlank = fields.count == 1 && fields[0].isEmpty && recordError == nil
        if !isBlank {
            try emit(CSVRecord(fields: fields, number: recordNumber, error: recordError))
            recordNumber += 1
        }
        fields.removeAll(keepingCapacity: true)
        recordError = nil
        state = .fieldStart
    }
}
