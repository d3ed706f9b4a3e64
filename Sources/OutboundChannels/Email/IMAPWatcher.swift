import Foundation
import NIOCore
import NIOSSL
import OutboundCore

/// Reads replies from email senders' mailboxes over IMAP and hands each new message to
/// `MailboxService` (docs/ARCHITECTURE.md §6). One connection per sender: it reads the messages
/// after the last UID read, then waits in IDLE where the server offers it (polling otherwise),
/// and reconnects with backoff when the connection drops. A refused login ends the watch until
/// the sender's settings change.
public struct IMAPWatcher: Sendable {
    public struct Timing: Sendable {
        /// How long one IDLE lasts before it is renewed (RFC 2177 asks for less than 29 minutes).
        public var idleRenewal: TimeAmount
        /// Between two looks when the server has no IDLE.
        public var pollInterval: Duration
        /// Waits before reconnecting: doubled after each failure from the first to the last.
        public var retryDelays: ClosedRange<Duration>
        public var replyTimeout: TimeAmount

        public init(idleRenewal: TimeAmount = .minutes(10), pollInterval: Duration = .seconds(60),
                    retryDelays: ClosedRange<Duration> = .seconds(2)...(.seconds(300)), replyTimeout: TimeAmount = .seconds(60)) {
            self.idleRenewal = idleRenewal
            self.pollInterval = pollInterval
            self.retryDelays = retryDelays
            self.replyTimeout = replyTimeout
        }
    }

    /// Messages fetched per command: bounds memory, each at most 1 MiB.
    static let batch = 20
    let keyring: Keyring
    let tls: TLSConfiguration
    let timing: Timing

    public init(keyring: Keyring, tls: TLSConfiguration = .makeClientConfiguration(), timing: Timing = Timing()) {
        self.keyring = keyring
        self.tls = tls
        self.timing = timing
    }

    /// What a watch depends on: when it changes, the watch starts again.
    public static func fingerprint(of sender: Sender) -> String? {
        guard let imap = sender.settings.imap, let login = sender.settings.imapLogin(address: sender.email) else { return nil }
        return "\(imap.host):\(imap.port):\(imap.security.rawValue):\(login.username):\(login.password ?? ""):\(sender.email ?? "")"
    }

    /// Watches `sender`'s INBOX until the task is cancelled or the server refuses the login.
    public func watch(_ sender: Sender, mailboxes: MailboxService, log: @escaping @Sendable (String) -> Void = { _ in }) async {
        var delay = timing.retryDelays.lowerBound
        while !Task.isCancelled {
            do {
                try await session(sender, mailboxes: mailboxes) { delay = timing.retryDelays.lowerBound }
            } catch is CancellationError {
                return
            } catch {
                if Task.isCancelled { return }
                let failure = error as? IMAPFailure
                log("mailbox of \(sender.id): \(error)")
                try? await mailboxes.failed(sender, error: "\(error)", refused: failure?.isRefusedLogin == true)
                if failure?.isRefusedLogin == true { return }
                guard (try? await Task.sleep(for: delay)) != nil else { return }
                delay = min(delay * 2, timing.retryDelays.upperBound)
            }
        }
    }

    /// Logs in and selects INBOX (nothing read), for `POST /v1/senders/{id}/check`.
    public func check(_ sender: Sender) async -> SenderCheck {
        do {
            let session = try await open(sender)
            _ = try await session.select("INBOX")
            await session.logout()
            return .connected
        } catch {
            return .failed("\(error)")
        }
    }

    /// One connection's life: open, catch up, then wait for more, until it fails.
    private func session(_ sender: Sender, mailboxes: MailboxService, opened: () -> Void) async throws {
        let session = try await open(sender)
        try await withTaskCancellationHandler {
            let mailbox = try await session.select("INBOX")
            var last = try await mailboxes.opened(sender, uidValidity: mailbox.uidValidity,
                                                  lastExistingUID: try await lastUID(session, uidNext: mailbox.uidNext))
            opened()
            while !Task.isCancelled {
                let uids = try await session.uids(after: last)
                for start in stride(from: 0, to: uids.count, by: Self.batch) {
                    for (uid, message) in try await session.fetch(Array(uids[start..<min(start + Self.batch, uids.count)])) {
                        let email = InboundMail.parse(rawMessage: String(decoding: message, as: UTF8.self))
                        try await mailboxes.received(email, uid: uid, uidValidity: mailbox.uidValidity, to: sender)
                        last = uid
                    }
                }
                if await session.capabilities.contains("IDLE") {
                    _ = try await session.idle(for: timing.idleRenewal)
                } else {
                    try await Task.sleep(for: timing.pollInterval)
                    try await session.noop()
                }
            }
            await session.logout()
        } onCancel: {
            session.close()
        }
    }

    private func open(_ sender: Sender) async throws -> IMAPSession {
        guard let settings = sender.settings.imap, let login = sender.settings.imapLogin(address: sender.email) else {
            throw IMAPFailure.unusable("no imap settings")
        }
        let password = try login.password.map { try keyring.open($0) } ?? ""
        return try await IMAPSession.open(settings, username: login.username, password: password, tls: tls, replyTimeout: timing.replyTimeout)
    }

    /// The highest UID already in the mailbox: UIDNEXT − 1 (every UID is below it), or found.
    private func lastUID(_ session: IMAPSession, uidNext: Int64?) async throws -> Int64 {
        if let uidNext { return uidNext - 1 }
        return try await session.uids(after: 0).last ?? 0
    }
}
