import Foundation
import Hummingbird
import NIOCore
import OutboundCore

/// An RFC 9457 problem document, the one error body of the native API.
struct Problem: Sendable {
    var status: HTTPResponse.Status
    var type: String
    var title: String
    var detail: String
    var errors: [FieldIssue]

    init(_ status: HTTPResponse.Status, type: String, title: String, detail: String, errors: [FieldIssue] = []) {
        self.status = status
        self.type = type
        self.title = title
        self.detail = detail
        self.errors = errors
    }

    /// The problem a thrown error stands for; anything unknown is a 500 that says nothing of its cause.
    init(_ error: any Error) {
        switch error {
        case let error as ValidationError:
            let detail = error.issues.map { $0.field.isEmpty ? $0.message : "\($0.field): \($0.message)" }.joined(separator: "; ")
            self.init(.unprocessableContent, type: "validation-error", title: "Invalid request", detail: detail, errors: error.issues)
        case let error as NotFoundError:
            self.init(.notFound, type: "not-found", title: "Not found",
                      detail: "no \(error.resource) \(error.id) in this workspace")
        case let error as ConflictError:
            self.init(.conflict, type: "conflict", title: "Conflict", detail: error.message,
                      errors: error.field.map { [FieldIssue($0, error.message)] } ?? [])
        case let error as APIError:
            self.init(error)
        case let error as DialectError:
            self.init(error.status, type: error.code.replacingOccurrences(of: "_", with: "-"), title: error.status.reasonPhrase,
                      detail: error.message)
        case is NIOTooManyBytesError:
            // Any body collected past its limit (by a route, the idempotency check, a dialect).
            self.init(APIError.payloadTooLarge)
        case let error as HTTPError:
            switch error.status {
            case .contentTooLarge: self.init(APIError.payloadTooLarge)
            case .notFound: self.init(APIError.routeNotFound(""))
            case .methodNotAllowed: self.init(APIError.methodNotAllowed)
            default:
                self.init(error.status, type: "http-error", title: error.status.reasonPhrase,
                          detail: error.body ?? error.status.reasonPhrase)
            }
        default:
            self.init(.internalServerError, type: "internal-error", title: "Internal error",
                      detail: "the server failed to handle this request; it has been logged")
        }
    }

    /// The problem `error` stands for, as a middleware answers it: an unexpected one (a 500) is
    /// logged with the request's path, since its answer says nothing of the cause.
    init(_ error: any Error, of request: Request, context: AppContext) {
        self.init(error)
        if status == .internalServerError {
            context.logger.error("unhandled error", metadata: ["error": "\(String(reflecting: error))", "path": "\(request.uri.path)"])
        }
    }

    private init(_ error: APIError) {
        switch error {
        case .malformedBody(let message):
            self.init(.badRequest, type: "malformed-request", title: "Malformed request", detail: message)
        case .badQuery(let field, let message):
            self.init(.badRequest, type: "malformed-request", title: "Malformed request",
                      detail: "\(field): \(message)", errors: [FieldIssue(field, message)])
        case .unauthorized(let message):
            self.init(.unauthorized, type: "unauthorized", title: "Unauthorized", detail: message)
        case .forbidden(let message):
            self.init(.forbidden, type: "forbidden", title: "Forbidden", detail: message)
        case .idempotencyMismatch:
            self.init(.unprocessableContent, type: "idempotency-key-reused", title: "Idempotency key reused",
                      detail: "this Idempotency-Key was used with a different request; use a new key for a new request")
        case .idempotencyInProgress:
            self.init(.conflict, type: "idempotency-key-in-progress", title: "Request in progress",
                      detail: "a request with this Idempotency-Key is still being processed; retry shortly")
        case .routeNotFound(let path):
            self.init(.notFound, type: "route-not-found", title: "Not found",
                      detail: path.isEmpty ? "no such route" : "no route \(path); see /docs")
        case .methodNotAllowed:
            self.init(.methodNotAllowed, type: "method-not-allowed", title: "Method not allowed",
                      detail: "this route does not accept this method; see /docs")
        case .payloadTooLarge:
            self.init(.contentTooLarge, type: "payload-too-large", title: "Payload too large",
                      detail: "the request body is larger than this route accepts")
        }
    }

    var json: JSONValue {
        .object([
            "type": .string("/docs#problem-\(type)"),
            "title": .string(title),
            "status": .number(Double(status.code)),
            "detail": .string(detail),
            "errors": .array(errors.map { .object(["field": .string($0.field), "message": .string($0.message)]) }),
        ])
    }

    var response: Response {
        var headers: HTTPFields = [.contentType: "application/problem+json"]
        if status == .unauthorized { headers[.wwwAuthenticate] = "Bearer" }
        let bytes = json.serialized()
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
