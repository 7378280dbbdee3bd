// swift-tools-version:6.1
import PackageDescription

/// udtraek: scheduled bulk extracts, SFTP delivery and pickup monitoring for
/// municipal data exchange. One module per concern; see README.md.
let package = Package(
    name: "udtraek",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "udtraek", targets: ["udtraek"]),
        // libFuzzer harness (`make fuzz`); built with -sanitize=fuzzer in .build-fuzz/.
        .executable(name: "UdtraekFuzz", targets: ["UdtraekFuzz"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: ["FullFoundation"]),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        // Already in the graph through Hummingbird; named for NIOHTTPTypes, whose request
        // parts the admin API's read-timeout handler sees.
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.34.1"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0", traits: []),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
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

        // The runtime every service stands on: one executor for blocking work, one clock,
        // one periodic service, crash points for the chaos harness.
        .target(
            name: "Runtime",
            dependencies: [
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // Pure logic, no I/O.
        .target(name: "BusinessCalendar"),
        .target(name: "Scheduling", dependencies: ["BusinessCalendar"]),
        .target(name: "SourceStubs", dependencies: ["BusinessCalendar"]),
        .target(name: "Gzip", dependencies: ["CUdtraekZlib", "Runtime"]),

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
            dependencies: ["BusinessCalendar", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        .target(
            name: "Extracts",
            dependencies: [
                "BusinessCalendar", "SourceStubs", "Gzip", "Store", "Runtime",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "UdtraekConfig",
            dependencies: ["Store", "SFTPClient", "Extracts", "SourceStubs", "BusinessCalendar", "Scheduling", "Yams", "Runtime"]
        ),
        .target(
            name: "Delivery",
            dependencies: [
                "SFTPClient", "Store", "Runtime",
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "Scheduler",
            dependencies: [
                "Scheduling", "Extracts", "Store", "BusinessCalendar", "Runtime",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "Monitoring",
            dependencies: [
                "SFTPClient", "Store", "BusinessCalendar", "Runtime",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "FileRouting",
            dependencies: [
                "Store", "SFTPClient", "Monitoring", "Delivery", "Runtime",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "ChangeOrders",
            dependencies: [
                // Gateway: an ssl-certificate order is checked the way the gateway will see it.
                "Store", "SFTPClient", "Monitoring", "Runtime", "Gateway",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "Administration",
            dependencies: ["Store", "SFTPClient", "Runtime", .product(name: "Crypto", package: "swift-crypto")]
        ),
        .target(
            name: "AdminAPI",
            dependencies: [
                "Administration",
                "Store", "Extracts", "ChangeOrders", "Runtime", "BusinessCalendar", "Monitoring", "Scheduler", "Scheduling",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        .target(
            name: "Gateway",
            dependencies: [
                "Store", "SourceStubs", "Gzip", "BusinessCalendar", "Runtime",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(name: "UdtraekTesting", dependencies: ["SFTPClient", "Runtime", .product(name: "NIOPosix", package: "swift-nio"),
                                                      .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                                                      // Client certificates with chosen validity for the gateway's tests.
                                                      .product(name: "X509", package: "swift-certificates"),
                                                      .product(name: "Crypto", package: "swift-crypto")]),
        // Fuzz targets: the parsers of outside input, each with the properties it must keep.
        // Used by the libFuzzer harness and by the corpus replay test.
        .target(name: "FuzzTargets", dependencies: ["UdtraekConfig", "Scheduling", "Gateway", "Store", "ChangeOrders", "Delivery", "FileRouting"]),
        // libFuzzer's driver entry, declared for the harness (defined by libFuzzer when linked).
        .target(name: "CUdtraekFuzzer"),
        .executableTarget(name: "UdtraekFuzz", dependencies: ["FuzzTargets", "CUdtraekFuzzer"]),
        .executableTarget(
            name: "udtraek",
            dependencies: [
                "SFTPClient", "Store", "UdtraekConfig", "Delivery", "Extracts", "Scheduling", "Scheduler", "AdminAPI",
                "UdtraekTesting", "BusinessCalendar", "Monitoring", "ChangeOrders", "Runtime", "FileRouting", "Administration",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                "Gateway", "SourceStubs",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        .testTarget(name: "RuntimeTests", dependencies: [
            "Runtime",
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "BusinessCalendarTests", dependencies: ["BusinessCalendar"]),
        .testTarget(name: "SourceStubsTests", dependencies: ["SourceStubs", "BusinessCalendar"]),
        .testTarget(name: "GzipTests", dependencies: ["Gzip", "Runtime", "UdtraekTesting"]),
        .testTarget(name: "ExtractsTests", dependencies: ["Extracts", "Store", "UdtraekConfig", "SourceStubs", "BusinessCalendar", "Gzip", "Delivery", "UdtraekTesting", "Runtime"]),
        .testTarget(name: "SchedulingTests", dependencies: ["Scheduling", "BusinessCalendar"]),
        .testTarget(name: "SFTPClientTests", dependencies: ["SFTPClient", "UdtraekTesting"]),
        .testTarget(name: "StoreTests", dependencies: ["Store", "UdtraekConfig", .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(name: "SchedulerTests", dependencies: ["Scheduler", "Scheduling", "Extracts", "Store", "UdtraekConfig", "BusinessCalendar", "Runtime", "UdtraekTesting",
                                                   .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                                                   .product(name: "Logging", package: "swift-log")]),
        .testTarget(name: "AdministrationTests", dependencies: ["Administration", "Store", "Runtime", "UdtraekConfig"]),
        .testTarget(name: "AdminAPITests", dependencies: [
            "AdminAPI", "Administration", "Extracts", "Store", "UdtraekConfig", "UdtraekTesting", "SFTPClient", "Runtime", "BusinessCalendar",
            .product(name: "HummingbirdTesting", package: "hummingbird"),
            "Yams", // OpenAPIDocumentTests parses the admin API's OpenAPI document.
        ]),
        .testTarget(name: "DeliveryTests", dependencies: ["Delivery", "Monitoring", "Store", "UdtraekConfig", "UdtraekTesting", "Runtime",
                                                  .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                                                  .product(name: "Logging", package: "swift-log")]),
        .testTarget(name: "ChangeOrderTests", dependencies: [
            "ChangeOrders", "AdminAPI", "Gateway", "Extracts", "Store", "Delivery", "UdtraekTesting", "SFTPClient", "Runtime",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdTesting", package: "hummingbird"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "MonitoringTests", dependencies: ["Monitoring", "Store", "UdtraekConfig", "Delivery", "UdtraekTesting", "BusinessCalendar",
                                                            "Runtime",
                                                            .product(name: "Metrics", package: "swift-metrics"),
                                                            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                                                            .product(name: "Logging", package: "swift-log"),
                                                            .product(name: "Crypto", package: "swift-crypto"),
                                                            .product(name: "NIOCore", package: "swift-nio"),
                                                            .product(name: "NIOPosix", package: "swift-nio"),
                                                            .product(name: "NIOHTTP1", package: "swift-nio")]),
        // Hostile input through the real entry points: the CLI process, configuration files.
        .testTarget(name: "HostileInputTests", dependencies: [
            "UdtraekTesting", "UdtraekConfig", "Store", "SFTPClient", "SourceStubs", "BusinessCalendar", "Delivery",
        ]),
        .testTarget(name: "ChaosTests", dependencies: [
            "Store", "UdtraekTesting", "SFTPClient", "Runtime",
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        .testTarget(name: "FuzzTargetsTests", dependencies: ["FuzzTargets"]),
        .testTarget(name: "FileRoutingTests", dependencies: [
            "FileRouting", "Delivery", "Monitoring", "Store", "UdtraekConfig", "UdtraekTesting", "SFTPClient", "Runtime",
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        .testTarget(name: "GatewayTests", dependencies: ["Gateway", "Store", "UdtraekConfig", "SourceStubs", "BusinessCalendar", "UdtraekTesting", "Runtime",
                                                  "ChangeOrders",
                                                  .product(name: "Hummingbird", package: "hummingbird"),
                                                  .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                                                  .product(name: "Logging", package: "swift-log")]),
    ],
    swiftLanguageModes: [.v6]
)
