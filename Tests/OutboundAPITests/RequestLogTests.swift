import Foundation
import OutboundTestSupport
import HTTPTypes
import Logging
import Synchronization
import Testing
import OutboundAPI

/// What the server logs: one line per request with its route pattern, status, duration and
/// request ID, and never a key, a password or a contact's address.
@Suite struct RequestLogTests {
    /// Every line logged, rendered as `message key=value …`.
    final class Lines: Sendable {
        let lines = Mutex<[String]>([])
        var all: [String] { lines.withLock { $0 } }
    }

    struct Capture: LogHandler {
        let sink: Lines
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let all = metadata.merging(event.metadata ?? [:]) { $1 }
            let text = all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            sink.lines.withLock { $0.append("\(event.message) \(text)") }
        }
    }

    @Test(arguments: StoreKind.covered) func everyRequestIsOneLineWithItsRouteAndNoSecretOrPersonalData(_ store: StoreKind) async throws {
        let harness = try await Harness.make(store)
        let sink = Lines()
        let logger = Logger(label: "outbound") { _ in Capture(sink: sink) }
        let password = "correct horse battery"
        try await harness.run(logger: logger) { api in
            let contact = try await api.send(.post, "/v1/contacts", json: #"{"email": "grace.hopper@navy.example", "first_name": "Grace"}"#)
            #expect(contact.status == .created)
            let id = try #require(contact.string("id"))
            #expect(try await api.send(.get, "/v1/contacts/\(id)").status == .ok)
            #expect(try await api.send(.post, "/v1/users", json: #"{"email": "alex@example.com", "password": "\#(password)"}"#).status == .created)
            let login = try await api.send(.post, "/tether/api/auth/login", json: #"{"email": "alex@example.com", "password": "\#(password)"}"#,
                                           authenticated: false)
            #expect(login.status == .ok)
            #expect(try await api.send(.get, "/v1/campaigns/campaign_00000000000000000000").status == .notFound)
            #expect(try await api.send(.get, "/v1/campaigns", key: "ob_live_wrong").status == .unauthorized)
        }
        let requests = sink.all.filter { $0.hasPrefix("request ") }
        #expect(requests.count == 6, "one line per request: \(requests)")
        #expect(requests.contains { $0.contains("route=/v1/contacts/{id}") && $0.contains("status=200") && $0.contains("method=GET") })
        #expect(requests.contains { $0.contains("route=/v1/campaigns/{id}") && $0.contains("status=404") })
        #expect(requests.contains { $0.contains("status=401") })
        #expect(requests.allSatisfy { $0.contains("duration_ms=") && $0.contains("request_id=req_") })
        let everything = sink.all.joined(separator: "\n")
        for secret in [harness.key, password, "grace.hopper@navy.example", "alex@example.com", "ob_live_wrong"] {
            #expect(!everything.contains(secret), "the log holds \(secret)")
        }
    }

    @Test(arguments: StoreKind.covered) func aRequestIDIsKeptWhenSentAndMadeWhenNot(_ store: StoreKind) async throws {
        let harness = try await Harness.make(store)
        try await harness.run { api in
            let kept = try await api.send(.get, "/v1/workspace", headers: [HTTPField.Name("X-Request-Id")!: "trace-42"])
            #expect(kept.headers[HTTPField.Name("X-Request-Id")!] == "trace-42")
            let made = try await api.send(.get, "/v1/workspace")
            let id = try #require(made.headers[HTTPField.Name("X-Request-Id")!])
            #expect(id.hasPrefix("req_") && id.count == 36)
            // Errors carry it too, and an unusable one (a space inside) is replaced.
            let failed = try await api.send(.get, "/v1/nothing-here", headers: [HTTPField.Name("X-Request-Id")!: "two words"])
            #expect(failed.status == .notFound)
            #expect(failed.headers[HTTPField.Name("X-Request-Id")!]?.hasPrefix("req_") == true)
        }
    }
}
