import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `scripts/bootstrap.sh test` must install every program the suite runs (README, "Two
/// commands": `make test` works on a fresh Debian 12 machine): each is in one of its packages,
/// or in Debian's essential set, which every Debian system has.
struct BootstrapTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// Every program the suite executes, by the path it runs (a bare name in a shell line is
    /// looked up on PATH, which has /usr/bin).
    static let programs: [String: String] = [
        "/bin/sh": "promtool through a shell redirect (ReplayCLITests)",
        "/bin/bash": "the differential pipelines (DifferentialTests)",
        "/bin/mount": "the full-disk tmpfs (DurabilityTests)",
        "/bin/umount": "the full-disk tmpfs (DurabilityTests)",
        "/bin/rm": "the browser driver removes its profile",
        "/usr/bin/env": "runs a program found on PATH (GeneratedTrafficTests)",
        "/usr/bin/python3": "the browser driver, the reference model, the dashboard generator",
        "/usr/bin/prometheus": "a real Prometheus scraping the daemon",
        "/usr/bin/promtool": "promtool check metrics, check rules, test rules",
        "/usr/bin/prometheus-alertmanager": "a real Alertmanager receiving alerts",
        "/usr/bin/amtool": "amtool check-config",
        "/usr/sbin/nats-server": "a real NATS JetStream server, alone and as a cluster (NATSClientTests, HATests)",
        "/usr/bin/chromium": "the wallboard in a real browser",
        "/usr/bin/curl": "an HTTPS client (TLSTests)",
        "/usr/bin/openssl": "throwaway certificates and s_client handshakes (TLSTests)",
        "/usr/bin/time": "GNU time for peak RSS (StreamingTests)",
        "/usr/bin/dpkg": "this test",
        "/usr/bin/dpkg-query": "this test",
        "/usr/bin/dpkg-deb": "taking the Debian package apart (PackageTests); scripts/package.sh builds with it",
        "/usr/bin/dpkg-shlibdeps": "scripts/package.sh: Depends from the linked libraries (PackageTests)",
        "/usr/bin/strip": "scripts/package.sh: the packaged binary without debug info (PackageTests)",
        "/usr/bin/ldd": "no Swift runtime library in the packaged binary (PackageTests)",
        "/usr/bin/objdump": "the packaged binary's NEEDED libraries (PackageTests)",
        "/usr/bin/md5sum": "the package's md5sums (PackageTests)",
        "/usr/bin/systemd-analyze": "systemd-analyze verify on the packaged unit (PackageTests)",
        "/bin/kill": "the packaged unit's ExecReload, which systemd-analyze verify requires to exist",
    ]

    /// Run only when the suite is not root, and then bootstrap.sh itself needs it to install.
    static let notBootstrapped: Set<String> = ["/usr/bin/sudo"]

    static func run(_ tool: String, _ arguments: [String]) throws -> CLI.Result {
        try CLI.run(executable: URL(fileURLWithPath: tool), arguments)
    }

    @Test("every absolute program path in the suite's sources is in the table of programs above")
    func tableIsComplete() throws {
        var found = Set<String>()
        let pattern = try NSRegularExpression(pattern: #""(/(?:usr/)?s?bin/[A-Za-z0-9._+-]+)""#)
        let enumerator = FileManager.default.enumerator(atPath: Self.repository.appendingPathComponent("Tests").path)
        while let relative = enumerator?.nextObject() as? String {
            guard relative.hasSuffix(".swift") || relative.hasSuffix(".py") else { continue }
            let text = try String(contentsOfFile: Self.repository.appendingPathComponent("Tests/" + relative).path, encoding: .utf8)
            for match in pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                found.insert(String(text[Range(match.range(at: 1), in: text)!]))
            }
        }
        #expect(found.count >= 14, "\(found.sorted())")  // the scan works
        let unknown = found.subtracting(Self.programs.keys).subtracting(Self.notBootstrapped)
        #expect(unknown.isEmpty, "programs the suite runs but this table does not list: \(unknown.sorted())")
    }

    @Test("each program the suite runs is installed and comes from a bootstrap package or Debian's essential set")
    func everyProgramIsBootstrapped() throws {
        #expect(FileManager.default.isExecutableFile(atPath: "/usr/bin/dpkg"), "this check needs Debian's dpkg")
        let listed = try Self.run("/bin/bash", [Self.repository.appendingPathComponent("scripts/bootstrap.sh").path,
                                                "test", "--list"])
        #expect(listed.status == 0, "\(listed.stderr)")
        let packages = Set(listed.stdout.split(separator: "\n").map(String.init))
        #expect(packages.isSuperset(of: ["prometheus", "prometheus-alertmanager", "chromium", "curl", "openssl",
                                         "python3", "time"]))
        // A listed package brings its direct dependencies (python3 brings python3-minimal, which
        // owns /usr/bin/python3).
        var covered = packages
        for package in packages {
            let depends = try Self.run("/usr/bin/dpkg-query", ["-W", "-f=${Pre-Depends},${Depends}", package]).stdout
            for clause in depends.split(separator: ",") {
                if let name = clause.split(separator: " ").first?.split(separator: ":").first { covered.insert(String(name)) }
            }
        }
        for (program, use) in Self.programs.sorted(by: { $0.key < $1.key }) {
            #expect(FileManager.default.isExecutableFile(atPath: program), "\(program) (\(use)) is missing: run scripts/bootstrap.sh test")
            let owners = try Self.run("/usr/bin/dpkg", ["-S", program]).stdout.split(separator: "\n")
                .filter { !$0.hasPrefix("diversion ") }
                .compactMap { $0.split(separator: ":").first.map(String.init) }
            let owner = try #require(owners.first, "no Debian package owns \(program)")
            let essential = try Self.run("/usr/bin/dpkg-query", ["-W", "-f=${Essential}", owner]).stdout == "yes"
            #expect(covered.contains(owner) || essential,
                    "\(program) (\(use)) comes from \(owner), which is neither installed by bootstrap.sh test nor essential")
        }
    }
}
