import Foundation
import Testing
@testable import OutreachCore

private let start = Timestamp.parse("2026-11-24T13:00:00Z")!

@Suite("Rate limit (token bucket)")
struct RateLimiterTests {
    @Test("Vonage 30/s, burst 30: 30 go at once, the 31st waits 1/30 s")
    func vonageBurst() throws {
        var bucket = TokenBucket(ratePerSecond: 30, burst: 30, now: start)
        for index in 1...30 {
            #expect(bucket.take(now: start) == nil, "message \(index)")
        }
        let answer = bucket.take(now: start)
        let wait = try #require(answer)
        #expect(abs(wait - 1.0 / 30) < 1e-9)
        // Asking again does not take anything: the wait is the same.
        #expect(abs((bucket.take(now: start) ?? 0) - 1.0 / 30) < 1e-9)
        // After the wait, one token.
        #expect(bucket.take(now: start.addingTimeInterval(wait)) == nil)
        #expect(bucket.take(now: start.addingTimeInterval(wait)) != nil)
    }

    @Test("46elks 100 a minute: one every 0.6 s")
    func elksPerMinute() throws {
        var bucket = TokenBucket(ratePerSecond: 100.0 / 60, burst: 1, now: start)
        #expect(bucket.take(now: start) == nil)
        let answer = bucket.take(now: start)
        let wait = try #require(answer)
        #expect(abs(wait - 0.6) < 1e-9)
        #expect(abs((bucket.take(now: start.addingTimeInterval(0.3)) ?? 0) - 0.3) < 1e-6)
        #expect(bucket.take(now: start.addingTimeInterval(0.6)) == nil)
    }

    /// A dispatcher that waits exactly as told sends at the configured rate: N messages take (N − burst) / rate.
    @Test("sustained rate with a manual clock", arguments: [
        (30.0, 30, 330, 10.0),          // Vonage: 300 after the burst at 30/s
        (100.0 / 60, 1, 101, 60.0),     // 46elks: 100 after the first at 100/min
        (5.0, 1, 51, 10.0),
    ])
    func sustained(rate: Double, burst: Int, messages: Int, expectedSeconds: Double) {
        var bucket = TokenBucket(ratePerSecond: rate, burst: burst, now: start)
        var now = start
        var sent = 0
        var waits = 0
        while sent < messages, waits < 10_000 {
            if let wait = bucket.take(now: now) {
                #expect(wait > 0)
                now = now.addingTimeInterval(wait)
                waits += 1
            } else {
                sent += 1
            }
        }
        #expect(sent == messages)
        #expect(abs(now.timeIntervalSince(start) - expectedSeconds) < 1e-4)
    }

    @Test("an idle bucket refills to the burst, no further")
    func refillCapped() {
        var bucket = TokenBucket(ratePerSecond: 30, burst: 30, now: start)
        for _ in 1...30 { _ = bucket.take(now: start) }
        let later = start.addingTimeInterval(3600)
        var immediate = 0
        while bucket.take(now: later) == nil { immediate += 1 }
        #expect(immediate == 30)
    }

    @Test("a clock that goes backwards refills nothing and never crashes")
    func backwardsClock() {
        var bucket = TokenBucket(ratePerSecond: 1, burst: 1, now: start)
        #expect(bucket.take(now: start) == nil)
        let wait = bucket.take(now: start.addingTimeInterval(-10))
        #expect(wait == 1)
        #expect(bucket.take(now: start.addingTimeInterval(1)) == nil)
    }

    @Test("odd settings: burst below 1 counts as 1; a rate that is not positive means no limit")
    func oddSettings() {
        var zeroBurst = TokenBucket(ratePerSecond: 2, burst: 0, now: start)
        #expect(zeroBurst.take(now: start) == nil)
        #expect(zeroBurst.take(now: start) == 0.5)
        for rate in [0.0, -1.0, .nan, .infinity] {
            var unlimited = TokenBucket(ratePerSecond: rate, burst: 1, now: start)
            #expect(unlimited.isUnlimited)
            #expect((0..<1000).allSatisfy { _ in unlimited.take(now: start) == nil })
        }
    }
}
