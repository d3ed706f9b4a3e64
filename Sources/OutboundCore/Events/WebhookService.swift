import Foundation

/// What a client sends to create or change a webhook endpoint.
public struct WebhookEndpointInput: Sendable {
    public var url: Field<String> = .absent
    public var description: Field<String> = .absent
    public var types: Field<[String]> = .absent
    public var format: Field<String> = .absent
    public var enabled: Field<Bool> = .absent
    /// Set by a dialect for the endpoints it makes (a Tether automation): not readable from `/v1`.
    public var name: String?
    public var options: String?
    /// The formats this input may ask for: a dialect's own is not `/v1`'s.
    public var formats: Set<WebhookEndpoint.Format> = [.standard, .inbox]
    /// Type errors the body reader already found, with their paths.
    public var readIssues: [FieldIssue] = []

    public init() {}
}

/// Decides whether a URL may receive webhooks (the channels resolve it and refuse private
/// addresses unless the server allows them).
public protocol WebhookTargetPolicy: Sendable {
    /// Why `url` may not be called, or nil when it may.
    func refusal(for url: URL) async -> String?
}

/// A new or rotated endpoint with its secret, which is never shown again.
public struct WebhookEndpointWithSecret: Sendable {
    public var endpoint: WebhookEndpoint
    public var secret: String
}

/// `/v1/webhook_endpoints`: where events go, and what happened to them.
public struct WebhookService: Sendable {
    let store: any Store
    let clock: any TimeSource
    let sealer: any SecretSealer
    let targets: any WebhookTargetPolicy

    public static let maximumEndpoints = 50
    public static let maximumOverlap: TimeInterval = 7 * 24 * 3600
    public static let defaultOverlap: TimeInterval = 24 * 3600

    public init(store: any Store, clock: any TimeSource, sealer: any SecretSealer, targets: any WebhookTargetPolicy) {
        self.store = store
        self.clock = clock
        self.sealer = sealer
        self.targets = targets
    }

    public func create(_ input: WebhookEndpointInput, in workspace: ID) async throws -> WebhookEndpointWithSecret {
        var issues = IssueList()
        issues.append(contentsOf: input.readIssues)
        if input.url.value == nil { issues.addIfNone("url", "is required: the https URL events are posted to") }
        let existing = try await store.webhookEndpoints(in: workspace, page: PageRequest(limit: Self.maximumEndpoints))
        if existing.items.count >= Self.maximumEndpoints { issues.add("url", "a workspace has at most \(Self.maximumEndpoints) endpoints") }
        let now = clock.now
        var endpoint = WebhookEndpoint(id: .generate(.webhookEndpoint), workspaceID: workspace, url: "", description: nil, types: [],
                                       format: .standard, enabled: true, secret: "", createdAt: now, updatedAt: now)
        Self.apply(input, urlProblem: await urlProblem(of: input), to: &endpoint, issues: &issues)
        try issues.throwIfAny()
        let secret = Self.newSecret()
        endpoint.secret = sealer.seal(secret)
        try await store.insertWebhookEndpoint(endpoint)
        return WebhookEndpointWithSecret(endpoint: endpoint, secret: secret)
    }

    public func list(in workspace: ID, page: PageRequest) async throws -> Page<WebhookEndpoint> {
        try await store.webhookEndpoints(in: workspace, page: page)
    }

    public func get(_ id: ID, in workspace: ID) async throws -> WebhookEndpoint {
        guard let endpoint = try await store.webhookEndpoint(id, in: workspace) else { throw NotFoundError("webhook endpoint", id: id.rawValue) }
        return endpoint
    }

    /// Deliveries waiting for the endpoint.
    public func backlog(of id: ID, in workspace: ID) async throws -> Int {
        try await store.webhookBacklog(of: id, in: workspace)
    }

    /// JSON merge semantics: absent fields stay. Turning an endpoint on again clears why it was
    /// off. Validated first (resolving the URL is slow), then applied to the row as it is when
    /// written, so a change the deliverer made meanwhile is kept unless the request overrides it.
    public func update(_ id: ID, with input: WebhookEndpointInput, in workspace: ID) async throws -> WebhookEndpoint {
        var draft = try await get(id, in: workspace)
        var issues = IssueList()
        issues.append(contentsOf: input.readIssues)
        let problem = await urlProblem(of: input)
        Self.apply(input, urlProblem: problem, to: &draft, issues: &issues)
        try issues.throwIfAny()
        let now = clock.now
        return try await store.modifyWebhookEndpoint(id, in: workspace) { endpoint in
            var validated = IssueList()
            Self.apply(input, urlProblem: problem, to: &endpoint, issues: &validated)
            endpoint.updatedAt = now
        }
    }

    public func delete(_ id: ID, in workspace: ID) async throws {
        guard try await store.deleteWebhookEndpoint(id, in: workspace) else { throw NotFoundError("webhook endpoint", id: id.rawValue) }
    }

