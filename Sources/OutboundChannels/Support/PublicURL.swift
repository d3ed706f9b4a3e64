import Foundation
import Synchronization

/// Outbound's own address as the outside world reaches it, for links in messages (unsubscribe,
/// open pixel) and for checking Twilio's signatures: `--public-url` / `OUTBOUND_PUBLIC_URL` when
/// set, else the scheme and `Host` of the latest request, so it works on loopback out of the box.
public final class PublicURL: Sendable {
    private let configured: String?
    private let learned: Mutex<String?>
    private let fallback: String

    public init(configured: String?, fallback: String = "http://127.0.0.1:8080") {
        self.configured = configured.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }.flatMap { $0.isEmpty ? nil : $0 }
        learned = Mutex(nil)
        self.fallback = fallback
    }

    public var isConfigured: Bool { configured != nil }

    /// The base URL links use (no trailing slash).
    public var base: String {
        configured ?? learned.withLock { $0 } ?? fallback
    }

    /// Remembers where a request came in (ignored when a public URL is configured).
    public func learn(scheme: String, host: String) {
        guard configured == nil, !host.isEmpty else { return }
        learned.withLock { $0 = "\(scheme)://\(host)" }
    }

    /// The base URL for one request: the configured one, or that request's own scheme and host.
    public func base(scheme: String, host: String?) -> String {
        if let configured { return configured }
        guard let host, !host.isEmpty else { return base }
        return "\(scheme)://\(host)"
    }
}
