import Foundation
import OutboundCore
import Synchronization

/// The campaign page's forecasts, kept a minute: a forecast replays the whole campaign (seconds
/// at 100k leads), so the view that starts one waits at most `patience` for it; a slower one
/// finishes in the background and shows on a later view, and an older one is shown while it is
/// redone. A forecast of another version of the campaign (edited, paused, resumed) is never shown.
actor ForecastCache {
    private struct Entry {
        var version: Date
        var forecast: ForecastService.Forecast?
        var computedAt: ContinuousClock.Instant?
        var running: Task<ForecastService.Forecast?, Never>?
    }

    private var entries: [ID: Entry] = [:]
    let freshFor: Duration
    let patience: Duration

    init(freshFor: Duration = .seconds(60), patience: Duration = .milliseconds(800)) {
        self.freshFor = freshFor
        self.patience = patience
    }

    /// What a view of a campaign shows of its forecast.
    enum Answer {
        /// Worked out (nil when it could not be).
        case ready(ForecastService.Forecast?)
        /// Still being worked out: it shows on a later view.
        case pending
    }

    /// The forecast of `campaign`, working it out with `compute` when there is none fresh.
    func forecast(of campaign: Campaign, compute: @escaping @Sendable () async -> ForecastService.Forecast?) async -> Answer {
        var entry = entries[campaign.id].flatMap { $0.version == campaign.updatedAt ? $0 : nil } ?? Entry(version: campaign.updatedAt)
        if let at = entry.computedAt, ContinuousClock.now - at < freshFor { return .ready(entry.forecast) }
        // Being worked out for an earlier view: this one shows what there is (an older forecast of
        // this version is good enough meanwhile) and does not wait again.
        if entry.running != nil { return entry.computedAt == nil ? .pending : .ready(entry.forecast) }
        let running = Task { await compute() }
        entry.running = running
        entries[campaign.id] = entry
        Task { await self.finished(campaign.id, version: campaign.updatedAt, with: await running.value) }
        if entry.computedAt != nil { return .ready(entry.forecast) }
        guard let done = await Self.value(of: running, waitingAtMost: patience) else { return .pending }
        return .ready(done)
    }

    private func finished(_ id: ID, version: Date, with forecast: ForecastService.Forecast?) {
        guard entries[id]?.version == version else { return }
        entries[id] = Entry(version: version, forecast: forecast, computedAt: .now, running: nil)
        if entries.count > 1_000 { entries = entries.filter { $0.value.running != nil || $0.key == id } }
    }

    /// The task's value, or nil when it takes longer than `limit` (it goes on regardless).
    private static func value<T: Sendable>(of task: Task<T, Never>, waitingAtMost limit: Duration) async -> T? {
        await withCheckedContinuation { continuation in
            let answered = Mutex(false)
            let answer = { @Sendable (value: T?) in
                if !answered.withLock({ done in defer { done = true }; return done }) { continuation.resume(returning: value) }
            }
            Task { answer(await task.value) }
            Task {
                try? await Task.sleep(for: limit)
                answer(nil)
            }
        }
    }
}
