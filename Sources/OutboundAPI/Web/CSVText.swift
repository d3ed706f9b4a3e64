/// A CSV file (RFC 4180) built row by row for a download. A field that a spreadsheet would run
/// as a formula (`=`, `+`, `-`, `@`, tab, carriage return first) is written with a leading `'`,
/// so an exported lead named `=HYPERLINK(…)` stays text.
struct CSVText {
    private(set) var text = ""

    init(header: [String]) {
        append(header)
    }

    mutating func append(_ fields: [String?]) {
        text += fields.map { Self.field($0 ?? "") }.joined(separator: ",") + "\r\n"
    }

    static func field(_ value: String) -> String {
        var value = value
        if let first = value.first, "=+-@\t\r".contains(first) { value = "'" + value }
        guard value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
