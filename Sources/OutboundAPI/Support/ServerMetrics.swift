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
        for action in report.settled {
            Counter(label: "outbound_actions_total", dimensions: [("channel", action.channel.rawValue), ("state", action.state.rawValue)])
                .increment()
        }
        for seconds in report.lateness {
            Metrics.Timer(label: "outbound_dispatch_lag_seconds").recordNanoseconds(Int64(seconds * 1e9))
        }
    }

    /// The registry in Prometheus's text format, with the leads due now.
    func exposition(leadsDue: Int) -> String {
        Gauge(label: "outbound_leads_due").record(leadsDue)
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }
}

/// `GET /metrics` for a scraper that presents the metrics token (`outbound serve
/// --metrics-token`, `Authorization: Bearer …`); without a configured token the route is 404.
struct MetricsRoutes {
    let stats: StatsService
    let token: String?

    func register(on routes: RouteRecorder) {
        routes.on(.get, "/metrics") { request, _ in
            // Closed: the same 404 as a path that does not exist.
            guard let token else { return Problem(APIError.routeNotFound(request.uri.path)).response }
            guard request.headers[.authorization] == "Bearer \(token)" else {
                throw APIError.unauthorized("send the metrics token as Authorization: Bearer <token> (outbound serve --metrics-token)")
            }
            let text = ServerMetrics.shared.exposition(leadsDue: try await stats.leadsDueNow())
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"], body: .init(byteBuffer: ByteBuffer(string: text)))
        }
    }
}
