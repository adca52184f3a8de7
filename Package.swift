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
    ],
    targets: [
        // simdjson behind a tiny C ABI: the only C++ in the tree (see notes/engineering.md).
        .target(
            name: "CCallPulseJSON",
            cxxSettings: [
                // Debian builds libsimdjson with threads; SwiftPM drops pkg-config's -D flags.
                .define("SIMDJSON_THREADS_ENABLED", to: "1"),
                .treatAllWarnings(as: .error),
            ],
            linkerSettings: [.linkedLibrary("simdjson")]
        ),
        // The pure domain: events, calls, queues, windows, snapshot. No I/O; clocks are passed in.
        .target(
            name: "CallPulseCore",
            dependencies: ["CCallPulseJSON"],
            swiftSettings: strictSwift
        ),
        // The application: config files, replay driver, traffic simulator.
        .target(
            name: "CallPulseServer",
            dependencies: [
                "CallPulseCore",
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: strictSwift
        ),
        // The command line.
        .executableTarget(
            name: "callpulse",
            dependencies: [
                "CallPulseCore",
                "CallPulseServer",
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
        .testTarget(
            name: "CallPulseCoreTests",
            dependencies: ["CallPulseCore"],
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "IntegrationTests",
            dependencies: ["CallPulseCore", "CallPulseServer"],
            swiftSettings: strictSwift
        ),
    ],
    cxxLanguageStandard: .cxx17
)
