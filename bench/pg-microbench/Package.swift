// swift-tools-version:6.2
import Foundation
import PackageDescription

/// SwiftPM names a path dependency after its folder, so the checkout's folder name it is.
let verifyd = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().lastPathComponent

// A measurement of the PostgreSQL client alone, beside pgbench in the same cluster (see run.sh). A package of its
// own, so that the test command never builds it.
let package = Package(
    name: "pg-microbench",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: "../.."),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
    ],
    targets: [
        .executableTarget(
            name: "pg-microbench",
            dependencies: [
                .product(name: "Postgres", package: verifyd),
                .product(name: "Logging", package: "swift-log"),
            ]
        )
    ]
)
