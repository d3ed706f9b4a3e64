import Foundation
import Hummingbird
import OutboundCore
import Synchronization

/// The request context's response encoder (`AppContext.responseEncoder`): every DTO a route
/// returns is written by it. snake_case keys from camelCase properties, RFC 3339 UTC timestamps
/// with milliseconds, `null` kept for empty optional fields marked `@Nullable`, and
/// `Content-Type: application/json` as the vendors' clients expect it.
public struct APIResponseEncoder: ResponseEncoder {
    /// Configured once for the process.
    static let json: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(Timestamp.iso(date))
        }
        return encoder
    }()

    public func encode(_ value: some Encodable, from request: Request, context: some RequestContext) throws -> Response {
        try JSONResponse.make(value)
    }
}

/// A JSON response built outside a route's return value (a status other than 200 with a body
/// that is not a DTO, error bodies, replays).
enum JSONResponse {
    static func make(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let data = try APIResponseEncoder.json.encode(value)
        return Response(status: status, headers: [.contentType: "application/json"],
                        body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// JSON bodies kept per resource and reused while the resource is equal to the value they were
/// written from: a read of an unchanged resource costs an equality check instead of an encoding
/// (the encoder is most of a simple read's time; docs/benchmarks.md, `bench api`).
final class EncodedBodies<Value: Hashable & Sendable>: Sendable {
    private static var capacity: Int { 1_000 }
    private let bodies = Mutex<[ID: (value: Value, bytes: ByteBuffer)]>([:])

    func response<Body: Encodable>(for value: Value, id: ID, _ body: (Value) -> Body) throws -> Response {
        let bytes: ByteBuffer
        if let kept = bodies.withLock({ $0[id] }), kept.value == value {
            bytes = kept.bytes
        } else {
            bytes = ByteBuffer(bytes: try APIResponseEncoder.json.encode(body(value)))
            bodies.withLock { bodies in
                if bodies.count >= Self.capacity { bodies.removeAll() }
                bodies[id] = (value, bytes)
            }
        }
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: bytes))
    }
}

/// Encodes nil as an explicit `null` instead of leaving the key out, so every object of a
/// type has the same keys.
@propertyWrapper
struct Nullable<Value: Encodable & Sendable>: Encodable, Sendable {
    var wrappedValue: Value?

    init(wrappedValue: Value?) {
        self.wrappedValue = wrappedValue
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if let wrappedValue { try container.encode(wrappedValue) } else { try container.encodeNil() }
    }
}

/// A page of a list: `{"data": [...], "has_more": …, "next_cursor": …}`.
struct ListBody<Item: Encodable & Sendable>: ResponseEncodable, Sendable {
    var data: [Item]
    var hasMore: Bool
    @Nullable var nextCursor: String?

    init<T>(_ page: Page<T>, id: (T) -> ID, map: (T) -> Item) {
        data = page.items.map(map)
        hasMore = page.hasMore
        nextCursor = page.hasMore ? page.items.last.map { id($0).rawValue } : nil
    }
}

extension PageRequest {
    /// The query parameters of every list route.
    static let queryNames: Set<String> = ["limit", "starting_after"]
}

extension Request {
    /// The body as JSON, read up to the context's limit; 400 when it is not JSON, 413 when too large.
    /// On the native API the JSON is strict (a repeated member is an error) and so is the reader
    /// (a member no route asks for is an error); on a vendor's path both are as lenient as the vendor.
    mutating func jsonBody(context: AppContext) async throws -> BodyReader {
        try Self.reader(of: try await rawBody(context: context), context: context)
    }

    /// The body as `jsonBody` reads it, or an empty object when none was sent.
    mutating func optionalJSONBody(context: AppContext) async throws -> BodyReader {
        let buffer = try await rawBody(context: context)
        return try Self.reader(of: buffer.readableBytes == 0 ? ByteBuffer(string: "{}") : buffer, context: context)
    }

    private static func reader(of buffer: ByteBuffer, context: AppContext) throws -> BodyReader {
        let native = context.dialect == nil
        let issues = IssueBox()
        issues.reportsUnknownFields = native
        return try BodyReader(body: JSONValue.parse(buffer.readableBytesView, allowingDuplicateKeys: !native), issues: issues)
    }

    /// `limit` and `starting_after` from the query string.
    func pageRequest(kind: ID.Kind) throws -> PageRequest {
        var page = PageRequest()
        if let text = uri.queryParameters["limit"].map(String.init) {
            guard let limit = Int(text), (1...PageRequest.maximumLimit).contains(limit) else {
                throw APIError.badQuery(field: "limit", message: "must be an integer from 1 to \(PageRequest.maximumLimit)")
            }
            page.limit = limit
        }
        if let text = uri.queryParameters["starting_after"].map(String.init), !text.isEmpty {
            guard let id = ID(text, kind: kind) else {
                throw APIError.badQuery(field: "starting_after", message: "must be an ID from a previous page's next_cursor")
            }
            page.startingAfter = id
        }
        return page
    }
}

extension Parameters {
    /// A path ID of `kind`; an ID of the wrong shape names nothing, so it is a 404.
    func id(_ name: String = "id", kind: ID.Kind, resource: String) throws -> ID {
        let text = get(name) ?? ""
        guard let id = ID(text, kind: kind) else { throw NotFoundError(resource, id: text) }
        return id
    }
}
