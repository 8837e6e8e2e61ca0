// swift-tools-version:6.2
import PackageDescription

/// Migration files live at the top of the repository (plain SQL that psql can also run) and are compiled into the
/// binary, so a container image needs nothing but `verifyd`. `MigrationsTests` fails when this list and the folder
/// disagree.
let migrationFiles = [
    "0001_initial_schema.sql",
    "0002_check_gate.sql",
    "0003_inbound_message_receipts.sql",
    "0004_rate_limits_and_safe_list.sql",
    "0005_destination_screening.sql",
    "0006_auth_failures.sql",
    "0007_verification_attempts.sql",
    "0008_idempotency_keys.sql",
    "0009_abuse_counters.sql",
    "0010_retention.sql",
    "0011_abuse_counting_functions.sql",
    "0012_prefix_counter_shards.sql",
    "0013_verification_insert_checks.sql",
    "0014_request_statement_costs.sql",
    "0015_start_statement_plans.sql",
    "0016_heap_only_failure_counts.sql",
    "0017_check_without_empty_failure_rows.sql",
]

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .treatAllWarnings(as: .error),
]

let package = Package(
    name: "verifyd",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "verifyd", targets: ["verifyd"]),
        // The fake Twilio REST API for the benchmark and fault tests; never part of a deployment.
        .executable(name: "fake-twilio", targets: ["fake-twilio"]),
        // For bench/pg-microbench, a package of its own.
        .library(name: "Postgres", targets: ["Postgres"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    ],
    targets: [
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        // libphonenumber is C++ (Debian's libphonenumber-dev ships no pkg-config file). A compiled target behind a
        // plain C header keeps its protobuf, ICU, abseil and boost headers out of every Swift module, which Swift's
        // C++ interop would not.
        .target(
            name: "CPhoneNumber",
            cxxSettings: [.enableWarning("all"), .enableWarning("extra"), .treatAllWarnings(as: .error)],
            linkerSettings: [.linkedLibrary("phonenumber")]
        ),
        .systemLibrary(name: "CEpoll"),
        .target(
            name: "VerifyCore",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "Postgres",
            dependencies: [
                "CEpoll", "CLibPQ",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "Twilio",
            dependencies: [
                "CCurl",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "PhoneNumberMetadata",
            dependencies: ["CPhoneNumber", "VerifyCore"],
            swiftSettings: strict
        ),
        .target(
            name: "VerifyStore",
            dependencies: ["VerifyCore", "Postgres"],
            swiftSettings: strict
        ),
        .target(
            name: "HTTPAPI",
            dependencies: [
                "VerifyCore",
                "Twilio",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
            ],
            // The OpenAPI document is served from the binary, as the migrations are; `OpenAPIDocumentTests` checks
            // it against the routes.
            resources: [.embedInCode("../../openapi/verifyd.json")],
            swiftSettings: strict
        ),
        .target(
            name: "App",
            dependencies: [
                "VerifyCore", "Postgres", "Twilio", "VerifyStore", "HTTPAPI", "PhoneNumberMetadata",
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            resources: migrationFiles.map { .embedInCode("../../migrations/\($0)") },
            swiftSettings: strict
        ),
        .executableTarget(
            name: "verifyd",
            dependencies: [
                "App", "Postgres", "VerifyCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "FakeTwilio",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "fake-twilio",
            dependencies: [
                "FakeTwilio",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "TestSupport",
            dependencies: [
                "App", "PhoneNumberMetadata", "Postgres", "VerifyCore", "VerifyStore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Tests/TestSupport",
            swiftSettings: strict
        ),
        .testTarget(name: "VerifyCoreTests", dependencies: ["VerifyCore"], swiftSettings: strict),
        .testTarget(
            name: "PostgresTests",
            dependencies: [
                "FakeTwilio", "Postgres", "TestSupport", .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "PhoneNumberMetadataTests",
            dependencies: ["PhoneNumberMetadata", "VerifyCore"],
            swiftSettings: strict
        ),
        .testTarget(name: "TwilioTests", dependencies: ["Twilio", "FakeTwilio"], swiftSettings: strict),
        .testTarget(
            name: "VerifyStoreTests",
            dependencies: [
                "VerifyStore", "App", "TestSupport", "Postgres", "VerifyCore",
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "HTTPAPITests",
            dependencies: [
                "HTTPAPI", "App", "TestSupport", "Postgres", "Twilio", "VerifyCore", "VerifyStore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "AppTests", dependencies: ["App", "Postgres", "TestSupport", "VerifyCore"], swiftSettings: strict),
        .testTarget(
            name: "IntegrationTests",
            dependencies: [
                "App", "FakeTwilio", "Postgres", "TestSupport", "Twilio",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // The deployment of docker/ on loopback (HAProxy, pgbouncer, three instances, a standby); scripts/test runs
        // it as a step of its own.
        .testTarget(
            name: "DeploymentTests",
            dependencies: [
                "FakeTwilio", "TestSupport", "Twilio",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
    ],
    cxxLanguageStandard: .cxx17
)
