import Foundation
import OutboundCore

/// The real channels of a server, with the key and public address they share.
public struct Delivery: Sendable {
    public let keyring: Keyring
    public let publicURL: PublicURL
    public let email: SMTPChannel
    public let sms: TwilioSMSChannel
    public let linkedin: LinkedInGatewayChannel
    /// LinkedIn seats whose sender has `unipile` settings go here instead of the gateway.
    public let unipile: UnipileChannel
    /// Reads email senders' replies from their mailboxes.
    public let mailboxes: IMAPWatcher

    /// `members` keeps LinkedIn member IDs on contacts (`LinkedInMembers` over the store).
    public init(keyring: Keyring, clock: any TimeSource, publicURL: PublicURL, email: SMTPChannel? = nil, mailboxes: IMAPWatcher? = nil,
                members: LinkedInMembers? = nil) {
        self.keyring = keyring
        self.publicURL = publicURL
        self.email = email ?? SMTPChannel(keyring: keyring, publicURL: publicURL, clock: clock)
        self.mailboxes = mailboxes ?? IMAPWatcher(keyring: keyring)
        sms = TwilioSMSChannel(keyring: keyring)
        linkedin = LinkedInGatewayChannel(keyring: keyring, clock: clock)
        unipile = UnipileChannel(keyring: keyring, clock: clock, members: members)
    }

    /// LinkedIn seats: through Unipile or the gateway, by their settings.
    public var linkedinSeats: LinkedInChannel { LinkedInChannel(gateway: linkedin, unipile: unipile) }

    /// Dry runs go to the simulator, everything else to the channel of its kind.
    public func router(clock: any TimeSource) -> DefaultChannelRouter {
        DefaultChannelRouter(clock: clock, live: [.email: email, .sms: sms, .linkedin: linkedinSeats])
    }
}

extension Delivery {
    /// Asks the sender's provider whether its settings work, without sending anything: for
    /// email, the SMTP server and (when set) the IMAP mailbox, then each named in a failure.
    public func check(_ sender: Sender) async -> SenderCheck {
        switch sender.channel {
        case .email:
            let smtp = await email.check(sender)
            guard sender.settings.imap != nil else { return smtp }
            return Self.both([("smtp", smtp), ("imap", await mailboxes.check(sender))])
        case .sms: return await sms.check(sender)
        case .linkedin: return await linkedinSeats.check(sender)
        }
    }

    /// Connected when every part is; otherwise each failing part's words, by name.
    static func both(_ parts: [(name: String, check: SenderCheck)]) -> SenderCheck {
        let failures = parts.compactMap { part in part.check.error.map { "\(part.name): \($0)" } }
        return failures.isEmpty ? .connected : .failed(failures.joined(separator: "; "))
    }
}

/// A LinkedIn action goes to Unipile when its sender has `unipile` settings, else to the gateway.
public struct LinkedInChannel: OutreachChannel {
    let gateway: LinkedInGatewayChannel
    let unipile: UnipileChannel

    func channel(for sender: Sender) -> any OutreachChannel {
        sender.settings.unipile != nil ? unipile : gateway
    }

    public func send(_ action: OutboundAction) async -> SendResult { await channel(for: action.sender).send(action) }
    public func confirm(_ action: OutboundAction) async -> Bool? { await channel(for: action.sender).confirm(action) }
    public func check(_ sender: Sender) async -> SenderCheck { await channel(for: sender).check(sender) }
}
