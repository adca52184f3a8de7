import CallPulseHTTP
import CallPulseSupport
import Foundation
import Testing
@testable import CallPulseServer

/// docs/spec/security.md in process: the token bucket's arithmetic, the per-address map's
/// bound, token files, and the once-a-minute log of failed authentications.
struct SecurityLimitsTests {
    static let second: UInt64 = 1_000_000_000

    @Test("a bucket: full at first, refilled at the rate up to the burst, nothing taken when refused")
    func bucketArithmetic() {
        var bucket = TokenBucket(rate: 2, burst: 4, now: 0)
        #expect(bucket.take(3, now: 0) == nil)
        #expect(bucket.tokens == 1)
        // 2 more needed at 2 a second: 1 s, and the refusal takes nothing.
        #expect(bucket.take(3, now: 0) == .seconds(1))
        #expect(bucket.tokens == 1)
        // Half a second later, 2 tokens: still short by one, half a second.
        #expect(bucket.take(3, now: Self.second / 2) == .milliseconds(500))
        #expect(bucket.take(3, now: Self.second) == nil)
        #expect(bucket.tokens == 0)
        // Never above the burst, however long idle.
        #expect(bucket.level(at: 3600 * Self.second) == 4)
        #expect(bucket.isFull(at: 3 * Self.second) && !bucket.isFull(at: 3 * Self.second - 1))
        // A clock that steps back changes nothing.
        #expect(bucket.take(1, now: Self.second / 4) == .milliseconds(500))
        // A fractional rate: 0.5 a second.
        var slow = TokenBucket(rate: 0.5, burst: 1, now: 0)
        #expect(slow.take(1, now: 0) == nil)
        #expect(slow.take(1, now: 0) == .seconds(2))
        #expect(slow.take(1, now: 2 * Self.second) == nil)
    }

    @Test("a batch larger than the burst passes only on a full bucket, and leaves a debt paid before anything else")
    func batchLargerThanTheBurst() {
        var bucket = TokenBucket(rate: 10, burst: 20, now: 0)
        #expect(bucket.take(5, now: 0) == nil)
        // Not full: 50 > 20 waits until it is (5 tokens short at 10 a second).
        #expect(bucket.take(50, now: 0) == .milliseconds(500))
        #expect(bucket.take(50, now: Self.second / 2) == nil)
        #expect(bucket.tokens == -30)
        // The debt: one event needs 31 tokens more, 3.1 s.
        #expect(bucket.take(1, now: Self.second / 2) == .milliseconds(3100))
        #expect(bucket.take(1, now: Self.second / 2 + 3_100_000_000) == nil)
        // Over the long run the rate holds: 51 + 5 events in 3.6 s and a full bucket of 20.
    }

    @Test("the map: one bucket per address; full buckets dropped as it grows; at capacity the fullest goes")
    func bucketsPerAddressBounded() {
        var limits = IngestRateLimits(rate: 1, burst: 2, capacity: 4, firstSweep: 2)
        #expect(limits.take(2, client: "a", now: 0) == nil)
        #expect(limits.take(1, client: "a", now: 0) == .seconds(1))
        #expect(limits.take(2, client: "b", now: 0) == nil)  // another address, its own bucket
        #expect(limits.clients == 2)
        // Two seconds on, both buckets are full again: a third address sweeps them away.
        #expect(limits.take(1, client: "c", now: 2 * Self.second) == nil)
        #expect(limits.clients == 1)
        // All in use at capacity: the fullest is dropped for the newcomer.
        for (index, client) in ["d", "e", "f"].enumerated() {
            #expect(limits.take(index == 0 ? 2 : 1, client: client, now: 2 * Self.second) == nil)
        }
        #expect(limits.clients == 4)
        #expect(limits.take(2, client: "g", now: 2 * Self.second) == nil)
        #expect(limits.clients == 4)
        // "c" and "e"/"f" had 1 token left, "d" none: one of the fullest went, "d" kept its debt.
        #expect(limits.take(1, client: "d", now: 2 * Self.second) == .seconds(1))
    }

