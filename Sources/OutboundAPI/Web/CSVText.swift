import Hummingbird

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

    /// The file as a download, with the pages' security headers.
    func download(named filename: String) -> Response {
        var headers = WebPages.securityHeaders
        headers[.contentType] = "text/csv; charset=utf-8"
        headers[.contentDisposition] = "attachment; filename=\"\(filename)\""
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
