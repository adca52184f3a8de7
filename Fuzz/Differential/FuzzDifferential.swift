import CallPulseCore
import CallPulseReferenceDecoder
import FuzzSupport

/// libFuzzer target: the same bytes through the fast decoder (`EventReader`) and the plain
/// reference decoder; any difference in outcome (count, index, line, accepted values,
/// rejection reason) stops the run with both sides printed.
nonisolated(unsafe) let reader = EventReader()  // libFuzzer calls the target from one thread only

func fuzzOne(_ bytes: UnsafeRawBufferPointer) {
    if let difference = Differential.difference(Array(bytes), reader: reader) {
        preconditionFailure(difference)
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDifferentialInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    fuzzOne(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}

/// With libFuzzer (`make fuzz`): its driver. Without: replays the files given (the corpus,
/// crashers) through the target once each.
@main
struct FuzzDifferential {
    static func main() {
        #if FUZZING
        FuzzDriver.run(fuzzDifferentialInput)
        #else
        CorpusReplay.run(Array(CommandLine.arguments.dropFirst()), fuzzOne)
        #endif
    }
}
