import OutboundCore

/// Errors that belong to HTTP itself rather than to the domain.
public enum APIError: Error, Sendable, Equatable {
    /// The body or a query parameter could not be read at all (400).
    case malformedBody(String)
    /// A query parameter has a bad value (400), named by `field`.
    case badQuery(field: String, message: String)
    /// No key, an unknown key, or a revoked key (401).
    case unauthorized(String)
    /// A webhook whose signature does not match (403).
    case forbidden(String)
    /// The same `Idempotency-Key` was used with another request (422).
    case idempotencyMismatch
    /// A request with the same `Idempotency-Key` is still being processed (409).
    case idempotencyInProgress
    /// The path names no route (404).
    case routeNotFound(String)
    /// The route exists but not with this method (405).
    case methodNotAllowed
    /// The body is larger than the route accepts (413).
    case payloadTooLarge
}
