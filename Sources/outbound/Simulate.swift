import ArgumentParser
import Foundation
import OutboundAPI
import OutboundCore
import OutboundStore

/// `outbound simulate --campaign ID`: the forecast as a table.
struct Simulate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Forecast when a campaign finishes and what it sends each day.")

    @Option(help: "Campaign ID.") var campaign: String
    @Option(help: "Days to simulate at most.") var horizonDays: Int = 365
    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        guard let id = ID(campaign, kind: .campaign) else { throw ValidationError("\(campaign) is not a campaign ID") }
        let store = try await database.open()
        let services = try await Services(store: store)
        var workspace: ID?
        for candidate in try await store.workspaceIDs(limit: 10_000) where try await store.campaign(id, in: candidate) != nil {
            workspace = candidate
        }
        guard let workspace else { throw ValidationError("no campaign \(campaign) in \(database.path)") }
        let forecast = try await services.forecasts.forecast(id, in: workspace, horizonDays: horizonDays)
        emit("campaign    \(campaign)")
        emit("completion  \(forecast.estimatedCompletionAt.map { $0.formatted(.iso8601) } ?? "not within \(horizonDays) days")")
        emit("bottleneck  \(forecast.bottleneck)")
        emit("actions     \(forecast.simulatedActions)")
        emit("")
        emit("date        actions")
        for day in forecast.actionsPerDay { emit("\(day.date)  \(String(repeating: " ", count: max(0, 7 - String(day.count).count)))\(day.count)") }
    }
}
