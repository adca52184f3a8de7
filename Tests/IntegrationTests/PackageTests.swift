import Foundation
import Testing

/// The Debian package of `make package` (README.md, "Install"), taken apart and run: the
/// extracted binary must work without the Swift toolchain's libraries, its control file must
/// depend on every library it links, and the unit must pass `systemd-analyze verify`.
///
/// The suite builds the package through scripts/package.sh, as `make package` does. `make test`
/// runs that script before the tests start, so the release build does not compete with the
/// other tests for the CPU; here it is then an up-to-date check and a repack (seconds).
@Suite(.serialized)
struct PackageTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// Built and extracted once for every test below.
    static let extracted: Result<ExtractedPackage, ExtractedPackage.Failure> = {
        do {
            return .success(try ExtractedPackage.build(in: repository))
        } catch {
            return .failure(ExtractedPackage.Failure(description: "\(error)"))
        }
    }()

    static let systemdAnalyze = "/usr/bin/systemd-analyze"
    static let underCI = ProcessInfo.processInfo.environment["CI"] == "true"

    /// Libraries of the Swift toolchain that `--static-swift-stdlib` must have linked in.
    static let swiftRuntimeLibraries = ["libswift", "libFoundation", "lib_Foundation", "libdispatch", "libBlocksRuntime",
                                        "libCoreFoundation", "libXCTest"]

    static func tool(_ path: String, _ arguments: [String], in directory: URL? = nil) throws -> CLI.Result {
        try CLI.run(executable: URL(fileURLWithPath: path), arguments, in: directory)
    }

    @Test("the file name, version and architecture are the project's and this machine's")
    func identity() throws {
        let package = try Self.extracted.get()
        let version = try #require(Self.projectVersion())
        let architecture = try Self.tool("/usr/bin/dpkg", ["--print-architecture"]).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(package.deb.lastPathComponent == "callpulse_\(version)_\(architecture).deb")
        #expect(package.control["Package"] == "callpulse")
        #expect(package.control["Version"] == version)
        #expect(package.control["Architecture"] == architecture)
        let run = try CLI.run(executable: package.binary, ["version"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout == "callpulse \(version)\n")
    }

    @Test("every file is owned by root with the mode it needs")
    func ownersAndModes() throws {
        let package = try Self.extracted.get()
        let listing = try Self.tool("/usr/bin/dpkg-deb", ["--contents", package.deb.path])
        #expect(listing.status == 0, "\(listing.stderr)")
        var modes: [String: String] = [:]
        for line in listing.stdout.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 6 else { continue }
            #expect(fields[1] == "root/root", "\(line)")
            modes[String(fields[5])] = String(fields[0])
        }
        let expected: [(path: String, mode: String)] = [
            ("./usr/bin/callpulse", "-rwxr-xr-x"),
            ("./lib/systemd/system/callpulse.service", "-rw-r--r--"),
            ("./etc/callpulse/callpulse.yml", "-rw-r--r--"),
            ("./etc/callpulse/", "drwxr-xr-x"),
        ]
        for (path, mode) in expected {
            #expect(modes[path] == mode, "\(path)")
        }
        // The state directory is made by postinst (owned by the callpulse user), not shipped.
        #expect(modes.keys.allSatisfy { !$0.hasPrefix("./var/") }, "\(modes.keys.sorted())")
        for script in ["postinst", "prerm", "postrm"] {
            let path = package.controlDirectory.appendingPathComponent(script).path
            let permissions = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
            #expect(permissions == 0o755, "\(script)")
            let syntax = try Self.tool("/bin/sh", ["-n", path])
            #expect(syntax.status == 0, "\(script): \(syntax.stderr)")
        }
    }

    @Test("the example config is a conffile, md5sums covers the rest, Installed-Size counts the binary")
    func controlFiles() throws {
        let package = try Self.extracted.get()
        let conffiles = try String(contentsOf: package.controlDirectory.appendingPathComponent("conffiles"), encoding: .utf8)
        #expect(conffiles.split(separator: "\n") == ["/etc/callpulse/callpulse.yml"])
        let sums = try String(contentsOf: package.controlDirectory.appendingPathComponent("md5sums"), encoding: .utf8)
        #expect(sums.split(separator: "\n").compactMap { $0.split(separator: " ").last.map(String.init) }
            == ["lib/systemd/system/callpulse.service", "usr/bin/callpulse"])
        let check = try Self.tool("/usr/bin/md5sum", ["--check", "--quiet", package.controlDirectory.appendingPathComponent("md5sums").path],
                                  in: package.root)
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        let binaryBytes = try FileManager.default.attributesOfItem(atPath: package.binary.path)[.size] as? Int ?? 0
        let installedKiB = try #require(package.control["Installed-Size"].flatMap(Int.init))
        #expect(installedKiB >= binaryBytes / 1024 && installedKiB <= binaryBytes / 1024 + 256)
    }

    @Test("the shipped config passes `check config` and keeps its state in /var/lib/callpulse")
    func shippedConfig() throws {
        let package = try Self.extracted.get()
        let config = package.root.appendingPathComponent("etc/callpulse/callpulse.yml")
        let check = try CLI.run(executable: package.binary, ["check", "config", config.path])
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        let text = try String(contentsOf: config, encoding: .utf8)
        #expect(text.contains("\nstate_dir: /var/lib/callpulse "))
    }

    @Test("the extracted binary serves the shipped config on loopback, durably, and stops cleanly")
    func serves() throws {
        let package = try Self.extracted.get()
        let state = FileManager.default.temporaryDirectory.appendingPathComponent("callpulse-package-state-\(UUID())")
        try FileManager.default.createDirectory(at: state, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: state) }
        let config = package.root.appendingPathComponent("etc/callpulse/callpulse.yml").path
        // --listen (127.0.0.1:0, from DaemonProcess) and --state-dir override the shipped values.
        let daemon = try DaemonProcess(["--config", config, "--state-dir", state.path], executable: package.binary)
        #expect(waitUntil { (try? daemon.get("/-/ready"))?.status == 200 }, "\(daemon.log)")
        let now = ISO8601DateFormatter().string(from: Date())
        let ingest = try daemon.post("/api/v1/events", envelope("package-1", "connecting", now),
                                     headers: ["Content-Type": "application/json"])
        #expect(ingest.status == 200, "\(ingest.text)")
        #expect(try ingest.json()["accepted"] as? Int == 1)
        #expect(daemon.stop() == 0, "\(daemon.log)")
        // A graceful stop writes a checkpoint of the one call.
        let files = try FileManager.default.contentsOfDirectory(atPath: state.path)
        #expect(files.contains { $0.hasPrefix("checkpoint-") && $0.hasSuffix(".state") }, "\(files)")
    }

    @Test("ldd: no library of the Swift toolchain is needed, and every library resolves")
    func noSwiftRuntime() throws {
        let package = try Self.extracted.get()
        let ldd = try Self.tool("/usr/bin/ldd", [package.binary.path])
        #expect(ldd.status == 0, "\(ldd.stderr)")
        let lines = ldd.stdout.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        #expect(lines.count >= 5, "\(ldd.stdout)")
        for line in lines {
            #expect(!line.contains("not found"), "\(line)")
            for runtime in Self.swiftRuntimeLibraries {
                #expect(!line.hasPrefix(runtime), "\(line)")
            }
        }
    }

    @Test("Depends names the Debian package of every library the binary links (NEEDED)")
    func dependsCoverNeeded() throws {
        let package = try Self.extracted.get()
        let dynamic = try Self.tool("/usr/bin/objdump", ["-p", package.binary.path])
        #expect(dynamic.status == 0, "\(dynamic.stderr)")
        let needed = dynamic.stdout.split(separator: "\n").compactMap { line -> String? in
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            return fields.count == 2 && fields[0] == "NEEDED" ? String(fields[1]) : nil
        }
        #expect(needed.contains("libmicrohttpd.so.12") && needed.contains("libc.so.6"), "\(needed)")
        let resolved = try Self.resolvedLibraries(package.binary)
        let depends = Set((package.control["Depends"] ?? "").split(whereSeparator: { $0 == "," || $0 == "|" })
            .compactMap { $0.split(separator: " ").first.map(String.init) })
        for soname in needed {
            let path = try #require(resolved[soname], "ldd does not resolve \(soname)")
            let owner = try #require(try Self.owningPackage(of: path), "no Debian package owns \(path)")
            #expect(depends.contains(owner), "\(soname) comes from \(owner), which Depends does not name: \(depends.sorted())")
            // dpkg-shlibdeps gives a minimum version for every library package.
            #expect(package.control["Depends"]?.contains("\(owner) (>= ") == true, "\(owner)")
        }
    }

    @Test("the unit runs /usr/bin/callpulse as the callpulse user and passes systemd-analyze verify",
          .enabled(if: FileManager.default.isExecutableFile(atPath: PackageTests.systemdAnalyze) || PackageTests.underCI,
                   "systemd-analyze is absent (scripts/bootstrap.sh test installs it; under CI=true this fails)"))
    func unitVerifies() throws {
        let package = try Self.extracted.get()
        let unit = try String(contentsOf: package.root.appendingPathComponent("lib/systemd/system/callpulse.service"),
                              encoding: .utf8)
        let lines = Set(unit.split(separator: "\n").map(String.init))
        for line in ["ExecStart=/usr/bin/callpulse serve --config /etc/callpulse/callpulse.yml", "User=callpulse",
                     "Group=callpulse", "StateDirectory=callpulse", "StateDirectoryMode=0750", "NoNewPrivileges=yes",
                     "ProtectSystem=strict", "WantedBy=multi-user.target"] {
            #expect(lines.contains(line), "\(line)")
        }
        #expect(!lines.contains { $0.hasPrefix("DynamicUser=") })
        try #require(FileManager.default.isExecutableFile(atPath: Self.systemdAnalyze),
                     "\(Self.systemdAnalyze) is missing: run scripts/bootstrap.sh test (Debian's systemd)")
        // verify checks that ExecStart's program exists: point it at the extracted binary,
        // everything else as shipped. It needs no running systemd (this works in a container).
        let copy = package.root.deletingLastPathComponent().appendingPathComponent("callpulse.service")
        try unit.replacingOccurrences(of: "ExecStart=/usr/bin/callpulse ", with: "ExecStart=\(package.binary.path) ")
            .write(to: copy, atomically: true, encoding: .utf8)
        let verify = try Self.tool(Self.systemdAnalyze, ["verify", "--man=no", copy.path])
        // Unknown keys are only warnings (status 0): any output at all fails.
        #expect(verify.status == 0 && verify.stdout.isEmpty && verify.stderr.isEmpty, "\(verify.stdout)\(verify.stderr)")
    }

    // MARK: Helpers

    /// `static let string = "…"` of Sources/callpulse/Version.swift.
    static func projectVersion() -> String? {
        let source = try? String(contentsOf: repository.appendingPathComponent("Sources/callpulse/Version.swift"), encoding: .utf8)
        guard let source, let range = source.range(of: #"static let string = "[^"]+""#, options: .regularExpression)
        else { return nil }
        return source[range].split(separator: "\"")[1].description
    }

    /// soname → path, as the dynamic loader resolves them (`ldd`).
    static func resolvedLibraries(_ binary: URL) throws -> [String: String] {
        var paths: [String: String] = [:]
        for line in try tool("/usr/bin/ldd", [binary.path]).stdout.split(separator: "\n") {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            if fields.count >= 3, fields[1] == "=>" {
                paths[fields[0]] = fields[2]
            } else if let path = fields.first, path.hasPrefix("/") {  // the loader itself
                paths[URL(fileURLWithPath: path).lastPathComponent] = path
            }
        }
        return paths
    }

    /// The package that owns `path`; dpkg knows each file under one spelling, and on a merged
    /// /usr the loader may name it with or without /usr, or through a symlink.
    static func owningPackage(of path: String) throws -> String? {
        let real = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        let spellings = [path, "/usr" + path, real, real.hasPrefix("/usr/") ? String(real.dropFirst(4)) : "/usr" + real]
        for spelling in spellings {
            let owner = try tool("/usr/bin/dpkg", ["-S", spelling])
            guard owner.status == 0, let first = owner.stdout.split(separator: "\n").first(where: { !$0.hasPrefix("diversion") })
            else { continue }
            return first.split(separator: ":").first.map(String.init)
        }
        return nil
    }
}

