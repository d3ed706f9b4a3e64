import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Synchronization

/// A real HTTP server on a free loopback port standing in for a provider (Twilio, a LinkedIn
/// gateway): it records every request and answers from a script, then with a default.
final class ProviderPeer: Sendable {
    struct Recorded: Sendable {
        var method: String
        var path: String
        /// By lower-case name.
        var headers: [String: String]
        var body: Data

        var form: [String: String] {
            var fields: [String: String] = [:]
            for pair in String(decoding: body, as: UTF8.self).split(separator: "&") {
                let parts = pair.split(separator: "=", maxSplits: 1).map {
                    $0.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String($0)
                }
                if parts.count == 2 { fields[parts[0]] = parts[1] }
            }
            return fields
        }

        var json: [String: Any] { ((try? JSONSerialization.jsonObject(with: body)) as? [String: Any]) ?? [:] }
    }

    let requests = Mutex<[Recorded]>([])
    private let script = Mutex<[(status: Int, body: String)]>([])
    private let fallback: (status: Int, body: String)
    private let port = Mutex(0)
    private let task = Mutex<Task<Void, any Error>?>(nil)

    var url: String { "http://127.0.0.1:\(port.withLock { $0 })" }

    private init(fallback: (status: Int, body: String)) {
        self.fallback = fallback
    }

    /// Starts the server and returns once it listens.
    static func start(default fallback: (status: Int, body: String)) async throws -> ProviderPeer {
        let peer = ProviderPeer(fallback: fallback)
        let router = Router()
        for method in [HTTPRequest.Method.get, .post] {
            router.on("**", method: method) { request, context -> Response in
                let body = try await request.body.collect(upTo: 1 << 20)
                var headers: [String: String] = [:]
                for field in request.headers { headers[field.name.canonicalName] = field.value }
                peer.requests.withLock {
                    $0.append(Recorded(method: request.method.rawValue, path: request.uri.string, headers: headers, body: Data(buffer: body)))
                }
                let answer = peer.script.withLock { $0.isEmpty ? peer.fallback : $0.removeFirst() }
                return Response(status: .init(code: answer.status), headers: [.contentType: "application/json"],
                                body: .init(byteBuffer: ByteBuffer(string: answer.body)))
            }
        }
        let (port, task) = await serveOnLoopback(router, label: "provider-peer")
        peer.port.withLock { $0 = port }
        peer.task.withLock { $0 = task }
        return peer
    }

    /// The next answers, in order.
    func answer(_ answers: (status: Int, body: String)...) {
        script.withLock { $0 += answers }
    }

    func stop() {
        task.withLock { $0?.cancel() }
    }
}

/// Serves `router` on a free loopback port, quietly; returns once it listens.
func serveOnLoopback(_ router: Router<BasicRequestContext>, label: String) async -> (port: Int, task: Task<Void, any Error>) {
    let (ready, readyContinuation) = AsyncStream<Int>.makeStream()
    var logger = Logger(label: label)
    logger.logLevel = .critical
    let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                          onServerRunning: { channel in readyContinuation.yield(channel.localAddress?.port ?? 0) }, logger: logger)
    let task = Task { try await app.runService() }
    for await port in ready { return (port, task) }
    return (0, task)
}