    /// A new secret; the old one keeps signing (beside the new) for `overlap` seconds.
    public func rotateSecret(_ id: ID, overlap: Field<Int>, readIssues: [FieldIssue], in workspace: ID) async throws -> WebhookEndpointWithSecret {
        _ = try await get(id, in: workspace)
        var issues = IssueList()
        issues.append(contentsOf: readIssues)
        var seconds = Self.defaultOverlap
        switch overlap {
        case .value(let value) where value >= 0 && Double(value) <= Self.maximumOverlap: seconds = TimeInterval(value)
        case .value: issues.add("overlap_seconds", "must be between 0 and \(Int(Self.maximumOverlap)) (7 days)")
        case .null: issues.add("overlap_seconds", "must be a number of seconds")
        case .absent: break
        }
        try issues.throwIfAny()
        let now = clock.now
        let secret = Self.newSecret()
        let sealed = sealer.seal(secret), overlapSeconds = seconds
        let rotated = try await store.modifyWebhookEndpoint(id, in: workspace) { endpoint in
            endpoint.previousSecret = overlapSeconds > 0 ? endpoint.secret : nil
            endpoint.previousUntil = overlapSeconds > 0 ? now.addingTimeInterval(overlapSeconds) : nil
            endpoint.secret = sealed
            endpoint.updatedAt = now
        }
        return WebhookEndpointWithSecret(endpoint: rotated, secret: secret)
    }

    public func attempts(of id: ID, in workspace: ID, page: PageRequest) async throws -> Page<WebhookAttempt> {
        _ = try await get(id, in: workspace)
        return try await store.webhookAttempts(of: id, in: workspace, page: page)
    }

    /// Sends again every logged event after `afterSeq` that the endpoint's filters pass.
    public func replay(_ id: ID, afterSeq: Field<Int64>, readIssues: [FieldIssue], in workspace: ID) async throws -> Int {
        _ = try await get(id, in: workspace)
        var issues = IssueList()
        issues.append(contentsOf: readIssues)
        switch afterSeq {
        case .value(let seq) where seq >= 0: break
        case .value: issues.add("after_seq", "must be 0 or more")
        default: issues.addIfNone("after_seq", "is required: the seq after which events are sent again (0 for all kept)")
        }
        try issues.throwIfAny()
        return try await store.replayEvents(to: id, in: workspace, afterSeq: afterSeq.value!, at: clock.now)
    }

    /// Queues a `webhook.ping` for this endpoint alone.
    public func ping(_ id: ID, in workspace: ID) async throws -> Event {
        _ = try await get(id, in: workspace)
        return try await store.pingWebhookEndpoint(id, in: workspace, at: clock.now)
    }

    /// Sets what the input sends; every problem goes into `issues` (`urlProblem` is the URL's,
    /// found beforehand). Turning the endpoint on clears why it was off.
    private static func apply(_ input: WebhookEndpointInput, urlProblem: String?, to endpoint: inout WebhookEndpoint, issues: inout IssueList) {
        switch input.url {
        case .value(let text):
            if let urlProblem { issues.addIfNone("url", urlProblem) } else { endpoint.url = text }
        case .null: issues.addIfNone("url", "cannot be removed")
        case .absent: break
        }
        switch input.description {
        case .value(let text) where text.count > 500: issues.add("description", "must be at most 500 characters")
        case .value(let text): endpoint.description = text.isEmpty ? nil : text
        case .null: endpoint.description = nil
        case .absent: break
        }
        switch input.types {
        case .value(let types):
            EventType.validate(types, field: "types", into: &issues)
            if types.count > 100 { issues.add("types", "at most 100 filters") }
            endpoint.types = types
        case .null: endpoint.types = []
        case .absent: break
        }
        switch input.format {
        case .value(let text):
            if let format = WebhookEndpoint.Format(rawValue: text), input.formats.contains(format) { endpoint.format = format }
            else { issues.addIfNone("format", "must be one of \(input.formats.map(\.rawValue).sorted().joined(separator: ", "))") }
        case .null: endpoint.format = .standard
        case .absent: break
        }
        if let name = input.name { endpoint.name = name }
        if let options = input.options { endpoint.options = options }
        switch input.enabled {
        case .value(let on):
            endpoint.enabled = on
            if on {
                endpoint.disabledReason = nil
                endpoint.failingSince = nil
            }
        case .null: issues.addIfNone("enabled", "must be true or false")
        case .absent: break
        }
    }

    private func urlProblem(of input: WebhookEndpointInput) async -> String? {
        guard case .value(let text) = input.url else { return nil }
        return await urlProblem(text)
    }

    private func urlProblem(_ text: String) async -> String? {
        guard text.count <= 2048 else { return "must be at most 2048 characters" }
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "https" || scheme == "http",
              let host = url.host, !host.isEmpty
        else { return "must be an absolute http or https URL" }
        if url.user != nil || url.password != nil { return "must not carry a user name or password; put a token in the path or query" }
        return await targets.refusal(for: url)
    }

    /// `whsec_` and 32 random bytes in base64 (the Standard Webhooks form).
    static func newSecret() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return "whsec_" + Data(bytes).base64EncodedString()
    }
}
