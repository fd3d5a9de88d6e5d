import Foundation

/// Timing for benchmarks: each measurement warms up once, then runs rounds of enough calls to fill
/// a minimum time, and reports the median seconds per call across rounds.
public enum Stopwatch {
    /// Seconds since an arbitrary fixed point, monotonic.
    @inline(__always)
    public static func now() -> Double {
        Double(DispatchTime.now().uptimeNanoseconds) * 1e-9
    }

    /// Median seconds per call of `body` over `rounds` rounds of at least `minSeconds` each.
    public static func secondsPerCall(rounds: Int = 5, minSeconds: Double = 0.1, _ body: () -> Void) -> Double {
        body()
        var perCall: [Double] = []
        for _ in 0..<max(1, rounds) {
            var calls = 0
            let start = now()
            var elapsed = 0.0
            repeat {
                body()
                calls += 1
                elapsed = now() - start
            } while elapsed < minSeconds
            perCall.append(elapsed / Double(calls))
        }
        perCall.sort()
        return perCall[perCall.count / 2]
    }
}
