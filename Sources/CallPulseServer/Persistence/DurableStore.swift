import CallPulseAlerting
import CallPulseCore
import CallPulseSupport
import Foundation
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// The state directory: a write-ahead journal of ingest batches with group commit, and
/// periodic checkpoints of the whole state. An ingest batch is applied only after its
/// journal record is on disk (fdatasync), and in journal order, so what was acknowledged
/// is exactly what a restart brings back.
///
/// Files: `journal-<first sequence>.log` segments, `checkpoint-<sequence>.state` (the state
/// after every record before that sequence), `alerts.json` (alert states).
///
/// Its writer is a worker thread (`JournalService` runs it): it commits what is queued,
/// checkpoints when due, and on a graceful stop drains the queue and writes a last checkpoint.
final class DurableStore: Sendable {
    /// One ingest batch on its way to disk and into the engine.
    final class Batch: Sendable {
        let payload: [UInt8]
        let work: @Sendable () -> Void
        let done = DispatchSemaphore(value: 0)
        /// nil once stored and applied; else why it was not.
        let failure = LockedBox<String?>("not written yet")

        init(payload: [UInt8], work: @escaping @Sendable () -> Void) {
            self.payload = payload
            self.work = work
        }
    }

    /// What `/metrics` and `/api/v1/status` show.
    struct Stats: Sendable {
        var records: Int64 = 0
        var bytes: Int64 = 0
        var syncs: Int64 = 0
        var writeErrors: Int64 = 0
        var lastError: String?
        var healthy = true
        var checkpoints: Int64 = 0
        var checkpointFailures: Int64 = 0
        var lastCheckpointAt: EpochMillis = 0
        var lastCheckpointMillis: Int64 = 0
        var lastCheckpointBytes: Int64 = 0
        var recoveryMillis: Int64 = 0
        var recoveredRecords: Int64 = 0
    }

    /// What the writer thread owns; in a box so shutdown can reach it.
    struct Writer {
        var fd: Int32 = -1
        var path = ""
        var size: Int64 = 0
        var nextSequence: UInt64 = 0
        /// Monotonic nanoseconds: the checkpoint interval must not follow wall-clock steps.
        var lastCheckpointAt: UInt64 = 0
        var recordsSinceCheckpoint = 0
        var checkpointRunning = false
    }

    static let checkpointMagic: [UInt8] = Array("CPCHECK1".utf8)
    static let checkpointVersion: UInt32 = 1

    let directory: String
    let checkpointInterval: EpochMillis
    private let logger: Logger
    /// Batches waiting for the writer; `open` is false once stopping began.
    private let queue = LockedBox<(batches: [Batch], open: Bool)>(([], true))
    private let writer = LockedBox(Writer())
    /// Commits group what arrived while the previous fdatasync ran; the interval paces checkpoints.
    let worker = WorkerThread(name: "journal", interval: .milliseconds(500))
    let stats = LockedBox(Stats())
    /// The newest alert states handed to `saveAlerts`; its lock also serialises writing
    /// `alerts.json` (the evaluator and the checkpoint thread both write it).
    private let newestAlerts = LockedBox<[Alert]?>(nil)
    /// Supplies a copy of the engine (copy-on-write: O(1) under its lock) and the alert states.
    /// A class around the closure: a function type stored in a generic box came back wrapped in
    /// reabstraction thunks that called each other until the stack ran out.
    final class Capture: Sendable {
        let body: @Sendable () -> (Engine, [Alert])
        init(_ body: @escaping @Sendable () -> (Engine, [Alert])) { self.body = body }
    }
    private let capture = LockedBox<Capture?>(nil)

    init(directory: String, checkpointInterval: EpochMillis, logger: Logger) {
        self.directory = directory
        self.checkpointInterval = checkpointInterval
        self.logger = logger
    }

    // MARK: Recovery

