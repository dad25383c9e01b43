// swift-tools-version:6.1
import PackageDescription

// Layout and the direction of dependencies follow shared/DESIGN.md ("Parts"):
// AuthCore knows nothing of C libraries or sockets' implementation, Backends own their
// blocking C calls, and the two executables sit on top.
let strict: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "authmux",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "authmuxd", targets: ["AuthDaemon"]),
        .executable(name: "authtest", targets: ["authtest"]),
        // For the fuzz targets in Fuzz/, a separate package so `swift build` here never
        // compiles or links anything with sanitizers.
        .library(name: "AuthWire", targets: ["AuthWire"]),
        .library(name: "AuthCore", targets: ["AuthCore"]),
        .library(name: "Backends", targets: ["Backends"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        // The sql backend's drivers (the SQLBackend target only: nothing else links them).
        .package(url: "https://github.com/vapor/sqlite-nio", from: "1.13.2"),
    ],
    targets: [
        .systemLibrary(name: "CBerkeleyDB", path: "Sources/CBerkeleyDB"),
        .systemLibrary(name: "CPAM", path: "Sources/CPAM"),
        .systemLibrary(name: "CLDAP", path: "Sources/CLDAP"),
        .systemLibrary(name: "CLinuxSocket", path: "Sources/CLinuxSocket"),
        .systemLibrary(name: "CCrypt", path: "Sources/CCrypt"),
        .systemLibrary(name: "CArgon2", path: "Sources/CArgon2"),
        .systemLibrary(name: "CMariaDB", path: "Sources/CMariaDB"),
        .systemLibrary(name: "CLibpq", path: "Sources/CLibpq"),
        // The front doors' codecs and state machines, and the request model they produce: no
        // engine, no YAML, no crypto, no metrics, so authtest and the fuzz targets link only this.
        .target(
            name: "AuthWire",
            dependencies: [.product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: strict
        ),
        .target(
            name: "AuthCore",
            dependencies: [
                "AuthWire",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Crypto", package: "swift-crypto"),
                // PBKDF2 for Dovecot's {PBKDF2} entries.
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "Backends",
            dependencies: [
                "AuthCore",
                "AuthWire",
                "CBerkeleyDB",
                "CPAM",
                "CLDAP",
                "CCrypt",
                "CArgon2",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            // The sql backend is a target of its own (below), in the folder DESIGN.md gives it.
            exclude: ["SQL"],
            swiftSettings: strict
        ),
        // The sql backend: its drivers (libpq, libmariadb, sqlite-nio with its SQLite) are
        // much of a fresh build. A target of its own, composed
        // into the catalog by the daemon, so that what links Backends alone (the fuzz targets,
        // built a second time with sanitizers) does not compile them.
        .target(
            name: "SQLBackend",
            dependencies: [
                "AuthCore",
                "AuthWire",
                "Backends",
                "CMariaDB",
                "CLibpq",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
            ],
            path: "Sources/Backends/SQL",
            swiftSettings: strict
        ),
        .executableTarget(
            name: "AuthDaemon",
            dependencies: [
                "AuthCore",
                "Backends",
                "SQLBackend",
                "CLinuxSocket",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOExtras", package: "swift-nio-extras"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                // The metrics endpoint: swift-metrics' API, exported in Prometheus' text format
                // over Hummingbird (see MetricsServer for what it costs the build).
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            swiftSettings: strict,
            // Every symbol bound at start (BIND_NOW), and the table read-only after (RELRO). Lazy
            // binding resolves a symbol on its first call through _dl_runtime_resolve, which saves
            // every vector register on the stack of the calling thread: registers that glibc's
            // SIMD copies and scans have just filled with request bytes, so a password ended up in
            // a stale stack frame (found by a hardware watchpoint in FreedMemoryTests).
            linkerSettings: [.unsafeFlags(["-Xlinker", "-z", "-Xlinker", "now", "-Xlinker", "-z", "-Xlinker", "relro"])]
        ),
        .executableTarget(
            name: "authtest",
            dependencies: [
                "AuthWire",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "AuthWireTests",
            dependencies: ["AuthWire", .product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "AuthCoreTests",
            dependencies: [
                "AuthCore",
                "AuthWire",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "BackendsTests",
            dependencies: [
                // CPAM: the stack analysis is checked against the real libpam's answers.
                "AuthCore", "AuthWire", "Backends", "SQLBackend", "CPAM", "SocketTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // Raw socket clients and harness helpers shared by the tests that talk to a listener:
        // the daemon under test (IntegrationTests) and the in-process server (AuthDaemonTests);
        // and the one way every test target starts a child process (ChildProcess).
        .target(
            name: "SocketTestSupport",
            path: "Tests/SocketTestSupport",
            swiftSettings: strict
        ),
        .testTarget(
            name: "AuthDaemonTests",
            dependencies: [
                "AuthDaemon", "AuthCore", "AuthWire", "SocketTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "IntegrationTests",
            dependencies: [
                "AuthCore", "AuthWire", "SQLBackend", "SocketTestSupport", .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"), .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
    ]
)
