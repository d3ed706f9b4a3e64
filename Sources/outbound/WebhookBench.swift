import ArgumentParser
import Foundation
import Hummingbird
import Logging
import OutboundAPI
import OutboundChannels
import OutboundCore
import OutboundStore
import ServiceLifecycle

/// `outbound bench webhooks`: queues N events for one endpoint on a loopback receiver (this
/// process, answering 204), delivers them through the real outbox (claim, sign, POST, settle),
/// then posts the same number of signed bodies straight through the same HTTP client at the same
/// concurrency — the client's and receiver's ceiling on this machine in the same run.
struct WebhookBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "webhooks", abstract: "Webhook deliveries/s vs raw POSTs/s of the same client.")

    @Option(help: "Events to deliver.") var events: Int = 20_000
    @Flag(help: "Print one JSON line only.") var json = false

    func run() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("outbound-bench-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try SQLiteStore(path: folder.appendingPathComponent("outbound.sqlite").path)
        let poster = WebhookPoster(allowPrivate: true)
        let services = try await Services(store: store, webhookPoster: poster)
        let (workspace, _) = try await services.workspaces.createWorkspace(name: "bench")

        let router = Router()
        router.post("/hook") { _, _ in Response(status: .noContent) }
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let receiver = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                                   onServerRunning: { portContinuation.yield($0.localAddress?.port ?? 0) },
                                   logger: { var logger = Logger(label: "receiver"); logger.logLevel = .critical; return logger }())
        let group = ServiceGroup(configuration: .init(services: [receiver], logger: .init(label: "bench")))
        let serving = Task { try await group.run() }
        defer { serving.cancel() }
        var iterator = ports.makeAsyncIterator()
        let url = "http://127.0.0.1:\(try await iterator.next().orThrow("the receiver did not start"))/hook"

        var input = WebhookEndpointInput()
        input.url = .value(url)
        let endpoint = try await services.webhooks.create(input, in: workspace.id)
        try await store.insertBenchEvents(events, in: workspace.id, at: services.clock.now)
        if !json { emitError("queued \(events) events for \(url)") }

        // Ours: the deliverer as the server runs it, until the backlog is empty.
        let deliverer = services.webhookDeliverer
        let started = ContinuousClock.now
        let running = Task { try await deliverer.run(idle: .milliseconds(5)) }
        while try await services.webhooks.backlog(of: endpoint.endpoint.id, in: workspace.id) > 0 {
            try await Task.sleep(for: .milliseconds(20))
        }
        let ours = Self.seconds(ContinuousClock.now - started)
        running.cancel()
        _ = try? await running.value
        let sample = try await services.webhooks.attempts(of: endpoint.endpoint.id, in: workspace.id, page: PageRequest(limit: 100))
        guard sample.items.allSatisfy({ $0.status == 204 }) else { throw ValidationError("a delivery failed: \(sample.items.first { $0.status != 204 }!)") }

        // The ceiling: the same signed POSTs through the same client, as many in flight as the deliverer allows one endpoint.
        let body = Array(#"{"id":"event_00000000000000000000","seq":1,"type":"contact.suppressed","timestamp":"2026-11-30T00:00:00.000Z","data":{"suppression":{"id":"bench_1","object":"suppression","kind":"email","value":"bench1@example.com"}}}"#.utf8)
        let secret = endpoint.secret
        let concurrency = deliverer.perEndpoint
        let rawStart = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for lane in 0..<concurrency {
                group.addTask {
                    var index = lane
                    while index < events {
                        let answer = await poster.post(WebhookMessage(url: url, id: "event_\(index)", timestamp: Date(), body: body, secrets: [secret]))
                        guard answer.status == 204 else { throw ValidationError("raw POST failed: \(answer.error ?? "status \(answer.status ?? 0)")") }
                        index += concurrency
                    }
                }
            }
            try await group.waitForAll()
        }
        let raw = Self.seconds(ContinuousClock.now - rawStart)
        let ourRate = Double(events) / ours, rawRate = Double(events) / raw
        if !json { emitError("ours \(String(format: "%.2f", ours)) s, raw POSTs \(String(format: "%.2f", raw)) s, \(concurrency) in flight") }
        emit(String(format: #"{"bench":"webhooks","events":%d,"in_flight":%d,"events_per_s":%.0f,"raw_posts_per_s":%.0f,"ratio":%.3f}"#,
                    events, concurrency, ourRate, rawRate, ourRate / rawRate))
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
