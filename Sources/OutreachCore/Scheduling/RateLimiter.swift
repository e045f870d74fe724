import Foundation

/// A per-provider rate limit in messages per second: a bucket of `burst` tokens refilled at `ratePerSecond`.
/// Each send takes a token; an empty bucket says how long to wait. Time is passed in (`now`), never read.
/// 46elks' 100 messages a minute is `TokenBucket(ratePerSecond: 100.0 / 60, burst: 1, now:)`; Vonage's 30
/// requests a second is `TokenBucket(ratePerSecond: 30, burst: 30, now:)`.
public struct TokenBucket: Sendable, Equatable {
    public let ratePerSecond: Double
    public let burst: Int
    /// Tokens left at `updatedAt` (fractions accumulate between takes).
    public private(set) var tokens: Double
    public private(set) var updatedAt: Date

    /// Starts full. A burst below 1 counts as 1. A rate that is not a positive number means no limit
    /// (config refuses such rates, so only a programming error gets here; failing to send would be worse).
    public init(ratePerSecond: Double, burst: Int, now: Date) {
        self.ratePerSecond = ratePerSecond
        self.burst = max(1, burst)
        self.tokens = Double(max(1, burst))
        self.updatedAt = now
    }

    public var isUnlimited: Bool { !(ratePerSecond > 0) || !ratePerSecond.isFinite }

    /// Takes one token if available at `now`; otherwise returns the wait until one is.
    /// nil = taken, go; else wait that long and call again. A clock that goes backwards refills nothing.
    public mutating func take(now: Date) -> TimeInterval? {
        if isUnlimited { return nil }
        let elapsed = now.timeIntervalSince(updatedAt)
        if elapsed > 0 {
            tokens = min(Double(burst), tokens + elapsed * ratePerSecond)
            updatedAt = now
        }
        let wait = (1 - tokens) / ratePerSecond
        // A microsecond of tolerance: a Date holds about 0.1 µs, so waiting exactly the wait returned may refill
        // a hair less than one token; without it a caller could be told to wait a few nanoseconds forever.
        if wait <= 1e-6 {
            tokens = max(0, tokens - 1)
            return nil
        }
        return wait
    }
}
