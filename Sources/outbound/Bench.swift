import ArgumentParser
import Foundation
import OutboundAPI
import OutboundCore
import OutboundPostgres
import OutboundStore
import ServiceLifecycle

/// `outbound bench …`: our figure next to the physical limit measured in the same run (docs/ARCHITECTURE.md §8).
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Measure Outbound against its physical limits.",
                                                    subcommands: [ImportBench.self, RenderBench.self, DispatchBench.self, IdleTickBench.self, ForecastBench.self, APIBench.self, WebhookBench.self, PagesBench.self])
}

/// Imports an N-row CSV through the real import path into a fresh database, then loads the
/// same file with `sqlite3 .import` into a plain table, and prints both rates.
struct ImportBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "import", abstract: "CSV import rows/s vs sqlite3 .import.")

    @Option(help: "Rows in the generated CSV.") var rows: Int = 100_000
    @Flag(help: "Print one JSON line only.") var json = false
    @Option(help: "Keep the generated files in this directory (default: a temporary one, removed).") var directory: String?
    @Option(help: "An empty PostgreSQL database to import into (postgres://…); the limit is then psql's COPY of the same file.")
    var database: String?
    @Option(help: "The psql program (with --database).") var psql: String = "psql"

    func run() async throws {
        let folder = directory.map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("outbound-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { if directory == nil { try? FileManager.default.removeItem(at: folder) } }
        let csv = folder.appendingPathComponent("contacts.csv")
        try Self.generate(rows: rows, to: csv)
        if !json { emitError("generated \(rows) rows in \(csv.path)") }

        // Ours: the same ImportService that serves POST /v1/imports and `outbound import`.
        let store: any Store = if let database { try await PostgresStore(url: database) }
            else { try SQLiteStore(path: folder.appendingPathComponent("outbound.sqlite").path) }
        let services = try await Services(store: store)
        let (workspace, _) = try await services.workspaces.createWorkspace(name: "bench")
        let handle = try FileHandle(forReadingFrom: csv)
        let started = Date()
        let job = try await services.imports.start(filename: "contacts.csv", listID: nil, in: workspace.id)
        let finished = try await services.imports.run(job, source: FileChunks(handle: handle, progress: nil))
        let ours = Date().timeIntervalSince(started)
        guard finished.created == rows else {
            throw ValidationError("import created \(finished.created) of \(rows) rows: \(finished.errors.prefix(3))")
        }

        if let database {
            // The limit: PostgreSQL's own CSV loader (COPY, through psql) into a table with no index, same file.
            let copy = Process()
            copy.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            copy.arguments = [psql, database, "-q", "-v", "ON_ERROR_STOP=1",
                              "-c", "CREATE TABLE contacts_raw (first text, last text, email text, phone text, company text, title text, linkedin text, industry text)",
                              "-c", "\\copy contacts_raw FROM '\(csv.path)' WITH (FORMAT csv, HEADER true)",
                              "-c", "DROP TABLE contacts_raw"]
            copy.standardOutput = FileHandle.nullDevice
            let copyStart = Date()
            try copy.run()
            copy.waitUntilExit()
            let baseline = Date().timeIntervalSince(copyStart)
            guard copy.terminationStatus == 0 else { throw ValidationError("psql's COPY failed (is psql installed? --psql PATH)") }
            let ourRate = Double(rows) / ours, baseRate = Double(rows) / baseline
            if !json { emitError("ours \(String(format: "%.2f", ours)) s, psql COPY \(String(format: "%.2f", baseline)) s") }
            emit(String(format: #"{"bench":"import","database":"postgresql","rows":%d,"rows_per_s":%.0f,"baseline_rows_per_s":%.0f,"ratio":%.3f,"peak_rss_mb":%.1f}"#,
                        rows, ourRate, baseRate, ourRate / baseRate, Self.peakRSSMegabytes()))
            return
        }

        // The limit: sqlite3's own CSV loader into a table with no index, same disk, same file.
        let baselineDB = folder.appendingPathComponent("baseline.sqlite").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["sqlite3", baselineDB]
        let input = Pipe()
        process.standardInput = input
        let baselineStart = Date()
        try process.run()
        input.fileHandleForWriting.write(Data(".mode csv\n.import \(csv.path) contacts_raw\n".utf8))
        try input.fileHandleForWriting.close()
        process.waitUntilExit()
        let baseline = Date().timeIntervalSince(baselineStart)
        guard process.terminationStatus == 0 else { throw ValidationError("sqlite3 .import failed (is sqlite3 installed?)") }

        let ourRate = Double(rows) / ours, baseRate = Double(rows) / baseline
        let line = String(format: #"{"bench":"import","rows":%d,"rows_per_s":%.0f,"baseline_rows_per_s":%.0f,"ratio":%.3f,"peak_rss_mb":%.1f}"#,
                          rows, ourRate, baseRate, ourRate / baseRate, Self.peakRSSMegabytes())
        if !json { emitError("ours \(String(format: "%.2f", ours)) s, sqlite3 .import \(String(format: "%.2f", baseline)) s") }
        emit(line)
    }

    /// Writes `rows` distinct contacts with every identity and one custom column, in 1 MiB chunks.
    static func generate(rows: Int, to url: URL) throws {
        FileManager.default.createFile(atPath: url.path, contents: nil)
        let handle = try FileHandle(forWritingTo: url)
        defer { try? handle.close() }
        var buffer = "First Name,Last Name,Email,Phone,Company,Job Title,LinkedIn URL,Industry\n"
        let firsts = ["Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken"]
        let lasts = ["Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen", "Thompson"]
        for i in 0..<rows {
            let first = firsts[i % firsts.count], last = lasts[(i / 8) % lasts.count]
            let phone = String(format: "+1415%07d", i % 10_000_000)
            buffer += "\(first),\(last),\(first.lowercased()).\(i)@example\(i % 997).com,\(phone),\"Acme \(i % 5000), Inc.\","
            buffer += "Head of Growth,https://www.linkedin.com/in/\(first.lowercased())-\(i),SaaS\n"
            if buffer.utf8.count > 1 << 20 {
                handle.write(Data(buffer.utf8))
                buffer.removeAll(keepingCapacity: true)
            }
        }
        handle.write(Data(buffer.utf8))
    }

    /// VmHWM of this process, in MB.
    static func peakRSSMegabytes() -> Double {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kb = Double(line.split(separator: " ").dropFirst().first ?? "")
        else { return 0 }
        return kb / 1024
    }
}

