import ArgumentParser
import Foundation
import OutboundAPI
import OutboundCore
import OutboundStore

/// `outbound bench …`: our figure next to the physical limit measured in the same run (DESIGN.md §8).
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Measure Outbound against its physical limits.",
                                                    subcommands: [ImportBench.self, RenderBench.self])
}

/// Imports an N-row CSV through the real import path into a fresh database, then loads the
/// same file with `sqlite3 .import` into a plain table, and prints both rates.
struct ImportBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "import", abstract: "CSV import rows/s vs sqlite3 .import.")

    @Option(help: "Rows in the generated CSV.") var rows: Int = 100_000
    @Flag(help: "Print one JSON line only.") var json = false
    @Option(help: "Keep the generated files in this directory (default: a temporary one, removed).") var directory: String?

    func run() async throws {
        let folder = directory.map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("outbound-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { if directory == nil { try? FileManager.default.removeItem(at: folder) } }
        let csv = folder.appendingPathComponent("contacts.csv")
        try Self.generate(rows: rows, to: csv)
        if !json { emitError("generated \(rows) rows in \(csv.path)") }

        // Ours: the same ImportService that serves POST /v1/imports and `outbound import`.
        let store = try SQLiteStore(path: folder.appendingPathComponent("outbound.sqlite").path)
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
