#if canImport(Glibc)
import Glibc
#endif

/// Raises the soft open-file limit to what the connection limits need: every connection is a
/// descriptor (docs/spec/connector.md: a floor of browsers behind one address), besides the
/// journal, checkpoints and hook connections. The hard limit is the ceiling (systemd's
/// `LimitNOFILE`, `ulimit -Hn`).
enum OpenFileLimit {
    /// Descriptors beside the HTTP connections: journal, checkpoints, hooks, epoll, logs.
    static let reserve = 256

    enum Outcome: Equatable {
        case enough(limit: Int)
        case raised(from: Int, to: Int)
        /// Raised as far as the hard limit allows (or not at all), still under `needed`.
        case short(limit: Int, needed: Int)
    }

    static func raise(forConnections connections: Int) -> Outcome {
        let needed = connections + reserve
        var limit = rlimit()
        guard getrlimit(resource, &limit) == 0 else { return .short(limit: 0, needed: needed) }
        let soft = Int(clamping: limit.rlim_cur)
        let hard = Int(clamping: limit.rlim_max)  // RLIM_INFINITY is the largest value: clamped to Int.max
        if soft >= needed { return .enough(limit: soft) }
        var raised = limit
        raised.rlim_cur = rlim_t(min(needed, hard))
        guard setrlimit(resource, &raised) == 0 else { return .short(limit: soft, needed: needed) }
        return needed <= hard ? .raised(from: soft, to: needed) : .short(limit: hard, needed: needed)
    }

    private static var resource: __rlimit_resource_t { __rlimit_resource_t(RLIMIT_NOFILE.rawValue) }
}