/// Renders a compiled 3-variable message with spintax for many leads, next to building the same
/// text by plain string interpolation (what rendering cannot beat).
struct RenderBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "render", abstract: "Template renders/s vs plain interpolation.")

    @Option(help: "Renders to time.") var count: Int = 1_000_000
    @Flag(help: "Print one JSON line only.") var json = false

    func run() async throws {
        let template = try Template.parse("{Hi|Hello|Hey} {{first_name | \"there\"}}, saw {{company}} is hiring a {{title}} — worth a chat?")
        let now = Date()
        let leads = (0..<1_000).map { index in
            Contact(id: .generate(.contact), workspaceID: .generate(.workspace), firstName: "Ada\(index)",
                    company: "Acme \(index)", title: "Head of Growth", createdAt: now, updatedAt: now)
        }
        let greetings = ["Hi", "Hello", "Hey"]
        var checksum = 0
        let started = Date()
        for index in 0..<count {
            let lead = leads[index % leads.count]
            let seed = Template.choiceSeed(lead: lead.id.rawValue, node: "n1")
            checksum &+= template.render(RenderContext(contact: lead, sender: nil), seed: seed).text.utf8.count
        }
        let ours = Date().timeIntervalSince(started)
        let baselineStart = Date()
        for index in 0..<count {
            let lead = leads[index % leads.count]
            let greeting = greetings[index % 3]
            let text = "\(greeting) \(lead.firstName ?? "there"), saw \(lead.company ?? "") is hiring a \(lead.title ?? "") — worth a chat?"
            checksum &+= text.utf8.count
        }
        let baseline = Date().timeIntervalSince(baselineStart)
        let line = String(format: #"{"bench":"render","renders":%d,"renders_per_s":%.0f,"baseline_per_s":%.0f,"ratio":%.3f,"checksum":%d}"#,
                          count, Double(count) / ours, Double(count) / baseline, baseline / ours, checksum)
        emit(line)
    }
}

