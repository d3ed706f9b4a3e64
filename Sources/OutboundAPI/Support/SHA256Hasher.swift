import Crypto
import OutboundCore

/// Hashes API key secrets with SHA-256 (lower-case hex).
public struct SHA256Hasher: SecretHasher {
    public init() {}

    public func hash(_ secret: String) -> String {
        Hex.encode(SHA256.hash(data: Array(secret.utf8)))
    }
}

/// HMAC-SHA256 of `kind:value` under the instance's secret key.
public struct HMACIdentityHasher: IdentityHasher {
    let key: [UInt8]

    public init(key: [UInt8]) {
        self.key = key
    }

    public func keyedHash(_ kind: IdentityKind, _ value: String) -> String {
        var message = Array(kind.rawValue.utf8)
        message.append(UInt8(ascii: ":"))
        message.append(contentsOf: value.utf8)
        return Hex.encode(HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: key)))
    }
}
