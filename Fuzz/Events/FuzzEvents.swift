import CallPulseCore
import CallPulseServer
import FuzzSupport

/// libFuzzer target: bytes as an ingest body (one event, an array, NDJSON; any bytes) into
/// the decoder and the engine, and as a timestamp; every so often the snapshot is rendered
/// as JSON and as the Prometheus exposition. Limits are small so state stays bounded.
let host: EngineHost = {
    var settings = Settings()
    settings.maxQueues = 64
    settings.maxActiveCalls = 4096
    return try! EngineHost(settings: settings)  // fixed, valid settings: cannot fail
}()
let pipeline = IngestPipeline(engine: host)
let renderer = MetricsRenderer()
nonisolated(unsafe) var inputs = 0  // libFuzzer calls the target from one thread only

func fuzzOne(_ bytes: UnsafeRawBufferPointer) {
    guard case .processed(let report) = pipeline.ingest(Array(bytes), receivedAt: 1_795_000_000_000 + EpochMillis(inputs)) else {
        preconditionFailure("a pipeline without a journal is always open")
    }
    precondition(report.total == report.accepted + report.ignored + report.rejected)
    for error in report.errors { precondition(!error.rejection.detail.isEmpty) }
    let typed = bytes.bindMemory(to: UInt8.self)
    _ = Timestamp.parse(typed)
    _ = Timestamp.parseEpochNumber(typed)
    inputs += 1
    if inputs % 64 == 0 {
        let snapshot = host.snapshot(now: 1_795_000_000_000 + EpochMillis(inputs))
        _ = SnapshotJSON.renderBytes(snapshot)
        _ = renderer.render(snapshot, stats: nil, process: nil, format: inputs % 128 == 0 ? .openMetrics : .text)
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzEventsInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    fuzzOne(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}

/// With libFuzzer (`make fuzz`): its driver. Without: replays the files given (the corpus,
/// crashers) through the target once each.
@main
struct FuzzEvents {
    static func main() {
        #if FUZZING
        FuzzDriver.run(fuzzEventsInput)
        #else
        CorpusReplay.run(Array(CommandLine.arguments.dropFirst()), fuzzOne)
        #endif
    }
}
