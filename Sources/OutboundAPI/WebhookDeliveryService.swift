import Foundation
import Logging
import OutboundCore
import ServiceLifecycle

/// Runs the webhook outbox in the server: makes the deliveries a previous process had claimed
/// due again, then delivers until shutdown; once an hour it trims the event log to its retention.
public struct WebhookDeliveryService: Service {
    let deliverer: WebhookDeliverer
    let events: EventService
    let logger: Logger

    public init(deliverer: WebhookDeliverer, events: EventService, logger: Logger) {
        self.deliverer = deliverer
        self.events = events
        self.logger = logger
    }

    public func run() async throws {
        try await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await deliver() }
                group.addTask { await prune() }
                await group.waitForAll()
            }
        }
    }

    private func deliver() async {
        while !Task.isCancelled {
            do {
                let released = try await deliverer.recover()
                if released > 0 { logger.notice("webhook deliveries interrupted by the last stop are due again", metadata: ["count": "\(released)"]) }
                try await deliverer.run(onSettled: { ServerMetrics.shared.record($0) })
            } catch is CancellationError {
                return
            } catch {
                logger.error("webhook delivery failed", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: .seconds(1))
            }
        }
    }

    private func prune() async {
        while !Task.isCancelled {
            do {
                let removed = try await events.prune()
                if removed > 0 { logger.info("events past retention removed", metadata: ["count": "\(removed)"]) }
                try await Task.sleep(for: .seconds(3600))
            } catch is CancellationError {
                return
            } catch {
                logger.error("event pruning failed", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: .seconds(60))
            }
        }
    }
}
