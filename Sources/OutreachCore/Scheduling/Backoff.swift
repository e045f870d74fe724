import Foundation

/// How long a transiently failed message waits before its next attempt: exponential growth with "equal jitter"
/// (half the step fixed, half random) so a burst of failures does not retry in lock-step, never sooner than the
/// provider's Retry-After, and a retry budget. `random` is passed in: the core never draws random numbers.
public struct Backoff: Sendable, Equatable {
    /// The delay after the first failure (before jitter).
    public let base: TimeInterval
    /// The largest delay the exponential part reaches (before jitter). Retry-After may exceed it.
    public let cap: TimeInterval
    /// Attempts in all, the first one included: after this many failed attempts the message fails for good.
    public let maxAttempts: Int

    public init(base: TimeInterval = 30, cap: TimeInterval = 3600, maxAttempts: Int = 6) {
        self.base = base.isFinite ? max(0, base) : 0
        self.cap = cap.isFinite ? max(0, cap) : 0
        self.maxAttempts = max(1, maxAttempts)
    }

    /// The longest Retry-After honoured: a day. A broken header ("3e11") must not park a message for millennia (a date
    /// the outbox cannot even write) or hold up the queue.
    public static let longestRetryAfter: TimeInterval = 86_400

    /// Delay before attempt `attempt + 1` after `attempt` failed attempts (1-based): the step is
    /// min(cap, base × 2^(attempt−1)), the delay step/2 + random × step/2, and never less than `retryAfter`
    /// (a provider's Retry-After is honoured even above `cap`, up to `longestRetryAfter`, plus up to a tenth of
    /// min(retryAfter, step) at random, so messages throttled together do not all come back in the same instant).
    /// `random` (meant to be in 0..<1) is clamped into 0...1, NaN counting as 0; an attempt below 1 counts as 1; a
    /// negative or non-finite `retryAfter` is ignored.
    public func delay(afterAttempt attempt: Int, retryAfter: TimeInterval?, random: Double) -> TimeInterval {
        // 2^60 × any sane base is far past any cap; capping the exponent keeps the arithmetic finite.
        let exponent = Double(min(max(attempt, 1) - 1, 60))
        let step = min(cap, base * pow(2, exponent))
        let fraction = random.isNaN ? 0 : min(max(random, 0), 1)
        let jittered = step / 2 + fraction * step / 2
        guard let retryAfter, retryAfter.isFinite, retryAfter >= 0 else { return jittered }
        let honoured = min(retryAfter, Self.longestRetryAfter)
        return max(jittered, honoured + fraction * min(honoured, step) / 10)
    }

    /// Whether a message that has failed `attempt` attempts (transiently) gets another one.
    public func shouldRetry(afterAttempt attempt: Int) -> Bool {
        attempt < maxAttempts
    }
}
