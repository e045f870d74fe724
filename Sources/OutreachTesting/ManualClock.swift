import Foundation

/// A clock tests move by hand: `advance(by:)` instead of sleeping.
public final class ManualClock: @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date

    public init(_ start: Date = Date(timeIntervalSince1970: 1_795_000_000)) { current = start }

    public var now: Date { lock.withLock { current } }

    public func advance(by seconds: TimeInterval) { lock.withLock { current += seconds } }

    public func set(_ date: Date) { lock.withLock { current = date } }

    /// A `() -> Date` to inject where a clock is expected.
    public var function: @Sendable () -> Date { { [self] in self.now } }
}
