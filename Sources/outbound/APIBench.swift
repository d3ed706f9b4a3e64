import ArgumentParser
import AsyncHTTPClient
import Foundation
import Hummingbird
import NIOCore
import OutboundAPI
import OutboundCore
import OutboundStore
import ServiceLifecycle

/// `outbound bench api`: starts the real server on loopback over a fresh database holding a
/// realistic workspace (one running campaign of N leads on 10 email senders), drives it with
/// `wrk` when installed (else with an HTTP client in this process), and prints req/s and p99 per
/// route next to `/healthz` — the server's own ceiling on this machine in the same run.
struct APIBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "api", abstract: "API req/s and p99 per route vs /healthz.")

    @Option(help: "Leads in the workspace's campaign.") var leads: Int = 10_000
    @Option(help: "Seconds of load per route.") var seconds: Int = 5
    @Option(help: "Concurrent connections.") var connections: Int = 32
    @Option(help: "Load generator: wrk (when installed) or client (an HTTP client in this process).") var driver: String?
    @Option(help: "Only these routes (comma-separated names; /healthz always runs first).") var only: String?
    @Flag(help: "Print JSON lines only.") var json = false

    func run() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("outbound-bench-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let built = try await BenchWorkspace.build(in: folder, leads: leads, campaigns: 1, senders: 10, startIn: 0)
        let campaign = try built.campaigns.first.orThrow("the bench workspace has no campaign")
        if !json { emitError("built \(leads) leads on one campaign in \(String(format: "%.1f", built.seconds)) s") }

        let server = try await BenchServer.start(built.services)
        let base = server.base

        let targets: [Target] = [
            Target(name: "healthz", method: "GET", path: "/healthz"),
            Target(name: "campaign", method: "GET", path: "/v1/campaigns/\(campaign)"),
            Target(name: "stats", method: "GET", path: "/v1/campaigns/\(campaign)/stats"),
            Target(name: "leads_page_100", method: "GET", path: "/v1/campaigns/\(campaign)/leads?limit=100"),
            Target(name: "alsona_campaign_list", method: "GET", path: "/rest/accounts/\(built.workspace)/campaigns"),
            // Last: the writes it queues would still be running when the next route's load began.
            Target(name: "post_100_leads", method: "POST", path: "/v1/campaigns/\(campaign)/leads", postsLeads: true),
        ]
        let useWrk = (driver ?? (Self.which("wrk") != nil ? "wrk" : "client")) == "wrk"
        if !json { emitError("driving \(base) with \(useWrk ? "wrk" : "an in-process HTTP client"), \(connections) connections, \(seconds) s per route") }
        var healthz: Double?
        let chosen = only.map { Set($0.split(separator: ",").map(String.init)).union(["healthz"]) }
        for target in targets where chosen?.contains(target.name) ?? true {
            let result = useWrk
                ? try Self.wrk(target, base: base, key: built.apiKey, connections: connections, seconds: seconds, folder: folder)
                : try await Self.client(target, base: base, key: built.apiKey, connections: connections, seconds: seconds)
            if target.name == "healthz" { healthz = result.perSecond }
            let ratio = result.perSecond / max(healthz ?? result.perSecond, 1e-9)
            emit(String(format: #"{"bench":"api","route":"%@","driver":"%@","requests_per_s":%.0f,"p99_ms":%.2f,"ratio_to_healthz":%.3f,"bytes_per_response":%.0f,"errors":%d}"#,
                        target.name, useWrk ? "wrk" : "client", result.perSecond, result.p99Milliseconds, ratio, result.bytesPerResponse, result.errors))
        }
        await server.stop()
    }

    struct Target {
        var name: String
        var method: String
        var path: String
        /// Each request posts 100 new inline contacts as leads (distinct e-mail addresses).
        var postsLeads = false
    }

    struct Result {
        var perSecond: Double
        var p99Milliseconds: Double
        var errors: Int
        /// Mean response size (headers included when measured by wrk).
        var bytesPerResponse: Double = 0
    }

    /// `{"contacts": [100 contacts]}`, distinct for each (worker, request).
    static func leadsBody(worker: Int, request: Int) -> String {
        let contacts = (0..<100).map { #"{"email":"p\#(worker)-\#(request)-\#($0)@post.example","first_name":"Post"}"# }
        return #"{"contacts":[\#(contacts.joined(separator: ","))]}"#
    }

    /// Runs `wrk --latency` (a Lua script makes the POST bodies) and reads its summary.
    static func wrk(_ target: Target, base: String, key: String, connections: Int, seconds: Int, folder: URL) throws -> Result {
        let script = folder.appendingPathComponent("\(target.name).lua")
        var lua = """
            counter, worker = 0, 0
            local next_worker = 0
            function setup(thread) next_worker = next_worker + 1; thread:set("worker", next_worker) end
            wrk.method = "\(target.method)"
            wrk.headers["Authorization"] = "Bearer \(key)"
            wrk.headers["Content-Type"] = "application/json"

            """
        if target.postsLeads {
            lua += """
                request = function()
                  counter = counter + 1
                  local items = {}
                  for i = 0, 99 do items[#items + 1] = string.format('{"email":"p%d-%d-%d@post.example","first_name":"Post"}', worker, counter, i) end
                  return wrk.format(nil, nil, nil, '{"contacts":[' .. table.concat(items, ",") .. ']}')
                end

                """
        }
        try lua.write(to: script, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["wrk", "-t2", "-c\(connections)", "-d\(seconds)s", "--latency", "-s", script.path, base + target.path]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard let rate = Self.number(after: "Requests/sec:", in: text) else {
            throw ValidationError("wrk printed no rate for \(target.name): \(text)")
        }
        let p99 = text.split(separator: "\n").first { $0.trimmingCharacters(in: .whitespaces).hasPrefix("99%") }
            .map { Self.milliseconds(String($0.trimmingCharacters(in: .whitespaces).dropFirst(3))) } ?? 0
        let non2xx = Int(Self.number(after: "Non-2xx or 3xx responses:", in: text) ?? 0)
        let transfer = text.split(separator: "\n").first { $0.hasPrefix("Transfer/sec:") }
            .map { Self.bytes(String($0.dropFirst("Transfer/sec:".count))) } ?? 0
        return Result(perSecond: rate, p99Milliseconds: p99, errors: non2xx, bytesPerResponse: transfer / max(rate, 1e-9))
    }

    /// Load from this process: `connections` workers, each sending its next request when the
    /// last one is answered, for `seconds`.
    static func client(_ target: Target, base: String, key: String, connections: Int, seconds: Int) async throws -> Result {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: connections)
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        do {
            let result = try await load(target, client: client, base: base, key: key, connections: connections, seconds: seconds)
            try await client.shutdown()
            return result
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    private static func load(_ target: Target, client: HTTPClient, base: String, key: String, connections: Int, seconds: Int) async throws -> Result {
        let deadline = ContinuousClock.now.advanced(by: .seconds(seconds))
        let outcomes = try await withThrowingTaskGroup(of: (latencies: [Double], errors: Int, bytes: Int).self) { group in
            for worker in 0..<connections {
                group.addTask {
                    var latencies: [Double] = [], errors = 0, count = 0, bytes = 0
                    while ContinuousClock.now < deadline {
                        var request = HTTPClientRequest(url: base + target.path)
                        request.method = .init(rawValue: target.method)
                        request.headers.add(name: "Authorization", value: "Bearer \(key)")
                        if target.postsLeads {
                            request.headers.add(name: "Content-Type", value: "application/json")
                            request.body = .bytes(ByteBuffer(string: Self.leadsBody(worker: worker, request: count)))
                        }
                        count += 1
                        let started = ContinuousClock.now
                        let response = try await client.execute(request, timeout: .seconds(30))
                        let body = try await response.body.collect(upTo: 64 << 20)
                        let elapsed = ContinuousClock.now - started
                        latencies.append(Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1e3)
                        if response.status.code >= 400 { errors += 1 }
                        bytes += body.readableBytes
                    }
                    return (latencies, errors, bytes)
                }
            }
            var all: [(latencies: [Double], errors: Int, bytes: Int)] = []
            for try await outcome in group { all.append(outcome) }
            return all
        }
        let latencies = outcomes.flatMap(\.latencies).sorted()
        let p99 = latencies.isEmpty ? 0 : latencies[min(latencies.count - 1, latencies.count * 99 / 100)]
        return Result(perSecond: Double(latencies.count) / Double(seconds), p99Milliseconds: p99, errors: outcomes.map(\.errors).reduce(0, +),
                      bytesPerResponse: Double(outcomes.map(\.bytes).reduce(0, +)) / Double(max(latencies.count, 1)))
    }

    /// The first number after `label` in wrk's output.
    static func number(after label: String, in text: String) -> Double? {
        guard let range = text.range(of: label) else { return nil }
        return Double(text[range.upperBound...].drop { $0 == " " }.prefix { $0.isNumber || $0 == "." })
    }

    /// wrk's latency (`812.00us`, `1.23ms`, `2.01s`) in milliseconds.
    static func milliseconds(_ text: String) -> Double {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let number = Double(trimmed.prefix { $0.isNumber || $0 == "." }) ?? 0
        if trimmed.hasSuffix("us") { return number / 1000 }
        if trimmed.hasSuffix("ms") { return number }
        if trimmed.hasSuffix("s") { return number * 1000 }
        return number
    }

    /// wrk's size (`1.23MB`, `512.00KB`, `900B`) in bytes.
    static func bytes(_ text: String) -> Double {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let number = Double(trimmed.prefix { $0.isNumber || $0 == "." }) ?? 0
        if trimmed.hasSuffix("GB") { return number * 1_073_741_824 }
        if trimmed.hasSuffix("MB") { return number * 1_048_576 }
        if trimmed.hasSuffix("KB") { return number * 1024 }
        return number
    }

    /// The path of an executable on PATH.
    static func which(_ name: String) -> String? {
        let paths = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":")
        return paths.map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}

extension Optional {
    /// The value, or a bench error naming what was missing.
    func orThrow(_ message: String) throws -> Wrapped {
        guard let self else { throw ValidationError(message) }
        return self
    }
}
