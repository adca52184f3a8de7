import CallPulseHTTP
import CallPulseSupport
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A blocking POST with a hard deadline, for hook deliveries and `simulate --target`.
enum HTTPPost {
    /// What came back: the status and body, or why there was no answer.
    struct Outcome: Sendable {
        var status: Int?
        var body = Data()
        var error: String?

        /// nil for a 2xx answer, else one line saying what went wrong.
        var failure: String? {
            if let error { return error }
            guard let status else { return "no answer" }
            return (200..<300).contains(status) ? nil : "HTTP \(status)"
        }
    }

    /// `started` gets the request once it is on its way (a stop may cancel it).
    static func send(_ session: URLSession, url: String, body: Data, headers: [(String, String)],
                     timeoutMillis: Int64, started: (URLSessionDataTask) -> Void = { _ in }) -> Outcome {
        guard let target = URL(string: url), target.scheme != nil else { return Outcome(error: "'\(url)' is not a URL") }
        var request = URLRequest(url: target, timeoutInterval: Double(timeoutMillis) / 1000)
        request.httpMethod = "POST"
        request.httpBody = body
        request.setValue("CallPulse", forHTTPHeaderField: "User-Agent")
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let outcome = LockedBox(Outcome(error: "no answer"))
        let done = DispatchSemaphore(value: 0)
        let task = session.dataTask(with: request) { data, response, error in
            outcome.withLock {
                if let error {
                    $0 = Outcome(error: error.localizedDescription)
                } else {
                    $0 = Outcome(status: (response as? HTTPURLResponse)?.statusCode, body: data ?? Data())
                }
            }
            done.signal()
        }
        task.resume()
        started(task)
        // Our own deadline as well: the transport's idle timeout alone let a hung receiver hold on.
        if done.wait(timeout: .now() + .milliseconds(Int(timeoutMillis))) == .timedOut {
            task.cancel()
            return Outcome(error: "timed out after \(timeoutMillis) ms")
        }
        return outcome.withLock { $0 }
    }
}
