import Foundation
import OutboundCore

/// The real channels of a server, with the key and public address they share.
public struct Delivery: Sendable {
    public let keyring: Keyring
    public let publicURL: PublicURL
    public let email: SMTPChannel
    public let sms: TwilioSMSChannel
    public let linkedin: LinkedInGatewayChannel

    public init(keyring: Keyring, clock: any TimeSource, publicURL: PublicURL, email: SMTPChannel? = nil) {
        self.keyring = keyring
        self.publicURL = publicURL
        self.email = email ?? SMTPChannel(keyring: keyring, publicURL: publicURL, clock: clock)
        sms = TwilioSMSChannel(keyring: keyring)
        linkedin = LinkedInGatewayChannel(keyring: keyring, clock: clock)
    }

    /// Dry runs go to the simulator, everything else to the channel of its kind.
    public func router(clock: any TimeSource) -> DefaultChannelRouter {
        DefaultChannelRouter(clock: clock, live: [.email: email, .sms: sms, .linkedin: linkedin])
    }
}

extension Delivery {
    /// Asks the sender's provider whether its settings work, without sending anything.
    public func check(_ sender: Sender) async -> SenderCheck {
        switch sender.channel {
        case .email: await email.check(sender)
        case .sms: await sms.check(sender)
        case .linkedin: await linkedin.check(sender)
        }
    }
}
