import Foundation
import OutboundCore
import OutboundTestSupport
import Testing

/// The web app in a real browser: headless Chromium driven over the DevTools protocol by
/// `Scripts/browser-check`, against the real server on loopback. Screenshots of each page go to
/// `.build/screenshots/`.
@Suite(TestPeer.chromium.trait) struct BrowserTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Scripts/browser-check").path
    static let screenshots = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent(".build/screenshots").path

    @Test func signInCampaignsPauseResumeInboxSendersSuppressionsKeysSessionsSignOut() async throws {
        // The demo workspace `serve --demo` makes: its campaigns are launched and its user exists.
        let harness = try await Harness.make()
        let password = try await harness.services.demo.populate(harness.workspace, leadsPerCampaign: 30)
        try await harness.run { api in
            // The engine sends the first steps (on the simulator), and one lead answers.
            _ = try await harness.services.dispatcher.drain()
            let lead = try #require(DemoService.people(count: 90)[30].email.value)
            let reply = try await api.send(.post, "/v1/inbound", json: #"{"type": "replied", "email": "\#(lead)", "body": "Sounds good, call me on Tuesday."}"#)
            #expect(reply.status == .accepted)
            let port = try #require(api.client.port)

            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", Self.script, "--base", "http://127.0.0.1:\(port)", "--email", DemoService.email,
                                 "--password", password, "--campaign", "Founders: hiring help", "--out", Self.screenshots]
            let output = Pipe()
            process.standardOutput = output
            process.standardError = output
            try process.run()
            // Read while it runs (a full pipe would stall it); EOF when it exits.
            let said = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            for _ in 0..<500 where process.isRunning { try await Task.sleep(for: .milliseconds(10)) }
            #expect(process.terminationStatus == 0, "\(said)")
            #expect(said.contains("browser-check: ok"), "\(said)")
            for page in ["1-sign-in", "2-campaigns", "3-campaign", "4-inbox", "5-conversation", "6-import", "7-senders", "8-suppressions", "9-keys", "10-sessions"] {
                #expect(FileManager.default.fileExists(atPath: "\(Self.screenshots)/\(page).png"), "\(page).png")
            }
        }
    }
}