    /// Loads the newest usable checkpoint and replays the journal after it; then opens the
    /// journal for appending (the writer thread starts after, with the service).
    func recover(settings: Settings, replay: (inout Engine, [DecodeOutcome], EpochMillis) -> Void)
        throws(PersistenceError) -> (engine: Engine, alerts: [Alert]) {
        let started = SystemClock.monotonicNanos()
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw PersistenceError(.cannotCreateDirectory, "cannot create the state directory \(directory): \(error.localizedDescription)")
        }
        var engine: Engine?
        var from: UInt64 = 0
        var unusable: [String] = []
        for name in FileIO.list(directory, prefix: "checkpoint-", suffix: ".state").reversed() {
            do throws(CoreError) {
                let (sequence, state) = try Self.readCheckpoint(directory + "/" + name)
                engine = try Engine(settings: settings, restoring: state)
                from = sequence
                logger.info("state: loaded \(name)", metadata: ["calls": "\(engine!.recordCount)"])
                if let note = engine!.restoreNote { logger.warning("state: \(note)") }
                break
            } catch {
                unusable.append(name)
                logger.warning("state: checkpoint \(name) is unusable (\(error.description)); trying the one before")
            }
        }
        let segments = FileIO.list(directory, prefix: "journal-", suffix: ".log").compactMap { name in
            UInt64(name.dropFirst("journal-".count).dropLast(".log".count)).map { (name: name, start: $0) }
        }
        if engine == nil {
            if let first = segments.first, first.start > 0 {
                throw PersistenceError(.journalNotCovered, """
                    no usable checkpoint in \(directory) (\(unusable.isEmpty ? "none found" : unusable.joined(separator: ", ") + " unusable")) \
                    and the journal starts at record \(first.start): the state before it would be lost. Refusing to start \
                    over existing data; restore a checkpoint, or move the directory away to start empty.
                    """)
            }
            do {
                engine = try Engine(settings: settings)
            } catch {
                throw PersistenceError(.invalidSettings, error.description)
            }
        }
        var state = engine!
        var next = from
        var replayed: Int64 = 0
        // Segments holding records at or after `from`: the last one starting at or before it, and all later.
        let firstIndex = segments.lastIndex { $0.start <= from } ?? 0
        for (position, segment) in segments.enumerated() where position >= firstIndex {
            let path = directory + "/" + segment.name
            let bytes: [UInt8]
            do { bytes = try FileIO.read(path) } catch { throw PersistenceError(.journalIO, error.description) }
            var offset = 0
            var expected = segment.start
            while offset < bytes.count {
                guard let record = Self.record(in: bytes, at: offset), record.sequence == expected,
                      let contents = JournalRecord.decode(bytes[record.payload]) else {
                    guard position == segments.count - 1 else {
                        throw PersistenceError(.corruptJournal, "journal \(segment.name) is corrupt at byte \(offset), before the end of the journal; refusing to start with a gap")
                    }
                    logger.warning("state: journal \(segment.name) has a torn or corrupt tail at byte \(offset); dropping its last \(bytes.count - offset) bytes (never acknowledged)")
                    guard truncate(path, off_t(offset)) == 0 else {
                        throw PersistenceError(.journalIO, SystemCallError("cannot truncate", path).description)
                    }
                    break
                }
                if record.sequence >= from {
                    for group in contents.groups { replay(&state, group.outcomes, group.receivedAt) }
                    if let position = contents.sourcePosition { state.recordSourcePosition(position, in: contents.sourceStream) }
                    replayed += 1
                }
                expected += 1
                next = max(next, expected)
                offset = record.payload.upperBound
            }
        }
        var alerts: [Alert] = []
        if let data = FileManager.default.contents(atPath: directory + "/alerts.json") {
            alerts = (try? JSONDecoder().decode([Alert].self, from: data)) ?? []
        }
        try openSegment(startingAt: next, reuse: segments.last.flatMap { $0.start <= next ? $0.name : nil })
        let millis = Int64((SystemClock.monotonicNanos() - started) / 1_000_000)
        stats.withLock {
            $0.recoveryMillis = millis
            $0.recoveredRecords = replayed
        }
        logger.info("state: restored in \(millis) ms", metadata: [
            "checkpoint_sequence": "\(from)", "journal_records": "\(replayed)", "calls": "\(state.recordCount)",
            "alerts": "\(alerts.count)"])
        writer.withLock {
            $0.lastCheckpointAt = SystemClock.monotonicNanos()
            $0.recordsSinceCheckpoint = Int(replayed)  // so a graceful stop folds them into a checkpoint
        }
        return (state, alerts)
    }

    /// The framed record at `offset`: its sequence and payload range, if whole and intact.
    static func record(in bytes: [UInt8], at offset: Int) -> (sequence: UInt64, payload: Range<Int>)? {
        var reader = JournalRecord.Reader(bytes: bytes[offset...])
        guard let length = reader.u32(), let crc = reader.u32(), let sequence = reader.u64() else { return nil }
        let start = offset + JournalRecord.headerSize
        guard Int(length) <= bytes.count - start else { return nil }
        let payload = start..<(start + Int(length))
        guard JournalRecord.checksum(Array(bytes[(offset + 8)..<start]), bytes[payload]) == crc else { return nil }
        return (sequence, payload)
    }

    private func openSegment(startingAt sequence: UInt64, reuse name: String?) throws(PersistenceError) {
        let path = directory + "/" + (name ?? Self.segmentName(sequence))
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw PersistenceError(.journalIO, SystemCallError("cannot open the journal", path).description) }
        var info = stat()
        fstat(fd, &info)
        try? FileIO.syncDirectory(directory)
        writer.withLock {
            $0.fd = fd
            $0.path = path
            $0.size = Int64(info.st_size)
            $0.nextSequence = sequence
        }
    }

    static func segmentName(_ sequence: UInt64) -> String { String(format: "journal-%020llu.log", sequence) }
    static func checkpointName(_ sequence: UInt64) -> String { String(format: "checkpoint-%020llu.state", sequence) }

    // MARK: Ingest

    /// Supplies the engine copy and alert states for checkpoints.
    func setCapture(_ body: @escaping @Sendable () -> (Engine, [Alert])) { capture.withLock { $0 = Capture(body) } }

    /// Journals `batch`, then runs its work (applying it) in journal order; returns nil when
    /// both happened, else why not (nothing was applied).
    func submit(_ batch: Batch) -> String? {
        let queued = queue.withLock { queue -> Bool in
            guard queue.open else { return false }
            queue.batches.append(batch)
            return true
        }
        guard queued else { return "the daemon is stopping" }
        worker.wake()
        batch.done.wait()
        return batch.failure.withLock { $0 }
    }

    /// One round of the writer: commit what is queued, then checkpoint if due.
    func writerStep() {
        commitPending()
        checkpointIfDue(force: false)
    }

    /// Group commit: every waiting batch in one write and one fdatasync, then applied in order.
    private func commitPending() {
        let group = queue.withLock { queue -> [Batch] in defer { queue.batches = [] }; return queue.batches }
        guard !group.isEmpty else { return }
        var failure: SystemCallError?
        writer.withLock { writer in
            var buffer: [UInt8] = []
            buffer.reserveCapacity(group.reduce(0) { $0 + $1.payload.count + JournalRecord.headerSize })
            for (index, batch) in group.enumerated() {
                JournalRecord.frame(batch.payload, sequence: writer.nextSequence + UInt64(index), into: &buffer)
            }
            do throws(SystemCallError) {
                if writer.fd < 0 { throw SystemCallError("no journal segment is open in", directory, errno: EBADF) }
                try FileIO.writeAll(writer.fd, buffer, path: writer.path)
                try FileIO.sync(writer.fd, path: writer.path)
                writer.size += Int64(buffer.count)
                writer.nextSequence += UInt64(group.count)
                writer.recordsSinceCheckpoint += group.count
            } catch {
                failure = error
                // Cut a partial write off, so the next record starts where a reader expects it.
                if writer.fd >= 0 { _ = ftruncate(writer.fd, off_t(writer.size)) }
            }
            if failure == nil {
                stats.withLock { stats in
                    stats.records += Int64(group.count)
                    stats.bytes += Int64(buffer.count)
                    stats.syncs += 1
                    if !stats.healthy { logger.notice("state: the journal is writable again; ingest resumes") }
                    stats.healthy = true
                }
            }
        }
        if let failure {
            let first = stats.withLock { stats -> Bool in
                defer {
                    stats.writeErrors += 1
                    stats.lastError = failure.description
                    stats.healthy = false
                }
                return stats.healthy
            }
            if first { logger.error("state: cannot store events, ingest answers 503 until it can: \(failure.description)") }
            for batch in group {
                batch.failure.withLock { $0 = failure.description }
                batch.done.signal()
            }
            return
        }
        for batch in group {
            batch.work()
            batch.failure.withLock { $0 = nil }
            batch.done.signal()
        }
    }

    // MARK: Checkpoints

    /// Writes a checkpoint when the interval has passed (or `force`): rotates the journal to
    /// a new segment, takes a copy of the engine, and writes it from another thread.
    private func checkpointIfDue(force: Bool) {
        guard let capture = capture.withLock({ $0 }) else { return }
        let now = SystemClock.monotonicNanos()
        let plan = writer.withLock { writer -> (UInt64, String)? in
            guard !writer.checkpointRunning, force || (writer.recordsSinceCheckpoint > 0
                  && (now - writer.lastCheckpointAt) / 1_000_000 >= UInt64(max(0, checkpointInterval))) else { return nil }
            let sequence = writer.nextSequence
            let path = directory + "/" + Self.segmentName(sequence)
            let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
            guard fd >= 0 else {
                logger.warning("state: \(SystemCallError("cannot create", path).description); the checkpoint waits")
                return nil
            }
            if writer.fd >= 0 { close(writer.fd) }
            writer.fd = fd
            writer.path = path
            writer.size = 0
            writer.recordsSinceCheckpoint = 0
            writer.lastCheckpointAt = now
            writer.checkpointRunning = true
            return (sequence, path)
        }
        guard let (sequence, _) = plan else { return }
        try? FileIO.syncDirectory(directory)
        let (engine, alerts) = capture.body()
        let write: @Sendable () -> Void = { [self] in
            writeCheckpoint(engine, alerts: alerts, sequence: sequence)
            writer.withLockNotifyingWaiters { $0.checkpointRunning = false }
        }
        if force { write() } else { Thread.detachNewThread(write) }
    }

    private func writeCheckpoint(_ engine: Engine, alerts: [Alert], sequence: UInt64) {
        let started = SystemClock.monotonicNanos()
        let state = engine.encodeState()
        var bytes = Self.checkpointMagic
        JournalRecord.append(Self.checkpointVersion, to: &bytes)
        JournalRecord.append(sequence, to: &bytes)
        JournalRecord.append(UInt64(state.count), to: &bytes)
        JournalRecord.append(JournalRecord.checksum([], state[...]), to: &bytes)
        bytes += state
        let name = Self.checkpointName(sequence)
        do throws(SystemCallError) {
            try FileIO.writeAtomically(bytes, to: directory + "/" + name)
            newestAlerts.withLock { newest in writeAlerts(newest ?? alerts) }
            prune()
            let millis = Int64((SystemClock.monotonicNanos() - started) / 1_000_000)
            stats.withLock {
                $0.checkpoints += 1
                $0.lastCheckpointAt = SystemClock.wallMillis()
                $0.lastCheckpointMillis = millis
                $0.lastCheckpointBytes = Int64(bytes.count)
            }
            logger.info("state: wrote \(name)", metadata: ["bytes": "\(bytes.count)", "ms": "\(millis)",
                                                           "calls": "\(engine.recordCount)"])
        } catch {
            stats.withLock { $0.checkpointFailures += 1 }
            logger.error("state: checkpoint failed, the journal is kept until one succeeds: \(error.description)")
        }
    }

    /// The sequence and state of a checkpoint file, checked end to end.
    static func readCheckpoint(_ path: String) throws(CoreError) -> (UInt64, [UInt8]) {
        let bytes: [UInt8]
        do { bytes = try FileIO.read(path) } catch { throw CoreError(.unreadableState, error.description) }
        guard bytes.count >= 32, Array(bytes[0..<8]) == checkpointMagic else { throw CoreError(.unreadableState, "not a CallPulse checkpoint") }
        var reader = JournalRecord.Reader(bytes: bytes[8...])
        guard let version = reader.u32(), let sequence = reader.u64(), let length = reader.u64(), let crc = reader.u32()
        else { throw CoreError(.unreadableState, "the header is cut short") }
        guard version == checkpointVersion else { throw CoreError(.unreadableState, "format version \(version), this build reads \(checkpointVersion)") }
        guard length == UInt64(bytes.count - 32) else { throw CoreError(.unreadableState, "the file is cut short or too long") }
        guard JournalRecord.checksum([], bytes[32...]) == crc else { throw CoreError(.unreadableState, "the checksum does not match") }
        return (sequence, Array(bytes[32...]))
    }

    /// Keeps the two newest checkpoints and the journal from the older of them on.
    private func prune() {
        let checkpoints = FileIO.list(directory, prefix: "checkpoint-", suffix: ".state")
        for old in checkpoints.dropLast(2) { unlink(directory + "/" + old) }
        guard let oldestKept = checkpoints.suffix(2).first,
              let keepFrom = UInt64(oldestKept.dropFirst("checkpoint-".count).dropLast(".state".count)) else { return }
        let segments = FileIO.list(directory, prefix: "journal-", suffix: ".log")
        let starts = segments.map { UInt64($0.dropFirst("journal-".count).dropLast(".log".count)) ?? 0 }
        for index in segments.indices.dropLast() where starts[index + 1] <= keepFrom {
            unlink(directory + "/" + segments[index])
        }
    }

    /// Alert states, saved whenever they change (small; atomic like a checkpoint).
    func saveAlerts(_ alerts: [Alert]) {
        newestAlerts.withLock { newest in
            newest = alerts
            writeAlerts(alerts)
        }
    }

    private func writeAlerts(_ alerts: [Alert]) {
        guard let data = try? JSONEncoder().encode(alerts) else { return }
        do throws(SystemCallError) {
            try FileIO.writeAtomically([UInt8](data), to: directory + "/alerts.json")
        } catch {
            logger.warning("state: cannot save alert states: \(error.description)")
        }
    }

    /// The writer's last round on a graceful stop: refuses new batches, commits whatever is
    /// queued, waits for a checkpoint in progress, writes a final one and closes.
    func writerFinish() {
        queue.withLock { $0.open = false }
        commitPending()
        writer.withLock(waitingUntil: { !$0.checkpointRunning }) { _ in }
        if writer.withLock({ $0.recordsSinceCheckpoint }) > 0 { checkpointIfDue(force: true) }
        writer.withLock { writer in
            if writer.fd >= 0 { close(writer.fd) }
            writer.fd = -1
        }
    }
}
