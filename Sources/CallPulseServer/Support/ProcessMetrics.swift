import Foundation

/// The standard `process_*` metrics, read from /proc.
public struct ProcessMetrics: Sendable {
    public var cpuSeconds: Double = 0
    public var residentBytes: Int64 = 0
    public var virtualBytes: Int64 = 0
    public var openFDs: Int64 = 0
    public var maxFDs: Int64 = 0
    public var startTimeSeconds: Double = 0

    /// Reads the current values; fields that cannot be read stay 0.
    public static func read() -> ProcessMetrics {
        var metrics = ProcessMetrics()
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        let pageSize = Int64(sysconf(Int32(_SC_PAGESIZE)))
        if let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
           let close = stat.lastIndex(of: ")") {
            // Fields after "(comm)": state is field 3; utime 14, stime 15, starttime 22, vsize 23, rss 24.
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            func field(_ number: Int) -> Double { Double(fields[number - 3]) ?? 0 }
            if fields.count >= 22 {
                metrics.cpuSeconds = (field(14) + field(15)) / ticks
                metrics.virtualBytes = Int64(field(23))
                metrics.residentBytes = Int64(field(24)) * pageSize
                metrics.startTimeSeconds = bootTime() + field(22) / ticks
            }
        }
        metrics.openFDs = Int64((try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? 0)
        var limit = rlimit()
        if getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0 { metrics.maxFDs = Int64(limit.rlim_cur) }
        return metrics
    }

    private static func bootTime() -> Double {
        guard let stat = try? String(contentsOfFile: "/proc/stat", encoding: .utf8) else { return 0 }
        for line in stat.split(separator: "\n") where line.hasPrefix("btime ") {
            return Double(line.dropFirst(6).trimmingCharacters(in: .whitespaces)) ?? 0
        }
        return 0
    }
}
