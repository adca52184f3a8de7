import Foundation
import Testing

/// The differential fuzz target built without libFuzzer replays its whole corpus and every
/// saved crasher: the fast decoder and the reference decoder must agree on each input (the
/// target traps on any difference), and every file must have been fed to it.
@Suite struct DifferentialCorpusTests {
    @Test("every differential corpus input and crasher decodes the same with the fast and the reference decoder")
    func replayCorpus() throws {
        let binary = CLI.binary.deletingLastPathComponent().appendingPathComponent("callpulse-fuzz-differential")
        #expect(FileManager.default.isExecutableFile(atPath: binary.path), "build the fuzz targets: swift build")
        let fuzz = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Fuzz")
        let directories = ["corpus/differential", "crashers/differential"].map { fuzz.appendingPathComponent($0).path }
        // CorpusReplay feeds every entry of each directory, hidden ones (.keep) included.
        let files = try directories.reduce(0) { $0 + (try FileManager.default.contentsOfDirectory(atPath: $1).count) }
        #expect(files >= 300, "the seed corpus is missing: scripts/seed_differential_corpus.py")
        let run = try CLI.run(executable: binary, directories)
        #expect(run.status == 0, "\(run.stderr.suffix(4000))")
        #expect(run.stdout == "replayed \(files) inputs\n", "\(run.stdout)")
    }
}
