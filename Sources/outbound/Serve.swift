import ArgumentParser
import Foundation
import Hummingbird
import Logging
import OutboundAPI
import OutboundChannels
import OutboundCore
import OutboundMigration
import OutboundStore
import ServiceLifecycle

/// `outbound serve`: the HTTP API on an embedded SQLite file.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the API server.")

    @Option(help: "Port to listen on.") var port: Int = 8080
    @Flag(help: "On an empty database: a demo workspace with senders, leads and dry-run campaigns already running, and a user to sign in with.")
    var demo = false
    @Option(help: "Address to bind.") var host: String = "127.0.0.1"
    @OptionGroup var database: DatabaseOptions
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.") var logLevel: String = "info"
    @Option(help: ArgumentHelp(
        "Outbound's address as recipients and providers reach it, for unsubscribe links, the open pixel and Twilio signatures.",
        discussion: "Default: OUTBOUND_PUBLIC_URL, else the scheme and Host of each request."))
    var publicURL: String?
    @Option(help: ArgumentHelp("Opens GET /metrics (Prometheus) to requests presenting this bearer token.",
                               discussion: "Default: OUTBOUND_METRICS_TOKEN; without either, /metrics answers 404."))
    var metricsToken: String?
    @Option(help: "Requests a second a key may send on average, unless the key has its own rate_limit.")
    var rateLimit: Int = RequestRate.standard.perSecond
    @Option(help: "Requests a key may send at once (the bucket's size), unless the key has its own rate_limit.")
    var rateBurst: Int = RequestRate.standard.burst
    @Flag(help: "Let webhook endpoints be on loopback, private or link-local addresses (refused by default).")
    var allowPrivateWebhooks = false
    @Option(help: "Days events are kept (GET /v1/events, replays).")
    var eventRetentionDays: Int = 30
    @Option(help: "Hours an endpoint may fail every attempt before it is turned off.")
    var webhookDisableAfterHours: Int = 120
    @Option(help: ArgumentHelp("What this process does: api (HTTP only), worker (sending, webhooks, mailboxes) or all.",
                               discussion: "Several processes may serve one PostgreSQL database; SQLite allows one process."))
    var role: Role = .all
    @Option(help: "PostgreSQL: seconds a stopped process's sends in flight wait before another process takes them over.")
    var leaseSeconds: Int = 15

    enum Role: String, ExpressibleByArgument, CaseIterable {
        case api, worker, all
    }

    func validate() throws {
        let issues = RequestRate(perSecond: rateLimit, burst: rateBurst).issues(perSecondField: "--rate-limit", burstField: "--rate-burst")
        if eventRetentionDays < 1 || eventRetentionDays > 3650 { throw ValidationError("--event-retention-days must be from 1 to 3650") }
        if webhookDisableAfterHours < 1 { throw ValidationError("--webhook-disable-after-hours must be 1 or more") }
        if leaseSeconds < 2 || leaseSeconds > 3600 { throw ValidationError("--lease-seconds must be from 2 to 3600") }
        if role != .all, !database.isPostgres {
            throw ValidationError("--role \(role.rawValue) needs a PostgreSQL database: a SQLite file is served by one process doing everything")
        }
        if !issues.issues.isEmpty {
            throw ValidationError(issues.issues.map { "\($0.field) \($0.message)" }.joined(separator: "; "))
        }
    }

    func run() async throws {
        // One server per SQLite file: the lock is held until this process ends.
        let lock = database.isPostgres ? nil : try ServerLock.take(database.path)
        if !database.isPostgres, lock == nil {
            throw ValidationError("\(database.path) is served by another outbound process (it holds \(database.path).lock); a SQLite file has one server")
        }
        defer { lock?.release() }
        let store = try await database.open(role: role.rawValue, lease: .seconds(leaseSeconds))
        let environment = ProcessInfo.processInfo.environment
        // Provider secrets are sealed with a key kept beside the database, never inside it
        // (processes sharing a PostgreSQL database on several machines share OUTBOUND_SECRET_KEY).
        let keyring = try Keyring.load(environment: environment["OUTBOUND_SECRET_KEY"], directory: database.folder)
        let clock = WallClock()
        let delivery = Delivery(keyring: keyring, clock: clock, publicURL: PublicURL(
            configured: publicURL ?? environment["OUTBOUND_PUBLIC_URL"], fallback: "http://\(host):\(port)"),
                                members: LinkedInMembers(store: store))
        var retries = WebhookRetryPolicy.standard
        retries.disableAfter = TimeInterval(webhookDisableAfterHours) * 3600
        let services = try await Services(store: store, clock: clock, delivery: delivery,
                                          webhookPoster: WebhookPoster(allowPrivate: allowPrivateWebhooks),
                                          eventRetention: TimeInterval(eventRetentionDays) * 86_400, webhookRetries: retries)
        var logger = Logger(label: "outbound")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info

        let empty = try await store.workspaceCount() == 0
        if demo, !empty {
            throw ValidationError("--demo needs an empty database; \(store.location) has data (give another --database)")
        }
        if empty {
            let (workspace, key) = try await services.workspaces.createWorkspace(name: demo ? "Demo" : "Default")
            emit("""
                Created workspace \(workspace.id) in \(store.location).
                Its API key (shown only now; keep it): \(key.secret)
                Try: curl -H 'Authorization: Bearer \(key.secret)' http://\(host):\(port)/v1/workspace
                """)
        }
        if demo, let first = try await store.workspaceIDs(limit: 1).first {
            let password = try await services.demo.populate(first)
            emit("""
                Demo: three dry-run campaigns are running on the simulator (LinkedIn, email, SMS).
                Watch them at \(delivery.publicURL.base)/app — sign in as \(DemoService.email) with the password \(password)
                """)
        }
        if try await !services.users.hasUsers(), let first = try await store.workspaceIDs(limit: 1).first {
            let token = await services.setup.issue(for: first)
            emit("Web app: set the first user's password at \(delivery.publicURL.base)/app/setup/\(token) (works once)")
        }
        let app = buildApplication(
            services: services,
            configuration: ServerConfiguration(host: host, port: port, logLevel: logger.logLevel,
                                               requestRate: RequestRate(perSecond: rateLimit, burst: rateBurst),
                                               metricsToken: metricsToken ?? environment["OUTBOUND_METRICS_TOKEN"]))
        logger.info("Outbound listening", metadata: ["address": "http://\(host):\(port)", "database": "\(store.location)"])
        let engine = DispatcherService(dispatcher: services.dispatcher, lifecycle: services.lifecycle, clock: services.clock, logger: logger)
        let webhooks = WebhookDeliveryService(deliverer: services.webhookDeliverer, events: services.events, logger: logger)
        let mailboxes = MailboxWatchService(mailboxes: services.mailboxes, watcher: services.delivery.mailboxes, logger: logger)
        let running: [any Service] = switch role {
        case .api: [app]
        case .worker: [engine, webhooks, mailboxes]
        case .all: [app, engine, webhooks, mailboxes]
        }
        let group = ServiceGroup(configuration: .init(services: running, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}

/// `outbound migrate`: create or upgrade the database schema, then exit; or, with `--from` and
/// `--to`, copy a SQLite file into an empty PostgreSQL database.
struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Create or upgrade the database schema, or move a SQLite file to PostgreSQL.")

    @OptionGroup var database: DatabaseOptions
    @Option(help: "A SQLite file to copy (with --to); no server may be serving it.") var from: String?
    @Option(help: "The empty PostgreSQL database to copy --from into (postgres://…).") var to: String?

    func validate() throws {
        if (from == nil) != (to == nil) { throw ValidationError("--from and --to go together: outbound migrate --from FILE --to postgres://…") }
        if let to, !["postgres", "postgresql"].contains(DatabaseOptions.urlScheme(to)?.lowercased() ?? "") {
            throw ValidationError("--to \(to): must be a postgres://user:password@host:port/database URL")
        }
        if from != nil, database.database != nil { throw ValidationError("--database has no use with --from and --to") }
    }

    func run() async throws {
        if let from, let to {
            guard let lock = try ServerLock.take(from) else {
                throw ValidationError("\(from) is being served (a server holds \(from).lock): stop it first, then move the file")
            }
            defer { lock.release() }
            let started = ContinuousClock.now
            let report = try await StoreMove.run(from: from, to: to) { table, rows in emitError("  \(table): \(rows) rows") }
            let seconds = (ContinuousClock.now - started).components.seconds
            print("moved \(report.total) rows in \(report.rows.count) tables from \(from) in \(seconds) s; every count verified")
            let folder = URL(fileURLWithPath: from).deletingLastPathComponent().path
            print("""
                Senders' secrets stay sealed with the key the file's server used (\(folder)/secret.key, or OUTBOUND_SECRET_KEY): \
                serve the database from that folder or with that OUTBOUND_SECRET_KEY.
                """)
            return
        }
        let store = try await database.open()
        let applied = try await DatabaseOptions.appliedMigrations(of: store)
        print("\(store.location): schema up to date (\(applied.count) migrations: \(applied.joined(separator: ", ")))")
    }
}

/// `outbound workspace create --name NAME`: prints one line of JSON with the new key.
struct WorkspaceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "workspace", abstract: "Manage workspaces.", subcommands: [Create.self, List.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the workspaces of the database: ID, name, created, counts.")

        @Flag(help: "One JSON object per line instead of a table.") var json = false
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let store = try await database.open()
            let summaries = try await Services(store: store).workspaces.list()
            if json {
                for summary in summaries { emit(Self.json(summary)) }
                return
            }
            guard !summaries.isEmpty else {
                emitError("no workspace yet: run `outbound workspace create --name NAME` or start `outbound serve`")
                return
            }
            let header = ["ID", "NAME", "CREATED", "SENDERS", "CAMPAIGNS", "CONTACTS", "KEYS"]
            let rows: [[String]] = [header] + summaries.map { summary in
                let created: String = summary.workspace.createdAt.formatted(.iso8601)
                return [summary.workspace.id.rawValue, summary.workspace.name, created, String(summary.senders),
                        String(summary.campaigns), String(summary.contacts), String(summary.activeKeys)]
            }
            var widths = [Int](repeating: 0, count: header.count)
            for row in rows {
                for (column, cell) in row.enumerated() { widths[column] = max(widths[column], cell.count) }
            }
            for row in rows {
                let cells = row.enumerated().map { column, cell in cell.padding(toLength: widths[column], withPad: " ", startingAt: 0) }
                emit(cells.joined(separator: "  ").trimmingCharacters(in: .whitespaces))
            }
        }

        private static func json(_ summary: WorkspaceSummary) -> String {
            let object: [String: Any] = [
                "id": summary.workspace.id.rawValue, "name": summary.workspace.name,
                "created_at": summary.workspace.createdAt.formatted(.iso8601), "senders": summary.senders,
                "campaigns": summary.campaigns, "contacts": summary.contacts, "active_keys": summary.activeKeys,
            ]
            let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
            return String(decoding: data, as: UTF8.self)
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a workspace and print its first API key as JSON.")

        @Option(help: "Workspace name.") var name: String
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let store = try await database.open()
            let services = try await Services(store: store)
            do {
                let (workspace, key) = try await services.workspaces.createWorkspace(name: name)
                // Both values are prefix + hex only, so they need no JSON escaping.
                emit(#"{"workspace_id": "\#(workspace.id)", "api_key": "\#(key.secret)"}"#)
            } catch let error as OutboundCore.ValidationError {
                throw ArgumentParser.ValidationError(error.issues.map { "\($0.field): \($0.message)" }.joined(separator: "; "))
            }
        }
    }
}

