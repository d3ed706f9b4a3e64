import Foundation
import Hummingbird
import Metrics
import OutboundCore
import Prometheus

/// The process's metrics: swift-metrics with a Prometheus registry behind it, bootstrapped once
/// per process on first use. Hummingbird's `MetricsMiddleware` counts requests by route pattern
/// and status with a latency histogram; the dispatcher's reports add actions by channel and state
/// and the dispatch lag; `/metrics` adds the leads due now when scraped.
public final class ServerMetrics: Sendable {
    public static let shared = ServerMetrics()
    let registry: PrometheusCollectorRegistry

    private init() {
        registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
    }

    /// Counts what a tick did: every settled action by channel and state, and how late each went.
    public func record(_ report: TickReport) {
        // One counter per (channel, state) a tick settled, not one per action: this runs on the dispatcher's loop.
        var counts: [SettledAction: Int] = [:]
        for action in report.settled { counts[action, default: 0] += 1 }
        for (action, count) in counts {
            Counter(label: "outbound_actions_total", dimensions: [("channel", action.channel.rawValue), ("state", action.state.rawValue)])
                .increment(by: count)
        }
        guard !report.lateness.isEmpty else { return }
        let lag = Metrics.Timer(label: "outbound_dispatch_lag_seconds")
        for seconds in report.lateness { lag.recordNanoseconds(Int64(seconds * 1e9)) }
    }

    /// Counts webhook attempts by outcome (delivered, retry, failed) with their latency.
    public func record(_ settlements: [WebhookSettlement]) {
        var counts: [String: Int] = [:]
        let latency = Metrics.Timer(label: "outbound_webhook_latency_seconds")
        for settlement in settlements {
            let outcome = switch settlement.next {
            case .delivered: "delivered"
            case .retry: "retry"
            case .failed: "failed"
            }
            counts[outcome, default: 0] += 1
            latency.recordNanoseconds(Int64(settlement.attempt.latency * 1e9))
        }
        for (outcome, count) in counts {
            Counter(label: "outbound_webhook_attempts_total", dimensions: [("outcome", outcome)]).increment(by: count)
        }
    }

    /// The registry in Prometheus's text format, with the leads due now and the webhook backlog.
    func exposition(leadsDue: Int, webhookBacklog: Int) -> String {
        Gauge(label: "outbound_leads_due").record(leadsDue)
        Gauge(label: "outbound_webhook_backlog").record(webhookBacklog)
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }
}

/// `GET /metrics` for a scraper that presents the metrics token (`outbound serve
/// --metrics-token`, `Authorization: Bearer …`); without a configured token it is 404
/// `metrics-closed`, saying how to open it.
struct MetricsRoutes {
    let stats: StatsService
    let events: EventService
    let token: String?

    func register(on routes: RouteRecorder) {
        routes.on(.get, "/metrics") { request, _ in
            guard let token else {
                return Problem(.notFound, type: "metrics-closed", title: "Not Found",
                               detail: "this server exposes no metrics: start it with --metrics-token (or OUTBOUND_METRICS_TOKEN)").response
            }
            guard request.headers[.authorization] == "Bearer \(token)" else {
                throw APIError.unauthorized("send the metrics token as Authorization: Bearer <token> (outbound serve --metrics-token)")
            }
            let text = ServerMetrics.shared.exposition(leadsDue: try await stats.leadsDueNow(), webhookBacklog: try await events.webhookBacklog())
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"], body: .init(byteBuffer: ByteBuffer(string: text)))
        }
    }
}
