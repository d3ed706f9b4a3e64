import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing
import OutboundAPI
import OutboundChannels
import OutboundCore
import OutboundTestSupport
import OutboundStore

/// A server over a real store (a SQLite file in a temp directory, or a fresh database on a real
/// PostgreSQL server), reached over real HTTP on loopback.
struct Harness: Sendable {
    let directory: URL
    let kind: StoreKind
    let store: any Store
    /// Where the store is: the SQLite file's path or the database's URL.
    let location: String
    let services: Services
    /// The first workspace and its key.
    let workspace: ID
    let key: String

    var databasePath: String { directory.appendingPathComponent("outbound.sqlite").path }

    /// `publicURL` is what links and Twilio signatures use (else the requests' own host).
    /// `clock` is the server's (a `VirtualClock` holds rate-limit buckets still).
    static func make(_ kind: StoreKind = .sqlite, publicURL: String? = nil, clock: any TimeSource = WallClock()) async throws -> Harness {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("outbound-api-\(UUID().uuidString)")
        let (store, location) = try await kind.make(in: directory)
        // Webhook receivers in tests listen on loopback.
        let services = try await Services(store: store, clock: clock, delivery: Delivery(
            keyring: .ephemeral(), clock: clock, publicURL: PublicURL(configured: publicURL)), webhookPoster: WebhookPoster(allowPrivate: true))
        let (workspace, key) = try await services.workspaces.createWorkspace(name: "Acme")
        return Harness(directory: directory, kind: kind, store: store, location: location, services: services, workspace: workspace.id,
                       key: key.secret)
    }

    /// Another workspace in the same database, with its own key.
    func otherWorkspace() async throws -> (id: ID, key: String) {
        let (workspace, key) = try await services.workspaces.createWorkspace(name: "Other \(UUID().uuidString.prefix(6))")
        return (workspace.id, key.secret)
    }

    /// Runs `body` against a live server; the database is removed afterwards unless `keepDatabase`.
    /// `logger` replaces the server's (quiet) one, e.g. to read what it logs.
    /// `requestRate` is what keys may send (the tests' loops are not throttled unless they ask).
    func run(keepDatabase: Bool = false, logger: Logger? = nil, requestRate: RequestRate = .unthrottled,
             metricsToken: String? = nil, _ body: @escaping @Sendable (APIClient) async throws -> Void) async throws {
        defer { if !keepDatabase { try? FileManager.default.removeItem(at: directory) } }
        var configuration = ServerConfiguration(host: "127.0.0.1", port: 0, logLevel: .critical, requestRate: requestRate,
                                                metricsToken: metricsToken)
        // A page shows its forecast once worked out, however busy the machine running the tests.
        configuration.forecastPatience = .seconds(300)
        let app = buildApplication(services: services, configuration: configuration, logger: logger)
        try await app.test(.live) { client in
            try await body(APIClient(client: client, key: key))
        }
    }
}

/// Sends requests with a default key; answers are parsed as JSON when they are JSON.
struct APIClient: Sendable {
    let client: any TestClientProtocol
    let key: String

