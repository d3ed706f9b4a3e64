import ArgumentParser
import AsyncHTTPClient
import Foundation
import Hummingbird
import NIOCore
import NIOHTTP1
import OutboundAPI
import OutboundCore
import OutboundStore
import ServiceLifecycle

/// `outbound bench pages`: the web app's server time per page — signed in over real HTTP on
/// loopback, one request at a time — on the demo workspace (after two simulated hours of its
/// campaigns) and on a workspace with one campaign of `--leads` leads, next to `/healthz` on the
/// same server in the same run (the floor: what any page costs before its own work).
struct PagesBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "pages", abstract: "Web app pages' server time (median, p95) vs /healthz.")

    @Option(help: "Leads in the large workspace's campaign.") var leads: Int = 100_000
    @Option(help: "Requests per page.") var requests: Int = 20
    @Flag(help: "Print JSON lines only.") var json = false

    func run() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("outbound-bench-pages-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let password = "bench password"

        // The demo workspace, run for two hours of simulated time.
        let demoFolder = folder.appendingPathComponent("demo")
        try FileManager.default.createDirectory(at: demoFolder, withIntermediateDirectories: true)
        let clock = VirtualClock(Date())
        let store = try SQLiteStore(path: demoFolder.appendingPathComponent("outbound.sqlite").path)
        let demo = try await Services(store: store, clock: clock, planner: Planner(random: RandomSource(seed: 42)))
        let (workspace, _) = try await demo.workspaces.createWorkspace(name: "Demo")
        _ = try await demo.demo.populate(workspace.id)
        _ = try await demo.users.create(email: "bench@outbound.example", password: password, fullName: nil, accessRole: "ADMIN", in: workspace.id)
        let end = clock.now.addingTimeInterval(2 * 3600)
        while clock.now < end {
            _ = try await demo.dispatcher.drain()
            clock.set(min(end, max(clock.now.addingTimeInterval(1), try await demo.dispatcher.nextWake() ?? end)))
        }
        let demoCampaign = try await demo.campaigns.list(in: workspace.id, page: PageRequest(limit: 10)).items
            .first { $0.channel == .email }.orThrow("the demo has no email campaign")
        let thread = try await demo.inbox.threads(in: workspace.id, limit: 1).first
        if !json { emitError("demo: 2 simulated hours run; timing its pages") }
        try await measure("demo", services: demo, password: password, pages: pages(campaign: demoCampaign.id, thread: thread))

        // One campaign of `leads` leads.
        let built = try await BenchWorkspace.build(in: folder.appendingPathComponent("large"), leads: leads, campaigns: 1, senders: 10, startIn: 0)
        let campaign = try built.campaigns.first.orThrow("the bench workspace has no campaign")
        _ = try await built.services.users.create(email: "bench@outbound.example", password: password, fullName: nil, accessRole: "ADMIN",
                                                  in: built.workspace)
        // Monday 09:00 UTC: the first sends of the day.
        built.clock.set(built.clock.now.addingTimeInterval(9 * 3600))
        _ = try await built.services.dispatcher.drain()
        if !json { emitError("\(leads) leads built in \(String(format: "%.1f", built.seconds)) s; timing the pages") }
        try await measure("\(leads)_leads", services: built.services, password: password, pages: pages(campaign: campaign, thread: nil))
    }

    private func pages(campaign: ID, thread: InboxThread?) -> [(String, String)] {
        var pages = [
            ("healthz", "/healthz"), ("campaigns", "/app/campaigns"), ("campaign", "/app/campaigns/\(campaign)"),
            ("campaign_leads_filtered", "/app/campaigns/\(campaign)?state=pending"), ("inbox", "/app/inbox"),
        ]
        if let thread { pages.append(("conversation", "/app/inbox/\(thread.campaignID)/\(thread.contactID)")) }
        pages += [("senders", "/app/senders"), ("contacts", "/app/contacts"), ("lists", "/app/lists"), ("suppressions", "/app/suppressions"),
                  ("keys", "/app/settings/keys"), ("webhooks", "/app/settings/webhooks"), ("users", "/app/settings/users"),
                  ("sessions", "/app/settings/sessions"), ("leads_csv", "/app/campaigns/\(campaign)/leads.csv")]
        return pages
    }

    /// Serves `services`, signs in, and times each page `requests` times in turn.
    private func measure(_ size: String, services: Services, password: String, pages: [(String, String)]) async throws {
        let server = try await BenchServer.start(services)
        let base = server.base
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow  // the sign-in answers 303 with the session cookie
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        do {
            try await time(size, pages: pages, base: base, client: client, password: password)
            try await client.shutdown()
        } catch {
            try? await client.shutdown()
            await server.stop()
            throw error
        }
        await server.stop()
    }

    private func time(_ size: String, pages: [(String, String)], base: String, client: HTTPClient, password: String) async throws {

        // Sign in as a browser does: the login form's cookie and token, then the session cookie.
        let form = try await client.execute(HTTPClientRequest(url: base + "/app/login"), timeout: .seconds(30))
        let loginCookie = Self.cookies(form.headers)
        let html = String(buffer: try await form.body.collect(upTo: 1 << 20))
        let token = try html.range(of: #"name="_csrf" value=""#).map { html[$0.upperBound...].prefix { $0 != "\"" } }.orThrow("no sign-in form")
        var login = HTTPClientRequest(url: base + "/app/login")
        login.method = .POST
        login.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        login.headers.add(name: "Cookie", value: loginCookie)
        login.body = .bytes(ByteBuffer(string: "_csrf=\(token)&email=bench%40outbound.example&password=\(password.replacingOccurrences(of: " ", with: "+"))"))
        let session = Self.cookies(try await client.execute(login, timeout: .seconds(30)).headers)
        guard session.contains("outbound_session=") else { throw ValidationError("the bench could not sign in") }

        // The campaign page's forecast is worked out in the background on a first view: time how
        // long until it shows, then time the pages with it at hand, as a second visitor sees them.
        if let (_, path) = pages.first(where: { $0.0 == "campaign" }) {
            let began = ContinuousClock.now
            while true {
                var request = HTTPClientRequest(url: base + path)
                request.headers.add(name: "Cookie", value: session)
                let page = String(buffer: try await client.execute(request, timeout: .seconds(120)).body.collect(upTo: 1 << 26))
                if !page.contains("The forecast is being worked out") { break }
                guard ContinuousClock.now - began < .seconds(600) else { throw ValidationError("the forecast took over 10 minutes") }
                try await Task.sleep(for: .milliseconds(200))
            }
            let elapsed = ContinuousClock.now - began
            emit(String(format: #"{"bench":"pages","size":"%@","page":"campaign_first_forecast","seconds":%.2f}"#, size,
                        Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18))
        }
        var floor: Double?
        for (name, path) in pages {
            var times: [Double] = []
            var bytes = 0
            for _ in 0..<requests {
                var request = HTTPClientRequest(url: base + path)
                request.headers.add(name: "Cookie", value: session)
                let began = ContinuousClock.now
                let response = try await client.execute(request, timeout: .seconds(120))
                let body = try await response.body.collect(upTo: 1 << 30)
                let elapsed = ContinuousClock.now - began
                guard response.status == .ok else { throw ValidationError("\(path) answered \(response.status.code)") }
                bytes = body.readableBytes
                times.append(Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15)
            }
            times.sort()
            let median = times[times.count / 2], p95 = times[min(times.count - 1, Int(Double(times.count) * 0.95))]
            if name == "healthz" { floor = median }
            emit(String(format: #"{"bench":"pages","size":"%@","page":"%@","median_ms":%.2f,"p95_ms":%.2f,"healthz_ms":%.2f,"bytes":%d}"#,
                        size, name, median, p95, floor ?? median, bytes))
        }
    }

    /// `name=value` pairs of a response's `Set-Cookie` headers, as a `Cookie` header.
    private static func cookies(_ headers: HTTPHeaders) -> String {
        headers["Set-Cookie"].compactMap { $0.split(separator: ";").first.map(String.init) }.joined(separator: "; ")
    }
}
