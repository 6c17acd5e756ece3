// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "Triage",
    products: [
        .executable(name: "triage", targets: ["triage"]),
        .library(name: "TriageKit", targets: ["TriageKit"]),
    ],
    targets: [
        // SQLite from Debian's libsqlite3-dev: the review queue and its events.
        .systemLibrary(
            name: "CSQLite",
            path: "Sources/CSQLite",
            providers: [.apt(["libsqlite3-dev"])]
        ),

        // Everything Triage knows: data, features, learning, calibration, deferral,
        // evaluation, the model registry and the review queue.
        .target(
            name: "TriageKit",
            dependencies: ["CSQLite"],
            path: "Sources/TriageKit",
            // The numeric kernels are unusable unoptimised (training CLINC150 takes
            // minutes instead of seconds), and the test suite trains real models:
            // optimise debug builds too.
            swiftSettings: [.unsafeFlags(["-O"], .when(configuration: .debug))]
        ),

        // The command-line front end: argument parsing and terminal output only.
        .executableTarget(
            name: "triage",
            dependencies: ["TriageKit"],
            path: "Sources/triage"
        ),

        .testTarget(
            name: "TriageKitTests",
            dependencies: ["TriageKit"],
            path: "Tests/TriageKitTests",
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["triage"],
            path: "Tests/EndToEndTests"
        ),
    ]
)
