// swift-tools-version:6.1
import PackageDescription

// libFuzzer targets for authmux's parsers of untrusted input. A package of its own so that the
// main package's `swift build`/`swift test` never sees sanitizer flags; `make fuzz` builds it
// into .build-fuzz with `-sanitize=fuzzer,address` (see Fuzz/run.sh); a plain build cannot link.

// A path dependency's identity is the name of its directory, which differs between clones
// (authmux, main, a worktree…), so it is read from where this manifest sits.
let authmux = Context.packageDirectory.split(separator: "/").dropLast().last.map { String($0).lowercased() } ?? "authmux"

let strict: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let wire: [Target.Dependency] = ["FuzzSupport", .product(name: "AuthWire", package: authmux), .product(name: "NIOCore", package: "swift-nio")]
let core: [Target.Dependency] = ["FuzzSupport", .product(name: "AuthWire", package: authmux), .product(name: "AuthCore", package: authmux)]

let package = Package(
    name: "authmux-fuzz",
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    ],
    targets: [
        .target(name: "CLibFuzzer"),
        .target(
            name: "FuzzSupport",
            dependencies: ["CLibFuzzer", .product(name: "AuthWire", package: authmux), .product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "FuzzSaslauthd",
            dependencies: wire,
            swiftSettings: strict
        ),
        .executableTarget(
            name: "FuzzPwcheck",
            dependencies: wire,
            swiftSettings: strict
        ),
        .executableTarget(
            name: "FuzzAuthdaemond",
            dependencies: wire,
            swiftSettings: strict
        ),
        // The front doors' state machines, fed any bytes cut into any reads.
        .executableTarget(name: "FuzzDoors", dependencies: wire, swiftSettings: strict),
        // Dovecot's auth protocol: its line codec, escapes, base64 and persistent state machine.
        .executableTarget(name: "FuzzDovecot", dependencies: wire, swiftSettings: strict),
        .executableTarget(name: "FuzzRealms", dependencies: core, swiftSettings: strict),
        .executableTarget(
            name: "FuzzConfig",
            dependencies: core + [.product(name: "Backends", package: authmux)],
            swiftSettings: strict
        ),
    ]
)
