import Foundation
import HTTPTypes
import Testing
import OutboundAPI
import OutboundCore
import OutboundTestSupport

/// `/metrics`: Prometheus text for whoever holds the metrics token, nothing for anyone else.
@Suite struct MetricsTests {
    @Test(arguments: StoreKind.covered) func closedWithoutATokenAndRefusedWithAnotherOne(_ store: StoreKind) async throws {
        let harness = try await Harness.make(store)
        try await harness.run { api in
            let closed = try await api.send(.get, "/metrics")
            #expect(closed.status == .notFound, "no token configured: no metrics")
            #expect(closed.string("type")?.hasSuffix("metrics-closed") == true)
        }
        try await harness.run(metricsToken: "scrape-me") { api in
            let withKey = try await api.send(.get, "/metrics")
            #expect(withKey.status == .unauthorized, "an API key is not the metrics token")
            let wrong = try await api.send(.get, "/metrics", key: "scrape-you")
            #expect(wrong.status == .unauthorized)
        }
    }

    @Test(arguments: StoreKind.covered) func requestsActionsLagAndDueLeadsAreExposed(_ store: StoreKind) async throws {
        let harness = try await Harness.make(store)
        try await harness.run(metricsToken: "scrape-me") { api in
            let sender = try await api.createSender()
            let campaign = try await api.createCampaign(name: "Measured", senders: [sender])
            try await api.scheduleAllWeek(campaign)
            let added = try await api.send(.post, "/v1/campaigns/\(campaign)/leads", json: """
                {"contacts": [{"linkedin_url": "https://www.linkedin.com/in/measured-one"}, {"linkedin_url": "https://www.linkedin.com/in/measured-two"}]}
                """)
            #expect(added.status == .ok)
            #expect(try await api.send(.post, "/v1/campaigns/\(campaign)/launch").status == .ok)
            // Before any tick both leads are due: the gauge counts them.
            let before = try await api.send(.get, "/metrics", key: "scrape-me")
            #expect(before.status == .ok)
            #expect(before.headers[.contentType]?.hasPrefix("text/plain") == true)
            let due = try #require(Self.value(of: "outbound_leads_due", in: before.text))
            #expect(due >= 2)
            // What the server's dispatcher loop reports after each tick.
            let report = try await harness.services.dispatcher.drain()
            #expect(report.settled.contains { $0.channel == .linkedin && $0.state == .sent })
            ServerMetrics.shared.record(report)
            let after = try await api.send(.get, "/metrics", key: "scrape-me")
            #expect(after.text.contains(#"outbound_actions_total{channel="linkedin",state="sent"}"#))
            #expect(after.text.contains("outbound_dispatch_lag_seconds_bucket"))
            #expect(after.text.contains("hb_requests"), "requests by route and status")
            #expect(after.text.contains(#"/v1/campaigns/{id}/launch"#), "routes by their pattern")
            #expect(!after.text.contains(campaign), "never a path's values")
            // The webhook backlog is counted when scraped; attempts as the delivery loop settles them.
            let endpoint = try #require(try await api.send(.post, "/v1/webhook_endpoints", json: #"{"url": "http://127.0.0.1:9/hook"}"#).string("id"))
            #expect(try await api.send(.post, "/v1/webhook_endpoints/\(endpoint)/test").status == .accepted)
            let attempted = try await harness.services.webhookDeliverer.deliverDue()
            #expect(attempted == 1)
            let scraped = try await api.send(.get, "/metrics", key: "scrape-me")
            #expect(Self.value(of: "outbound_webhook_backlog", in: scraped.text) == 1, "the refused ping waits for its retry")
            ServerMetrics.shared.record([WebhookSettlement(endpoint: ID(trusted: endpoint), attempt: WebhookAttempt(
                delivery: 1, eventID: "event_1", eventType: "webhook.ping", at: Date(), status: 500, latency: 0.01, error: nil, responseHead: nil),
                next: .retry(at: Date()), disableEndpoint: nil)])
            let counted = try await api.send(.get, "/metrics", key: "scrape-me")
            #expect(counted.text.contains(#"outbound_webhook_attempts_total{outcome="retry"}"#))
        }
    }

    /// The value of an unlabelled sample.
    static func value(of name: String, in text: String) -> Double? {
        text.split(separator: "\n").first { $0.hasPrefix(name + " ") }.flatMap { Double($0.split(separator: " ").last ?? "") }
    }
}
