import Foundation
import OutboundTestSupport
import NIOSSL
import OutboundCore

/// A real IMAP server (Dovecot, `Scripts/imap-server`) on free loopback ports, with one mailbox
/// the test delivers into by writing Maildir files, as a local delivery agent would.
final class IMAPServer: @unchecked Sendable {
    static let user = "sam@sender.example"
    static let password = "imap-secret"
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Scripts/imap-server").path

    let directory: URL
    private(set) var tlsPort = 0
    private(set) var plainPort = 0
    private var process: Process?
    private var delivered = 0

    /// Without IDLE among its capabilities: clients must poll.
    let idle: Bool

    init(idle: Bool = true) {
        self.idle = idle
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("imap-\(UUID().uuidString)")
    }

    static func start(idle: Bool = true) throws -> IMAPServer {
        let server = IMAPServer(idle: idle)
        try server.launch()
        return server
    }

    private func launch() throws {
        var arguments = [Self.script, "--dir", directory.path, "--user", "\(Self.user):\(Self.password)"]
        if !idle { arguments.append("--no-idle") }
        if tlsPort != 0 { arguments += ["--imaps-port", String(tlsPort), "--imap-port", String(plainPort)] }
        let (process, words) = try startServerScript(arguments, name: "imap-server", hint: "is dovecot-imapd installed?")
        guard words.count >= 3, let tls = Int(words[1]), let plain = Int(words[2]) else {
            throw SinkError("imap-server said: \(words.joined(separator: " "))")
        }
        (tlsPort, plainPort, self.process) = (tls, plain, process)
    }

    /// Stops the server (every connection drops) and starts it again on the same ports and mail.
    func restart() throws {
        halt()
        try launch()
    }

    /// SIGKILL to the script's process group: Dovecot and all its processes go at once, and
    /// every connection drops as in a crash.
    private func halt() {
        // Not running (stopped already, or never started): nothing to stop.
        if let process {
            kill(-process.processIdentifier, SIGKILL)
            for _ in 0..<500 where process.isRunning { usleep(10_000) }
        }
        process = nil
    }

    func stop() {
        halt()
        try? FileManager.default.removeItem(at: directory)
    }

    /// Delivers a raw message (CRLF line ends) into the mailbox: written to tmp/, renamed into new/.
    func deliver(_ message: String) throws {
        delivered += 1
        let name = "\(Int(Date().timeIntervalSince1970)).M\(delivered)P\(getpid()).outbound-test"
        let mailbox = directory.appendingPathComponent("mail/\(Self.user)")
        let temporary = mailbox.appendingPathComponent("tmp/\(name)")
        try Data(message.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\n", with: "\r\n").utf8).write(to: temporary)
        try FileManager.default.setAttributes([.posixPermissions: 0o666], ofItemAtPath: temporary.path)
        try FileManager.default.moveItem(at: temporary, to: mailbox.appendingPathComponent("new/\(name)"))
    }

    /// IMAP settings of a sender whose mailbox this is (the certificate is for localhost).
    func settings(security: String = "tls", password: String = IMAPServer.password) -> IMAPInput {
        var imap = IMAPInput()
        imap.host = .value("localhost")
        imap.port = .value(security == "tls" ? tlsPort : plainPort)
        imap.security = .value(security)
        imap.username = .value(Self.user)
        imap.password = .value(password)
        return imap
    }

    /// A TLS configuration that trusts the server's test CA.
    var tls: TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.trustRoots = .file(directory.appendingPathComponent("ca.pem").path)
        return configuration
    }
}
