import Foundation

/// Encrypts provider secrets (SMTP and IMAP passwords, Twilio tokens, gateway keys) before they are
/// stored, and decrypts them only where a channel needs them. The key never enters the database.
public protocol SecretSealer: Sendable {
    /// Whether `text` is already sealed (stored values are; fresh input is not).
    func isSealed(_ text: String) -> Bool
    func seal(_ plain: String) -> String
    /// The plain text of a sealed value; a value that was never sealed is returned as it is.
    func open(_ text: String) throws -> String
}

extension ProviderSettings {
    /// Seals every secret that is not sealed yet (the ones just supplied).
    public func sealingSecrets(with sealer: any SecretSealer) -> ProviderSettings {
        func seal(_ text: String?) -> String? {
            guard let text, !sealer.isSealed(text) else { return text }
            return sealer.seal(text)
        }
        var copy = self
        copy.smtp?.password = seal(smtp?.password)
        copy.imap?.password = seal(imap?.password)
        copy.twilio?.authToken = seal(twilio?.authToken)
        copy.gateway?.secret = seal(gateway?.secret)
        copy.unipile?.apiKey = seal(unipile?.apiKey)
        copy.unipile?.webhookSecret = seal(unipile?.webhookSecret)
        return copy
    }
}
