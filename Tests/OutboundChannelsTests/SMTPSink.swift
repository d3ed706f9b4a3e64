import Foundation
import OutboundTestSupport
import OutboundCore

/// A real SMTP server (Python's aiosmtpd, `Scripts/smtp-sink`) on a free loopback port, which
/// records what it accepts and answers as the recipients' names script it.
final class SMTPSink: @unchecked Sendable {
    struct Message {
        var mailFrom: String
        var recipients: [String]
        var data: String

        /// Unfolded headers of the top level, by lower-case name.
        var headers: [String: String] {
            let head = data.components(separatedBy: "\r\n\r\n").first ?? ""
            var result: [String: String] = [:]
            var last: String?
            for line in head.components(separatedBy: "\r\n") {
                if line.hasPrefix(" ") || line.hasPrefix("\t"), let last {
                    result[last, default: ""] += " " + line.trimmingCharacters(in: .whitespaces)
                } else if let colon = line.firstIndex(of: ":") {
                    let name = line[..<colon].lowercased()
                    result[name] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                    last = name
                }
            }
            return result
        }
    }

    let port: Int
    private let process: Process
    private let output: URL

    private init(port: Int, process: Process, output: URL) {
        self.port = port
        self.process = process
        self.output = output
    }

    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Scripts/smtp-sink").path

    /// With `tls`, the server's test CA certificate is at `caPath`.
    var caPath: String { output.path + ".ca.pem" }

    static func start(auth: String? = "sam:secret-pw", greeting: Int? = nil, tls: String? = nil) throws -> SMTPSink {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("smtp-sink-\(UUID().uuidString).jsonl")
        var arguments = [script, "--out", output.path]
        if let auth { arguments += ["--auth", auth] }
        if let greeting { arguments += ["--greeting", String(greeting)] }
        if let tls { arguments += ["--tls", tls, "--ca-out", output.path + ".ca.pem"] }
        let (process, words) = try startServerScript(arguments, name: "smtp-sink", hint: "is aiosmtpd installed? pip install aiosmtpd")
        guard words.count >= 2, let port = Int(words[1]) else { throw SinkError("smtp-sink said: \(words.joined(separator: " "))") }
        return SMTPSink(port: port, process: process, output: output)
    }

    var messages: [Message] {
        guard let text = try? String(contentsOf: output, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { return nil }
            return Message(mailFrom: object["mail_from"] as? String ?? "", recipients: object["rcpt_tos"] as? [String] ?? [],
                           data: object["data"] as? String ?? "")
        }
    }

    func stop() {
        // Not `waitUntilExit`: it needs a run loop these test threads do not run.
        kill(process.processIdentifier, SIGKILL)
        for _ in 0..<200 where process.isRunning { usleep(10_000) }
        try? FileManager.default.removeItem(at: output)
        try? FileManager.default.removeItem(atPath: caPath)
    }

    /// SMTP settings of a sender that submits to this server.
    func settings(password: String = "secret-pw", security: String = "none") -> SMTPInput {
        var smtp = SMTPInput()
        // TLS checks the certificate's name: the test CA issues it for localhost.
        smtp.host = .value(security == "none" ? "127.0.0.1" : "localhost")
        smtp.port = .value(port)
        smtp.security = .value(security)
        smtp.username = .value("sam")
        smtp.password = .value(password)
        return smtp
    }
}

/// Decodes RFC 2047 `=?UTF-8?B?…?=` words (the test's own reader, independent of the writer).
func decodeEncodedWords(_ value: String) -> String {
    value.split(separator: " ").map { word -> String in
        guard word.hasPrefix("=?UTF-8?B?"), word.hasSuffix("?=") else { return String(word) }
        let base64 = word.dropFirst(10).dropLast(2)
        return String(decoding: Data(base64Encoded: String(base64)) ?? Data(), as: UTF8.self)
    }.joined()
}

/// Decodes quoted-printable (soft breaks and `=XX`).
func decodeQuotedPrintable(_ text: String) -> String {
    let joined = text.replacingOccurrences(of: "=\r\n", with: "")
    var bytes: [UInt8] = []
    var index = joined.utf8.startIndex
    let utf8 = joined.utf8
    while index < utf8.endIndex {
        let byte = utf8[index]
        if byte == UInt8(ascii: "="), let end = utf8.index(index, offsetBy: 3, limitedBy: utf8.endIndex),
           let value = UInt8(String(decoding: utf8[utf8.index(after: index)..<end], as: UTF8.self), radix: 16) {
            bytes.append(value)
            index = end
        } else {
            bytes.append(byte)
            index = utf8.index(after: index)
        }
    }
    return String(decoding: bytes, as: UTF8.self)
}
