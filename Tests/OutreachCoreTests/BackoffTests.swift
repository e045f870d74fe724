import Foundation
import Testing
@testable import OutreachCore

@Suite("Retry backoff")
struct BackoffTests {
    private let backoff = Backoff()   // base 30 s, cap 3600 s, 6 attempts

    // Step = min(3600, 30 × 2^(attempt−1)); delay = step/2 + random × step/2 ("equal jitter").
    @Test("exponential steps with equal jitter, capped", arguments: [
        (1, 0.0, 15.0), (1, 0.5, 22.5), (1, 0.999, 29.985),
        (2, 0.0, 30.0), (2, 0.5, 45.0), (2, 0.999, 59.97),
        (3, 0.0, 60.0), (3, 0.5, 90.0), (3, 0.999, 119.94),
        (4, 0.0, 120.0), (4, 0.5, 180.0), (4, 0.999, 239.88),
        (5, 0.0, 240.0), (5, 0.5, 360.0), (5, 0.999, 479.76),
        (6, 0.0, 480.0), (6, 0.5, 720.0), (6, 0.999, 959.52),
        (7, 0.0, 960.0), (7, 0.5, 1440.0), (7, 0.999, 1919.04),
        // 30 × 2^7 = 3840 is past the cap: the step is 3600.
        (8, 0.0, 1800.0), (8, 0.5, 2700.0), (8, 0.999, 3598.2),
        (30, 0.5, 2700.0), (10_000, 0.0, 1800.0),
    ])
    func table(attempt: Int, random: Double, expected: TimeInterval) {
        let delay = backoff.delay(afterAttempt: attempt, retryAfter: nil, random: random)
        #expect(abs(delay - expected) < 1e-9, "attempt \(attempt), random \(random): \(delay)")
    }

    @Test("Retry-After is a floor, honoured even above the cap", arguments: [
        (1, 0.0, 120.0 as TimeInterval?, 120.0),   // longer than the backoff: wait as told
        (1, 0.0, 5.0, 15.0),                       // shorter: the backoff wins
        (3, 0.5, 0.0, 90.0),
        (8, 0.999, 7200.0, 7200.0 + 0.999 * 360),  // above the cap, plus up to a tenth of the step at random
        (8, 0.0, 3e11, 86_400.0),                  // a broken header: a day at most
        (1, 0.0, 1e20, 86_400.0),
        (2, 0.0, -10.0, 30.0),                     // nonsense values are ignored
        (2, 0.0, .infinity, 30.0),
        (2, 0.0, .nan, 30.0),
    ])
    func retryAfterFloor(attempt: Int, random: Double, retryAfter: TimeInterval?, expected: TimeInterval) {
        #expect(backoff.delay(afterAttempt: attempt, retryAfter: retryAfter, random: random) == expected)
    }

    @Test("out-of-range inputs stay inside the step", arguments: [
        (0, 0.0, 15.0), (-3, 0.0, 15.0),           // an attempt below 1 counts as 1
        (1, -2.0, 15.0), (1, .nan, 15.0),          // random below 0 or not a number counts as 0
    ])
    func clamps(attempt: Int, random: Double, expected: TimeInterval) {
        #expect(backoff.delay(afterAttempt: attempt, retryAfter: nil, random: random) == expected)
    }

    @Test("random 1 or more gives at most the full step")
    func randomAtOne() {
        for random in [(1.0).nextDown, 1.0, 1.5, Double.infinity] {
            let delay = backoff.delay(afterAttempt: 1, retryAfter: nil, random: random)
            #expect(delay <= 30 && delay > 29.99)
        }
    }

    @Test("every delay lies in [step/2, step)")
    func bounds() {
        for attempt in 1...12 {
            let step = min(3600, 30 * pow(2, Double(attempt - 1)))
            for random in stride(from: 0.0, to: 1.0, by: 0.05) {
                let delay = backoff.delay(afterAttempt: attempt, retryAfter: nil, random: random)
                #expect(delay >= step / 2 && delay < step)
            }
        }
    }

    @Test("retry budget: maxAttempts attempts in all", arguments: [
        (1, true), (2, true), (5, true), (6, false), (7, false), (100, false),
    ])
    func budget(attempt: Int, retries: Bool) {
        #expect(backoff.shouldRetry(afterAttempt: attempt) == retries)
    }

    @Test("custom settings")
    func custom() {
        let quick = Backoff(base: 1, cap: 10, maxAttempts: 3)
        #expect(quick.delay(afterAttempt: 1, retryAfter: nil, random: 0) == 0.5)
        #expect(quick.delay(afterAttempt: 4, retryAfter: nil, random: 0) == 4)    // 8
        #expect(quick.delay(afterAttempt: 5, retryAfter: nil, random: 0) == 5)    // 16 → cap 10
        #expect(quick.shouldRetry(afterAttempt: 2))
        #expect(!quick.shouldRetry(afterAttempt: 3))
        #expect(Backoff(maxAttempts: 0).maxAttempts == 1)   // at least the first attempt
        #expect(!Backoff(maxAttempts: 0).shouldRetry(afterAttempt: 1))
    }
}
