// swift-tools-version:6.2
import PackageDescription

/// Swift 6 mode with complete concurrency checking; any warning fails the build.
let strictSwift: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .treatAllWarnings(as: .error),
]

let package = Package(
    name: "callpulse",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "callpulse", targets: ["callpulse"]),
        .library(name: "CallPulseCore", targets: ["CallPulseCore"]),
        .library(name: "CallPulseServer", targets: ["CallPulseServer"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        // simdjson behind a tiny C ABI: the only C++ in the tree (docs/performance.md has the figures behind it).
        .target(
            name: "CCallPulseJSON",
            cxxSettings: [
                // Debian builds libsimdjson with threads; SwiftPM drops pkg-config's -D flags.
                .define("SIMDJSON_THREADS_ENABLED", to: "1"),
                .treatAllWarnings(as: .error),
            ],
            linkerSettings: [.linkedLibrary("simdjson")]
        ),
        // libmicrohttpd (Debian's libmicrohttpd-dev) with a typed start function and a log formatter;
        // GnuTLS (libgnutls28-dev, which libmicrohttpd-dev depends on) for certificates replaced
        // while serving and for checking TLS priorities.
        .target(
            name: "CMicroHTTPD",
            cSettings: [.treatAllWarnings(as: .error)],
            linkerSettings: [.linkedLibrary("microhttpd"), .linkedLibrary("gnutls")]
        ),
        // libnats (Debian's libnats-dev), the NATS JetStream client, behind a small C ABI (docs/spec/scale-out.md).
        .target(
            name: "CNATS",
            cSettings: [.treatAllWarnings(as: .error)],
            linkerSettings: [.linkedLibrary("nats"), .linkedLibrary("crypto")]
        ),
        // zlib for gzip request and response bodies.
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // What every layer shares: the one lock type, the clocks, the errno error, the error
        // convention (docs/errors.md) and the JSON string escaper (the only parts the pure core
        // uses). Depends on nothing of ours.
        .target(name: "CallPulseSupport", swiftSettings: strictSwift),
        // The HTTP adapter: the one place that calls libmicrohttpd.
        .target(
            name: "CallPulseHTTP",
            dependencies: ["CMicroHTTPD", "CZlib", "CallPulseSupport", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strictSwift
        ),
        // The NATS adapter: the one place that calls libnats (JetStream streams, publishing, pull consumers).
        .target(
            name: "CallPulseNATS",
            dependencies: ["CNATS", "CallPulseSupport", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strictSwift
        ),
        // The pure domain: events, calls, queues, windows, snapshot. No I/O; clocks are passed in.
        .target(
            name: "CallPulseCore",
            dependencies: ["CCallPulseJSON", "CallPulseSupport"],
            swiftSettings: strictSwift
        ),
        // Pure alerting: rules, the per-(rule, queue) state machine, notification payloads.
        .target(
            name: "CallPulseAlerting",
            dependencies: ["CallPulseSupport", "CallPulseCore"],
            swiftSettings: strictSwift
        ),
        // The daemon and the application around the core: inputs, the ingest pipeline, the
        // engine host, views, alerting, persistence, config, replay and the simulator, run as
        // services in one ServiceGroup.
        .target(
            name: "CallPulseServer",
            dependencies: [
                "CallPulseSupport",
                "CallPulseCore",
                "CallPulseAlerting",
                "CallPulseHTTP",
                "CallPulseNATS",
                "CZlib",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            // GET /connector.js: the forwarder's source is a plain .js file, compiled into the binary;
            // so are the wallboard's script and styles (files, for a CSP without 'unsafe-inline').
            resources: [.embedInCode("Views/Connector/connector.js"), .embedInCode("Views/Wallboard/wallboard.js"),
                        .embedInCode("Views/Wallboard/wallboard.css")],
            swiftSettings: strictSwift
        ),
        // The command line.
        .executableTarget(
            name: "callpulse",
            dependencies: [
                "CallPulseCore",
                "CallPulseServer",
                "CallPulseSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strictSwift
        ),
        // `make bench`: throughput of the core and of replay, printed beside the targets.
        .executableTarget(
            name: "callpulse-bench",
            dependencies: ["CallPulseCore", "CallPulseServer"],
            path: "Benchmarks/CallPulseBenchmarks",
            swiftSettings: strictSwift
        ),
        // libFuzzer targets (`make fuzz`); built without FUZZING they replay a corpus, which
        // is how the saved corpus and every crasher run as regression tests.
        .target(name: "FuzzSupport", path: "Fuzz/Support", swiftSettings: strictSwift),
        .executableTarget(
            name: "callpulse-fuzz-events",
            dependencies: ["CallPulseCore", "CallPulseServer", "FuzzSupport"],
            path: "Fuzz/Events",
            swiftSettings: strictSwift
        ),
        .executableTarget(
            name: "callpulse-fuzz-requests",
            dependencies: ["CallPulseHTTP", "CallPulseServer", "FuzzSupport", .product(name: "Logging", package: "swift-log")],
            path: "Fuzz/Requests",
            swiftSettings: strictSwift
        ),
        .executableTarget(
            name: "callpulse-fuzz-differential",
            dependencies: ["CallPulseCore", "CallPulseReferenceDecoder", "FuzzSupport"],
            path: "Fuzz/Differential",
            swiftSettings: strictSwift
        ),
        // A plain, slow reading of events.md that shares no code with the fast decoder:
        // the other side of the differential fuzz target and tests.
        .target(
            name: "CallPulseReferenceDecoder",
            dependencies: ["CallPulseCore"],
            path: "Tests/ReferenceDecoder",
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "CallPulseCoreTests",
            dependencies: ["CallPulseCore", "CallPulseReferenceDecoder", "CallPulseSupport"],
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "CallPulseAlertingTests",
            dependencies: ["CallPulseAlerting", "CallPulseCore"],
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "CallPulseServerTests",
            dependencies: ["CallPulseServer", "CallPulseHTTP", "CallPulseCore", "CallPulseAlerting", "CallPulseSupport"],
            swiftSettings: strictSwift
        ),
        // The HTTP adapter alone on loopback sockets, with trivial handlers.
        .testTarget(
            name: "CallPulseHTTPTests",
            dependencies: ["CallPulseHTTP", "CallPulseSupport", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "IntegrationTests",
            dependencies: ["CallPulseCore", "CallPulseServer", "CallPulseHTTP", "CallPulseSupport", "CallPulseNATS"],
            swiftSettings: strictSwift
        ),
    ],
    cxxLanguageStandard: .cxx17
)
