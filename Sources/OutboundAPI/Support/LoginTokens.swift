import Foundation
import HummingbirdBcrypt
import JWTKit
import OutboundCore

/// Login tokens (JWT, HS256) for users who sign in with a password (the Tether dialect), keyed
/// from the server's secret key; they last 24 hours.
struct LoginTokens: Sendable {
    private let keys: JWTKeyCollection
    static let lifetime: TimeInterval = 86_400

    struct Claims: JWTPayload {
        var sub: SubjectClaim
        var workspace: String
        var exp: ExpirationClaim
        var iat: IssuedAtClaim

        func verify(using algorithm: some JWTAlgorithm) throws {
            try exp.verifyNotExpired()
        }
    }

    static func make(secret: Data) async -> LoginTokens {
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        return LoginTokens(keys: keys)
    }

    func issue(for user: User, at now: Date) async throws -> String {
        try await keys.sign(Claims(sub: SubjectClaim(value: user.id.rawValue), workspace: user.workspaceID.rawValue,
                                   exp: ExpirationClaim(value: now.addingTimeInterval(Self.lifetime)), iat: IssuedAtClaim(value: now)))
    }

    /// The user and workspace a valid, unexpired token names; nil for anything else.
    func verify(_ token: String) async -> (user: ID, workspace: ID)? {
        guard let claims = try? await keys.verify(token, as: Claims.self),
              let user = ID(claims.sub.value, kind: .user), let workspace = ID(claims.workspace, kind: .workspace)
        else { return nil }
        return (user, workspace)
    }
}

/// bcrypt (hummingbird-auth) behind the core's `PasswordHasher`.
struct BcryptHasher: PasswordHasher {
    /// 2^10 rounds: the common default; well under a second per login even in a debug build.
    var cost: UInt8 = 10

    func hash(_ password: String) -> String { Bcrypt.hash(password, cost: cost) }
    func verify(_ password: String, hash: String) -> Bool { Bcrypt.verify(password, hash: hash) }
}
