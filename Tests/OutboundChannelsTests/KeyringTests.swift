import Foundation
import OutboundChannels
import OutboundCore
import Testing

struct KeyringTests {
    @Test func theKeyIsGeneratedOnceBesideTheDatabaseAndKeptPrivate() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("keyring-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let first = try Keyring.load(environment: nil, directory: directory.path)
        let path = directory.appendingPathComponent("secret.key").path
        let permissions = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(permissions == 0o600)
        let second = try Keyring.load(environment: nil, directory: directory.path)
        let sealed = first.seal("smtp-password")
        #expect(try second.open(sealed) == "smtp-password", "a restart opens what the last run sealed")
        #expect(sealed != first.seal("smtp-password"), "random nonces: equal secrets do not look equal")
        #expect(throws: (any Error).self) { try Keyring.ephemeral().open(sealed) }
        #expect(try first.open("never sealed") == "never sealed")
    }

    @Test func theEnvironmentKeyWinsAndMustBe32Bytes() throws {
        let key = Data((0..<32).map { UInt8($0) })
        let fromBase64 = try Keyring.load(environment: key.base64EncodedString(), directory: "/nonexistent")
        let fromHex = try Keyring.load(environment: key.map { String(format: "%02x", $0) }.joined(), directory: "/nonexistent")
        let action = ID.generate(.action), workspace = ID.generate(.workspace)
        #expect(fromBase64.token(.unsubscribe, action: action, workspace: workspace) == fromHex.token(.unsubscribe, action: action, workspace: workspace))
        #expect(throws: KeyringError.self) { try Keyring.load(environment: "too-short", directory: "/nonexistent") }
    }

    @Test func tokensAreOpaqueBoundToTheirPurposeAndTamperProof() {
        let keyring = Keyring.ephemeral()
        let action = ID.generate(.action), workspace = ID.generate(.workspace)
        let token = keyring.token(.unsubscribe, action: action, workspace: workspace)
        #expect(keyring.read(token, as: .unsubscribe)?.action == action)
        #expect(keyring.read(token, as: .unsubscribe)?.workspace == workspace)
        #expect(keyring.read(token, as: .open) == nil)
        #expect(token == keyring.token(.unsubscribe, action: action, workspace: workspace), "the same email gets the same link")
        var tampered = Array(token)
        tampered[10] = tampered[10] == "A" ? "B" : "A"
        #expect(keyring.read(String(tampered), as: .unsubscribe) == nil)
        #expect(Keyring.ephemeral().read(token, as: .unsubscribe) == nil, "another server's key reads nothing")
        #expect(token.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }, "URL-safe")
    }
}