    @Test("token files: one a line, blank lines and # comments ignored, CRLF too; unreadable or empty is an error naming the file")
    func tokenFiles() throws {
        #expect(TokenFiles.parse("# rotated 2024-05\nnew-token\r\n\n  old-token  \n#old-old\n") == ["new-token", "old-token"])
        #expect(TokenFiles.parse("only") == ["only"])
        #expect(TokenFiles.parse("\n# nothing\n  \n").isEmpty)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("callpulse-tokens-\(UUID())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ingest = directory + "/ingest.token", read = directory + "/read.token"
        try "a\nb\n".write(toFile: ingest, atomically: true, encoding: .utf8)
        try "# none yet\n".write(toFile: read, atomically: true, encoding: .utf8)
        var web = WebSettings()
        web.ingestTokenFile = ingest
        web.readTokenFile = read
        #expect(throws: ServerError(.unreadableTokenFile, "web.read_token_file: the token file '\(read)' holds no token "
                                    + "(one a line; blank lines and # comments are ignored)")) {
            try TokenFiles.readAll(web)
        }
        try "r\n".write(toFile: read, atomically: true, encoding: .utf8)
        let policy = AccessPolicy(try TokenFiles.readAll(web))
        #expect(policy.tokens == AccessPolicy.Tokens(ingest: ["a", "b"], read: ["r"]))

        // Reload: the good file takes effect, the bad one keeps its old tokens and is reported.
        try "c\n".write(toFile: ingest, atomically: true, encoding: .utf8)
        try FileManager.default.removeItem(atPath: read)
        let result = TokenFiles.reload(web, into: policy)
        #expect(throws: ServerError(.unreadableTokenFile, "web.read_token_file: cannot read the token file '\(read)'; "
                                    + "its old tokens stay in force")) { try result.get() }
        #expect(policy.tokens == AccessPolicy.Tokens(ingest: ["c"], read: ["r"]))
        try "r2\nr3\n".write(toFile: read, atomically: true, encoding: .utf8)
        #expect(try TokenFiles.reload(web, into: policy).get()
                == "token files re-read (web.ingest_token_file 1 token, web.read_token_file 2 tokens)")
        #expect(policy.tokens == AccessPolicy.Tokens(ingest: ["c"], read: ["r2", "r3"]))
        #expect(try TokenFiles.reload(WebSettings(), into: AccessPolicy(.init())).get() == "no token files are configured")
    }

    @Test("failed authentications: one line a minute per address, with the count held back; bounded")
    func authFailureLog() {
        var log = OncePerPeriod(period: .seconds(60), capacity: 2)
        #expect(log.admit("10.0.0.1", now: 0) == 0)
        #expect(log.admit("10.0.0.1", now: 30 * Self.second) == nil)
        #expect(log.admit("10.0.0.1", now: 59 * Self.second) == nil)
        #expect(log.admit("10.0.0.2", now: 59 * Self.second) == 0)  // its own minute
        #expect(log.admit("10.0.0.1", now: 60 * Self.second) == 2)
        #expect(log.admit("10.0.0.1", now: 61 * Self.second) == nil)
        // Full of recent addresses: a third is counted (on /metrics) but not logged...
        #expect(log.admit("10.0.0.3", now: 61 * Self.second) == nil)
        #expect(log.remembered == 2)
        // ...until the others' minutes are over and they are forgotten.
        #expect(log.admit("10.0.0.3", now: 121 * Self.second) == 0)
        #expect(log.remembered == 1)
    }

    @Test("reload: every step runs, the answer joins them; a failure keeps the first code and every problem")
    func reloadSteps() throws {
        let stats = LockedBox(DaemonStats())
        let ok = Reload(steps: [{ .success("one") }, { .success("two") }], stats: stats, clock: { 42 })
        #expect(try ok.run().get() == "one; two")
        #expect(stats.withLock { ($0.lastReloadSuccessful, $0.lastReloadSuccessAt) } == (true, 42))
        let ran = LockedBox(false)
        let bad = Reload(steps: [{ .failure(ServerError(.invalidRules, "rules bad")) }, { ran.withLock { $0 = true }; return .success("tokens") },
                                 { .failure(ServerError(.unreadableTokenFile, "token bad")) }], stats: stats, clock: { 99 })
        #expect(throws: ServerError(.invalidRules, problems: ["rules bad", "token bad"])) { try bad.run().get() }
        #expect(ran.withLock { $0 })
        #expect(stats.withLock { ($0.lastReloadSuccessful, $0.lastReloadSuccessAt) } == (false, 42))
    }
}
