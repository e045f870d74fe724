import Foundation

/// Wall-clock and CPU time of one measured step.
struct Timing: Sendable {
    var wall: Double
    /// User + system CPU of the whole process (every thread: ours, libcurl's, the fake server's).
    var cpu: Double

    /// Times `body` (synchronous).
    static func measure<T>(_ body: () throws -> T) rethrows -> (T, Timing) {
        let clock = ContinuousClock()
        let cpuStart = cpuSeconds()
        let start = clock.now
        let value = try body()
        return (value, Timing(wall: (clock.now - start).seconds, cpu: cpuSeconds() - cpuStart))
    }

    /// Times `body` (asynchronous).
    static func measure<T>(_ body: () async throws -> T) async rethrows -> (T, Timing) {
        let clock = ContinuousClock()
        let cpuStart = cpuSeconds()
        let start = clock.now
        let value = try await body()
        return (value, Timing(wall: (clock.now - start).seconds, cpu: cpuSeconds() - cpuStart))
    }

    /// The faster of two timings (best-of-N keeps the run least disturbed by other work on the machine).
    static func best(_ current: Timing?, _ new: Timing) -> Timing {
        guard let current else { return new }
        return new.wall < current.wall ? new : current
    }

    /// User + system CPU seconds of this process so far.
    static func cpuSeconds() -> Double {
        var usage = rusage()
        #if os(Linux)
        let who = __rusage_who_t(RUSAGE_SELF.rawValue)
        #else
        let who = RUSAGE_SELF
        #endif
        guard getrusage(who, &usage) == 0 else { return 0 }
        func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }
}

extension Duration {
    var seconds: Double {
        let (whole, fraction) = components
        return Double(whole) + Double(fraction) / 1e18
    }
}