/// Builds a workspace of N leads over C campaigns and S senders in a fresh SQLite file, runs the
/// real dispatcher on a virtual clock with the simulator until every lead is terminal, and
/// checks the recorded actions independently for duplicates, cap and window violations.
struct DispatchBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "dispatch", abstract: "Dispatch actions/s vs raw INSERT+UPDATE.")

    @Option(help: "Leads.") var leads: Int = 10_000
    @Option(help: "Campaigns.") var campaigns: Int = 10
    @Option(help: "Senders (shared out evenly).") var senders: Int = 20
    @Option(help: "Virtual seconds the clock moves at least per wake: 60 is a dispatcher that always finds a minute of work (capacity); 1 is an idle server's cadence, where the cost is per wake.")
    var tickSeconds: Double = 60
    @Option(help: "Action/enrollment pairs per transaction in the two baselines (500: the issue's; a 1M-lead wake carries about 46).")
    var baselineBatch: Int = 500
    @Flag(help: "Print one JSON line only.") var json = false
    @Flag(help: "Time every SQL statement shape of the dispatch and print the costliest (slows the run a little).")
    var profileSQL = false
    @Option(help: "An empty PostgreSQL database to run on (postgres://…) instead of a new SQLite file.") var database: String?
    @Option(help: "PostgreSQL: dispatchers sharing the database, each with its own store and connections, as separate processes have.")
    var workers: Int = 1

    func validate() throws {
        if workers < 1 || workers > 16 { throw ValidationError("--workers must be from 1 to 16") }
        if workers > 1, database == nil { throw ValidationError("--workers needs --database postgres://… (a SQLite file has one dispatcher)") }
        if profileSQL, database != nil { throw ValidationError("--profile-sql times SQLite's statements; it has no use with --database") }
    }

    func run() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("outbound-bench-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let built = try await BenchWorkspace.build(in: folder, database: database, leads: leads, campaigns: campaigns, senders: senders,
                                                   startIn: 0)
        if !json { emitError("built \(leads) leads, \(campaigns) campaigns, \(senders) senders in \(String(format: "%.1f", built.seconds)) s") }
        if let database { return try await runOnPostgres(built, url: database) }
        let sqlite = built.store as! SQLiteStore
        let profile = profileSQL ? sqlite.profileStatements() : nil
        let services = built.services, clock = built.clock
        let started = Date(), startedCPU = Self.cpuSeconds()
        var ticks = 0, dispatched = 0, visits = 0, moves = 0, signals = 0
        var lastProgress = started
        while true {
            let report = try await services.dispatcher.drain()
            ticks += 1
            dispatched += report.actions
            visits += report.senders
            moves += report.moves
            signals += report.signals
            if !json, Date().timeIntervalSince(lastProgress) >= 10 {
                lastProgress = Date()
                emitError(String(format: "… %d actions in %.0f s (%.0f/s), virtual clock at %@", dispatched, lastProgress.timeIntervalSince(started),
                                 Double(dispatched) / lastProgress.timeIntervalSince(started), clock.now.formatted(.iso8601)))
            }
            guard let wake = report.nextWake else { break }
            // Wake at the next due moment, taking whatever falls due within the tick.
            clock.set(max(wake, clock.now.addingTimeInterval(tickSeconds)))
        }
        let seconds = Date().timeIntervalSince(started), cpu = Self.cpuSeconds() - startedCPU
        if let profile {
            for entry in profile.top.prefix(40) {
                emitError(String(format: "%7.2f s %9d × %6.1f µs  %@", entry.seconds, entry.count, entry.seconds / Double(entry.count) * 1e6,
                                 String(entry.sql.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ").prefix(150))))
            }
        }
        let check = try sqlite.benchCheck()
        // The limits, for the same number of actions: in key order (the issue's) and in due order.
        let count = max(check.actions, 1)
        let base = Double(count) / (try SQLiteBaseline.insertUpdate(count: count, batch: baselineBatch,
                                                                    path: folder.appendingPathComponent("baseline.sqlite").path))
        let scatteredBase = Double(count) / (try SQLiteBaseline.insertUpdate(count: count, batch: baselineBatch,
                                                                             path: folder.appendingPathComponent("scattered.sqlite").path, scattered: true))
        let ours = Double(check.actions) / seconds
        if !json {
            emitError("dispatched \(check.actions) actions in \(String(format: "%.1f", seconds)) s (\(String(format: "%.1f", cpu)) s of CPU) over \(ticks) wakes (\(visits) sender visits, \(moves) lead moves, \(signals) signals); open leads: \(check.open)")
        }
        emit(String(format: #"{"bench":"dispatch","leads":%d,"campaigns":%d,"senders":%d,"tick_seconds":%.0f,"actions":%d,"actions_per_s":%.0f,"baseline_per_s":%.0f,"ratio":%.3f,"scattered_baseline_per_s":%.0f,"peak_rss_mb":%.1f,"duplicates":%d,"cap_violations":%d,"window_violations":%d,"open_leads":%d}"#,
                    leads, campaigns, senders, tickSeconds, check.actions, ours, base, ours / base, scatteredBase, ImportBench.peakRSSMegabytes(),
                    check.duplicates, check.capViolations, check.windowViolations, check.open))
    }
}

extension DispatchBench {
    /// `workers` dispatchers (each its own `PostgresStore`: its own connections and process name)
    /// drain what is due at each instant together; the clock moves when none finds more, to the
    /// next moment anything is due. Real time
    /// moves the same way for them: a process that has sent what is due waits for what falls due
    /// next while the others finish theirs.
    func runOnPostgres(_ built: BenchWorkspace, url: String) async throws {
        var dispatchers = [built.services.dispatcher]
        for _ in 1..<workers {
            dispatchers.append(try await Services(store: PostgresStore(url: url), clock: built.clock,
                                                  planner: Planner(random: RandomSource(seed: 42))).dispatcher)
        }
        let clock = built.clock
        let started = Date(), cpuBefore = Self.cpuSeconds()
        var wakes = 0, quietWakes = 0, quietSeconds = 0.0
        while true {
            let wakeStarted = Date()
            let reports = try await withThrowingTaskGroup(of: TickReport.self) { group in
                for dispatcher in dispatchers { group.addTask { try await dispatcher.drain() } }
                return try await group.reduce(into: [TickReport]()) { $0.append($1) }
            }
            wakes += 1
            if reports.allSatisfy({ $0.actions == 0 }) { quietWakes += 1; quietSeconds += Date().timeIntervalSince(wakeStarted) }
            // With several, a report's next wake may predate what another wrote after it (a sender
            // it saw due that the other then took): the clock moves to what the store says now.
            let next = workers > 1 ? try await dispatchers[0].nextWake() : reports.compactMap(\.nextWake).min()
            guard let wake = next else { break }
            clock.set(max(wake, clock.now.addingTimeInterval(tickSeconds)))
        }
        let seconds = Date().timeIntervalSince(started), cpu = Self.cpuSeconds() - cpuBefore
        let store = built.store as! PostgresStore
        let check = try await store.benchCheck()
        let count = max(check.actions, 1)
        let base = Double(count) / (try await store.insertUpdateBaseline(count: count, batch: baselineBatch))
        let ours = Double(check.actions) / seconds
        if !json {
            emitError("dispatched \(check.actions) actions in \(String(format: "%.1f", seconds)) s (\(String(format: "%.1f", cpu)) s of this process's CPU) with \(workers) worker(s) over \(wakes) wakes (\(quietWakes) sent nothing, taking \(String(format: "%.1f", quietSeconds)) s); open leads: \(check.open)")
        }
        emit(String(format: #"{"bench":"dispatch","database":"postgresql","workers":%d,"leads":%d,"campaigns":%d,"senders":%d,"tick_seconds":%.0f,"actions":%d,"actions_per_s":%.0f,"baseline_per_s":%.0f,"ratio":%.3f,"peak_rss_mb":%.1f,"duplicates":%d,"cap_violations":%d,"window_violations":%d,"open_leads":%d}"#,
                    workers, leads, campaigns, senders, tickSeconds, check.actions, ours, base, ours / base, ImportBench.peakRSSMegabytes(),
                    check.duplicates, check.capViolations, check.windowViolations, check.open))
    }

    /// User and system CPU time of this process so far, in seconds.
    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }
}

