// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "Outbound",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "outbound", targets: ["outbound"]),
        .library(name: "OutboundCore", targets: ["OutboundCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/vapor/multipart-kit.git", from: "4.7.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.7.1"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
    ],
    targets: [
        .target(
            name: "OutboundCore",
            path: "Sources/OutboundCore"
        ),
        // How both stores write values the database does not type (a sequence, a schedule,
        // limits, a sender's usage log) and times: one encoding, so a move copies them unchanged.
        .target(
            name: "OutboundStoreFormats",
            dependencies: ["OutboundCore"],
            path: "Sources/OutboundStoreFormats"
        ),
        .target(
            name: "OutboundStore",
            dependencies: [
                "OutboundCore",
                "OutboundStoreFormats",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            path: "Sources/OutboundStore"
        ),
        // The PostgreSQL store: several processes on one database (docs/ARCHITECTURE.md §9).
        .target(
            name: "OutboundPostgres",
            dependencies: [
                "OutboundCore",
                "OutboundStoreFormats",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/OutboundPostgres"
        ),
        // `outbound migrate --from FILE --to URL`: a SQLite file copied into PostgreSQL.
        .target(
            name: "OutboundMigration",
            dependencies: [
                "OutboundPostgres",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/OutboundMigration"
        ),
        .target(
            name: "OutboundChannels",
            dependencies: [
                "OutboundCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/OutboundChannels"
        ),
        .target(
            name: "OutboundAPI",
            dependencies: [
                "OutboundCore",
                "OutboundChannels",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "MultipartKit", package: "multipart-kit"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Mustache", package: "swift-mustache"),
            ],
            path: "Sources/OutboundAPI"
        ),
        .executableTarget(
            name: "outbound",
            dependencies: [
                "OutboundCore",
                "OutboundStore",
                "OutboundStoreFormats",
                "OutboundPostgres",
                "OutboundMigration",
                "OutboundAPI",
                "OutboundChannels",
                // The bench's own baseline writes a raw SQLite file beside the store it measures.
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                // `bench api` drives the server from this process when wrk is not installed.
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/outbound"
        ),
        .testTarget(
            name: "OutboundCoreTests",
            dependencies: ["OutboundCore"],
            path: "Tests/OutboundCoreTests"
        ),
        // What several test targets share: the engine harness on a virtual clock, and outside
        // test peers (SMTP, IMAP, PostgreSQL, a browser) that skip or fail as `Scripts/test` decides.
        .target(
            name: "OutboundTestSupport",
            dependencies: ["OutboundCore", "OutboundChannels", "OutboundStore", "OutboundPostgres", "OutboundMigration", "OutboundAPI",
                           .product(name: "GRDB", package: "GRDB.swift"),
                           .product(name: "PostgresNIO", package: "postgres-nio"), .product(name: "Logging", package: "swift-log")],
            path: "Tests/Support"
        ),
        .testTarget(
            name: "OutboundEngineTests",
            dependencies: [
                "OutboundTestSupport", "OutboundCore", "OutboundChannels", "OutboundStore", "OutboundMigration", "OutboundAPI",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            path: "Tests/OutboundEngineTests"
        ),
        .testTarget(
            name: "OutboundChannelsTests",
            dependencies: [
                "OutboundTestSupport", "OutboundCore", "OutboundChannels", "OutboundStore", "OutboundAPI",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            path: "Tests/OutboundChannelsTests"
        ),
        .testTarget(
            name: "OutboundStoreTests",
            dependencies: ["OutboundTestSupport", "OutboundCore", "OutboundStore", "OutboundStoreFormats", "OutboundPostgres"],
            path: "Tests/OutboundStoreTests"
        ),
        .testTarget(
            name: "OutboundAPITests",
            dependencies: [
                "OutboundTestSupport",
                "OutboundCore",
                "OutboundStore",
                "OutboundAPI",
                "OutboundChannels",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/OutboundAPITests"
        ),
    ],
    swiftLanguageModes: [.v6]
)
