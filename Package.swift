// swift-tools-version:6.1
import PackageDescription

/// udtraek: scheduled bulk extracts, SFTP delivery and pickup monitoring for
/// municipal data exchange. One module per concern; see README.md.
let package = Package(
    name: "udtraek",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "udtraek", targets: ["udtraek"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        // swift-configuration (a default trait) declares a target named Configuration, as we do.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: ["FullFoundation"]),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-configuration", from: "1.4.0", traits: []),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0", traits: []),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        // C libraries, one module map each; only one Swift module imports each.
        .systemLibrary(
            name: "CUdtraekSSH2",
            pkgConfig: "libssh2",
            providers: [.apt(["libssh2-1-dev"])]
        ),

        .systemLibrary(
            name: "CUdtraekZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),

        // Pure logic, no I/O.
        .target(name: "BusinessCalendar"),
        .target(name: "Scheduling", dependencies: ["BusinessCalendar"]),
        .target(name: "SourceStubs", dependencies: ["BusinessCalendar"]),
        .target(name: "Gzip", dependencies: ["CUdtraekZlib"]),

        // I/O edges.
        .target(
            name: "SFTPClient",
            dependencies: [
                "CUdtraekSSH2",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "Store",
            dependencies: [.product(name: "GRDB", package: "GRDB.swift")]
        ),
        .target(
            name: "Extracts",
            dependencies: [
                "BusinessCalendar", "SourceStubs", "Gzip", "Store",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "Configuration",
            dependencies: ["Store", "SFTPClient", "Extracts", "SourceStubs", "BusinessCalendar", "Yams"]
        ),
        .target(
            name: "Delivery",
            dependencies: [
                "SFTPClient", "Store",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "Gateway",
            dependencies: [
                "Store", "SourceStubs", "Gzip", "BusinessCalendar",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                // Renamed so it cannot clash with our own Configuration module.
                .product(name: "Configuration", package: "swift-configuration", moduleAliases: ["Configuration": "SwiftConfiguration"]),
            ]
        ),
        .target(name: "UdtraekTesting", dependencies: ["SFTPClient"]),
        .executableTarget(
            name: "udtraek",
            dependencies: [
                "SFTPClient", "Store", "Configuration", "Delivery", "Extracts", "Scheduling", "UdtraekTesting", "BusinessCalendar", "Gateway", "SourceStubs",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        .testTarget(name: "BusinessCalendarTests", dependencies: ["BusinessCalendar"]),
        .testTarget(name: "SourceStubsTests", dependencies: ["SourceStubs", "BusinessCalendar"]),
        .testTarget(name: "GzipTests", dependencies: ["Gzip"]),
        .testTarget(name: "ExtractsTests", dependencies: ["Extracts", "Store", "Configuration", "SourceStubs", "BusinessCalendar", "Gzip", "Delivery", "UdtraekTesting"]),
        .testTarget(name: "SchedulingTests", dependencies: ["Scheduling", "BusinessCalendar"]),
        .testTarget(name: "SFTPClientTests", dependencies: ["SFTPClient", "UdtraekTesting"]),
        .testTarget(name: "StoreTests", dependencies: ["Store", "Configuration"]),
        .testTarget(name: "GatewayTests", dependencies: ["Gateway", "Store", "Configuration", "SourceStubs", "Gzip", "BusinessCalendar",
                                                  .product(name: "Hummingbird", package: "hummingbird"),
                                                  .product(name: "Logging", package: "swift-log")]),
        .testTarget(name: "DeliveryTests", dependencies: ["Delivery", "Store", "Configuration", "UdtraekTesting"]),
    ],
    swiftLanguageModes: [.v6]
)