/// The .deb of scripts/package.sh, extracted with dpkg-deb.
struct ExtractedPackage: Sendable {
    var deb: URL
    /// `dpkg-deb --extract`: the files as they would be installed.
    var root: URL
    /// `dpkg-deb --control`: control, conffiles, md5sums, maintainer scripts.
    var controlDirectory: URL
    /// The control file's fields.
    var control: [String: String]

    var binary: URL { root.appendingPathComponent("usr/bin/callpulse") }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Runs scripts/package.sh and extracts its .deb under .build-package/extracted (replaced
    /// each run, so repeated runs leave no copies of the 76 MB binary behind).
    static func build(in repository: URL) throws -> ExtractedPackage {
        let script = try CLI.run(executable: URL(fileURLWithPath: "/bin/bash"),
                                 [repository.appendingPathComponent("scripts/package.sh").path], in: repository)
        guard script.status == 0, let last = script.stdout.split(separator: "\n").last else {
            throw Failure(description: "scripts/package.sh failed (\(script.status)):\n\(script.stderr)")
        }
        let deb = repository.appendingPathComponent(String(last))
        let directory = repository.appendingPathComponent(".build-package/extracted")
        try? FileManager.default.removeItem(at: directory)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let root = directory.appendingPathComponent("root"), controlDirectory = directory.appendingPathComponent("DEBIAN")
        for (option, target) in [("--extract", root), ("--control", controlDirectory)] {
            let result = try CLI.run(executable: URL(fileURLWithPath: "/usr/bin/dpkg-deb"), [option, deb.path, target.path])
            guard result.status == 0 else { throw Failure(description: "dpkg-deb \(option): \(result.stderr)") }
        }
        let text = try String(contentsOf: controlDirectory.appendingPathComponent("control"), encoding: .utf8)
        var control: [String: String] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix(" ") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            control[String(line[..<colon])] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return ExtractedPackage(deb: deb, root: root, controlDirectory: controlDirectory, control: control)
    }
}
