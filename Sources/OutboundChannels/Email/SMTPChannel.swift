import Foundation
import NIOCore
import NIOSSL
import OutboundCore

/// Email through each sender's own SMTP submission server. One connection per sender, reused
/// while it is busy and closed after `idleTimeout` without a message.
public actor SMTPChannel: OutreachChannel {
    private let keyring: Keyring
    private let publicURL: PublicURL
    private let clock: any TimeSource
    private let tls: TLSConfiguration
    private let idleTimeout: Duration
    /// Idle connections, each with the timer that closes it unless a message takes it first.
    private var idle: [ID: (session: SMTPSession, closer: Task<Void, Never>)] = [:]

    public init(keyring: Keyring, publicURL: PublicURL, clock: any TimeSource,
                tls: TLSConfiguration = .makeClientConfiguration(), idleTimeout: Duration = .seconds(30)) {
        self.keyring = keyring
        self.publicURL = publicURL
        self.clock = clock
        self.tls = tls
        self.idleTimeout = idleTimeout
    }

    public func send(_ action: OutboundAction) async -> SendResult {
        guard let settings = action.sender.settings.smtp, let from = action.sender.email else {
            return .permanent("sender \(action.sender.id) has no smtp settings", bounced: false)
        }
        let message = render(action, from: from)
        // A reused connection may have been dropped by the server while idle: one fresh try.
        for attempt in 0..<2 {
            let session: SMTPSession
            let reused: Bool
            do {
                (session, reused) = try await checkout(action.sender, settings: settings)
            } catch let failure as SMTPFailure {
                return Self.classify(failure)
            } catch {
                return .transient("\(error)")
            }
            do {
                try await session.send(from: from, to: action.recipient, message: message)
                checkin(session, for: action.sender.id)
                return .sent(providerID: Reactions.messageID(for: action), signals: [])
            } catch let failure as SMTPFailure {
                if case .connection = failure, reused, attempt == 0 {
                    session.close()
                    continue
                }
                if case .rejected(let stage, _) = failure, stage != .message, await session.reset() {
                    checkin(session, for: action.sender.id)
                } else {
                    session.close()
                }
                return Self.classify(failure)
            } catch {
                session.close()
                return .transient("\(error)")
            }
        }
        return .transient("the connection to \(settings.host) keeps closing")
    }

    /// SMTP cannot be asked whether a message went out: an interrupted send stays uncertain.
    public func confirm(_ action: OutboundAction) async -> Bool? { nil }

    /// Connects, EHLOs, upgrades and authenticates, then says goodbye.
    public func check(_ sender: Sender) async -> SenderCheck {
        guard let settings = sender.settings.smtp else { return .failed("no smtp settings") }
        do {
            let session = try await SMTPSession.open(settings, password: try password(of: settings), heloName: heloName(sender), tls: tls)
            await session.quit()
            return .connected
        } catch {
            return .failed("\(error)")
        }
    }

    /// How a failure ends: a connection problem or a 4xx is worth another try; a 5xx is final,
    /// and 550/551/553 on RCPT means the address does not exist (a bounce).
    static func classify(_ failure: SMTPFailure) -> SendResult {
        switch failure {
        case .connection(let message):
            return .transient(message)
        case .unusable(let message):
            return .transient(message)
        case .rejected(let stage, let reply):
            if (400..<500).contains(reply.code) { return .transient(reply.description) }
            // Credentials are the sender's problem, not the lead's: retried, then failed with the reason.
            if stage == .auth || stage == .greeting || stage == .ehlo || stage == .starttls { return .transient(reply.description) }
            let bounced = stage == .rcpt && [550, 551, 553].contains(reply.code)
            return .permanent(reply.description, bounced: bounced)
        }
    }

    // MARK: Message

    func render(_ action: OutboundAction, from: String) -> String {
        let base = publicURL.base
        let unsubscribe = "\(base)/u/\(keyring.token(.unsubscribe, action: action.id, workspace: action.workspaceID))"
        var html = action.html
        if action.openTracking {
            let pixel = "\(base)/o/\(keyring.token(.open, action: action.id, workspace: action.workspaceID)).gif"
            html = MIME.addingPixel(pixel, to: html ?? MIME.html(fromText: action.body ?? ""))
        }
        let local = from.split(separator: "@").first.map(String.init) ?? "unsubscribe"
        let domain = from.split(separator: "@").last.map(String.init) ?? "localhost"
        return MIMEMessage(
            fromName: action.sender.displayName, from: from, to: action.recipient, subject: action.subject ?? "",
            messageID: Reactions.messageID(for: action), inReplyTo: action.inReplyTo, date: clock.now,
            text: action.body ?? "", html: html, unsubscribeURL: unsubscribe,
            unsubscribeMailto: "mailto:\(local)@\(domain)?subject=unsubscribe",
            boundary: "=_outbound_\(action.id.rawValue)"
        ).rendered()
    }

    // MARK: Connections

    private func checkout(_ sender: Sender, settings: SMTPSettings) async throws -> (SMTPSession, reused: Bool) {
        if let (session, closer) = idle.removeValue(forKey: sender.id) {
            closer.cancel()
            if session.isActive, session.fingerprint == settings { return (session, true) }
            await session.quit()
        }
        let session = try await SMTPSession.open(settings, password: try password(of: settings), heloName: heloName(sender), tls: tls)
        return (session, false)
    }

    private func checkin(_ session: SMTPSession, for sender: ID) {
        let timeout = idleTimeout
        let closer = Task { [weak self] in
            guard (try? await Task.sleep(for: timeout)) != nil else { return }  // cancelled: taken again
            await self?.closeIdle(session, of: sender)
        }
        idle[sender] = (session, closer)
    }

    private func closeIdle(_ session: SMTPSession, of sender: ID) async {
        guard let entry = idle[sender], entry.session === session else { return }
        idle[sender] = nil
        await session.quit()
    }

    /// Closes every idle connection (at shutdown).
    public func closeAll() async {
        let entries = idle.values
        idle = [:]
        for (session, closer) in entries {
            closer.cancel()
            await session.quit()
        }
    }

    private func password(of settings: SMTPSettings) throws -> String? {
        try settings.password.map { try keyring.open($0) }
    }

    private func heloName(_ sender: Sender) -> String {
        sender.email?.split(separator: "@").last.map(String.init) ?? "localhost"
    }
}