/// Ticks with N leads enrolled and nothing due: what a quiet minute costs.
struct IdleTickBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "idle-tick", abstract: "Milliseconds per tick with nothing due.")

    @Option(help: "Leads.") var leads: Int = 10_000
    @Option(help: "Ticks to time.") var ticks: Int = 1_000
    @Flag(help: "Print one JSON line only.") var json = false

    func run() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("outbound-bench-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        // Every campaign starts in 30 days, so every lead is enrolled and none is due.
        let built = try await BenchWorkspace.build(in: folder, leads: leads, campaigns: max(1, leads / 1000), senders: max(2, leads / 500),
                                                   startIn: 30 * 86_400)
        var samples: [Double] = []
        for _ in 0..<ticks {
            let start = DispatchTime.now().uptimeNanoseconds
            let report = try await built.services.dispatcher.tick()
            samples.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
            if report.didWork { throw ValidationError("a tick found work; the idle bench expects none") }
            built.clock.advance(by: 1)
        }
        samples.sort()
        emit(String(format: #"{"bench":"idle-tick","leads":%d,"tick_ms_p50":%.3f,"tick_ms_p99":%.3f}"#,
                    leads, samples[samples.count / 2], samples[min(samples.count - 1, samples.count * 99 / 100)]))
    }
}

