// swift-tools-version:6.0
import PackageDescription

// No Swift package dependencies: Foundation, Dispatch and C libraries through system library targets.
let package = Package(
    name: "outreach",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "outreach", targets: ["outreach"]),
    ],
    targets: [
        // C libraries (module map + shim header wrapping variadic and macro-only APIs).
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CMicroHTTPD", pkgConfig: "libmicrohttpd", providers: [.apt(["libmicrohttpd-dev"])]),
        .systemLibrary(name: "CCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),

        // Pure domain: no I/O, no clock, no files.
        .target(name: "OutreachCore"),
        .target(name: "OutreachStore", dependencies: ["OutreachCore", "CSQLite"]),
        .target(name: "OutreachProviders", dependencies: ["OutreachCore", "CCurl", "CCrypto"]),
        .target(name: "OutreachServer", dependencies: ["OutreachCore", "CMicroHTTPD"]),
        .target(name: "OutreachService", dependencies: [
            "OutreachCore", "OutreachStore", "OutreachProviders", "OutreachServer",
        ]),
        // Command line: parsing, output formatting, exit codes; the composition root.
        .target(name: "OutreachCLI", dependencies: ["OutreachCore", "OutreachStore", "OutreachService"]),
        .executableTarget(name: "outreach", dependencies: ["OutreachCLI"]),

        // Test helpers: loopback fake providers, a manual clock, temporary databases. Used only by tests.
        .target(name: "OutreachTesting", dependencies: ["OutreachCore", "OutreachStore", "OutreachProviders", "OutreachServer"]),

        .testTarget(name: "OutreachCoreTests", dependencies: ["OutreachCore"]),
        .testTarget(name: "OutreachProvidersTests", dependencies: ["OutreachProviders", "OutreachServer", "OutreachTesting", "OutreachCore"]),
        .testTarget(name: "OutreachServerTests", dependencies: ["OutreachServer", "OutreachProviders"]),
        .testTarget(name: "OutreachStoreTests", dependencies: ["OutreachStore", "OutreachCore"]),
        .testTarget(name: "OutreachServiceTests", dependencies: ["OutreachService", "OutreachCore", "OutreachTesting"]),
        .testTarget(name: "OutreachCLITests", dependencies: [
            "OutreachCLI", "OutreachStore", "OutreachCore", "OutreachService", "OutreachProviders", "OutreachTesting",
        ]),
    ],
    swiftLanguageModes: [.v6]
)
