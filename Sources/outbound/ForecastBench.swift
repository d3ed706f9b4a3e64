import ArgumentParser
import Foundation
import OutboundAPI
import OutboundCore
import OutboundStore

/// `outbound bench forecast --leads N`: how long `GET /v1/campaigns/{id}/forecast` takes for a
/// draft of N leads on 10 email senders (email → 2 days → reply email, weekdays 09–17, the
/// default limits), through the same ForecastService the route calls.
struct ForecastBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "forecast", abstract: "Seconds to forecast an N-lead campaign.")

    @Option(help: "Leads in the campaign.") var leads: Int = 10_000
    @Option(help: "Email senders on the campaign.") var senders: Int = 10
    @Flag(help: "Print one JSON line only.") var json = false

    func run() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("outbound-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try SQLiteStore(path: folder.appendingPathComponent("outbound.sqlite").path)
        // Monday 2026-11-30 08:00 UTC: the first window opens within the hour.
        let clock = VirtualClock(Date(timeIntervalSince1970: 1_796_025_600))
        let services = try await Services(store: store, clock: clock)
        let (workspace, _) = try await services.workspaces.createWorkspace(name: "bench")
        let now = clock.now
        let senderIDs = try await BenchWorkspace.insertEmailSenders(senders, in: workspace.id, store: store, at: now).map(\.id)
        let weekdays = [Weekday.monday, .tuesday, .wednesday, .thursday, .friday]
        var campaign = Campaign(id: .generate(.campaign), workspaceID: workspace.id, name: "Forecast", channel: .email, dryRun: true,
                                schedule: Schedule(Dictionary(uniqueKeysWithValues: weekdays.map { ($0, [MinuteRange(start: 9 * 60, end: 17 * 60)]) })),
                                senderIDs: senderIDs, createdAt: now, updatedAt: now)
        campaign.sequence = CampaignSequence(version: 2, nodes: [
            Node(id: "n1", kind: .email(EmailStep(subject: "Hi {{first_name | \"there\"}}", body: "Hello. Reply stop to unsubscribe.")), next: "n2"),
            Node(id: "n2", kind: .delay(minutes: 2 * 1440), next: "n3"),
            Node(id: "n3", kind: .email(EmailStep(subject: "", body: "Following up. Reply stop to unsubscribe.", isReply: true)), next: "n4"),
            Node(id: "n4", kind: .end),
        ])
        try await store.insertCampaign(campaign)
        var contacts: [Contact] = []
        for index in 0..<leads {
            contacts.append(Contact(id: .generate(.contact), workspaceID: workspace.id, firstName: "Lead\(index)",
                                    email: "lead\(index)@bench.example", createdAt: now, updatedAt: now))
        }
        for start in stride(from: 0, to: contacts.count, by: 10_000) {
            let chunk = Array(contacts[start..<min(start + 10_000, contacts.count)])
            try await store.saveContacts(inserting: chunk, updating: [])
            _ = try await store.insertLeads(chunk.map(\.id), into: campaign, at: now)
        }
        let started = Date()
        let forecast = try await services.forecasts.forecast(campaign.id, in: workspace.id)
        let seconds = Date().timeIntervalSince(started)
        let completion = forecast.estimatedCompletionAt.map { $0.formatted(.iso8601) } ?? "none within a year"
        if !json {
            emitError("forecast of \(leads) leads: \(forecast.simulatedActions) actions over \(forecast.actionsPerDay.count) sending days, "
                      + "completion \(completion), bottleneck \(forecast.bottleneck)")
        }
        let rate = String(format: "%.0f", Double(forecast.simulatedActions) / max(seconds, 1e-9))
        emit(#"{"bench":"forecast","leads":\#(leads),"senders":\#(senders),"seconds":\#(String(format: "%.3f", seconds)),"#
             + #""actions":\#(forecast.simulatedActions),"actions_per_s":\#(rate),"completion":"\#(completion)","bottleneck":"\#(forecast.bottleneck)"}"#)
    }
}