/// Writes a line to standard output at once (print is block-buffered when piped).
func emit(_ text: String) {
    FileHandle.standardOutput.write(Data((text + "\n").utf8))
}

/// `outbound user create --workspace ID --email … --password …`: a user who can sign in (Tether's login).
struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "user", abstract: "Manage users.", subcommands: [Create.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a user and print it as JSON (never the password).")

        @Option(help: "Workspace ID the user belongs to.") var workspace: String
        @Option(help: "Email the user signs in with.") var email: String
        @Option(help: "Password (at least 8 characters).") var password: String
        @Option(help: "Full name.") var fullName: String?
        @Option(help: "ADMIN or MEMBER.") var accessRole: String = "ADMIN"
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let store = try await database.open()
            let services = try await Services(store: store)
            guard let workspaceID = ID(workspace, kind: .workspace), try await store.workspace(workspaceID) != nil else {
                throw ArgumentParser.ValidationError("--workspace: no workspace \(workspace) in \(database.path)")
            }
            do {
                let user = try await services.users.create(email: email, password: password, fullName: fullName,
                                                           accessRole: accessRole, in: workspaceID)
                emit(#"{"user_id": "\#(user.id)", "workspace_id": "\#(user.workspaceID)", "email": "\#(user.email)"}"#)
            } catch let error as OutboundCore.ValidationError {
                throw ArgumentParser.ValidationError(error.issues.map { "\($0.field): \($0.message)" }.joined(separator: "; "))
            } catch let error as ConflictError {
                throw ArgumentParser.ValidationError(error.message)
            }
        }
    }
}
