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

/// HMAC-SHA256 of `kind:value` under the instance's secret key.
public struct HMACIdentityHasher: IdentityHasher {
    let key: [UInt8]

    public init(key: [UInt8]) {
        self.key = key
    }

    public func keyedHash(_ kind: IdentityKind, _ value: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Array("\(kind.rawValue):\(value)".utf8), using: SymmetricKey(data: key))
        return mac.map { byte in byte < 16 ? "0" + String(byte, radix: 16) : String(byte, radix: 16) }.joined()
    }
}
