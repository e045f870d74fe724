import Dispatch
import Foundation

/// The dispatcher's wake-up tick: a nap its owner can end early.
///
/// Cancelling the task does not end it: a cancelled `Task.sleep` returns at once, and the loop, waiting to write
/// results again after a refused write, would spin. `ring()` does end it, so a drain that has finished does not wait
/// out a tick it no longer needs (that wait was up to `flushAge` at the end of every drain).
final class Alarm: @unchecked Sendable {
    // Guarded by `lock`.
    private let lock = NSLock()
    private var sleeper: CheckedContinuation<Void, Never>?
    private var rung = false

    /// Returns after `duration`, or as soon as `ring()` is called (at once if it was called before).
    func sleep(_ duration: Duration) async {
        let (seconds, attoseconds) = duration.components
        let nanoseconds = Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000)
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            lock.lock()
            guard !rung else {
                lock.unlock()
                continuation.resume()
                return
            }
            sleeper = continuation
            lock.unlock()
            DispatchQueue.global().asyncAfter(deadline: .now() + .nanoseconds(nanoseconds)) { self.ring() }
        }
    }

    /// Ends the nap (or the next one, if none has begun). Calling it again does nothing.
    func ring() {
        lock.lock()
        rung = true
        let waking = sleeper
        sleeper = nil
        lock.unlock()
        waking?.resume()
    }
}
