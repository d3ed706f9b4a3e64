import Foundation
import Logging
import OutboundCore
import ServiceLifecycle

/// Runs the dispatcher in the server: recovers interrupted sends at start, then ticks, sleeping
/// until the next thing is due — at most a second, so new work is picked up quickly, or, on a
/// store that says when new work comes (PostgreSQL's notifications), until it does, polling
/// every ten seconds as a fallback. Between ticks it admits the next batch of any campaign still
/// enrolling leads.
public struct DispatcherService: Service {
    let dispatcher: Dispatcher
    let lifecycle: LifecycleService?
    let clock: any TimeSource
    let logger: Logger

    public init(dispatcher: Dispatcher, lifecycle: LifecycleService? = nil, clock: any TimeSource, logger: Logger) {
        self.dispatcher = dispatcher
        self.lifecycle = lifecycle
        self.clock = clock
        self.logger = logger
    }

    public func run() async throws {
        let recovered = try await dispatcher.recover()
        if recovered.confirmed + recovered.uncertain > 0 {
            logger.warning("recovered interrupted sends", metadata: [
                "confirmed": "\(recovered.confirmed)", "uncertain": "\(recovered.uncertain)",
            ])
        }
        try await cancelWhenGracefulShutdown {
            var lastRecovery = ContinuousClock.now
            while !Task.isCancelled {
                do {
                    // Processes sharing the database: what a gone one left in flight is settled here.
                    if dispatcher.recoversWhileRunning, ContinuousClock.now - lastRecovery > .seconds(2) {
                        lastRecovery = .now
                        let recovered = try await dispatcher.recover()
                        if recovered.confirmed + recovered.uncertain > 0 {
                            logger.warning("took over sends of a stopped process", metadata: [
                                "confirmed": "\(recovered.confirmed)", "uncertain": "\(recovered.uncertain)",
                            ])
                        }
                    }
                    let enrolled = try await lifecycle?.continueEnrolling() ?? false
                    let report = try await dispatcher.tick()
                    ServerMetrics.shared.record(report)
                    if enrolled || report.dueAgain(at: clock.now) { continue }
                    let poll = Double(dispatcher.idlePoll.components.seconds)
                    let wake = report.nextWake
                    let wait = min(poll, max(0.05, (wake ?? clock.now.addingTimeInterval(poll)).timeIntervalSince(clock.now)))
                    try await dispatcher.awaitWork(upTo: .milliseconds(Int(wait * 1000)))
                } catch is CancellationError {
                    return
                } catch {
                    logger.error("dispatcher tick failed", metadata: ["error": "\(error)"])
                    try await Task.sleep(for: .seconds(1))
                }
            }
        }
    }
}
