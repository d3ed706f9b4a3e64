import Foundation
import HTTPTypes
import Crypto
import Hummingbird
import NIOCore
import OutboundCore
import Synchronization

/// `Idempotency-Key` on POST: the first request with a key is processed and its response kept
/// for 24 hours; the same key with the same method, path and body replays that response; the
/// same key with another request is 422. Server errors free the key so a retry runs again.
struct IdempotencyMiddleware: RouterMiddleware {
    typealias Context = AppContext
    let keys: IdempotencyService

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.method == .post, let name = HTTPField.Name("Idempotency-Key"),
              let key = request.headers[name], let workspace = context.workspaceID
        else { return try await next(request, context) }
        guard (1...255).contains(key.count) else {
            throw APIError.badQuery(field: "Idempotency-Key", message: "must be 1 to 255 characters")
        }
        var request = request
        let body = try await request.collectBody(upTo: context.maxUploadSize)
        var hasher = SHA256()
        hasher.update(data: Array("\(request.method.rawValue) \(request.uri.path)\n".utf8))
        hasher.update(data: Array(body.readableBytesView))
        let hash = Hex.encode(hasher.finalize())

        switch try await keys.claim(key, requestHash: hash, in: workspace) {
        case .replay(let reply):
            guard let kept = KeptResponse(reply) else { throw APIError.idempotencyInProgress }
            var headers: HTTPFields = [.contentType: kept.contentType]
            headers[HTTPField.Name("Idempotent-Replayed")!] = "true"
            return Response(status: .init(code: kept.status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: kept.body)))
        case .mismatch:
            throw APIError.idempotencyMismatch
        case .inProgress:
            throw APIError.idempotencyInProgress
        case .claimed:
            break
        }
        let response: Response
        do {
            response = try await next(request, context)
        } catch {
            let problem = Problem(error)
            guard problem.status.code < 500 else {
                try await keys.release(key, in: workspace)
                throw error
            }
            response = problem.response
        }
        guard response.status.code < 500 else {
            try await keys.release(key, in: workspace)
            return response
        }
        let collector = BodyCollector()
        var replayable = response
        try await response.body.write(collector)
        let bytes = collector.bytes
        replayable.body = .init(byteBuffer: ByteBuffer(bytes: bytes))
        let kept = KeptResponse(status: response.status.code, contentType: response.headers[.contentType] ?? "application/json", body: bytes)
        try await keys.complete(key, in: workspace, reply: kept.bytes)
        return replayable
    }
}

/// A response kept for replay, as the bytes the store keeps: "STATUS\nCONTENT-TYPE\nBODY"
/// (the store's migration v11 writes older answers in this shape too).
struct KeptResponse {
    var status: Int
    var contentType: String
    var body: [UInt8]

    init(status: Int, contentType: String, body: [UInt8]) {
        self.status = status
        self.contentType = contentType
        self.body = body
    }

    init?(_ bytes: [UInt8]) {
        let lines = bytes.split(separator: UInt8(ascii: "\n"), maxSplits: 2, omittingEmptySubsequences: false)
        guard lines.count == 3, let status = Int(String(decoding: lines[0], as: UTF8.self)) else { return nil }
        self.init(status: status, contentType: String(decoding: lines[1], as: UTF8.self), body: Array(lines[2]))
    }

    var bytes: [UInt8] { Array("\(status)\n\(contentType)\n".utf8) + body }
}

/// Collects a response body in memory so it can be stored and sent again.
private final class BodyCollector: ResponseBodyWriter, Sendable {
    private let storage = Mutex<[UInt8]>([])

    var bytes: [UInt8] { storage.withLock { $0 } }

    func write(_ buffer: ByteBuffer) async throws {
        storage.withLock { $0.append(contentsOf: buffer.readableBytesView) }
    }

    func finish(_ trailingHeaders: HTTPFields?) async throws {}
}