/// The real server over `services` on a free loopback port, for the benches that drive it over
/// HTTP. It measures the server, not the per-key rate limit: any key may send anything.
struct BenchServer {
    let base: String
    private let group: ServiceGroup
    private let running: Task<Void, Error>

    static func start(_ services: Services) async throws -> BenchServer {
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let app = buildApplication(services: services,
                                   configuration: ServerConfiguration(host: "127.0.0.1", port: 0, logLevel: .error, requestRate: .unthrottled),
                                   onServerRunning: { port in portContinuation.yield(port) })
        let group = ServiceGroup(configuration: .init(services: [app], logger: .init(label: "bench")))
        let running = Task { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else {
            running.cancel()
            throw ValidationError("the server did not start")
        }
        return BenchServer(base: "http://127.0.0.1:\(port)", group: group, running: running)
    }

    func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await running.value
    }
}

/// The workspace both dispatch benches run on.
struct BenchWorkspace {
    let store: any Store
    let services: Services
    let clock: VirtualClock
    let seconds: Double
    let workspace: ID
    /// The workspace's first API key.
    let apiKey: String
    let campaigns: [ID]

    /// On a new SQLite file in `folder`, or on the (empty) PostgreSQL database `database`.
    static func build(in folder: URL, database: String? = nil, leads: Int, campaigns: Int, senders: Int,
                      startIn: TimeInterval) async throws -> BenchWorkspace {
        let began = Date()
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let store: any Store = if let database { try await PostgresStore(url: database) }
            else { try SQLiteStore(path: folder.appendingPathComponent("outbound.sqlite").path) }
        // Monday 2026-11-30 00:00 UTC.
        let clock = VirtualClock(Date(timeIntervalSince1970: 1_796_083_200))
        let services = try await Services(store: store, clock: clock, planner: Planner(random: RandomSource(seed: 42)))
        let (workspace, key) = try await services.workspaces.createWorkspace(name: "bench")
        let now = clock.now
        let senderList = try await insertEmailSenders(senders, in: workspace.id, store: store, at: now)
        let zones = ["UTC", "America/New_York", "Europe/Berlin", "Asia/Tokyo"]
        let weekdays = [Weekday.monday, .tuesday, .wednesday, .thursday, .friday]
        var campaignList: [Campaign] = []
        for index in 0..<campaigns {
            let own = stride(from: index, to: senders, by: campaigns).map { senderList[$0].id }
            var campaign = Campaign(
                id: .generate(.campaign), workspaceID: workspace.id, name: "Bench \(index)", channel: .email, dryRun: true,
                priority: index % 3, timezone: Zone(zones[index % zones.count])!,
                schedule: Schedule(Dictionary(uniqueKeysWithValues: weekdays.map { ($0, [MinuteRange(start: 8 * 60, end: 18 * 60)]) })),
                startAt: startIn > 0 ? now.addingTimeInterval(startIn) : nil,
                senderIDs: own.isEmpty ? [senderList[index % senders].id] : own, hourlyMessageRate: 60, dailyLimit: 500,
                createdAt: now, updatedAt: now)
            campaign.sequence = CampaignSequence(version: 2, nodes: [
                Node(id: "n1", kind: .email(EmailStep(subject: "{Hi|Hello} {{first_name | \"there\"}}", body: "A note for {{company | \"you\"}}. Reply stop to unsubscribe.")), next: "n2"),
                Node(id: "n2", kind: .end),
            ])
            campaign.simulation = Simulation(seed: 7, acceptRate: 0, replyRate: 0.05, openRate: 0.4, bounceRate: 0.01)
            try await store.insertCampaign(campaign)
            campaignList.append(campaign)
        }
        let perCampaign = (leads + campaigns - 1) / campaigns
        var made = 0
        for campaign in campaignList {
            var contacts: [Contact] = []
            while contacts.count < perCampaign, made < leads {
                contacts.append(Contact(id: .generate(.contact), workspaceID: workspace.id, firstName: "Lead\(made)",
                                        email: "lead\(made)@bench.example", company: "Company \(made % 997)", createdAt: now, updatedAt: now))
                made += 1
            }
            for start in stride(from: 0, to: contacts.count, by: 10_000) {
                let chunk = Array(contacts[start..<min(start + 10_000, contacts.count)])
                try await store.saveContacts(inserting: chunk, updating: [])
                _ = try await store.insertLeads(chunk.map(\.id), into: campaign, at: now)
            }
            _ = try await services.lifecycle.launch(campaign.id, in: workspace.id)
        }
        while try await services.lifecycle.continueEnrolling() {}
        return BenchWorkspace(store: store, services: services, clock: clock, seconds: Date().timeIntervalSince(began),
                              workspace: workspace.id, apiKey: key.secret, campaigns: campaignList.map(\.id))
    }

    /// `count` email senders with the default limits and pacing (`sender0@bench.example`, …).
    static func insertEmailSenders(_ count: Int, in workspace: ID, store: any Store, at now: Date) async throws -> [Sender] {
        var senders: [Sender] = []
        for index in 0..<count {
            let sender = Sender(id: .generate(.sender), workspaceID: workspace, channel: .email, displayName: "Sender \(index)",
                                email: "sender\(index)@bench.example", createdAt: now, updatedAt: now)
            try await store.insertSender(sender)
            senders.append(sender)
        }
        return senders
    }
}
