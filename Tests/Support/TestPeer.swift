import Foundation
import Testing

/// An outside program some tests need (an SMTP server, an IMAP server, PostgreSQL, a browser).
///
/// Under plain `swift test` a suite whose peer is missing reports itself skipped in one line
/// naming the command that provides it. Under `Scripts/test` (which installs every peer and sets
/// `OUTBOUND_TEST_PEERS=required`) the suite always runs, so a missing peer fails the run.
public struct TestPeer: Sendable {
    /// What the peer is, as the skip line names it.
    public let name: String
    /// A command that exits 0 when the peer is usable.
    public let probe: [String]
    /// The command that installs it by hand.
    public let install: String

    /// aiosmtpd and trustme, which `Scripts/smtp-sink` runs on.
    public static let smtpSink = TestPeer(name: "aiosmtpd and trustme (Python)", probe: ["python3", "-c", "import aiosmtpd, trustme"],
                                   install: "python3 -m pip install aiosmtpd trustme")

    /// Dovecot (Debian's dovecot-imapd), which `Scripts/imap-server` runs, with trustme for its certificate.
    public static let dovecot = TestPeer(name: "Dovecot (dovecot-imapd) and trustme",
                                         probe: ["sh", "-c", "PATH=$PATH:/usr/sbin command -v dovecot && python3 -c 'import trustme'"],
                                         install: "apt-get install dovecot-imapd && python3 -m pip install trustme")

    /// Chromium (Debian's package) and websocket-client, which `Scripts/browser-check` drives it with.
    public static let chromium = TestPeer(name: "Chromium and websocket-client",
                                          probe: ["sh", "-c", "command -v chromium && python3 -c 'import websocket'"],
                                          install: "apt-get install chromium && python3 -m pip install websocket-client")

    /// PostgreSQL's server binaries (Debian's postgresql package), which `Scripts/postgres-server` runs.
    public static let postgres = TestPeer(name: "PostgreSQL (the postgresql package's server binaries)",
                                          probe: ["sh", "-c", "ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb"],
                                          install: "apt-get install postgresql")

    /// Whether missing peers fail the run instead of skipping (set by `Scripts/test`).
    public static var required: Bool { ProcessInfo.processInfo.environment["OUTBOUND_TEST_PEERS"] == "required" }

    /// Runs `probe`; false when it cannot start or exits non-zero.
    public var isAvailable: Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = probe
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return false }
        // Not `waitUntilExit`: it needs a run loop these test threads do not run.
        for _ in 0..<1_000 where process.isRunning { usleep(10_000) }
        return process.terminationStatus == 0
    }

    /// The suite trait: enabled when the peer is there or required.
    public var trait: ConditionTrait {
        .enabled(if: TestPeer.required || isAvailable,
                 "\(name) missing: run Scripts/test, which installs it (or: \(install))")
    }
}
