import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization
import OutboundCore

/// Hand-written over AsyncHTTPClient and swift-crypto: the package mirror has no Standard
/// Webhooks library, and the signing is one HMAC; the address checks use the system resolver.
///
/// Posts webhooks (docs/ARCHITECTURE.md §5): signed per Standard Webhooks (`webhook-id`, `webhook-timestamp`,
/// `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, one signature per
/// secret during a rotation), redirects not followed, a bounded wait and a bounded read of the
/// answer, and targets that resolve to loopback, private or link-local addresses refused unless
/// the server allows them (`--allow-private-webhooks`).
public final class WebhookPoster: WebhookTransport, WebhookTargetPolicy {
    let allowPrivate: Bool
    let timeout: TimeAmount
    /// How much of an answer is kept for the attempt log (status line, headers, start of body).
    static let headLimit = 2048
    private let resolved = Mutex<[String: (refusal: String?, until: ContinuousClock.Instant)]>([:])

    public init(allowPrivate: Bool, timeout: Duration = .seconds(10)) {
        self.allowPrivate = allowPrivate
        self.timeout = .nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000)
    }

    /// One client for the process (like `HTTPClient.shared`, never shut down), configured for
    /// webhooks: no redirects, a quiet answer given up after 10 s; each request's own deadline is
    /// the poster's `timeout`.
    private static let sharedClient: HTTPClient = {
        var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow, timeout: .init(connect: .seconds(5), read: .seconds(10)))
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 16
        return HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: configuration)
    }()

    private var client: HTTPClient { Self.sharedClient }

    public func post(_ message: WebhookMessage) async -> WebhookResponse {
        guard let url = URL(string: message.url), let host = url.host else {
            return WebhookResponse(status: nil, head: nil, error: "the URL cannot be parsed")
        }
        if let refusal = await refusal(host: host) { return WebhookResponse(status: nil, head: nil, error: refusal) }
        let timestamp = Int(message.timestamp.timeIntervalSince1970)
        var request = HTTPClientRequest(url: message.url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "Outbound-Webhooks/1")
        request.headers.add(name: "webhook-id", value: message.id)
        request.headers.add(name: "webhook-timestamp", value: String(timestamp))
        request.headers.add(name: "webhook-signature", value: Self.signature(id: message.id, timestamp: timestamp, body: message.body,
                                                                             secrets: message.secrets))
        request.body = .bytes(ByteBuffer(bytes: message.body))
        do {
            let response = try await client.execute(request, timeout: timeout)
            var head = "HTTP/\(response.version.major).\(response.version.minor) \(response.status.code) \(response.status.reasonPhrase)\r\n"
            for header in response.headers { head += "\(header.name): \(header.value)\r\n" }
            head += "\r\n"
            // Read at most the head's worth of body; the rest is not wanted.
            var body: [UInt8] = []
            for try await chunk in response.body {
                body += chunk.readableBytesView.prefix(Self.headLimit - body.count)
                if body.count >= Self.headLimit { break }
            }
            head += String(decoding: body, as: UTF8.self)
            return WebhookResponse(status: Int(response.status.code), head: String(head.prefix(Self.headLimit)), error: nil)
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout {
            return WebhookResponse(status: nil, head: nil, error: "no answer within \(timeout.nanoseconds / 1_000_000_000) s")
        } catch {
            return WebhookResponse(status: nil, head: nil, error: "\(error)")
        }
    }

    /// Each secret's `v1,` signature, space-separated.
    public static func signature(id: String, timestamp: Int, body: [UInt8], secrets: [String]) -> String {
        let signed = Array("\(id).\(timestamp).".utf8) + body
        return secrets.map { secret in
            let encoded = secret.hasPrefix("whsec_") ? String(secret.dropFirst(6)) : secret
            let key = SymmetricKey(data: Data(base64Encoded: encoded) ?? Data(secret.utf8))
            return "v1," + Data(HMAC<SHA256>.authenticationCode(for: signed, using: key)).base64EncodedString()
        }.joined(separator: " ")
    }

    // MARK: Safe targets

    public func refusal(for url: URL) async -> String? {
        guard let host = url.host else { return "has no host" }
        return await refusal(host: host)
    }

    /// Why `host` may not be called: it does not resolve, or it resolves to an address that is
    /// not public. Answers are remembered for a minute (per host).
    func refusal(host: String) async -> String? {
        if allowPrivate { return nil }
        let now = ContinuousClock.now
        if let hit = resolved.withLock({ $0[host] }), hit.until > now { return hit.refusal }
        let refusal: String?
        do {
            let addresses = try await NIOThreadPool.singleton.runIfActive { try Self.resolve(host) }
            if addresses.isEmpty {
                refusal = "\(host) does not resolve"
            } else if let inside = addresses.first(where: { !Self.isPublic($0) }) {
                refusal = "\(host) resolves to \(inside), which is not a public address (start the server with --allow-private-webhooks to allow it)"
            } else {
                refusal = nil
            }
        } catch {
            refusal = "\(host) does not resolve"
        }
        resolved.withLock { cache in
            if cache.count > 10_000 { cache.removeAll() }
            cache[host] = (refusal, now + .seconds(60))
        }
        return refusal
    }

    /// The addresses of `host` as text (literal addresses resolve to themselves).
    static func resolve(_ host: String) throws -> [String] {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let name = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        guard getaddrinfo(name, nil, &hints, &list) == 0, let first = list else { return [] }
        defer { freeaddrinfo(first) }
        var addresses: [String] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let entry = cursor {
            var buffer = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            if getnameinfo(entry.pointee.ai_addr, entry.pointee.ai_addrlen, &buffer, socklen_t(buffer.count), nil, 0, NI_NUMERICHOST) == 0 {
                addresses.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
            }
            cursor = entry.pointee.ai_next
        }
        return addresses
    }

    /// Whether a numeric address is on the public internet: not loopback, private (RFC 1918,
    /// unique-local), link-local, carrier-grade NAT, unspecified, multicast or broadcast.
    static func isPublic(_ address: String) -> Bool {
        if address.contains(":") {
            let lower = address.lowercased()
            if let mapped = lower.split(separator: ":").last, lower.hasPrefix("::ffff:"), mapped.contains(".") {
                return isPublic(String(mapped))
            }
            if lower == "::1" || lower == "::" { return false }
            if lower.hasPrefix("fc") || lower.hasPrefix("fd") { return false }
            if lower.hasPrefix("fe8") || lower.hasPrefix("fe9") || lower.hasPrefix("fea") || lower.hasPrefix("feb") { return false }
            if lower.hasPrefix("ff") { return false }
            return true
        }
        let parts = address.split(separator: ".").compactMap { UInt8($0) }
        guard parts.count == 4 else { return false }
        switch (parts[0], parts[1]) {
        case (0, _), (10, _), (127, _), (169, 254), (192, 168): return false
        case (172, 16...31), (100, 64...127): return false
        case (224..., _): return false
        default: return true
        }
    }
}