    @discardableResult
    func send(
        _ method: HTTPRequest.Method, _ path: String, json: String? = nil, key: String? = nil,
        authenticated: Bool = true, headers extra: HTTPFields = [:], rawBody: String? = nil
    ) async throws -> Reply {
        var headers = extra
        if authenticated { headers[.authorization] = "Bearer \(key ?? self.key)" }
        if json != nil { headers[.contentType] = "application/json" }
        let body = json ?? rawBody
        let response = try await client.executeRequest(
            uri: path, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) })
        return Reply(status: response.status, headers: response.headers, text: String(buffer: response.body))
    }

    /// The same request on its own connection that waits up to five minutes for the answer: the
    /// test framework's client gives up after 20 s without a byte, which one long request (a
    /// 100k-row import on a busy CI machine) can take.
    func sendPatiently(_ method: HTTPRequest.Method, _ path: String, headers extra: HTTPFields = [:], rawBody: String) async throws -> Reply {
        let port = try #require(client.port)
        let patient = TestClient(host: "localhost", port: port, configuration: .init(timeout: .seconds(300)))
        patient.connect()
        var headers = extra
        headers[.authorization] = "Bearer \(key)"
        do {
            let response = try await patient.execute(.init(path, method: method, headers: headers, body: ByteBuffer(string: rawBody)))
            try await patient.shutdown()
            return Reply(status: response.status, headers: response.headers, text: response.body.map { String(buffer: $0) } ?? "")
        } catch {
            try? await patient.shutdown()
            throw error
        }
    }

    func send(_ method: HTTPRequest.Method, _ path: String, body: JSONValue, key: String? = nil) async throws -> Reply {
        try await send(method, path, json: String(decoding: body.serialized(), as: UTF8.self), key: key)
    }
}

struct Reply: Sendable {
    let status: HTTPResponse.Status
    let headers: HTTPFields
    let text: String

    var json: JSONValue { (try? JSONValue.parse(Array(text.utf8))) ?? .null }

    subscript(key: String) -> JSONValue? {
        if case .object(let object) = json { return object[key] }
        return nil
    }

    func string(_ key: String) -> String? {
        if case .string(let value)? = self[key] { return value }
        return nil
    }

    /// The fields named in a problem's `errors`.
    var errorFields: [String] {
        guard case .array(let errors)? = self["errors"] else { return [] }
        return errors.compactMap { error in
            if case .object(let object) = error, case .string(let field)? = object["field"] { return field }
            return nil
        }
    }

    var dataIDs: [String] {
        guard case .array(let items)? = self["data"] else { return [] }
        return items.compactMap { item in
            if case .object(let object) = item, case .string(let id)? = object["id"] { return id }
            return nil
        }
    }
}

extension APIClient {
    func createSender(channel: String = "linkedin", name: String = "Jane Doe", key: String? = nil, slug: String = "jane-doe") async throws -> String {
        let identity: String = switch channel {
        case "email": "\"email\": \"\(slug)@example.com\""
        case "sms": "\"phone\": \"+1415555\(String(format: "%04d", abs(slug.hashValue) % 10_000))\""
        default: "\"linkedin_url\": \"https://www.linkedin.com/in/\(slug)\""
        }
        let reply = try await send(.post, "/v1/senders", json: """
            {"channel": "\(channel)", "display_name": "\(name)", \(identity)}
            """, key: key)
        guard reply.status == .created, let id = reply.string("id") else {
            throw HarnessError("sender not created: \(reply.status) \(reply.text)")
        }
        return id
    }

    /// Opens the campaign's window around the clock, every day (so a dispatch now sends).
    func scheduleAllWeek(_ campaign: String) async throws {
        let days = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
            .map { #""\#($0)": [{"start": "00:00", "end": "24:00"}]"# }.joined(separator: ", ")
        let reply = try await send(.patch, "/v1/campaigns/\(campaign)", json: #"{"schedule": {\#(days)}}"#)
        guard reply.status == .ok else { throw HarnessError("schedule not set: \(reply.status) \(reply.text)") }
    }

    /// A dry-run campaign unless `dryRun` is false (live ones need senders that really connect).
    func createCampaign(name: String, channel: String = "linkedin", senders: [String] = [], key: String? = nil,
                        dryRun: Bool = true) async throws -> String {
        let ids = senders.map { "\"\($0)\"" }.joined(separator: ", ")
        let reply = try await send(.post, "/v1/campaigns", json: """
            {"name": "\(name)", "channel": "\(channel)", "sender_ids": [\(ids)], "dry_run": \(dryRun)}
            """, key: key)
        guard reply.status == .created, let id = reply.string("id") else {
            throw HarnessError("campaign not created: \(reply.status) \(reply.text)")
        }
        return id
    }
}

struct HarnessError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
