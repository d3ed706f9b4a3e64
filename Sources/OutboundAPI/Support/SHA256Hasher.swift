import Crypto
import OutboundCore

/// Hashes API key secrets with SHA-256 (lower-case hex).
public struct SHA256Hasher: SecretHasher {
    public init() {}

    public func hash(_ secret: String) -> String {
        SHA256.hash(data: Array(secret.utf8)).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }
}
