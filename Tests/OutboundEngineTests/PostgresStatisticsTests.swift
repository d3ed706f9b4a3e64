import Foundation
import Testing
import OutboundCore
import OutboundTestSupport

/// A launch of thousands of leads refreshes the server's statistics of the leads at once, so the
/// dispatcher's first minute is not planned blind (`TableStatistics`); a small one leaves them to
/// autovacuum.
@Suite(TestPeer.postgres.trait) struct PostgresStatisticsTests {
    @Test func aLargeLaunchRefreshesTheLeadsStatisticsAndASmallOneDoesNot() async throws {
        let engine = try await Engine.make(.postgres)
        defer { engine.cleanup() }
        let sender = try await engine.emailSender("Sam", gap: 0)
        // `last_analyze` is set by an ANALYZE statement only, never by autovacuum.
        let analyzed = "SELECT 'analyzed', count(*) FROM pg_stat_user_tables WHERE relname = 'enrollments' AND last_analyze IS NOT NULL"

        let small = try await engine.emailCampaign("Small", senders: [sender])
        _ = try await engine.addLeads(10, to: small, prefix: "small")
        _ = try await engine.services.lifecycle.launch(small.id, in: engine.workspace)
        #expect(try await engine.counts(analyzed)["analyzed"] == 0, "ten leads are left to autovacuum")

        let large = try await engine.emailCampaign("Large", senders: [sender])
        _ = try await engine.addLeads(1_200, to: large, prefix: "large")
        _ = try await engine.services.lifecycle.launch(large.id, in: engine.workspace)
        #expect(try await engine.counts(analyzed)["analyzed"] == 1, "1,210 leads written since the last refresh")
    }
}
