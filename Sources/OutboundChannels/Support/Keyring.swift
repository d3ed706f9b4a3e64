import Crypto
import Foundation
import OutboundCore

/// The server's secret key and what it protects: provider secrets at rest (AES-GCM) and the
/// tokens in unsubscribe links and open pixels. The key comes from `OUTBOUND_SECRET_KEY` or a
/// file in the data directory, never from the database, so a copied database reveals no secret.
public struct Keyring: SecretSealer {
    // Raw bytes: `SymmetricKey` is not `Sendable` in this swift-crypto.
    private let sealingBytes: Data
    private let tokenBytes: Data
    private var sealingKey: SymmetricKey { SymmetricKey(data: sealingBytes) }
    private var tokenKey: SymmetricKey { SymmetricKey(data: tokenBytes) }

    static let sealedPrefix = "sealed:v1:"

    public init(key: SymmetricKey) {
        func derive(_ info: String) -> Data {
            HKDF<SHA256>.deriveKey(inputKeyMaterial: key, info: Data(info.utf8), outputByteCount: 32).withUnsafeBytes { Data($0) }
        }
        sealingBytes = derive("outbound provider secrets")
        tokenBytes = derive("outbound link tokens")
    }

    /// A 32-byte key for another purpose (login tokens), derived so it reveals nothing of the others.
    public func derivedKey(_ purpose: String) -> Data {
        HKDF<SHA256>.deriveKey(inputKeyMaterial: SymmetricKey(data: sealingBytes + tokenBytes), info: Data(purpose.utf8),
                               outputByteCount: 32).withUnsafeBytes { Data($0) }
    }

    /// A key that lives as long as the process (tests, one-off commands).
    public static func ephemeral() -> Keyring { Keyring(key: SymmetricKey(size: .bits256)) }

    /// `OUTBOUND_SECRET_KEY` (32 bytes as base64 or hex) when set; else `directory/secret.key`,
    /// created with 0600 permissions on first start.
    public static func load(environment value: String?, directory: String) throws -> Keyring {
        if let value, !value.isEmpty {
            // 64 hex digits are also valid base64 (of 48 bytes): try hex first.
            let bytes = (value.count == 64 ? Hex.decode(value).map { Data($0) } : nil) ?? Data(base64Encoded: value)
            guard let bytes, bytes.count == 32 else {
                throw KeyringError("OUTBOUND_SECRET_KEY must be 32 bytes, base64- or hex-encoded (openssl rand -base64 32)")
            }
            return Keyring(key: SymmetricKey(data: bytes))
        }
        let path = URL(fileURLWithPath: directory).appendingPathComponent("secret.key").path
        if let text = try? String(contentsOfFile: path, encoding: .utf8) {
            guard let bytes = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)), bytes.count == 32 else {
                throw KeyringError("\(path) does not hold a 32-byte base64 key")
            }
            return Keyring(key: SymmetricKey(data: bytes))
        }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let key = SymmetricKey(size: .bits256)
        let encoded = key.withUnsafeBytes { Data($0).base64EncodedString() }
        guard FileManager.default.createFile(atPath: path, contents: Data((encoded + "\n").utf8), attributes: [.posixPermissions: 0o600]) else {
            throw KeyringError("cannot write \(path)")
        }
        return Keyring(key: key)
    }

    // MARK: Secrets at rest

    public func isSealed(_ text: String) -> Bool { text.hasPrefix(Self.sealedPrefix) }

    public func seal(_ plain: String) -> String {
        // AES-GCM with a random nonce cannot fail for in-memory data.
        let box = try! AES.GCM.seal(Data(plain.utf8), using: sealingKey)
        return Self.sealedPrefix + box.combined!.base64EncodedString()
    }

    public func open(_ text: String) throws -> String {
        guard isSealed(text) else { return text }
        guard let data = Data(base64Encoded: String(text.dropFirst(Self.sealedPrefix.count))),
              let plain = try? AES.GCM.open(AES.GCM.SealedBox(combined: data), using: sealingKey),
              let string = String(data: plain, encoding: .utf8)
        else { throw KeyringError("a stored secret cannot be decrypted: was OUTBOUND_SECRET_KEY changed? Set the sender's secret again") }
        return string
    }

    // MARK: Link tokens

    /// What a link token is for; part of the sealed payload, so one kind cannot stand for another.
    public enum Purpose: UInt8, Sendable { case unsubscribe = 1, open = 2 }

    /// An opaque token naming one action: encrypted and authenticated (AES-GCM), so it reveals
    /// nothing and cannot be forged or altered. Deterministic (the nonce is derived from the
    /// payload), so a retried email carries the same links.
    public func token(_ purpose: Purpose, action: ID, workspace: ID) -> String {
        var payload = Data([purpose.rawValue])
        payload += Self.bytes(of: action) + Self.bytes(of: workspace)
        let nonceBytes = Data(HMAC<SHA256>.authenticationCode(for: payload, using: tokenKey)).prefix(12)
        let box = try! AES.GCM.seal(payload, using: tokenKey, nonce: try! AES.GCM.Nonce(data: nonceBytes))
        return box.combined!.base64URLEncoded()
    }

    /// The action and workspace a token names, or nil when it is not one of ours for `purpose`.
    public func read(_ token: String, as purpose: Purpose) -> (action: ID, workspace: ID)? {
        guard let data = Data(base64URLEncoded: token), data.count == 12 + 21 + 16,
              let box = try? AES.GCM.SealedBox(combined: data),
              let payload = try? AES.GCM.open(box, using: tokenKey),
              payload.count == 21, payload.first == purpose.rawValue
        else { return nil }
        let hex = Hex.encode(payload.dropFirst())
        return (ID(trusted: "action_" + hex.prefix(20)), ID(trusted: "workspace_" + hex.suffix(20)))
    }

    private static func bytes(of id: ID) -> Data {
        Data(Hex.decode(id.rawValue.split(separator: "_").last ?? "") ?? Array(repeating: 0, count: 10))
    }
}

public struct KeyringError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

extension Data {
    init?(base64URLEncoded text: String) {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        self.init(base64Encoded: base64)
    }

    func base64URLEncoded() -> String {
        base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
