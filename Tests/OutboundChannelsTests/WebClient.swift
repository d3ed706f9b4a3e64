import OutboundAPI
import OutboundCore
import OutboundTestSupport
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore

extension Engine {
    /// Runs `body` against this engine's API server on loopback (webhooks, unsubscribe, pixel).
    func serve(_ body: @escaping @Sendable (WebClient) async throws -> Void) async throws {
        let app = buildApplication(services: services, configuration: ServerConfiguration(
            host: "127.0.0.1", port: 0, logLevel: .critical, requestRate: .unthrottled))
        try await app.test(.live) { client in try await body(WebClient(client: client)) }
    }
}

/// Plain HTTP calls with any headers and body.
struct WebClient: Sendable {
    let client: any TestClientProtocol

    func post(_ path: String, body: String = "", headers: [String: String] = [:]) async throws -> (status: Int, text: String) {
        try await send(.post, path, body: body, headers: headers)
    }

    func send(_ method: HTTPRequest.Method, _ path: String, body: String = "", headers: [String: String] = [:]) async throws -> (status: Int, text: String) {
        var fields = HTTPFields()
        for (name, value) in headers { fields[HTTPField.Name(name)!] = value }
        let response = try await client.executeRequest(uri: path, method: method, headers: fields,
                                                       body: body.isEmpty ? nil : ByteBuffer(string: body))
        return (Int(response.status.code), String(buffer: response.body))
    }
}
